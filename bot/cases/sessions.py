"""Conversation sessions, in a database file of their own, written on the event loop's thread.

Belongs here: the sessions file (``<database>.sessions.sqlite3`` beside the main database), its
settings and its one table, and reading, writing and erasing sessions in it so that no byte of
an erased session remains (secure delete, then the write-ahead log checkpointed and truncated).
Does not belong here: what a session holds (``bot/engine/session.py``), the keys sessions are
stored under (``bot/chatkeys.py``), and everything about cases (``store.py``).

Why a file of its own, used without a database thread: every message stores its session before
the reply is sent (write-ahead, see ``bot/runtime.py``), twice when replies' message ids are
recorded for ``/forget``. Through aiosqlite each write is a round trip to the database thread,
about 0.2 ms of wall time on one core: more than half of what a message cost. A plain
``sqlite3`` connection does the same upsert in about 25 microseconds of CPU, so the bot does it
right on the event loop. It cannot do that in the main database: a write there waiting for the
case writer's lock would stall the loop, and the case writer's transactions need the loop to
finish. In a file of its own, only the bot's process writes; the relay never opens it.

The cost of the choice: a write blocks the loop while it runs. Commits are not fsynced
(``synchronous = NORMAL``, as in the main database: a power cut may lose the last messages'
state, never the file), so a write is a copy into the page cache, and the automatic checkpoint
every thousand or so pages costs one fsync. Erasing (``/forget``, expiry) costs a checkpoint
with an fsync, as in the main database.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from pathlib import Path
from typing import Final

__all__ = ["SCHEMA_VERSION", "SessionFile", "sessions_path"]

log = logging.getLogger(__name__)

SCHEMA_VERSION: Final = 1
"""This file's schema (``PRAGMA user_version``); a newer one is refused."""

_BUSY_MS: Final = 200
"""How long a write waits for another writer. Only one bot process uses a data directory, so
a wait means something is wrong; it must not stall the loop for long."""

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS sessions (
    key TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    expires_at REAL NOT NULL
) STRICT;
"""
"""No index on ``expires_at``: it would double what every message writes (measured: 37 against
74 microseconds an upsert), for the purge every quarter of an hour, which reads the table
through in a few milliseconds even with a hundred thousand conversations."""


def sessions_path(database: str | os.PathLike[str]) -> str:
    """The sessions file that belongs to the main database at ``database``."""
    if os.fspath(database) == ":memory:":
        return ":memory:"
    path = Path(database)
    return os.fspath(path.with_name(f"{path.stem}.sessions{path.suffix or '.sqlite3'}"))


class SessionFile:
    """The sessions table, used synchronously. Create with :meth:`open`."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    @classmethod
    def open(cls, path: str) -> SessionFile:
        """Open (creating, readable by its owner only) the sessions file at ``path``.

        Raises:
            RuntimeError: if the file cannot use write-ahead logging or is from a newer Reclaim.
            sqlite3.Error: if it cannot be opened.
        """
        if path != ":memory:":
            with contextlib.suppress(FileExistsError):
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            db.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
            db.execute("PRAGMA secure_delete = ON")
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()
            if path != ":memory:" and (mode is None or str(mode[0]).lower() != "wal"):
                raise RuntimeError("the sessions file cannot use write-ahead logging")
            db.execute("PRAGMA synchronous = NORMAL")
            (version,) = db.execute("PRAGMA user_version").fetchone()
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"the sessions file {path} comes from a newer Reclaim (schema {version})"
                )
            db.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}COMMIT;")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            db.close()
            raise
        return cls(db)

    def close(self) -> None:
        """Close the file (SQLite checkpoints the WAL into it and removes the log)."""
        self._db.close()

    def load(self, key: str, now: float) -> str | None:
        """The data under ``key``, or None if absent or expired (then erased)."""
        row = self._db.execute(
            "SELECT data, expires_at FROM sessions WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        if row[1] <= now:
            self.delete(key)
            return None
        return str(row[0])

    def save(self, key: str, data: str, expires_at: float) -> None:
        """Create or replace the session under ``key``."""
        self._db.execute(
            "INSERT INTO sessions (key, data, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET data = excluded.data, "
            "expires_at = excluded.expires_at",
            (key, data, expires_at),
        )

    def save_many(self, rows: list[tuple[str, str, float]]) -> None:
        """Store several sessions in one transaction (moving them from an older database)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany(
                "INSERT INTO sessions (key, data, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO NOTHING",
                rows,
            )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def delete(self, key: str) -> None:
        """Erase the session under ``key``, if any, leaving no copy in any file."""
        self._db.execute("DELETE FROM sessions WHERE key = ?", (key,))
        self.scrub()

    def purge(self, now: float) -> int:
        """Erase every session expired at ``now``; returns how many."""
        removed = self._db.execute("DELETE FROM sessions WHERE expires_at <= ?", (now,)).rowcount
        if removed:
            self.scrub()
        return int(removed)

    def scrub(self) -> None:
        """Copy the write-ahead log into the file and empty it.

        Every write of a session appends a new copy of its page to the log, so the log holds
        earlier versions of a conversation until it is checkpointed and truncated; with
        ``secure_delete`` the erased row is zeroed in the page the checkpoint writes back.
        """
        row = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if row and row[0]:
            log.warning("the sessions write-ahead log could not be emptied (a reader held it)")
