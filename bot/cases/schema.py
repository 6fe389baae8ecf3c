"""Opening the bot's SQLite database and bringing its schema up to date.

Belongs here: creating the database file readable by its owner only, the SQLite version the
schema needs, the connection settings every connection runs with (foreign keys, busy timeout,
secure delete, write-ahead logging), and the migration runner: numbered, forward-only SQL files
in ``migrations/NNNN_name.sql``, each applied in one transaction and recorded in
``schema_version``.
Does not belong here: reading or writing sessions, cases or the outbox (``store.py``), and the
SQL of the schema itself, which lives only in the migration files.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from importlib import resources
from typing import Final

import aiosqlite

MIN_SQLITE_VERSION: Final = (3, 37, 0)  # STRICT tables

_MIGRATION_FILE: Final = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer Reclaim than this one."""


async def open_database(path: str | os.PathLike[str]) -> aiosqlite.Connection:
    """Open (creating if needed), configure and migrate the database at ``path``.

    Args:
        path: database file, or ``":memory:"``; a new file is readable by its owner only.

    Returns:
        A connection in autocommit mode (``isolation_level=None``): callers run their own
        transactions.

    Raises:
        RuntimeError: if SQLite is too old or the database cannot use write-ahead logging.
        SchemaTooNewError: if the database comes from a newer Reclaim.
    """
    if sqlite3.sqlite_version_info < MIN_SQLITE_VERSION:
        raise RuntimeError(f"SQLite {sqlite3.sqlite_version} is too old; 3.37 is needed")
    if os.fspath(path) != ":memory:":  # owner-only file; SQLite gives the WAL the same mode
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    db = await aiosqlite.connect(os.fspath(path), isolation_level=None)
    try:
        await configure(db)
        await migrate(db)
    except BaseException:
        await db.close()
        raise
    return db


async def configure(db: aiosqlite.Connection) -> None:
    """Apply the settings every connection to the database runs with."""
    await db.execute("PRAGMA foreign_keys = ON")
    await db.execute("PRAGMA busy_timeout = 5000")
    # Deleted sessions and cleared hash values are overwritten, not left in free pages.
    await db.execute("PRAGMA secure_delete = ON")
    modes = list(await db.execute_fetchall("PRAGMA journal_mode = WAL"))
    if not modes or str(modes[0][0]).lower() != "wal":
        raise RuntimeError("the database cannot use write-ahead logging")
    await db.execute("PRAGMA synchronous = NORMAL")


def migrations() -> list[tuple[int, str, str]]:
    """Return ``(version, file name, SQL)`` for every migration, checked to run 1, 2, 3 ..."""
    folder = resources.files("bot.cases").joinpath("migrations")
    found: list[tuple[int, str, str]] = []
    for entry in folder.iterdir():
        match = _MIGRATION_FILE.fullmatch(entry.name)
        if match is None:
            if entry.name.endswith(".sql"):
                raise RuntimeError(f"badly named migration {entry.name!r}")
            continue
        found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    if [version for version, _, _ in found] != list(range(1, len(found) + 1)):
        raise RuntimeError("migrations must be numbered 0001, 0002, ... without gaps")
    return found


async def schema_version(db: aiosqlite.Connection) -> int:
    """Return the highest migration applied to the database, 0 for none."""
    rows = list(await db.execute_fetchall("SELECT COALESCE(MAX(version), 0) FROM schema_version"))
    return int(rows[0][0]) if rows else 0


async def migrate(db: aiosqlite.Connection) -> None:
    """Bring the schema up to date, one migration per transaction.

    Raises:
        SchemaTooNewError: if the database has migrations this Reclaim does not know.
    """
    await db.execute(
        "CREATE TABLE IF NOT EXISTS schema_version "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT"
    )
    known = migrations()
    current = await schema_version(db)
    if current > len(known):
        raise SchemaTooNewError(
            f"database schema version {current} is newer than this Reclaim knows "
            f"({len(known)}); upgrade Reclaim or use a matching database"
        )
    for version, name, sql in known[current:]:
        # executescript() commits any open transaction first, so BEGIN goes in the script.
        # File names are checked against a strict pattern, so quoting them here is safe.
        script = (
            f"BEGIN IMMEDIATE;\n{sql}\n"
            f"INSERT INTO schema_version (version, name) VALUES ({version}, '{name}');\nCOMMIT;"
        )
        try:
            await db.executescript(script)
        except sqlite3.Error:
            if db.in_transaction:
                await db.execute("ROLLBACK")
            if await schema_version(db) >= version:
                continue  # another process applied it first
            raise
