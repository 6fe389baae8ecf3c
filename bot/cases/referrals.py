"""Helplines' referral codes and the weekly counts kept for them.

Belongs here: the SQL on ``referrals`` and ``referral_counts``, run inside a transaction the
caller holds. Counts are per code and ISO week, never per person. Does not belong here: what a
deep link looks like (``bot/engine/startlink.py``) and printing (the command line).
"""

from __future__ import annotations

import datetime as dt
from typing import Final, Literal

import aiosqlite

__all__ = ["COUNTERS", "Counter", "bump", "iso_week"]

Counter = Literal["started", "opened", "withdrawn", "feedback"]
COUNTERS: Final[tuple[Counter, ...]] = ("started", "opened", "withdrawn", "feedback")


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
