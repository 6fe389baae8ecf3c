"""The key check: a start knows whether its secret is the one the database was made with."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cases import keycheck
from bot.cases.keycheck import Verdict, check_database, check_value, decide
from bot.cases.store import Store
from bot.config import derive_key
from bot.hashes.items import HashItem
from tests.cases.database import FAST_SCRYPT_N, T0, raw, rows

SECRET = b"the right secret, 32 bytes or more...."
OTHER = b"another secret, also 32 bytes or more."


@pytest.mark.parametrize(
    ("stored", "has_cases", "expected", "verdict"),
    [
        (None, False, None, Verdict.NEW_DATABASE),
        (None, True, None, Verdict.SECRET_MISSING),
        (check_value(SECRET), False, None, Verdict.SECRET_MISSING),
        (None, False, check_value(SECRET), Verdict.RECORD),
        (None, True, check_value(SECRET), Verdict.RECORD),
        (check_value(SECRET), True, check_value(SECRET), Verdict.MATCH),
        (check_value(SECRET), True, check_value(OTHER), Verdict.WRONG_SECRET),
        (check_value(SECRET), False, check_value(OTHER), Verdict.WRONG_SECRET),
    ],
)
def test_the_rule(
    stored: bytes | None, has_cases: bool, expected: bytes | None, verdict: Verdict
) -> None:
    assert decide(stored, has_cases, expected) is verdict


def test_the_value_depends_on_the_secret_only() -> None:
    assert check_value(SECRET) == check_value(SECRET)
    assert check_value(SECRET) != check_value(OTHER)
    assert len(check_value(SECRET)) == 32
    # Not any of the keys the secret is used for.
    assert check_value(SECRET) not in {derive_key(SECRET, p) for p in ("pin", "session")}
    assert keycheck.LABEL not in check_value(SECRET)


async def test_a_new_database_is_recorded_then_matched(tmp_path: Path) -> None:
    db = tmp_path / "reclaim.sqlite3"
    assert await check_database(db, None) is Verdict.NEW_DATABASE
    assert rows(db, "SELECT COUNT(*) FROM key_check") == [(0,)]
    assert await check_database(db, SECRET) is Verdict.MATCH
    assert rows(db, "SELECT value FROM key_check") == [(check_value(SECRET),)]
    assert await check_database(db, SECRET) is Verdict.MATCH


async def test_another_secret_or_none_is_refused_once_recorded(tmp_path: Path) -> None:
    db = tmp_path / "reclaim.sqlite3"
    assert await check_database(db, SECRET) is Verdict.MATCH
    assert await check_database(db, OTHER) is Verdict.WRONG_SECRET
    assert await check_database(db, None) is Verdict.SECRET_MISSING
    assert rows(db, "SELECT value FROM key_check") == [(check_value(SECRET),)]


async def test_a_database_from_before_the_check_gets_one_with_its_secret(
    tmp_path: Path, items: tuple[HashItem, ...]
) -> None:
    db = tmp_path / "reclaim.sqlite3"
    pepper = derive_key(SECRET, "pin")
    async with await Store.open(db, pepper=pepper, scrypt_n=FAST_SCRYPT_N) as store:
        await store.open_case(items, "stopncii", T0)
    with raw(db) as conn:
        conn.execute("DELETE FROM key_check")  # as a database made before 0002 has it
    assert await check_database(db, None) is Verdict.SECRET_MISSING
    assert await check_database(db, SECRET) is Verdict.MATCH
    assert await check_database(db, OTHER) is Verdict.WRONG_SECRET
