"""Checking a case number and PIN, with guards that make guessing PINs hopeless.

Belongs here: the check itself (``authenticate``), the guards in ``lookup_guards`` (per typed
number and per chat), their limits, and the two ways a check fails (``CaseNotFound``,
``TryLater``; re-exported by ``store.py``, where callers import them from). ``fetch_one``, the
one-row query the store uses as well, lives here because the store imports this module and not
the other way round.
Does not belong here: the format of case numbers and PINs and how PINs are hashed (``ids.py``),
the connection and its transactions, and what a case holds (``store.py``).

Design
------
A PIN has 10**6 values, so what protects a case is how many guesses anyone can make. Two guards
count wrong tries, each row keyed by an HMAC so the table names nobody and no number:

* **per typed number**: ``HMAC(pepper-derived key, canonical number)``, kept *whether or not a
  case has that number*. A made-up number gets exactly the same answers, the same waits and the
  same scrypt work as a real one, so no answer ("wait", "not found") tells them apart. Today's
  "locked" answer, given only for numbers that exist, is gone.
* **per chat**: a keyed hash of the chat's session key (computed by the runtime with its own
  purpose), stored here and not in the session, so ``/forget`` does not lift it.

Each guard allows ``FREE_FAILURES`` wrong tries; after that every wrong try makes the next one
wait ``2 ** (failures - FREE_FAILURES)`` hours, at most ``MAX_WAIT_HOURS``. Waits run to the
start of an hour: only hour numbers (Unix time // 3600) are stored, the finest time the purpose
needs. A right PIN forgives both guards. A guard is forgotten ``MEMORY_HOURS`` after its last
wrong try. Each try is charged *before* the PIN is hashed and forgiven if it was right, so
concurrent guesses cannot slip past a guard.

Arithmetic (a number known to the guesser): 5 tries at once, 5 more within 1 + 2 + 4 + 8 + 16 =
31 hours, then one a day: about 5 + 5 + (8760 - 31) / 23 ≈ 390 tries a year (a wait of 24 hours
may end up to an hour early), so the chance of finding the PIN is under 0.04 % a year, against
about 4.4 % before (5 an hour). Many chats do not help, as the number's guard is shared by all
of them; one chat is held to the same rate by its own guard, across every number it tries.
Waiting ``MEMORY_HOURS`` for a fresh start gives at most 10 tries per 31 + 720 hours (about 117
a year), which is fewer. Guessing the number itself as well (60 random bits) is hopeless.

What this costs the owner: after someone else's wrong tries, the owner too may have to wait,
at most a day at a time, and sees the same kind "try again later" as anyone; a case is never
locked for good. Someone who holds the number and tries at every moment allowed can still take
each day's one try before the owner does: that is the price of not being able to tell the
owner from a guesser by anything but the PIN.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Final

import aiosqlite

from bot.cases import ids
from bot.cases.pinwork import run_pin_work

FREE_FAILURES: Final = 5
"""Wrong tries a guard allows before each further one makes the next wait."""
MAX_WAIT_HOURS: Final = 24
MEMORY_HOURS: Final = 30 * 24
"""A guard is forgotten this long after its last wrong try."""
HOUR: Final = 3600

_DUMMY_SALT: Final = bytes(ids.PIN_SALT_BYTES)
_DUMMY_HASH: Final = bytes(ids.PIN_HASH_BYTES)

Transaction = Callable[[], AbstractAsyncContextManager[aiosqlite.Connection]]
"""Opens one transaction under the store's lock and yields the connection."""


@dataclass(frozen=True, slots=True)
class CaseNotFound:
    """No case with this number and PIN (which of the two was wrong is never told).

    Attributes:
        wait_until: Unix time before which the next try will not be checked (0 when the next
            try may come at once); the same for a made-up number as for a real one.
    """

    wait_until: float = 0.0


@dataclass(frozen=True, slots=True)
class TryLater:
    """Too many wrong tries with this number or from this chat: nothing was checked.

    Says nothing about whether a case has the number. ``until`` is a Unix time.
    """

    until: float


