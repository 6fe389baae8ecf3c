"""Does the server secret belong to this database?

Every case's PIN hash and every session key is made with keys derived from the server secret.
Start with another secret (the file lost, ``RECLAIM_SECRET`` changed, a database copied without
its secret) and every case becomes unreachable, with nothing to say why. So the database keeps
a *key check*: an HMAC of a fixed label under a key derived from the secret, written on the
first start. A later start compares, and refuses to run with a secret that does not match.

Belongs here: the key check value, the pure rule for what a start may do (:func:`decide`, a
small table), and reading and writing the ``key_check`` row on a short connection of its own.
Does not belong here: where the secret comes from or how a new one is written
(``bot/secretfile.py``), and the rest of the database (``store.py``).

Design choice: the check opens its own connection before the store is opened. The store needs
the PIN pepper to open, and the pepper comes from the secret this check is about; checking
first means a wrong secret never touches the store, and a new secret is minted only for a
database that has never been used.

A database made before the key check existed has cases but no key check: it gets one written
with the secret it runs with on its first start. If its secret file is missing, the start is
refused instead, since a new secret could not open any of its cases.
"""

from __future__ import annotations

import enum
import hmac
import os
from hashlib import sha256
from typing import Final

import aiosqlite

from bot.cases import schema
from bot.config import derive_key

LABEL: Final = b"reclaim key check v1"


class Verdict(enum.Enum):
    """What a start may do, given the database and the secret it has."""

    MATCH = "match"
    """The secret is the database's own: run."""
    RECORD = "record"
    """The database has no key check yet: write one for this secret, then run."""
    NEW_DATABASE = "new database"
    """No secret yet and a database never used: make a secret, then record its check."""
    SECRET_MISSING = "secret missing"
    """No secret, but the database has been used: refuse (a new one would open nothing)."""
    WRONG_SECRET = "wrong secret"
    """The secret is not the one the database was made with: refuse."""


def check_value(secret: bytes) -> bytes:
    """The key check of ``secret`` (32 bytes)."""
    return hmac.new(derive_key(secret, "key-check"), LABEL, sha256).digest()


def decide(stored: bytes | None, has_cases: bool, expected: bytes | None) -> Verdict:
    """The rule, without I/O.

    Args:
        stored: the key check in the database, None if it has none.
        has_cases: whether the database holds any case.
        expected: the key check of the secret at hand, None if there is no secret yet.
    """
    if expected is None:
        used = stored is not None or has_cases
        return Verdict.SECRET_MISSING if used else Verdict.NEW_DATABASE
    if stored is None:
        return Verdict.RECORD
    return Verdict.MATCH if hmac.compare_digest(stored, expected) else Verdict.WRONG_SECRET


async def check_database(path: str | os.PathLike[str], secret: bytes | None) -> Verdict:
    """Open (creating and migrating if needed) the database at ``path`` and check ``secret``.

    On :attr:`Verdict.RECORD` the key check is written before returning, and the verdict
    returned is then :attr:`Verdict.MATCH` or, if another process recorded a different secret
    first, :attr:`Verdict.WRONG_SECRET`.

    Raises:
        OSError, sqlite3.Error, RuntimeError: the database cannot be opened (see
            ``schema.open_database``).
    """
    expected = None if secret is None else check_value(secret)
    # A file SQLite cannot open (a folder, no permission) fails here, before aiosqlite starts
    # its thread: after a failed connect that thread reports to the event loop later, and a
    # start refused at once has closed the loop by then, so it would print a traceback.
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    db = await schema.open_database(path)
    try:
        verdict = decide(await _stored(db), await _has_cases(db), expected)
        if verdict is not Verdict.RECORD:
            return verdict
        assert expected is not None
        await db.execute(
            "INSERT INTO key_check (id, value) VALUES (1, ?) ON CONFLICT DO NOTHING", (expected,)
        )
        return decide(await _stored(db), True, expected)
    finally:
        await db.close()


async def _stored(db: aiosqlite.Connection) -> bytes | None:
    rows = list(await db.execute_fetchall("SELECT value FROM key_check WHERE id = 1"))
    return bytes(rows[0][0]) if rows else None


async def _has_cases(db: aiosqlite.Connection) -> bool:
    rows = list(await db.execute_fetchall("SELECT EXISTS (SELECT 1 FROM cases)"))
    return bool(rows[0][0])
