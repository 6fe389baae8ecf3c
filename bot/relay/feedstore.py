"""The hash feed's SQL: reading pages, marking deliveries, keeping partners' answers, purging.

Belongs here: every statement the partner API runs, inside a transaction the caller holds
(``Store.transaction()``): one ``FetchHashes`` page read by keyset on ``feed_records_by_change``
(never ``OFFSET``, so page 100 costs what page 1 costs), the members and other partners'
answers of that page, a fetch counted as delivery, ``SubmitFeedback`` and push partners' match
reports stored per case, the replay memory of match reports, and the purge of old records.
Does not belong here: paging decisions and JSON (``feed.py``), HTTP (``server.py``).

Deliveries: a fetch that returns a case's record as ``Active`` makes that case ``delivered`` to
the partner (a case withdrawn meanwhile keeps ``withdraw_queued`` or ``withdrawn``); one that
returns it as ``Withdrawn`` turns ``withdraw_queued`` into ``withdrawn``.

Retention: a ``Withdrawn`` record is deleted ``RETENTION`` seconds after its last change.
python-threatexchange treats a checkpoint as stale after 30 days without a fetch and then
fetches everything from the start, so a consumer fetching at least that often sees every
withdrawal before its record goes; one extra day covers the hour rounding and clock skew.
"""

from __future__ import annotations

import hmac
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import aiosqlite

from bot.cases import outbox, referrals
from bot.config import derive_key
from bot.relay import feed, partners, records

__all__ = [
    "RETENTION",
    "FeedKeys",
    "FeedbackResult",
    "purge",
    "read_records",
    "remember_report",
    "serve_page",
    "store_feedback",
    "store_match",
]

RETENTION: Final = 31 * 86400
"""Seconds a ``Withdrawn`` record stays in the feed after its last change."""


@dataclass(frozen=True, slots=True)
class FeedKeys:
    """The keys the feed uses, each derived from the server secret for its own purpose.

    Attributes:
        partners: hashes partners' keys (``partners.KEY_PURPOSE``).
        refs: makes per-partner case references (``records.partner_ref``).
        tokens: signs page tokens.
    """

    partners: bytes
    refs: bytes
    tokens: bytes

    @classmethod
    def from_secret(cls, secret: bytes) -> FeedKeys:
        """The keys for ``secret``."""
        return cls(
            derive_key(secret, partners.KEY_PURPOSE),
            derive_key(secret, "partner-refs"),
            derive_key(secret, "feed-tokens"),
        )


@dataclass(frozen=True, slots=True)
class FeedbackResult:
    """What became of a ``SubmitFeedback`` body's answers.

    Attributes:
        accepted: answers about hashes in the feed, kept for every case holding them.
        unknown: answers about hashes the feed does not hold (nothing kept).
    """

    accepted: int
    unknown: int


async def read_records(db: aiosqlite.Connection, query: feed.FetchQuery) -> list[feed.FeedRecord]:
    """Up to ``page_size + 1`` records after the query's position, in feed order."""
    after = query.after or feed.Position(query.start, -1)
    after = max(after, feed.Position(query.start, -1))
    rows = await db.execute_fetchall(
        "SELECT id, signal_type, hash_value, status, modified, seq FROM feed_records "
        "INDEXED BY feed_records_by_change WHERE (modified, seq) > (?, ?) "
        "ORDER BY modified, seq LIMIT ?",
        (after.modified, after.seq, query.page_size + 1),
    )
    return [
        feed.FeedRecord(int(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4]), int(r[5]))
        for r in rows
    ]


async def serve_page(
    db: aiosqlite.Connection,
    partner: partners.FeedPartner,
    query: feed.FetchQuery,
    keys: FeedKeys,
    today: str,
) -> dict[str, Any]:
    """One ``FetchHashes`` page for ``partner``, counting what it returns as delivered."""
    rows = await read_records(db, query)
    ids = json.dumps([row.id for row in rows[: query.page_size]])
    members: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for record_id, case_id, status in await db.execute_fetchall(
        "SELECT record_id, case_id, status FROM feed_members "
        "WHERE record_id IN (SELECT value FROM json_each(?)) ORDER BY record_id, case_id",
        (ids,),
    ):
        members[int(record_id)].append((int(case_id), str(status)))
    answers: dict[int, list[tuple[str, str]]] = defaultdict(list)
    # case_feedback is keyed by case first, so it is reached through the members.
    for record_id, source, value, _ in await db.execute_fetchall(
        "SELECT f.record_id, f.partner, f.value, MAX(f.updated_on) FROM feed_members m "
        "JOIN case_feedback f ON f.case_id = m.case_id AND f.record_id = m.record_id "
        "WHERE m.record_id IN (SELECT value FROM json_each(?)) AND f.partner <> ? "
        "GROUP BY f.record_id, f.partner",
        (ids, partner.name),
    ):
        answers[int(record_id)].append((str(source), str(value)))
    await _mark_deliveries(db, partner.name, members.values(), today)

    def ref(case_id: int) -> str:
        return records.partner_ref(keys.refs, partner.name, case_id)

    return feed.build_page(query, rows, members, answers, ref, key=keys.tokens, scope=partner.name)


