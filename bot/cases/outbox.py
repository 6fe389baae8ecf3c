"""The relay outbox: what a case queues for partners, and how entries are read and marked.

Belongs here: the outbox entry type, the JSON payload an entry carries, and the three statements
on the ``outbox`` table (queue, read pending, mark delivered), each run inside a transaction the
caller holds. Does not belong here: when entries are queued or cancelled (``store.py``, with the
case they belong to), delivering them to partners (the relay), and the database connection.

A payload holds the case number, its route and the hash values, nothing about the person. It
exists only until the entry is delivered: marking an entry delivered drops its payload.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, cast

import aiosqlite

from bot.hashes.items import HashItem, ItemKind

__all__ = [
    "PAYLOAD_VERSION",
    "HashRow",
    "OutboxEntry",
    "OutboxKind",
    "hash_rows",
    "mark_delivered",
    "parse_date",
    "pending",
    "queue",
    "utc_date",
]

PAYLOAD_VERSION: Final = 1

OutboxKind = Literal["open", "withdraw"]

HashRow = tuple[int, str, str, str, int | None]
"""One stored hash: item index, item kind, signal, value, and the PDQ quality on a PDQ row."""


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One message for the relay worker.

    Attributes:
        id: pass to ``Store.mark_delivered``.
        case_id: the case's row id (never shown to anyone; partners get references).
        kind: ``"open"`` (add these hashes) or ``"withdraw"`` (remove them).
        payload: JSON: ``version``, ``kind``, ``case``, ``route`` and ``items``, each item with
            ``kind``, ``hashes`` (signal name to value) and, for a picture whose code gave
            it, ``pdq_quality`` (0-100). Hidden from ``repr``.
        queued_on: UTC date the entry was queued.
    """

    id: int
    case_id: int
    kind: OutboxKind
    payload: str = field(repr=False)
    queued_on: dt.date


def hash_rows(items: Sequence[HashItem]) -> list[HashRow]:
    """The rows to store for these items, in item order.

    Raises:
        ValueError: no items, an item without hashes, or an item repeating a signal.
    """
    if not items:
        raise ValueError("a case needs at least one item")
    rows: list[HashRow] = []
    for index, item in enumerate(items):
        signals = [name for name, _ in item.hashes]
        if not signals or len(set(signals)) != len(signals):
            raise ValueError("each item needs at least one hash and no signal twice")
        rows.extend(
            (
                index,
                ItemKind(item.kind).value,
                name,
                value,
                item.pdq_quality if name == "pdq" else None,
            )
            for name, value in item.hashes
        )
    return rows


def payload(kind: OutboxKind, number: str, route: str, rows: Sequence[HashRow]) -> str:
    """JSON for the relay, from hash rows in item order."""
    items: list[dict[str, object]] = []
    last_index = -1
    for index, item_kind, signal, value, quality in rows:
        if index != last_index:
            items.append({"kind": item_kind, "hashes": {}})
            last_index = index
        hashes = items[-1]["hashes"]
        assert isinstance(hashes, dict)
        hashes[signal] = value
        if quality is not None:
            items[-1]["pdq_quality"] = quality
    document = {"version": PAYLOAD_VERSION, "kind": kind, "case": number, "route": route}
    return json.dumps({**document, "items": items}, separators=(",", ":"))


async def queue(
    db: aiosqlite.Connection,
    case_id: int,
    today: str,
    *,
    kind: OutboxKind,
    number: str,
    route: str,
    rows: Sequence[HashRow],
) -> None:
    """Queue one entry for a case, inside the caller's transaction."""
    await db.execute(
        "INSERT INTO outbox (case_id, kind, state, payload, queued_on) "
        "VALUES (?, ?, 'queued', ?, ?)",
        (case_id, kind, payload(kind, number, route, rows), today),
    )


async def pending(db: aiosqlite.Connection, limit: int) -> list[OutboxEntry]:
    """Up to ``limit`` queued entries, oldest first."""
    if limit < 1:
        raise ValueError("limit must be positive")
    rows = await db.execute_fetchall(
        "SELECT id, case_id, kind, payload, queued_on FROM outbox WHERE state = 'queued' "
        "ORDER BY id LIMIT ?",
        (limit,),
    )
    return [
        OutboxEntry(
            id=r[0],
            case_id=r[1],
            kind=cast(OutboxKind, r[2]),
            payload=r[3],
            queued_on=parse_date(r[4]),
        )
        for r in rows
    ]


async def mark_delivered(db: aiosqlite.Connection, outbox_id: int, sink: str, today: str) -> None:
    """Record that ``sink`` took the entry and drop its payload; a repeat changes nothing."""
    await db.execute(
        "UPDATE outbox SET state = 'delivered', payload = NULL, delivered_on = ?, "
        "delivered_via = ? WHERE id = ? AND state <> 'delivered'",
        (today, sink, outbox_id),
    )


def utc_date(now: float) -> str:
    """The UTC date of a Unix time, as the database stores dates (ISO 8601)."""
    return dt.datetime.fromtimestamp(now, tz=dt.UTC).date().isoformat()


def parse_date(value: object) -> dt.date:
    """A date read back from the database."""
    return dt.date.fromisoformat(str(value))
