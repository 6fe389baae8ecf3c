"""Push jobs in the database: which are due, and what a send's outcome changes.

Belongs here: the SQL on ``push_jobs``, ``push_refs`` and the push partners' ``deliveries``
rows, each change in one transaction: taking the due jobs of a sink, marking one delivered
(clearing its payload), marking a try failed (the next try's time, or the dead-letter state
once the sink had ``dead_after_hours`` to take it), putting dead jobs back in the queue, and
counts for ``reclaim relay status``. Does not belong here: creating jobs (``dispatch.py``),
deciding when to try again (``backoff.py``), and sending (``sinks/``).

A job's row is the whole truth about it, so a relay that stops at any point and starts again
carries on where it was: a job sent but not marked is sent again (at least once), with the same
idempotency key.

A job cancelled by a withdrawal while it was being sent (``dispatch.py`` cancels queued open
jobs) still reached the sink; marking it done then queues a withdraw job, so the sink is asked
to take the hashes back, as for any delivered case.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, cast

import aiosqlite

from bot.cases import outbox
from bot.cases.store import Store
from bot.relay import records

__all__ = [
    "Job",
    "JobHash",
    "RefKey",
    "SinkCounts",
    "count_dead",
    "counts",
    "due",
    "mark_done",
    "mark_failed",
    "next_due",
    "outbox_queued",
    "parse_hashes",
    "record_progress",
    "retry_dead",
]

JobKind = Literal["open", "withdraw"]
RefKey = tuple[int, str]
"""``(item index, signal)``: which of a job's hashes a sink's reference is for."""

_HOUR: Final = 3600


@dataclass(frozen=True, slots=True)
class JobHash:
    """One hash a job carries (from the payload ``dispatch.py`` writes).

    Attributes:
        item: the file's place in its case.
        signal: Reclaim's name of the hash (``pdq``, ``md5``).
        feed_type: its StopNCII signal type (``ImagePDQ``, ``VideoMD5``).
        value: the hash value. Hidden from ``repr`` so it never reaches a log.
        quality: a PDQ's quality score (0-100), or None (a video, or a code without one).
    """

    item: int
    signal: str
    feed_type: str
    value: str = field(repr=False)
    quality: int | None = None

    @property
    def key(self) -> RefKey:
        """Where a sink's reference for this hash is kept."""
        return (self.item, self.signal)


@dataclass(frozen=True, slots=True)
class Job:
    """A push job as a sink worker sees it.

    Attributes:
        id: the row id.
        sink: the push partner's name.
        case_id: the case's row id (never shown to a partner: see ``records.partner_ref``).
        kind: ``"open"`` (add the hashes) or ``"withdraw"`` (take them back).
        hashes: what the payload carries.
        idempotency_key: the same on every try of this job.
        attempts: tries that failed so far.
        queued_hour: the Unix hour the job was queued (for the dead-letter rule).
        refs: what the sink gave back for this case's hashes so far (HMA content ids).
        payload: the raw payload, kept to re-queue the hashes if a withdrawal overtook a send.
        shared: for a withdraw job, what the sink gave back for the same hashes in other open
            cases (a sink looking for copies of the hashes it never learnt must leave these).
    """

    id: int
    sink: str
    case_id: int
    kind: JobKind
    hashes: tuple[JobHash, ...]
    idempotency_key: str
    attempts: int
    queued_hour: int
    refs: Mapping[RefKey, str] = field(default_factory=dict)
    payload: str = field(default="", repr=False)
    shared: frozenset[str] = field(default=frozenset(), repr=False)


@dataclass(frozen=True, slots=True)
class SinkCounts:
    """How many jobs of one sink are in each state (``reclaim relay status``)."""

    sink: str
    queued: int = 0
    delivered: int = 0
    dead: int = 0
    cancelled: int = 0


def parse_hashes(payload: str) -> tuple[JobHash, ...]:
    """The hashes in a push job's payload.

    Raises:
        ValueError: the payload is not a push job's.
    """
    document = json.loads(payload)
    items = document.get("hashes") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise ValueError("not a push job payload")
    return tuple(
        JobHash(
            int(h["item"]),
            str(h["signal"]),
            str(h["type"]),
            str(h["value"]),
            records.pdq_quality(h.get("quality")),
        )
        for h in items
    )


