"""The runtime when the database fails: a real full disk, and the person is never met by silence.

The disk is really full: the database lives on a small tmpfs mounted for the test and filled
to the last byte, so SQLite's writes fail with ``SQLITE_FULL`` as on a full server disk. The
same through a real console process is in ``tests/e2e/test_data_at_rest.py``.
"""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.cases.store import Store
from bot.config import derive_key
from bot.engine.events import Command, Event, Start, Text
from bot.i18n import Catalogs
from bot.runtime import Runtime
from bot.transports.console import run_console
from tests.conftest import (
    FAST_SCRYPT_N,
    TEST_SECRET,
    FakeClock,
    RecordingTransport,
    make_runtime,
)
from tests.disk import full, small_filesystem
from tests.samples import CODE, CREDENTIALS

ROUTE = [Text("It's me"), Text("No"), Text("18 or older"), Text("Yes")]
"""Answers to the routing questions, which come before any case."""

SORRY = (
    "Sorry, something went wrong on our side. Nothing you sent before this is lost. "
    "Please try again in a few minutes."
)


@pytest.fixture
async def disk(tmp_path: Path) -> AsyncIterator[Path]:
    """A small filesystem of its own for the test's data directory."""
    with small_filesystem(tmp_path / "disk") as path:
        yield path


@pytest.fixture
async def runtime(disk: Path, catalogs: Catalogs, clock: FakeClock) -> AsyncIterator[Runtime]:
    """A runtime whose database is on ``disk``."""
    store = await Store.open(
        disk / "reclaim.sqlite3", pepper=derive_key(TEST_SECRET, "pin"), scrypt_n=FAST_SCRYPT_N
    )
    try:
        yield make_runtime(store, catalogs, clock, disk)
    finally:
        await store.close()


async def test_a_full_disk_gets_a_kind_reply_and_nothing_is_lost(
    runtime: Runtime,
    transport: RecordingTransport,
    disk: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await runtime.handle(transport, "chat", Start())
    await runtime.handle(transport, "chat", Text("It's me"))
    with full(disk):
        caplog.clear()
        await runtime.handle(transport, "chat", Text("no"))
        assert transport.texts()[-1] == SORRY
        await runtime.handle(transport, "new-chat", Start())
        assert transport.texts("new-chat") == [SORRY]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["the database failed: OperationalError"] * 2  # the type, nothing more
    await runtime.handle(transport, "chat", Text("no"))  # room again: the answer counts
    assert transport.texts()[-1] == "How old were you in the pictures or videos?"


@pytest.mark.parametrize("last", [Text("Open my case"), Command("help")])
async def test_open_my_case_and_help_are_answered_on_a_full_disk(
    runtime: Runtime, transport: RecordingTransport, disk: Path, last: Event
) -> None:
    for event in (Start(), *ROUTE, Text(CODE)):
        await runtime.handle(transport, "chat", event)
    with full(disk):
        await runtime.handle(transport, "chat", last)
        assert transport.texts()[-1] == SORRY
    await runtime.handle(transport, "chat", Text("Open my case"))  # the codes were kept
    assert any(CREDENTIALS.search(text) for text in transport.texts())


async def test_the_console_keeps_running_on_a_full_disk(runtime: Runtime, disk: Path) -> None:
    stdout = io.StringIO()
    with full(disk):
        await run_console(runtime, stdin=io.StringIO("It's me\n/help\n"), stdout=stdout)
    assert stdout.getvalue().count(SORRY) == 3