def hour_of(now: float) -> int:
    """The hour number of a Unix time (the only precision the guards store)."""
    return int(now // HOUR)


def wait_hours(failures: int) -> int:
    """How many hours a guard with ``failures`` wrong tries makes the next try wait."""
    if failures < FREE_FAILURES:
        return 0
    return int(min(2 ** (failures - FREE_FAILURES), MAX_WAIT_HOURS))


def number_tag(pepper: bytes, number: str) -> bytes:
    """The guard key for a typed (canonical) case number; the number itself is never stored."""
    return hmac.new(pepper, b"lookup-number/" + number.encode(), hashlib.sha256).digest()


async def authenticate(
    transaction: Transaction,
    number: str,
    pin: str,
    now: float,
    *,
    pepper: bytes,
    scrypt_n: int,
    chat: bytes | None = None,
    executor: Executor | None = None,
) -> int | CaseNotFound | TryLater:
    """Check a number and PIN; return the case id, or why not.

    Args:
        transaction: opens a transaction on the store's connection; the PIN is hashed outside
            of it, on ``executor``.
        number: the case number as typed (normalised here).
        pin: the PIN as typed (normalised here).
        now: Unix time; only its hour is stored.
        pepper: the server secret mixed into every PIN hash and into the number's guard key.
        scrypt_n: the PIN hashing cost spent on a number that has no case.
        chat: the chat's guard key (32 bytes, a keyed hash made by the caller), or None.
        executor: where PIN hashing runs (see ``pinwork.py``); None for the loop's threads.

    Returns:
        The case id; ``CaseNotFound`` for a wrong number or a wrong PIN alike; ``TryLater``
        while a guard makes tries wait.
    """
    canonical, typed_pin = ids.parse_case_number(number), ids.parse_pin(pin)
    if canonical is None or typed_pin is None:
        return CaseNotFound()  # malformed input: nothing secret to protect, no hashing
    if chat is not None and len(chat) != hashlib.sha256().digest_size:
        raise ValueError("chat guard keys are 32-byte keyed hashes")
    tags = [number_tag(pepper, canonical)] + ([chat] if chat is not None else [])
    hour = hour_of(now)
    async with transaction() as db:
        charged = await _charge(db, tags, hour)
        case = None
        if charged is None:
            case = await fetch_one(
                db,
                "SELECT id, pin_salt, pin_hash, pin_scrypt_n FROM cases WHERE number = ?",
                (canonical,),
            )
    if charged is not None:
        return TryLater(until=float(charged * HOUR))
    if case is None:
        # Spend the same scrypt time as for a real case, so timing does not tell them apart.
        salt, expected, cost = _DUMMY_SALT, _DUMMY_HASH, scrypt_n
    else:
        salt, expected, cost = case[1], case[2], case[3]
    right = await run_pin_work(executor, ids.verify_pin, typed_pin, salt, pepper, expected, n=cost)
    if case is None or not right:
        async with transaction() as db:
            waits = [await _wait_until(db, tag) for tag in tags]
        latest = max(waits)
        return CaseNotFound(wait_until=float(latest * HOUR) if latest > hour else 0.0)
    async with transaction() as db:  # right: forgive both guards
        await db.executemany("DELETE FROM lookup_guards WHERE tag = ?", [(t,) for t in tags])
    return int(case[0])


async def _charge(db: aiosqlite.Connection, tags: Sequence[bytes], hour: int) -> int | None:
    """Count a try against every guard as wrong until proven right.

    Returns:
        None if the try may go ahead (then it is charged), else the hour it may come again.
        Guards not tried for ``MEMORY_HOURS`` are dropped on the way.
    """
    await db.execute("DELETE FROM lookup_guards WHERE last_hour < ?", (hour - MEMORY_HOURS,))
    waits = [await _wait_until(db, tag) for tag in tags]
    if max(waits) > hour:
        return max(waits)
    for tag in tags:
        row = await fetch_one(db, "SELECT failures FROM lookup_guards WHERE tag = ?", (tag,))
        failures = (0 if row is None else int(row[0])) + 1
        await db.execute(
            "INSERT INTO lookup_guards (tag, failures, wait_until_hour, last_hour) "
            "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (tag) DO UPDATE SET failures = ?2, "
            "wait_until_hour = ?3, last_hour = ?4",
            (tag, failures, hour + wait_hours(failures), hour),
        )
    return None


async def _wait_until(db: aiosqlite.Connection, tag: bytes) -> int:
    row = await fetch_one(db, "SELECT wait_until_hour FROM lookup_guards WHERE tag = ?", (tag,))
    return 0 if row is None else int(row[0])


async def fetch_one(
    db: aiosqlite.Connection, sql: str, params: Sequence[object]
) -> sqlite3.Row | None:
    """Run one query and return its first row, or None when it has none."""
    async with db.execute(sql, params) as cursor:
        return await cursor.fetchone()