async def due(store: Store, sink: str, now: float, limit: int = 50) -> list[Job]:
    """The queued jobs of ``sink`` whose next try is at or before ``now``, oldest first."""
    async with store.transaction() as db:
        rows = await db.execute_fetchall(
            "SELECT id, case_id, kind, payload, idempotency_key, attempts, queued_hour "
            "FROM push_jobs WHERE sink = ? AND state = 'queued' AND next_attempt <= ? "
            "ORDER BY next_attempt, id LIMIT ?",
            (sink, now, limit),
        )
        jobs = []
        for row in rows:
            refs = await _refs(db, sink, int(row[1]))
            kind = cast(JobKind, row[2])  # the schema's CHECK allows nothing else
            hashes = parse_hashes(str(row[3]))
            shared = await _shared_refs(db, sink, int(row[1]), hashes) if kind == "withdraw" else ()
            jobs.append(
                Job(
                    id=int(row[0]),
                    sink=sink,
                    case_id=int(row[1]),
                    kind=kind,
                    hashes=hashes,
                    idempotency_key=str(row[4]),
                    attempts=int(row[5]),
                    queued_hour=int(row[6]),
                    refs=refs,
                    payload=str(row[3]),
                    shared=frozenset(shared),
                )
            )
    return jobs


async def next_due(store: Store, sink: str) -> float | None:
    """When the next queued job of ``sink`` is due (Unix time), or None if none is queued."""
    async with store.transaction() as db:
        rows = await db.execute_fetchall(
            "SELECT MIN(next_attempt) FROM push_jobs WHERE sink = ? AND state = 'queued'",
            (sink,),
        )
    value = next(iter(rows))[0]
    return None if value is None else float(value)


async def record_progress(
    store: Store, job: Job, added: Mapping[RefKey, str], removed: Sequence[RefKey] = ()
) -> None:
    """Keep what a try that failed part-way did: references the sink gave back for some of
    ``job``'s hashes (``added``), or took back (``removed``), so the next try skips them."""
    if not added and not removed:
        return
    async with store.transaction(durable=True) as db:
        await _store_refs(db, job, added)
        await db.executemany(
            "DELETE FROM push_refs WHERE sink = ? AND case_id = ? AND item_index = ? "
            "AND signal = ?",
            [(job.sink, job.case_id, item, signal) for item, signal in removed],
        )


