"""How many cases may be opened: per chat per day, and in total per hour.

Belongs here: the two limits, counting opened cases in ``case_quotas`` and dropping counts of
past days. Does not belong here: opening the case itself and its transaction (``store.py``),
and how the chat's key is made (the runtime: a keyed hash of the session key with its own
purpose, so the counts survive ``/forget`` and cannot be joined with the chat's cases).

Why these limits: one chat once opened over a thousand cases in an hour. Every case adds hashes
to partners' lists and rows to the disk, so a flood must stop at a small number whatever its
source: a few cases a day is plenty for one person, and the total per hour bounds what many
chats together can add. Counts keep only the UTC day or hour; nothing links them to a case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final, Literal

import aiosqlite

from bot.cases.lockout import fetch_one

CASES_PER_CHAT_PER_DAY: Final = 3
CASES_PER_HOUR: Final = 60
ALL_CHATS: Final = b"*"
"""The tag the total per hour is counted under."""

LimitScope = Literal["chat", "all"]


@dataclass(frozen=True, slots=True)
class CaseLimits:
    """The limits a store opens cases under; at least one case each."""

    per_chat_per_day: int = CASES_PER_CHAT_PER_DAY
    per_hour: int = CASES_PER_HOUR

    def __post_init__(self) -> None:
        if self.per_chat_per_day < 1 or self.per_hour < 1:
            raise ValueError("case limits must be at least 1")


DEFAULT_LIMITS: Final = CaseLimits()


@dataclass(frozen=True, slots=True)
class CaseLimitReached:
    """No case was opened: ``scope`` says whether this chat's day or everyone's hour is full."""

    scope: LimitScope


def periods(now: float) -> tuple[str, str]:
    """The UTC day (``YYYY-MM-DD``) and hour (``YYYY-MM-DDTHH``) of a Unix time."""
    moment = dt.datetime.fromtimestamp(now, tz=dt.UTC)
    return moment.date().isoformat(), moment.strftime("%Y-%m-%dT%H")


async def take(
    db: aiosqlite.Connection, limits: CaseLimits, chat: bytes | None, now: float
) -> CaseLimitReached | None:
    """Count one more case inside the caller's transaction, unless a limit is reached.

    Args:
        db: a connection inside an open transaction (rolled back with the case if it fails).
        limits: the limits to keep.
        chat: the chat's key, or None when no chat asked (tools, tests): then only the total
            per hour applies.
        now: Unix time.

    Returns:
        None if the case may be opened (and it is counted), else which limit stopped it.
    """
    day, hour = periods(now)
    await db.execute("DELETE FROM case_quotas WHERE period < ?", (day,))
    checks: list[tuple[bytes, str, int, LimitScope]] = [(ALL_CHATS, hour, limits.per_hour, "all")]
    if chat is not None:
        checks.insert(0, (chat, day, limits.per_chat_per_day, "chat"))
    for tag, period, limit, scope in checks:
        row = await fetch_one(
            db, "SELECT opened FROM case_quotas WHERE tag = ? AND period = ?", (tag, period)
        )
        if row is not None and int(row[0]) >= limit:
            return CaseLimitReached(scope)
    for tag, period, _, _ in checks:
        await db.execute(
            "INSERT INTO case_quotas (tag, period, opened) VALUES (?, ?, 1) "
            "ON CONFLICT (tag, period) DO UPDATE SET opened = opened + 1",
            (tag, period),
        )
    return None
