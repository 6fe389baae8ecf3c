"""``reclaim relay status`` and ``reclaim relay retry-dead [SINK]`` as an operator runs them.

Each command is a real process on a data directory the test fills: cases opened and dispatched
through the store, and one partner's deliveries turned into dead letters the way a worker does
(a try failing after the dead-letter period). The status prints counts only and exits 1 while
there are dead letters; retry-dead queues them again, for one partner or all. With no relay
running, the status shows the breakers the last relay saved, and when it saved them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import os
import sqlite3
from pathlib import Path

from bot.cases.store import CaseCredentials, Store
from bot.config import Settings, SinkSettings, derive_key
from bot.hashes.items import HashItem, ItemKind
from bot.relay import dispatch, jobs
from bot.relay.runner import relay_running, state_path
from tests.commands import run_reclaim
from tests.relay.sinks.partners import closed_port
from tests.relay.test_runner import FAST, eventually

NOW = 1_764_000_000.0
CASES = 3


def relay_env(tmp_path: Path, hook_url: str) -> dict[str, str]:
    config = tmp_path / "reclaim.toml"
    config.write_text(
        "[[partners]]\n"
        f'name = "Hotline"\nkind = "webhook"\nurl = "{hook_url}"\nsecret_env = "HOOK_SECRET"\n\n'
        "[[partners]]\n"
        f'name = "Export"\nkind = "file"\npath = "{tmp_path / "exports"}"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "RECLAIM_"))}
    env.update(
        RECLAIM_DATA_DIR=str(tmp_path / "data"),
        RECLAIM_CONFIG=str(config),
        HOOK_SECRET="webhook-secret",
    )
    return env


def pdq(n: int) -> str:
    return f"{n + 1:064x}"


async def dispatched_with_dead_letters(database: Path, dead_sinks: tuple[str, ...]) -> None:
    """Open and dispatch the cases; every job of ``dead_sinks`` fails past its dead line."""
    secret = (database.parent / "secret.key").read_bytes()
    store = await Store.open(database, pepper=derive_key(secret, "pin"), scrypt_n=2**4)
    try:
        for n in range(CASES):
            item = HashItem(ItemKind.IMAGE, (("pdq", pdq(n)),))
            assert isinstance(await store.open_case([item], "stopncii", NOW), CaseCredentials)
        await dispatch.dispatch_pending(store, NOW, sinks=["Hotline", "Export"])
        later = NOW + 73 * 3600
        for sink in dead_sinks:
            for job in await jobs.due(store, sink, NOW):
                assert await jobs.mark_failed(store, job, later, later, dead_after_hours=72)
    finally:
        await store.close()


def table(database: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(database) as conn:
        return [tuple(r) for r in conn.execute(sql).fetchall()]


def test_status_counts_dead_letters_and_exits_1_until_retry_dead_queues_them(
    tmp_path: Path,
) -> None:
    env = relay_env(tmp_path, f"{closed_port()}/hook")
    database = tmp_path / "data" / "reclaim.sqlite3"
    first = run_reclaim("relay", "status", env=env)  # makes the database
    assert first.returncode == 0, first.stderr
    assert "Hotline (webhook): 0 queued, 0 delivered, 0 dead, 0 cancelled" in first.stdout
    asyncio.run(dispatched_with_dead_letters(database, ("Hotline",)))

    status = run_reclaim("relay", "status", env=env)
    assert status.returncode == 1, status.stderr
    assert status.stdout.splitlines() == [
        "relay: not running",
        "  Hotline (webhook): 0 queued, 0 delivered, 3 dead, 0 cancelled; breaker unknown",
        "  Export (file): 3 queued, 0 delivered, 0 dead, 0 cancelled; breaker unknown",
        "outbox: 0 waiting to be dispatched",
        "warning: 3 dead letters; `reclaim relay retry-dead [SINK]` queues them again",
    ]
    assert not any(pdq(n) in status.stdout + status.stderr for n in range(CASES))
    assert table(database, "SELECT DISTINCT state FROM deliveries WHERE partner = 'Hotline'") == [
        ("failed",)
    ]

    other = run_reclaim("relay", "retry-dead", "Export", env=env)
    assert (other.returncode, other.stdout) == (0, "0 dead letters queued again\n")
    assert run_reclaim("relay", "status", env=env).returncode == 1

    retried = run_reclaim("relay", "retry-dead", "Hotline", env=env)
    assert (retried.returncode, retried.stdout) == (0, "3 dead letters queued again\n")
    assert table(
        database, "SELECT state, attempts, COUNT(*) FROM push_jobs WHERE sink = 'Hotline'"
    ) == [("queued", 0, 3)]
    assert table(database, "SELECT DISTINCT state FROM deliveries WHERE partner = 'Hotline'") == [
        ("queued",)
    ]
    after = run_reclaim("relay", "status", env=env)
    assert after.returncode == 0, after.stderr
    assert "  Hotline (webhook): 3 queued, 0 delivered, 0 dead, 0 cancelled" in after.stdout
    assert "warning" not in after.stdout


def test_retry_dead_without_a_sink_queues_every_partners_dead_letters(tmp_path: Path) -> None:
    env = relay_env(tmp_path, f"{closed_port()}/hook")
    database = tmp_path / "data" / "reclaim.sqlite3"
    assert run_reclaim("relay", "status", env=env).returncode == 0
    asyncio.run(dispatched_with_dead_letters(database, ("Hotline", "Export")))
    status = run_reclaim("relay", "status", env=env)
    assert status.returncode == 1
    assert "warning: 6 dead letters" in status.stdout

    retried = run_reclaim("relay", "retry-dead", env=env)
    assert (retried.returncode, retried.stdout) == (0, "6 dead letters queued again\n")
    assert table(database, "SELECT sink, state, COUNT(*) FROM push_jobs GROUP BY 1, 2") == [
        ("Export", "queued", 3),
        ("Hotline", "queued", 3),
    ]
    assert run_reclaim("relay", "status", env=env).returncode == 0


def test_retry_dead_for_a_partner_not_in_the_settings_is_refused_in_one_line(
    tmp_path: Path,
) -> None:
    env = relay_env(tmp_path, f"{closed_port()}/hook")
    refused = run_reclaim("relay", "retry-dead", "Nobody", env=env)
    assert refused.returncode == 2
    assert refused.stderr == "reclaim: there is no push partner named 'Nobody' in the settings\n"


def test_a_webhook_over_plain_http_to_another_machine_stops_the_relay_in_one_line(
    tmp_path: Path,
) -> None:
    env = relay_env(tmp_path, "http://hotline.example.org/reclaim")
    for command in (("relay",), ("relay", "status")):
        refused = run_reclaim(*command, env=env, timeout=30)
        assert refused.returncode == 2
        (line,) = refused.stderr.splitlines()
        assert line.startswith("reclaim: partner 'Hotline' in ")
        assert "a webhook's url must be an https:// address" in line
    assert not (tmp_path / "data" / "reclaim.sqlite3").exists()


async def relay_until_the_breaker_opens(database: Path, hook_url: str, exports: Path) -> None:
    """Run a relay on the data directory until the webhook's breaker opens (and the export has
    every case), then stop it."""
    secret = (database.parent / "secret.key").read_bytes()
    store = await Store.open(database, pepper=derive_key(secret, "pin"), scrypt_n=2**4)
    settings = Settings(
        data_dir=database.parent,
        sinks=(
            SinkSettings("Hotline", "webhook", url=hook_url, secret_env="HOOK_SECRET"),
            SinkSettings("Export", "file", path=exports),
        ),
    )
    tuning = dataclasses.replace(FAST, breaker_threshold=2, breaker_cooldown=600.0)
    try:
        for n in range(CASES):
            item = HashItem(ItemKind.IMAGE, (("pdq", pdq(n)),))
            assert isinstance(await store.open_case([item], "stopncii", NOW), CaseCredentials)
        env = {"HOOK_SECRET": "webhook-secret"}
        async with relay_running(store, secret, settings, env=env, tuning=tuning) as relay:

            async def opened() -> bool:
                hotline = relay.workers.get("Hotline")
                if hotline is None or hotline.breaker.state != "open":
                    return False
                counts = {c.sink: c for c in await jobs.counts(store, ["Export"])}
                return counts["Export"].delivered == CASES

            await eventually(opened, "the webhook's breaker opens and the export is written")
    finally:
        await store.close()


def test_status_without_a_relay_shows_the_breakers_as_last_saved_and_when(
    tmp_path: Path,
) -> None:
    hook_url = f"{closed_port()}/hook"
    env = relay_env(tmp_path, hook_url)
    database = tmp_path / "data" / "reclaim.sqlite3"
    assert run_reclaim("relay", "status", env=env).returncode == 0  # makes the database
    before = run_reclaim("relay", "status", env=env)
    assert before.stdout.splitlines()[0] == "relay: not running"  # no relay ever saved any
    assert "breaker unknown" in before.stdout

    asyncio.run(relay_until_the_breaker_opens(database, hook_url, tmp_path / "exports"))
    saved = json.loads(state_path(database).read_text(encoding="utf-8"))
    when = dt.datetime.fromtimestamp(saved["updated"], tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S")

    status = run_reclaim("relay", "status", env=env)
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert lines[0] == f"relay: not running; breakers as last saved at {when} UTC"
    assert lines[1].startswith("  Hotline (webhook): 3 queued, 0 delivered, 0 dead")
    assert lines[1].endswith("; breaker open")
    assert lines[2] == "  Export (file): 0 queued, 3 delivered, 0 dead, 0 cancelled; breaker closed"