async def mark_done(
    store: Store, job: Job, now: float, refs: Mapping[RefKey, str] | None = None
) -> None:
    """Record that the sink took ``job``: payload cleared, delivery row updated.

    Args:
        store: the bot's store.
        job: the job that was sent.
        now: Unix time (only its date is kept).
        refs: for an open job, what the sink returned per hash (kept for the withdrawal).
    """
    today = outbox.utc_date(now)
    async with store.transaction(durable=True) as db:
        cursor = await db.execute(
            "UPDATE push_jobs SET state = 'delivered', payload = NULL, next_attempt = 0, "
            "done_on = ? WHERE id = ? AND state = 'queued'",
            (today, job.id),
        )
        if job.kind == "withdraw":
            await db.execute(
                "DELETE FROM push_refs WHERE sink = ? AND case_id = ?", (job.sink, job.case_id)
            )
            await _set_delivery(db, job, "withdrawn", today)
            return
        if refs:
            await _store_refs(db, job, refs)
        if cursor.rowcount:
            await _set_delivery(db, job, "delivered", today)
            return
        state = await db.execute_fetchall("SELECT state FROM push_jobs WHERE id = ?", (job.id,))
        if state and next(iter(state))[0] == "cancelled":
            # A withdrawal overtook the send: the sink has the hashes, so ask for them back.
            await db.execute(
                "INSERT INTO push_jobs (sink, case_id, kind, state, payload, idempotency_key, "
                "queued_hour) VALUES (?, ?, 'withdraw', 'queued', ?, ?, ?)",
                (job.sink, job.case_id, job.payload, secrets.token_hex(16), int(now) // _HOUR),
            )
            await _set_delivery(db, job, "withdraw_queued", today)


async def mark_failed(
    store: Store, job: Job, now: float, next_at: float, *, dead_after_hours: float
) -> bool:
    """Record a failed try of ``job``: the next try at ``next_at``, or dead if it is too late.

    A job is dead once more than ``dead_after_hours`` have passed since the hour it was
    queued; its payload is kept so ``reclaim relay retry-dead`` can queue it again, and its
    delivery row says ``failed``.

    Returns:
        True if the job is now dead.
    """
    dead = now - job.queued_hour * _HOUR > dead_after_hours * _HOUR
    async with store.transaction() as db:
        if dead:
            cursor = await db.execute(
                "UPDATE push_jobs SET state = 'dead', attempts = attempts + 1, next_attempt = 0 "
                "WHERE id = ? AND state = 'queued'",
                (job.id,),
            )
            if cursor.rowcount:
                await _set_delivery(db, job, "failed", outbox.utc_date(now))
            return bool(cursor.rowcount)
        await db.execute(
            "UPDATE push_jobs SET attempts = attempts + 1, next_attempt = ? "
            "WHERE id = ? AND state = 'queued'",
            (next_at, job.id),
        )
    return False


async def retry_dead(store: Store, now: float, sink: str | None = None) -> int:
    """Queue every dead job (of ``sink``, or of all sinks) again, due now.

    Each is given a fresh dead-letter period from ``now``, and its delivery row goes back to
    ``queued`` (or ``withdraw_queued`` for a withdrawal).

    Returns:
        How many jobs were queued again.
    """
    where, params = ("AND sink = ?", (sink,)) if sink else ("", ())
    today = outbox.utc_date(now)
    async with store.transaction() as db:
        rows = await db.execute_fetchall(
            f"SELECT id, sink, case_id, kind FROM push_jobs WHERE state = 'dead' {where}", params
        )
        for job_id, name, case_id, kind in rows:
            await db.execute(
                "UPDATE push_jobs SET state = 'queued', attempts = 0, next_attempt = 0, "
                "queued_hour = ? WHERE id = ?",
                (int(now) // _HOUR, job_id),
            )
            await db.execute(
                "UPDATE deliveries SET state = ?, updated_on = ? "
                "WHERE case_id = ? AND partner = ? AND state = 'failed'",
                ("queued" if kind == "open" else "withdraw_queued", today, case_id, name),
            )
    return len(list(rows))


async def counts(store: Store, sinks: Sequence[str] = ()) -> list[SinkCounts]:
    """Jobs per state for each of ``sinks`` and for any other sink that has jobs."""
    async with store.transaction() as db:
        rows = await db.execute_fetchall(
            "SELECT sink, state, COUNT(*) FROM push_jobs GROUP BY sink, state"
        )
    found: dict[str, dict[str, int]] = {name: {} for name in sinks}
    for name, state, count in rows:
        found.setdefault(str(name), {})[str(state)] = int(count)
    return [SinkCounts(name, **by_state) for name, by_state in found.items()]


async def count_dead(store: Store, sink: str) -> int:
    """How many jobs of ``sink`` are dead."""
    async with store.transaction() as db:
        rows = await db.execute_fetchall(
            "SELECT COUNT(*) FROM push_jobs WHERE sink = ? AND state = 'dead'", (sink,)
        )
    return int(next(iter(rows))[0])


async def outbox_queued(store: Store) -> int:
    """Outbox entries not yet dispatched to the relay."""
    async with store.transaction() as db:
        rows = await db.execute_fetchall("SELECT COUNT(*) FROM outbox WHERE state = 'queued'")
    return int(next(iter(rows))[0])


async def _refs(db: aiosqlite.Connection, sink: str, case_id: int) -> dict[RefKey, str]:
    rows = await db.execute_fetchall(
        "SELECT item_index, signal, ref FROM push_refs WHERE sink = ? AND case_id = ?",
        (sink, case_id),
    )
    return {(int(r[0]), str(r[1])): str(r[2]) for r in rows}


async def _shared_refs(
    db: aiosqlite.Connection, sink: str, case_id: int, hashes: Sequence[JobHash]
) -> set[str]:
    """What ``sink`` gave back for ``hashes`` in open cases other than ``case_id`` (an open case
    keeps its values in ``case_hashes``; a withdrawn one's are cleared, and its own withdraw
    job removes its references)."""
    found: set[str] = set()
    for item in hashes:
        rows = await db.execute_fetchall(
            "SELECT r.ref FROM push_refs AS r JOIN case_hashes AS h ON h.case_id = r.case_id "
            "AND h.item_index = r.item_index AND h.signal = r.signal "
            "WHERE r.sink = ? AND r.case_id <> ? AND h.signal = ? AND h.value = ?",
            (sink, case_id, item.signal, item.value),
        )
        found.update(str(r[0]) for r in rows)
    return found


async def _store_refs(db: aiosqlite.Connection, job: Job, refs: Mapping[RefKey, str]) -> None:
    await db.executemany(
        "INSERT INTO push_refs (sink, case_id, item_index, signal, ref) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (sink, case_id, item_index, signal) DO UPDATE SET ref = excluded.ref",
        [(job.sink, job.case_id, item, signal, ref) for (item, signal), ref in refs.items()],
    )


async def _set_delivery(db: aiosqlite.Connection, job: Job, state: str, today: str) -> None:
    await db.execute(
        "INSERT INTO deliveries (case_id, partner, state, updated_on) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (case_id, partner) DO UPDATE SET state = excluded.state, "
        "updated_on = excluded.updated_on",
        (job.case_id, job.sink, state, today),
    )
