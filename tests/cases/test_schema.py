"""Tests for opening the database and its schema (``bot/cases/schema.py``) on real files.

Belongs here: the new file's mode, connection settings, migrations (applied once, in order, all
or nothing, refused when newer than the code) and the exact tables and columns they create.
Reading and writing sessions, cases and the outbox belong in ``test_store.py``. The fixtures
these tests share are in ``conftest.py``, the constants and plain functions in ``database.py``.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from bot.cases import schema
from bot.cases.store import CaseInfo, SchemaTooNewError, Store
from bot.hashes.items import HashItem
from tests.cases.database import HOUR, KEY, T0, raw, reopen, rows

EXPECTED_COLUMNS = {
    "schema_version": ["version", "name"],
    "sessions": ["key", "data", "expires_at"],
    "cases": [
        "id",
        "number",
        "pin_salt",
        "pin_hash",
        "pin_scrypt_n",
        "route",
        "state",
        "created_on",
        "withdrawn_on",
        "referral",
    ],
    "case_hashes": [
        "case_id",
        "item_index",
        "item_kind",
        "signal",
        "value",
        "withdrawn",
        "quality",
    ],
    "outbox": [
        "id",
        "case_id",
        "kind",
        "state",
        "payload",
        "queued_on",
        "delivered_on",
        "delivered_via",
    ],
    "key_check": ["id", "value"],
    "lookup_guards": ["tag", "failures", "wait_until_hour", "last_hour"],
    "case_quotas": ["tag", "period", "opened"],
    "partners": [
        "id",
        "name",
        "base_path",
        "function_key_hash",
        "subscription_key_hash",
        "created_on",
        "revoked_on",
    ],
    "feed_records": ["id", "signal_type", "hash_value", "status", "modified", "seq"],
    "feed_members": ["record_id", "case_id", "status"],
    "deliveries": ["case_id", "partner", "state", "updated_on"],
    "push_jobs": [
        "id",
        "sink",
        "case_id",
        "kind",
        "state",
        "payload",
        "idempotency_key",
        "attempts",
        "next_attempt",
        "queued_hour",
        "done_on",
    ],
    "push_refs": ["sink", "case_id", "item_index", "signal", "ref"],
    "case_feedback": ["case_id", "partner", "record_id", "value", "updated_on"],
    "seen_reports": ["tag", "expires_at"],
    "referrals": ["id", "name", "code", "lang", "country", "created_on"],
    "referral_counts": ["code", "week", "started", "opened", "withdrawn", "feedback"],
}


async def test_migrates_an_empty_file(store: Store, db_path: Path) -> None:
    expected = [(version, name) for version, name, _ in schema.migrations()]
    assert rows(db_path, "SELECT version, name FROM schema_version") == expected
    with raw(db_path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600


async def test_connection_settings(store: Store, items: tuple[HashItem, ...]) -> None:
    await store.open_case(items, "stopncii", T0)  # a durable write restores NORMAL afterwards
    db = store._db
    for pragma, expected in [("foreign_keys", 1), ("synchronous", 1), ("secure_delete", 1)]:
        async with db.execute(f"PRAGMA {pragma}") as cursor:
            assert await cursor.fetchone() == (expected,), pragma


async def test_reopening_keeps_data_and_does_not_migrate_again(
    db_path: Path, items: tuple[HashItem, ...]
) -> None:
    async with await reopen(db_path) as first:
        credentials = await first.open_case(items, "stopncii", T0)
        await first.save_session(KEY, '{"state": "menu"}', T0 + HOUR)
    async with await reopen(db_path) as second:
        info = await second.lookup_case(credentials.number, credentials.pin, T0)
        assert isinstance(info, CaseInfo)
        assert await second.load_session(KEY, T0) == '{"state": "menu"}'
    assert rows(db_path, "SELECT COUNT(*) FROM schema_version") == [(len(schema.migrations()),)]


async def test_refuses_a_newer_schema(db_path: Path) -> None:
    await (await reopen(db_path)).close()
    with raw(db_path) as db:
        db.execute("INSERT INTO schema_version VALUES (999, '0999_future.sql')")
    with pytest.raises(SchemaTooNewError, match="999"):
        await reopen(db_path)
    assert rows(db_path, "SELECT MAX(version) FROM schema_version") == [(999,)]


async def test_later_migrations_apply_in_order_and_a_failed_one_leaves_nothing(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await (await reopen(db_path)).close()
    shipped = schema.migrations()
    applied = [(version,) for version, _, _ in shipped]
    extra, more = len(shipped) + 1, len(shipped) + 2
    broken = (extra, f"{extra:04d}_extra.sql", "CREATE TABLE extra (x INTEGER) STRICT;\nCREATE (;")
    monkeypatch.setattr(schema, "migrations", lambda: [*shipped, broken])
    with pytest.raises(sqlite3.OperationalError):
        await reopen(db_path)
    assert rows(db_path, "SELECT version FROM schema_version") == applied
    assert rows(db_path, "SELECT name FROM sqlite_master WHERE name = 'extra'") == []

    fixed = (extra, f"{extra:04d}_extra.sql", "CREATE TABLE extra (x INTEGER) STRICT;")
    third = (more, f"{more:04d}_more.sql", "INSERT INTO extra VALUES (3);")
    monkeypatch.setattr(schema, "migrations", lambda: [*shipped, fixed, third])
    await (await reopen(db_path)).close()
    assert rows(db_path, "SELECT version FROM schema_version") == [*applied, (extra,), (more,)]
    assert rows(db_path, "SELECT x FROM extra") == [(3,)]


def test_shipped_migrations_are_numbered_from_one() -> None:
    shipped = schema.migrations()
    assert [version for version, _, _ in shipped] == list(range(1, len(shipped) + 1))
    assert shipped[0][1] == "0001_initial.sql"
    assert "CREATE TABLE cases" in shipped[0][2]


async def test_schema_holds_only_the_expected_columns(store: Store, db_path: Path) -> None:
    with raw(db_path) as db:
        tables = [
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        columns = {
            table: [row[1] for row in db.execute(f"PRAGMA table_info({table})")] for table in tables
        }
        case_types = {row[1]: row[2] for row in db.execute("PRAGMA table_info(cases)")}
    assert columns == EXPECTED_COLUMNS
    assert "REAL" not in case_types.values()  # no precise times on cases
