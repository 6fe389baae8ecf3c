"""What a person may learn about their own case, and which partners the bot may name.

Belongs here: the ``CaseInfo`` and ``PartnerStatus`` results and the SQL that reads them (the
case row, its hash counts, its outbox entries, each partner's delivery state from
``deliveries`` and the partners' answers from ``case_feedback``), and the names of the
partners connected now (``connected_partners``). Everything runs inside a transaction the
caller holds (``Store.transaction``). Does not belong here: writing deliveries or feedback
(the relay), and what any of it is called in words (the engine and the catalogs).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final, Literal, cast, get_args

import aiosqlite

from bot.cases import outbox
from bot.cases.lockout import fetch_one
from bot.hashes.items import ItemKind

__all__ = [
    "DELIVERY_STATES",
    "CaseInfo",
    "CaseState",
    "DeliveryState",
    "PartnerStatus",
    "connected_partners",
    "read_case_info",
]

CaseState = Literal["open", "withdrawn"]
DeliveryState = Literal["queued", "delivered", "withdraw_queued", "withdrawn", "failed"]
DELIVERY_STATES: Final[tuple[DeliveryState, ...]] = get_args(DeliveryState)
_FEEDBACK: Final = ("PendingReview", "Blocked", "NotBlocked")


@dataclass(frozen=True, slots=True)
class PartnerStatus:
    """What one partner has of a case, and what it answered about the case's hashes.

    Attributes:
        name: the partner's public name.
        state: the delivery state (``deliveries.state``), or None when the partner answered
            about a hash without a delivery row for this case (it had the hash from another
            case).
        pending_review: hashes of the case the partner is checking a possible match for.
        blocked: hashes the partner found a copy of and blocked.
        not_blocked: hashes the partner looked at a possible match for and did not block.
    """

    name: str
    state: DeliveryState | None
    pending_review: int = 0
    blocked: int = 0
    not_blocked: int = 0


@dataclass(frozen=True, slots=True)
class CaseInfo:
    """What a person may learn about their own case.

    Attributes:
        number: canonical case number (hidden from ``repr``).
        state: ``"open"`` or ``"withdrawn"``.
        route: the service the hashes are meant for.
        image_count: images in the case.
        file_count: other files (videos) in the case.
        signal_counts: ``(signal, hash count)`` pairs sorted by signal name.
        created_on: UTC date the case was opened.
        withdrawn_on: UTC date it was withdrawn, if it was.
        relay_queued: outbox entries still waiting to be relayed.
        relay_delivered: outbox entries relayed.
        partners: each partner's status for this case, sorted by name.
    """

    number: str = field(repr=False)
    state: CaseState
    route: str
    image_count: int
    file_count: int
    signal_counts: tuple[tuple[str, int], ...]
    created_on: dt.date
    withdrawn_on: dt.date | None
    relay_queued: int
    relay_delivered: int
    partners: tuple[PartnerStatus, ...] = ()


async def read_case_info(db: aiosqlite.Connection, case_id: int) -> CaseInfo:
    """The case with this id as its holder may see it (the case must exist)."""

    def items(kind: ItemKind) -> str:
        return (
            "(SELECT COUNT(DISTINCT item_index) FROM case_hashes "
            f"WHERE case_id = c.id AND item_kind = '{kind.value}')"
        )

    def entries(state: str) -> str:
        return f"(SELECT COUNT(*) FROM outbox WHERE case_id = c.id AND state = '{state}')"

    case = await fetch_one(
        db,
        "SELECT number, state, route, created_on, withdrawn_on, "
        f"{items(ItemKind.IMAGE)}, {items(ItemKind.FILE)}, {entries('queued')}, "
        f"{entries('delivered')} FROM cases AS c WHERE id = ?",
        (case_id,),
    )
    assert case is not None  # cases are never deleted
    signals = await db.execute_fetchall(
        "SELECT signal, COUNT(*) FROM case_hashes WHERE case_id = ? GROUP BY signal "
        "ORDER BY signal",
        (case_id,),
    )
    return CaseInfo(
        number=case[0],
        state=cast(CaseState, case[1]),  # the schema's CHECK allows nothing else
        route=case[2],
        image_count=case[5],
        file_count=case[6],
        signal_counts=tuple((str(name), int(count)) for name, count in signals),
        created_on=outbox.parse_date(case[3]),
        withdrawn_on=None if case[4] is None else outbox.parse_date(case[4]),
        relay_queued=case[7],
        relay_delivered=case[8],
        partners=await _partners(db, case_id),
    )


async def _partners(db: aiosqlite.Connection, case_id: int) -> tuple[PartnerStatus, ...]:
    """Each partner's delivery state and answers for one case, sorted by name.

    ``case_feedback`` keeps one answer per (partner, record), so counting its rows counts each
    hash once per partner, however often the partner sent the same answer.
    """
    states: dict[str, DeliveryState | None] = {
        str(name): cast(DeliveryState, state)
        for name, state in await db.execute_fetchall(
            "SELECT partner, state FROM deliveries WHERE case_id = ?", (case_id,)
        )
    }
    counts: dict[str, dict[str, int]] = {}
    for name, value, count in await db.execute_fetchall(
        "SELECT partner, value, COUNT(*) FROM case_feedback WHERE case_id = ? "
        "GROUP BY partner, value",
        (case_id,),
    ):
        counts.setdefault(str(name), {})[str(value)] = int(count)
        states.setdefault(str(name), None)
    return tuple(
        PartnerStatus(
            name=name,
            state=states[name],
            pending_review=counts.get(name, {}).get(_FEEDBACK[0], 0),
            blocked=counts.get(name, {}).get(_FEEDBACK[1], 0),
            not_blocked=counts.get(name, {}).get(_FEEDBACK[2], 0),
        )
        for name in sorted(states, key=lambda n: (n.casefold(), n))
    )


async def connected_partners(db: aiosqlite.Connection, sinks: Iterable[str]) -> tuple[str, ...]:
    """The public names of the partners cases go to now: the push sinks, then feed partners.

    Args:
        db: the connection, inside the caller's transaction.
        sinks: the push partners' names from the settings file.

    Returns:
        Every name once (compared without case), push sinks first in their settings order,
        then the feed partners not revoked, by name.
    """
    rows = await db.execute_fetchall(
        "SELECT name FROM partners WHERE revoked_on IS NULL ORDER BY name"
    )
    names: dict[str, str] = {}
    for name in (*sinks, *(str(row[0]) for row in rows)):
        names.setdefault(name.casefold(), name)
    return tuple(names.values())
