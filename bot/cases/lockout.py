"""Checking a case number and PIN, and locking a case after too many wrong PINs.

Belongs here: the check itself (``authenticate``), counting wrong PINs per case in
``pin_failures``, locking a case in ``case_locks`` and forgiving both after a right PIN, the
lockout limits, and the two ways a check fails (``CaseNotFound``, ``CaseLocked``; re-exported by
``store.py``, where callers import them from). ``fetch_one``, the one-row query the store uses as
well, lives here because the store imports this module and not the other way round.
Does not belong here: the format of case numbers and PINs and how PINs are hashed (``ids.py``),
the connection and its transactions, and what a case holds (``store.py``).

A wrong number and a wrong PIN must look the same from outside, in the result and in the time
taken: an unknown number costs one PIN hash of the same cost as a real case does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Final

import aiosqlite

from bot.cases import ids
from bot.cases.pinwork import run_pin_work

LOCKOUT_FAILURES: Final = 5
"""Wrong PINs for one case within ``LOCKOUT_WINDOW`` seconds that lock it."""
LOCKOUT_WINDOW: Final = 3600.0
LOCKOUT_DURATION: Final = 3600.0

_DUMMY_SALT: Final = bytes(ids.PIN_SALT_BYTES)
_DUMMY_HASH: Final = bytes(ids.PIN_HASH_BYTES)

Transaction = Callable[[], AbstractAsyncContextManager[aiosqlite.Connection]]
"""Opens one transaction under the store's lock and yields the connection."""


@dataclass(frozen=True, slots=True)
class CaseNotFound:
    """No case with this number and PIN (which of the two was wrong is never told)."""


@dataclass(frozen=True, slots=True)
class CaseLocked:
    """Too many wrong PINs: the case answers nothing until ``until`` (Unix time)."""

    until: float


async def authenticate(
    transaction: Transaction,
    number: str,
    pin: str,
    now: float,
    *,
    pepper: bytes,
    scrypt_n: int,
    executor: Executor | None = None,
) -> int | CaseNotFound | CaseLocked:
    """Check a number and PIN; return the case id, or why not.

    Each attempt is counted as a failure *before* the PIN is checked and forgiven if it
    was right, so concurrent guesses cannot slip past the lockout: once the fifth attempt
    within the window has started, the case is locked and no further PIN is even hashed.

    Args:
        transaction: opens a transaction on the store's connection; the PIN is hashed outside
            of it, on ``executor``.
        number: the case number as typed (normalised here).
        pin: the PIN as typed (normalised here).
        now: Unix time, for the lockout.
        pepper: the server secret mixed into every PIN hash.
        scrypt_n: the PIN hashing cost spent on a number that has no case.
        executor: where PIN hashing runs (see ``pinwork.py``); None for the loop's threads.

    Returns:
        The case id; ``CaseNotFound`` for a wrong number or a wrong PIN alike; ``CaseLocked``
        after too many wrong PINs for this case.
    """
    canonical, typed_pin = ids.parse_case_number(number), ids.parse_pin(pin)
    if canonical is None or typed_pin is None:
        return CaseNotFound()  # malformed input: nothing secret to protect, no hashing
    async with transaction() as db:
        case = await _charge_attempt(db, canonical, now)
    if isinstance(case, CaseLocked):
        return case
    if case is None:
        # Spend the same scrypt time as for a real case, so timing does not tell them apart.
        await run_pin_work(
            executor, ids.verify_pin, typed_pin, _DUMMY_SALT, pepper, _DUMMY_HASH, n=scrypt_n
        )
        return CaseNotFound()
    case_id, salt, expected, cost = case
    right = await run_pin_work(executor, ids.verify_pin, typed_pin, salt, pepper, expected, n=cost)
    if not right:
        return CaseNotFound()
    async with transaction() as db:  # right: forgive this case's failures
        for table in ("pin_failures", "case_locks"):
            await db.execute(f"DELETE FROM {table} WHERE case_id = ?", (case_id,))
    return int(case_id)


async def _charge_attempt(
    db: aiosqlite.Connection, number: str, now: float
) -> sqlite3.Row | CaseLocked | None:
    """Count an attempt on case ``number`` as a failure until proven right; lock at the limit.

    Returns:
        ``(id, pin_salt, pin_hash, pin_scrypt_n)`` of the case, ``CaseLocked``, or None if no
        case has this number. Expired failures and locks of every case are dropped on the way.
    """
    await db.execute("DELETE FROM pin_failures WHERE failed_at <= ?", (now - LOCKOUT_WINDOW,))
    await db.execute("DELETE FROM case_locks WHERE locked_until <= ?", (now,))
    case = await fetch_one(
        db, "SELECT id, pin_salt, pin_hash, pin_scrypt_n FROM cases WHERE number = ?", (number,)
    )
    if case is None:
        return None
    lock = await fetch_one(db, "SELECT locked_until FROM case_locks WHERE case_id = ?", (case[0],))
    if lock is not None:
        return CaseLocked(until=float(lock[0]))
    await db.execute("INSERT INTO pin_failures (case_id, failed_at) VALUES (?, ?)", (case[0], now))
    count = await fetch_one(db, "SELECT COUNT(*) FROM pin_failures WHERE case_id = ?", (case[0],))
    if count is not None and count[0] >= LOCKOUT_FAILURES:
        await db.execute(
            "INSERT INTO case_locks (case_id, locked_until) VALUES (?, ?)",
            (case[0], now + LOCKOUT_DURATION),
        )
        await db.execute("DELETE FROM pin_failures WHERE case_id = ?", (case[0],))
    return case


async def fetch_one(
    db: aiosqlite.Connection, sql: str, params: Sequence[object]
) -> sqlite3.Row | None:
    """Run one query and return its first row, or None when it has none."""
    async with db.execute(sql, params) as cursor:
        return await cursor.fetchone()
