"""Push partners configured after cases were dispatched: they get every case still open.

Belongs here: finding the open cases a configured push partner has no open job for, and
queueing one for each from the hashes the case still holds (``case_hashes``), with the
``deliveries`` row that makes ``/status`` name the partner. Does not belong here: dispatching
outbox entries (``dispatch.py``), sending (``worker.py``, ``sinks/``) and the SQL of jobs once
queued (``jobs.py``).

Why from ``case_hashes``: an outbox entry's payload is cleared once dispatched, so a partner
added to the settings later cannot be given the entry again. An open case keeps its hash values
in ``case_hashes`` (a withdrawal clears them), so those are what the new partner receives; a
withdrawn case has none left and is never backfilled, which is also what a withdrawal wants.

A case whose open entry is still queued is left to the dispatcher, which gives it a job for
every configured partner. Each batch runs in one transaction that checks again that no job
exists, so two relays backfilling at once, or a backfill beside a dispatch, never queue a case
twice. After the backfill, the case is like any other: a withdrawal cancels the job if it was
not sent yet, or queues a withdraw job if it was (``dispatch.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.cases import outbox
from bot.cases.store import Store
from bot.relay import records
from bot.relay.dispatch import job_payload, queue_job

__all__ = ["backfill_sink", "backfill_sinks"]

_MISSING = (
    "SELECT c.id FROM cases AS c WHERE c.state = 'open' "
    "AND NOT EXISTS (SELECT 1 FROM outbox AS o "
    "WHERE o.case_id = c.id AND o.kind = 'open' AND o.state = 'queued') "
    "AND NOT EXISTS (SELECT 1 FROM push_jobs AS j "
    "WHERE j.case_id = c.id AND j.sink = ? AND j.kind = 'open') "
    "ORDER BY c.id LIMIT ?"
)
"""Open cases already dispatched that ``sink`` has no open job for."""


async def backfill_sink(store: Store, sink: str, now: float, *, batch: int = 500) -> int:
    """Queue an open job for ``sink`` for every open, dispatched case it has none for.

    Args:
        store: the bot's store.
        sink: the push partner's name.
        now: Unix time (the jobs' queue hour, the delivery rows' date).
        batch: cases per transaction.

    Returns:
        How many cases were queued for ``sink``.
    """
    today = outbox.utc_date(now)
    total = 0
    while True:
        async with store.transaction(durable=True) as db:
            cases = [int(r[0]) for r in await db.execute_fetchall(_MISSING, (sink, batch))]
            for case_id in cases:
                rows = await db.execute_fetchall(
                    "SELECT item_index, item_kind, signal, value, quality FROM case_hashes "
                    "WHERE case_id = ? ORDER BY item_index, rowid",
                    (case_id,),
                )
                signals = records.signals_of_rows(
                    [(int(r[0]), str(r[1]), str(r[2]), r[3], r[4]) for r in rows]
                )
                await queue_job(db, sink, case_id, "open", job_payload(signals), now)
                await db.execute(
                    "INSERT INTO deliveries (case_id, partner, state, updated_on) "
                    "VALUES (?, ?, 'queued', ?) ON CONFLICT (case_id, partner) DO NOTHING",
                    (case_id, sink, today),
                )
        total += len(cases)
        if len(cases) < batch:
            return total


async def backfill_sinks(store: Store, sinks: Sequence[str], now: float) -> dict[str, int]:
    """:func:`backfill_sink` for each of ``sinks``; the counts of those that got any."""
    found: dict[str, int] = {}
    for sink in sinks:
        count = await backfill_sink(store, sink, now)
        if count:
            found[sink] = count
    return found
