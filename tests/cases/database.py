"""Constants and plain functions shared by the store, lockout and schema tests.

Belongs here: what those tests import by name: the test pepper and PIN hashing cost, fixed
times, a session key, the hash values the ``items`` fixture holds, and ways to look at the
database file behind the store's back. The fixtures themselves live in ``conftest.py``.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from bot.cases.store import Store

FAST_SCRYPT_N = 16
"""scrypt cost for tests: the formula is the same as in production, only cheaper."""
PEPPER = b"test pepper, 32 bytes long......."
T0 = 1_717_243_200.0
"""2024-06-01T12:00:00Z."""
HOUR = 3600.0
KEY = "a" * 64

PDQ_A = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ_B = "d8f8f0cec0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b23"
MD5_A = "9e107d9d372bb6826bd81d3542a419d6"
MD5_B = "e4d909c290d0fb1ca068ffaddf22cbd0"
MD5_VIDEO = "d41d8cd98f00b204e9800998ecf8427e"


@contextlib.contextmanager
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    """A second, plain connection to the same file, for looking behind the store's back."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        yield db
    finally:
        db.close()


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Run one query on a plain connection to the file and return all its rows."""
    with raw(path) as db:
        return db.execute(sql).fetchall()


def file_bytes(path: Path) -> bytes:
    """The database file and its WAL and shared-memory files, if any."""
    parts = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    return b"".join(part.read_bytes() for part in parts if part.exists())


async def reopen(path: Path) -> Store:
    """Open the store on an existing (or new) file with the test pepper and cost."""
    return await Store.open(path, pepper=PEPPER, scrypt_n=FAST_SCRYPT_N)
