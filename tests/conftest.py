"""Shared fixtures: a real SQLite store in a temp dir, a runtime, and a recording transport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot

from bot.cases.store import Store
from bot.config import Settings, derive_key
from bot.data import load_helplines
from bot.i18n import Catalogs, Rendered
from bot.runtime import Runtime
from tests.telegram_emulator import BotApiEmulator

TEST_SECRET = b"test-secret-0123456789abcdef0123456789"
FAST_SCRYPT_N = 2**4
"""PIN hashing cost in tests; production uses bot.cases.ids.SCRYPT_N."""


@dataclass
class RecordingTransport:
    """A transport that records what was sent, like a tiny test bot would see it."""

    name: str = "test"
    sent: list[tuple[str, Rendered]] = field(default_factory=list)
    deleted: list[tuple[str, str]] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    can_delete: bool = True
    _next_ref: int = 1000

    async def send(self, chat_id: str, message: Rendered) -> str | None:
        self.sent.append((chat_id, message))
        self._next_ref += 1
        return str(self._next_ref)

    async def delete(self, chat_id: str, ref: str) -> bool:
        if self.can_delete:
            self.deleted.append((chat_id, ref))
        return self.can_delete

    async def leave(self, chat_id: str) -> None:
        self.left.append(chat_id)

    def texts(self, chat_id: str | None = None) -> list[str]:
        """Every text sent (to one chat, or all)."""
        return [m.text for c, m in self.sent if chat_id is None or c == chat_id]

    def last(self) -> Rendered:
        """The last message sent."""
        return self.sent[-1][1]


class FakeClock:
    """A clock tests can move."""

    def __init__(self, now: float = 1_764_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    """A clock that only moves when told."""
    return FakeClock()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A real SQLite store in a temp file."""
    opened = await Store.open(
        tmp_path / "reclaim.sqlite3", pepper=derive_key(TEST_SECRET, "pin"), scrypt_n=FAST_SCRYPT_N
    )
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def catalogs() -> Catalogs:
    """The shipped catalogs."""
    return Catalogs.load()


def make_runtime(
    store: Store, catalogs: Catalogs, clock: FakeClock, data_dir: Path, **settings: Any
) -> Runtime:
    """A runtime on ``store`` with the test secret, the shipped helplines and ``clock``;
    ``settings`` are passed to :class:`Settings` beside ``data_dir``."""
    return Runtime(
        store,
        catalogs,
        secret=TEST_SECRET,
        settings=Settings(data_dir=data_dir, **settings),
        helplines=load_helplines(),
        clock=clock,
    )


@pytest.fixture
def runtime(store: Store, catalogs: Catalogs, clock: FakeClock, tmp_path: Path) -> Runtime:
    """A runtime on the temp store with the shipped catalogs and helplines."""
    return make_runtime(store, catalogs, clock, tmp_path)


@pytest.fixture
def transport() -> RecordingTransport:
    """A transport that records everything."""
    return RecordingTransport()


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    """A Bot API emulator on a loopback port, in the test's event loop."""
    async with BotApiEmulator() as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    """A python-telegram-bot ``Bot`` wired to the emulator."""
    async with emu.make_bot() as tg_bot:
        yield tg_bot
