"""``reclaim helpline add|list|stats`` run as a person would, in a subprocess on real files."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
from pathlib import Path

import pytest

from bot.cases import referrals, schema
from tests.commands import run_reclaim

NOW = 1_764_000_000.0
LINK = re.compile(r"^Telegram link: https://t\.me/reclaim_test_bot\?start=(\S+)$", re.MULTILINE)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """An environment with only a data directory and the bot's username configured."""
    values = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("RECLAIM_", "TELEGRAM_")) and k != "TX_STOPNCII_KEYS"
    }
    values["RECLAIM_DATA_DIR"] = str(tmp_path / "data")
    values["TELEGRAM_BOT_USERNAME"] = "@reclaim_test_bot"
    return values


def _database(env: dict[str, str]) -> Path:
    return Path(env["RECLAIM_DATA_DIR"]) / "reclaim.sqlite3"


def test_add_prints_the_deep_link_and_the_words_for_other_platforms(env: dict[str, str]) -> None:
    done = run_reclaim(
        "helpline", "add", "Revenge Porn Helpline", "--lang", "en", "--country", "gb", env=env
    )
    assert done.returncode == 0, done.stderr
    found = LINK.search(done.stdout)
    assert found, done.stdout
    payload = found.group(1)
    code = re.fullmatch(r"en-r_([A-Za-z0-9]{10,})", payload)
    assert code, payload
    assert f"send the bot this message: /start {payload}" in done.stdout
    with sqlite3.connect(_database(env)) as db:
        stored = db.execute("SELECT name, code, lang, country FROM referrals").fetchall()
    assert stored == [("Revenge Porn Helpline", code.group(1), "en", "GB")]

    listed = run_reclaim("helpline", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert f"Revenge Porn Helpline: code {code.group(1)} (en, GB)" in listed.stdout
    assert f"https://t.me/reclaim_test_bot?start={payload}" in listed.stdout


def test_without_the_bot_username_the_payload_and_how_to_link_it_are_printed(
    env: dict[str, str],
) -> None:
    del env["TELEGRAM_BOT_USERNAME"]
    done = run_reclaim("helpline", "add", "Line", env=env)
    assert done.returncode == 0, done.stderr
    payload = re.search(r"^Start payload: (r_[A-Za-z0-9]+)$", done.stdout, re.MULTILINE)
    assert payload, done.stdout
    assert "TELEGRAM_BOT_USERNAME" in done.stdout
    assert f"https://t.me/<the bot's username>?start={payload.group(1)}" in done.stdout


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (["--lang", "xx"], "no messages in 'xx'"),
        (["--country", "GBR"], "two letters"),
    ],
)
def test_bad_arguments_are_refused_in_one_line(
    env: dict[str, str], args: list[str], why: str
) -> None:
    done = run_reclaim("helpline", "add", "Line", *args, env=env)
    assert done.returncode == 2
    assert done.stderr.startswith("reclaim: ")
    assert why in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_name_gets_one_code(env: dict[str, str]) -> None:
    assert run_reclaim("helpline", "add", "Line", env=env).returncode == 0
    again = run_reclaim("helpline", "add", "Line", env=env)
    assert again.returncode == 2
    assert "already has a code" in again.stderr


def test_stats_hide_small_counts(env: dict[str, str]) -> None:
    done = run_reclaim("helpline", "add", "Line", env=env)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(_database(env)) as db:
        (code,) = db.execute("SELECT code FROM referrals").fetchone()
    asyncio.run(_count(_database(env), code))
    stats = run_reclaim("helpline", "stats", env=env)
    assert stats.returncode == 0, stats.stderr
    lines = stats.stdout.splitlines()
    assert lines[0].split() == ["helpline", "week", "started", "opened", "withdrawn", "feedback"]
    week = referrals.iso_week(NOW)
    assert lines[1].split() == ["Line", week, "7", "<5", "0", "<5"]
    assert "Counts from 1 to 4 are shown as <5." in stats.stdout
    assert code not in stats.stdout  # the helpline is named, its code is not needed here


async def _count(path: Path, code: str) -> None:
    """Counts as the bot makes them: seven starts, four cases, one answer."""
    db = await schema.open_database(path)
    try:
        for counter, times in (("started", 7), ("opened", 4), ("feedback", 1)):
            for _ in range(times):
                await referrals.bump(db, code, counter, NOW)  # type: ignore[arg-type]
    finally:
        await db.close()
