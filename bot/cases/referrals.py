"""Helplines' referral codes and the weekly counts kept for them.

Belongs here: the SQL on ``referrals`` and ``referral_counts``, run inside a transaction the
caller holds: making a code (``add``), reading the codes (``links``) and the counts
(``stats``), adding to a count (``bump``), and how a count may be shown (``shown``: small
counts are never shown exactly). Counts are per code and ISO week, never per person. Does not
belong here: what a deep link looks like (``bot/engine/startlink.py``) and printing (the
command line, ``bot/helpline_cli.py``).
"""

from __future__ import annotations

import datetime as dt
import secrets
import string
from dataclasses import dataclass
from typing import Final, Literal

import aiosqlite

__all__ = [
    "CODE_LENGTH",
    "COUNTERS",
    "SMALL",
    "Counter",
    "Link",
    "NameTaken",
    "WeekCounts",
    "add",
    "bump",
    "iso_week",
    "links",
    "new_code",
    "shown",
    "stats",
]

Counter = Literal["started", "opened", "withdrawn", "feedback"]
COUNTERS: Final[tuple[Counter, ...]] = ("started", "opened", "withdrawn", "feedback")

CODE_LENGTH: Final = 12
"""Letters and digits in a new code: about 71 bits, so codes cannot be guessed or listed."""
_CODE_ALPHABET: Final = string.ascii_letters + string.digits
SMALL: Final = 5
"""Counts from 1 to ``SMALL - 1`` are shown as ``<5``: a small count could point at a person."""


@dataclass(frozen=True, slots=True)
class Link:
    """One helpline's referral code, as ``reclaim helpline add`` made it."""

    code: str
    name: str
    lang: str | None
    country: str | None
    created_on: str


@dataclass(frozen=True, slots=True)
class WeekCounts:
    """One code's counts for one ISO week. ``name`` is None for a code not made here (a
    bundled helpline's)."""

    code: str
    name: str | None
    week: str
    started: int
    opened: int
    withdrawn: int
    feedback: int


@dataclass(frozen=True, slots=True)
class NameTaken:
    """A helpline with this name already has a code."""

    name: str


def new_code() -> str:
    """A random referral code: letters and digits only, so it fits any deep link."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))


def shown(count: int) -> str:
    """A count as it may be printed: ``0``, ``<5`` for 1 to 4, else the number."""
    return "<5" if 0 < count < SMALL else str(count)


async def add(
    db: aiosqlite.Connection,
    name: str,
    lang: str | None,
    country: str | None,
    today: dt.date,
) -> str | NameTaken:
    """Make a referral code for a helpline, inside the caller's transaction.

    Args:
        db: the connection, in a transaction.
        name: the helpline's name (unique; the bot may greet referred people with it).
        lang: the language referred people are greeted in, or None.
        country: the helpline's country (two letters, upper case), or None.
        today: the UTC date, kept as the code's creation date.

    Returns:
        The new code, or ``NameTaken``.

    Raises:
        ValueError: if the name is empty or the country is not two letters.
    """
    if not name.strip():
        raise ValueError("a helpline needs a name")
    if country is not None and not (len(country) == 2 and country.isascii() and country.isalpha()):
        raise ValueError("a country is two letters, for example GB")
    taken = await db.execute_fetchall("SELECT 1 FROM referrals WHERE name = ?", (name,))
    if list(taken):
        return NameTaken(name)
    while True:
        code = new_code()
        clash = await db.execute_fetchall("SELECT 1 FROM referrals WHERE code = ?", (code,))
        if not list(clash):
            break
    await db.execute(
        "INSERT INTO referrals (name, code, lang, country, created_on) VALUES (?, ?, ?, ?, ?)",
        (name, code, lang, country.upper() if country else None, today.isoformat()),
    )
    return code


async def links(db: aiosqlite.Connection) -> list[Link]:
    """Every referral code made here, by helpline name."""
    rows = await db.execute_fetchall(
        "SELECT code, name, lang, country, created_on FROM referrals ORDER BY name"
    )
    return [Link(str(r[0]), str(r[1]), r[2], r[3], str(r[4])) for r in rows]


async def stats(db: aiosqlite.Connection) -> list[WeekCounts]:
    """Every code's weekly counts, by helpline name (codes not made here last), then week."""
    rows = await db.execute_fetchall(
        "SELECT c.code, r.name, c.week, c.started, c.opened, c.withdrawn, c.feedback "
        "FROM referral_counts AS c LEFT JOIN referrals AS r ON r.code = c.code "
        "ORDER BY r.name IS NULL, r.name, c.code, c.week"
    )
    return [
        WeekCounts(str(r[0]), r[1], str(r[2]), int(r[3]), int(r[4]), int(r[5]), int(r[6]))
        for r in rows
    ]


def iso_week(now: float) -> str:
    """The ISO week of a Unix time, as ``YYYY-Www``."""
    year, week, _ = dt.datetime.fromtimestamp(now, tz=dt.UTC).isocalendar()
    return f"{year:04d}-W{week:02d}"


async def bump(
    db: aiosqlite.Connection, code: str, counter: Counter, now: float, by: int = 1
) -> None:
    """Add ``by`` to one weekly count of a referral code, inside the caller's transaction."""
    if counter not in COUNTERS:
        raise ValueError(f"unknown counter {counter!r}")
    await db.execute(
        f"INSERT INTO referral_counts (code, week, {counter}) VALUES (?, ?, ?) "
        f"ON CONFLICT (code, week) DO UPDATE SET {counter} = {counter} + excluded.{counter}",
        (code, iso_week(now), by),
    )