async def _mark_deliveries(
    db: aiosqlite.Connection,
    partner: str,
    members: Iterable[Sequence[tuple[int, str]]],
    today: str,
) -> None:
    active: set[int] = set()
    withdrawn: set[int] = set()
    for held in members:
        for case_id, status in held:
            (active if status == "Active" else withdrawn).add(case_id)
    await db.executemany(
        "INSERT INTO deliveries (case_id, partner, state, updated_on) "
        "VALUES (?, ?, 'delivered', ?) ON CONFLICT (case_id, partner) DO UPDATE SET "
        "state = 'delivered', updated_on = excluded.updated_on "
        "WHERE deliveries.state IN ('queued', 'failed')",
        [(case_id, partner, today) for case_id in sorted(active)],
    )
    await db.executemany(
        "UPDATE deliveries SET state = 'withdrawn', updated_on = ? "
        "WHERE case_id = ? AND partner = ? AND state = 'withdraw_queued'",
        [(today, case_id, partner) for case_id in sorted(withdrawn)],
    )


async def _keep_answer(
    db: aiosqlite.Connection,
    case_id: int,
    referral: str | None,
    partner: str,
    record_id: int,
    value: str,
    now: float,
) -> None:
    """The latest answer per (case, partner, record); a first answer counts for the helpline."""
    today = outbox.utc_date(now)
    cursor = await db.execute(
        "INSERT INTO case_feedback (case_id, partner, record_id, value, updated_on) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (case_id, partner, record_id) DO NOTHING",
        (case_id, partner, record_id, value, today),
    )
    if cursor.rowcount:
        if referral:
            await referrals.bump(db, referral, "feedback", now)
        return
    await db.execute(
        "UPDATE case_feedback SET value = ?, updated_on = ? "
        "WHERE case_id = ? AND partner = ? AND record_id = ? AND value <> ?",
        (value, today, case_id, partner, record_id, value),
    )


async def _holders(db: aiosqlite.Connection, record_id: int) -> list[tuple[int, str | None]]:
    rows = await db.execute_fetchall(
        "SELECT m.case_id, c.referral FROM feed_members m JOIN cases c ON c.id = m.case_id "
        "WHERE m.record_id = ? ORDER BY m.case_id",
        (record_id,),
    )
    return [(int(r[0]), None if r[1] is None else str(r[1])) for r in rows]


async def store_feedback(
    db: aiosqlite.Connection, partner: str, items: Sequence[feed.FeedbackItem], now: float
) -> FeedbackResult:
    """Keep ``SubmitFeedback`` answers, matched by hash value in any signal type.

    The client sends no signal type, so an answer is kept for every record with that value
    and every case holding one.
    """
    accepted = unknown = 0
    types = sorted(records.FEED_TYPES.values())
    for item in items:
        found = await db.execute_fetchall(
            "SELECT id FROM feed_records WHERE signal_type IN (?, ?) AND hash_value = ?",
            (*types, item.hash_value),
        )
        if not found:
            unknown += 1
            continue
        accepted += 1
        for (record_id,) in found:
            for case_id, referral in await _holders(db, int(record_id)):
                await _keep_answer(db, case_id, referral, partner, int(record_id), item.value, now)
    return FeedbackResult(accepted, unknown)


async def store_match(
    db: aiosqlite.Connection, sink: str, report: feed.MatchReport, ref_key: bytes, now: float
) -> bool:
    """Keep a push partner's match report for the case its reference names.

    Returns:
        False if no case holding that hash is known to ``sink`` by that reference.
    """
    found = await db.execute_fetchall(
        "SELECT id FROM feed_records WHERE signal_type = ? AND hash_value = ?",
        (report.signal_type, report.hash_value),
    )
    for (record_id,) in found:
        for case_id, referral in await _holders(db, int(record_id)):
            expected = records.partner_ref(ref_key, sink, case_id)
            if hmac.compare_digest(expected, report.reference.lower()):
                await _keep_answer(db, case_id, referral, sink, int(record_id), report.value, now)
                return True
    return False


async def remember_report(db: aiosqlite.Connection, tag: bytes, expires_at: int) -> bool:
    """Note an accepted match report's signature tag; False if it was seen already."""
    cursor = await db.execute(
        "INSERT INTO seen_reports (tag, expires_at) VALUES (?, ?) ON CONFLICT (tag) DO NOTHING",
        (tag, expires_at),
    )
    return bool(cursor.rowcount)


async def purge(db: aiosqlite.Connection, now: float) -> int:
    """Delete ``Withdrawn`` records past ``RETENTION`` and expired replay tags.

    Returns:
        How many feed records were deleted.
    """
    cursor = await db.execute(
        "DELETE FROM feed_records WHERE status = 'Withdrawn' AND modified < ?",
        (int(now) - RETENTION,),
    )
    deleted = cursor.rowcount
    await db.execute("DELETE FROM seen_reports WHERE expires_at < ?", (int(now),))
    return max(deleted, 0)
