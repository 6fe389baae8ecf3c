"""Fixtures for the store, lockout and schema tests: a fresh database file and the items to store.

The ``store`` fixture here replaces the one in ``tests/conftest.py`` for these tests: it opens the
file ``db_path`` names, so a test can also look at that file directly. Constants and plain
functions the tests import by name live in ``database.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.cases.store import Store
from bot.hashes.items import HashItem, ItemKind
from tests.cases.database import (
    FAST_SCRYPT_N,
    MD5_A,
    MD5_B,
    MD5_VIDEO,
    PDQ_A,
    PDQ_B,
    PEPPER,
)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the test's database file lives."""
    return tmp_path / "reclaim.sqlite3"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    """An open store on a fresh file, closed after the test."""
    async with await Store.open(db_path, pepper=PEPPER, scrypt_n=FAST_SCRYPT_N) as opened:
        yield opened


@pytest.fixture
def items() -> tuple[HashItem, ...]:
    """Two images (PDQ and MD5) and one video (MD5 only)."""
    return (
        HashItem(ItemKind.IMAGE, (("pdq", PDQ_A), ("md5", MD5_A))),
        HashItem(ItemKind.IMAGE, (("pdq", PDQ_B), ("md5", MD5_B))),
        HashItem(ItemKind.FILE, (("md5", MD5_VIDEO),)),
    )
