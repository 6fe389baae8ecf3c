"""The file sink: daily JSON Lines, owner-only, the webhook's document on each line."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from bot.config import Settings, SinkSettings
from bot.relay.sinks import build_sinks
from bot.relay.sinks.document import document, reference_key
from bot.relay.sinks.jsonl import JsonlSink, export_path
from tests.relay.sinks.jobmaker import make_job

SECRET = b"server-secret-0123456789abcdef0123"
DAY = 1_764_000_000.0  # 2025-11-24 UTC


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_each_job_is_one_synced_line_in_the_days_file(tmp_path: Path) -> None:
    folder = tmp_path / "exports" / "Hotline"
    sink = JsonlSink("Hotline", folder, SECRET, clock=lambda: DAY)
    job = make_job("Hotline")
    assert (await sink.deliver(job)).ok
    assert (await sink.deliver(make_job("Hotline", "withdraw", key="b" * 32))).ok
    path = folder / "2025-11-24.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0] == document(job, reference_key(SECRET))
    assert [line["event"] for line in lines] == ["case_opened", "case_withdrawn"]
    assert mode(folder) == 0o700
    assert mode(path) == 0o600


async def test_a_new_utc_day_starts_a_new_file(tmp_path: Path) -> None:
    now = [DAY]
    sink = JsonlSink("Hotline", tmp_path, SECRET, clock=lambda: now[0])
    await sink.deliver(make_job("Hotline"))
    now[0] = DAY + 86400
    await sink.deliver(make_job("Hotline", key="c" * 32))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2025-11-24.jsonl", "2025-11-25.jsonl"]
    assert export_path(tmp_path, DAY + 86400).name == "2025-11-25.jsonl"


async def test_a_repeat_after_a_crash_is_a_second_line_with_the_same_key(tmp_path: Path) -> None:
    sink = JsonlSink("Hotline", tmp_path, SECRET, clock=lambda: DAY)
    job = make_job("Hotline")
    await sink.deliver(job)
    await sink.deliver(job)  # what a crash between the write and the mark leads to
    keys = [json.loads(x)["idempotency_key"] for x in export_path(tmp_path, DAY).open()]
    assert keys == [job.idempotency_key] * 2


async def test_a_folder_that_cannot_be_written_fails_the_try(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    sink = JsonlSink("Hotline", blocked / "exports", SECRET, clock=lambda: DAY)
    outcome = await sink.deliver(make_job("Hotline"))
    assert not outcome.ok
    assert outcome.reason


def test_without_a_path_exports_go_under_the_data_directory(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, sinks=(SinkSettings("Hotline", "file"),))
    (sink,) = build_sinks(settings, SECRET, {})
    assert isinstance(sink, JsonlSink)
    assert sink.folder == tmp_path / "exports" / "Hotline"
