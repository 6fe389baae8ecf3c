"""The relay's first step: outbox entries become feed records, push jobs and delivery rows.

Belongs here: reading queued outbox entries and, for each one in a single transaction, writing
its feed records (``feed_records``, ``feed_members``), one push job per push partner
(``push_jobs``), the per-partner ``deliveries`` rows that ``/status`` reads, and marking the
entry delivered to the relay (which clears its payload). Does not belong here: serving the
feed, sending push jobs, and the pure mapping of payloads (``records.py``).

Why one transaction per entry: a crash at any point leaves either the entry queued (it is
dispatched again from scratch) or everything written; nothing is half passed on.

Withdrawing: a partner that already has the case (``delivered``) is asked to remove it
(``withdraw_queued``; a push partner gets a withdraw job). A push partner that never received
it has its open job cancelled and its delivery row removed: there is nothing to take back.
This holds for every push partner with an open job for the case, even one this relay's
settings do not name; its withdraw job waits until a relay that names it sends it.
Feed records held by no other active case turn ``Withdrawn``, so consumers drop them.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence

import aiosqlite

from bot.cases import outbox
from bot.cases.store import OutboxEntry, Store
from bot.relay import records

__all__ = ["DISPATCHER", "active_feed_partners", "dispatch_pending", "job_payload", "queue_job"]

DISPATCHER = "relay"
"""What outbox entries are marked delivered to once dispatched."""


async def dispatch_pending(
    store: Store, now: float, *, sinks: Sequence[str], limit: int = 100
) -> int:
    """Dispatch up to ``limit`` queued outbox entries, oldest first.

    Args:
        store: the bot's store.
        now: Unix time (dates, the feed's hour, push jobs' queue hour).
        sinks: names of the push partners configured now; each gets a job per entry.
        limit: the most entries to dispatch in this call.

    Returns:
        How many entries were dispatched.
    """
    entries = await store.pending_outbox(limit)
    for entry in entries:
        async with store.transaction(durable=True) as db:
            state = await db.execute_fetchall("SELECT state FROM outbox WHERE id = ?", (entry.id,))
            if not state or next(iter(state))[0] != "queued":
                continue  # cancelled (a withdrawal) or dispatched by another relay
            if entry.kind == "open":
                await _dispatch_open(db, entry, now, sinks)
            else:
                await _dispatch_withdraw(db, entry, now, sinks)
            await outbox.mark_delivered(db, entry.id, DISPATCHER, outbox.utc_date(now))
    return len(entries)


async def active_feed_partners(db: aiosqlite.Connection) -> list[str]:
    """Public names of the partners who may fetch the feed now."""
    rows = await db.execute_fetchall(
        "SELECT name FROM partners WHERE revoked_on IS NULL ORDER BY id"
    )
    return [str(r[0]) for r in rows]


async def _dispatch_open(
    db: aiosqlite.Connection, entry: OutboxEntry, now: float, sinks: Sequence[str]
) -> None:
    today = outbox.utc_date(now)
    signals = records.signals(entry.payload)
    for signal in signals:
        record_id = await _touch_record(db, signal, "Active", now)
        await db.execute(
            "INSERT INTO feed_members (record_id, case_id, status) VALUES (?, ?, 'Active') "
            "ON CONFLICT (record_id, case_id) DO UPDATE SET status = 'Active'",
            (record_id, entry.case_id),
        )
    partners = [*await active_feed_partners(db), *sinks]
    await db.executemany(
        "INSERT INTO deliveries (case_id, partner, state, updated_on) VALUES (?, ?, 'queued', ?) "
        "ON CONFLICT (case_id, partner) DO NOTHING",
        [(entry.case_id, name, today) for name in partners],
    )
    body = job_payload(signals)
    for sink in sinks:
        await queue_job(db, sink, entry.case_id, "open", body, now)


async def _dispatch_withdraw(
    db: aiosqlite.Connection, entry: OutboxEntry, now: float, sinks: Sequence[str]
) -> None:
    today = outbox.utc_date(now)
    signals = records.signals(entry.payload)
    for signal in signals:
        found = await db.execute_fetchall(
            "SELECT id FROM feed_records WHERE signal_type = ? AND hash_value = ?",
            (signal.feed_type, signal.value),
        )
        for (record_id,) in found:
            await db.execute(
                "UPDATE feed_members SET status = 'Withdrawn' WHERE record_id = ? AND case_id = ?",
                (record_id, entry.case_id),
            )
            active = await db.execute_fetchall(
                "SELECT 1 FROM feed_members WHERE record_id = ? AND status = 'Active' LIMIT 1",
                (record_id,),
            )
            await _touch_record(db, signal, "Active" if active else "Withdrawn", now)
    # Push partners: cancel what was never sent; ask to remove what was. Every partner that
    # has an open job for the case is asked, configured here or not: another relay with other
    # settings may have queued it (a partner added later, see ``backfill.py``).
    body = job_payload(signals)
    holders = await db.execute_fetchall(
        "SELECT DISTINCT sink FROM push_jobs WHERE case_id = ? AND kind = 'open' ORDER BY sink",
        (entry.case_id,),
    )
    targets = [*sinks, *(str(r[0]) for r in holders if str(r[0]) not in sinks)]
    for sink in targets:
        cursor = await db.execute(
            "UPDATE push_jobs SET state = 'cancelled', payload = NULL, next_attempt = 0, "
            "done_on = ? WHERE sink = ? AND case_id = ? AND kind = 'open' "
            "AND state IN ('queued', 'dead')",
            (today, sink, entry.case_id),
        )
        if cursor.rowcount:
            await db.execute(
                "DELETE FROM deliveries WHERE case_id = ? AND partner = ?",
                (entry.case_id, sink),
            )
            continue
        sent = await db.execute_fetchall(
            "SELECT 1 FROM push_jobs WHERE sink = ? AND case_id = ? AND kind = 'open' "
            "AND state = 'delivered' LIMIT 1",
            (sink, entry.case_id),
        )
        if sent:
            await queue_job(db, sink, entry.case_id, "withdraw", body, now)
    # Feed partners that fetched the case will see the Withdrawn records on their next fetch.
    await db.execute(
        "UPDATE deliveries SET state = 'withdraw_queued', updated_on = ? "
        "WHERE case_id = ? AND state = 'delivered'",
        (today, entry.case_id),
    )
    await db.execute(
        "DELETE FROM deliveries WHERE case_id = ? AND state = 'queued'", (entry.case_id,)
    )


async def _touch_record(
    db: aiosqlite.Connection, signal: records.Signal, status: str, now: float
) -> int:
    """Create or update the feed record for ``signal``: next seq, the current feed hour."""
    latest = await db.execute_fetchall(
        "SELECT COALESCE(MAX(modified), 0), COALESCE(MAX(seq), 0) FROM feed_records"
    )
    modified, seq = next(iter(latest))
    cursor = await db.execute(
        "INSERT INTO feed_records (signal_type, hash_value, status, modified, seq) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (signal_type, hash_value) DO UPDATE SET "
        "status = excluded.status, modified = excluded.modified, seq = excluded.seq "
        "RETURNING id",
        (signal.feed_type, signal.value, status, records.feed_time(now, int(modified)), seq + 1),
    )
    row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


def job_payload(signals: Sequence[records.Signal]) -> str:
    """What a push job carries: the hashes partners receive, nothing about the case."""
    items: list[dict[str, object]] = []
    for s in signals:
        item: dict[str, object] = {
            "item": s.item_index,
            "signal": s.signal,
            "type": s.feed_type,
            "value": s.value,
        }
        if s.quality is not None:
            item["quality"] = s.quality
        items.append(item)
    return json.dumps({"hashes": items}, separators=(",", ":"))


async def queue_job(
    db: aiosqlite.Connection, sink: str, case_id: int, kind: str, body: str, now: float
) -> None:
    await db.execute(
        "INSERT INTO push_jobs (sink, case_id, kind, state, payload, idempotency_key, "
        "queued_hour) VALUES (?, ?, ?, 'queued', ?, ?, ?)",
        (sink, case_id, kind, body, secrets.token_hex(16), int(now) // 3600),
    )
