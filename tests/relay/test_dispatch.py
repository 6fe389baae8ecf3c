"""Dispatching outbox entries: feed records, push jobs and delivery rows, all or nothing."""

from __future__ import annotations

import hashlib

from bot.cases.store import CaseCredentials, Store
from bot.hashes.items import HashItem, ItemKind
from bot.relay import dispatch, records

NOW = 1_764_000_000.0
PDQ = "f" * 60 + "0123"
MD5 = "0cc175b9c0f1b6a831c399e269772661"


def pdq(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


async def open_case(store: Store, *items: HashItem, now: float = NOW) -> CaseCredentials:
    opened = await store.open_case(list(items), "stopncii", now)
    assert isinstance(opened, CaseCredentials)
    return opened


async def rows(store: Store, sql: str) -> list[tuple[object, ...]]:
    async with store.transaction() as db:
        return [tuple(r) for r in await db.execute_fetchall(sql)]


async def test_an_open_case_becomes_feed_records_jobs_and_queued_deliveries(store: Store) -> None:
    image = HashItem(ItemKind.IMAGE, (("pdq", PDQ), ("md5", MD5), ("phash", "a" * 16)))
    video = HashItem(ItemKind.FILE, (("md5", "b" * 32),))
    await open_case(store, image, video)
    assert await dispatch.dispatch_pending(store, NOW, sinks=["Bank A"]) == 1
    assert await rows(
        store, "SELECT signal_type, hash_value, status, modified FROM feed_records"
    ) == [
        ("ImagePDQ", PDQ, "Active", int(NOW) // 3600 * 3600),
        ("VideoMD5", "b" * 32, "Active", int(NOW) // 3600 * 3600),
    ]
    assert await rows(store, "SELECT partner, state FROM deliveries") == [("Bank A", "queued")]
    assert await rows(store, "SELECT sink, kind, state FROM push_jobs") == [
        ("Bank A", "open", "queued")
    ]
    assert await rows(store, "SELECT state, payload FROM outbox") == [("delivered", None)]
    assert await store.pending_outbox() == []
    assert await dispatch.dispatch_pending(store, NOW, sinks=["Bank A"]) == 0


async def test_a_withdrawal_marks_records_withdrawn_unless_another_case_holds_them(
    store: Store,
) -> None:
    shared = HashItem(ItemKind.IMAGE, (("pdq", PDQ),))
    own = HashItem(ItemKind.IMAGE, (("pdq", pdq(1)),))
    first = await open_case(store, shared, own)
    await open_case(store, shared)
    await dispatch.dispatch_pending(store, NOW, sinks=[])
    await store.withdraw_case(first.number, first.pin, NOW + 7200)
    await dispatch.dispatch_pending(store, NOW + 7200, sinks=[])
    later = int(NOW + 7200) // 3600 * 3600
    got = await rows(store, "SELECT hash_value, status, modified FROM feed_records ORDER BY seq")
    assert got == [(PDQ, "Active", later), (pdq(1), "Withdrawn", later)]


async def test_withdrawing_cancels_unsent_push_jobs_and_queues_removal_of_sent_ones(
    store: Store,
) -> None:
    case = await open_case(store, HashItem(ItemKind.IMAGE, (("pdq", PDQ),)))
    await dispatch.dispatch_pending(store, NOW, sinks=["Sent", "Unsent"])
    async with store.transaction() as db:
        await db.execute(
            "UPDATE push_jobs SET state = 'delivered', payload = NULL, next_attempt = 0 "
            "WHERE sink = 'Sent'"
        )
        await db.execute("UPDATE deliveries SET state = 'delivered' WHERE partner = 'Sent'")
    await store.withdraw_case(case.number, case.pin, NOW)
    await dispatch.dispatch_pending(store, NOW, sinks=["Sent", "Unsent"])
    jobs = await rows(store, "SELECT sink, kind, state FROM push_jobs ORDER BY id")
    assert jobs == [
        ("Sent", "open", "delivered"),
        ("Unsent", "open", "cancelled"),
        ("Sent", "withdraw", "queued"),
    ]
    assert await rows(store, "SELECT partner, state FROM deliveries") == [
        ("Sent", "withdraw_queued")
    ]


async def test_feed_times_never_go_back_when_the_clock_does(store: Store) -> None:
    await open_case(store, HashItem(ItemKind.IMAGE, (("pdq", pdq(1)),)))
    await dispatch.dispatch_pending(store, NOW, sinks=[])
    await open_case(store, HashItem(ItemKind.IMAGE, (("pdq", pdq(2)),)), now=NOW - 86400)
    await dispatch.dispatch_pending(store, NOW - 86400, sinks=[])
    times = await rows(store, "SELECT modified FROM feed_records ORDER BY seq")
    assert times == [(int(NOW) // 3600 * 3600,)] * 2


def test_partner_references_differ_per_partner_and_never_show_the_case_number() -> None:
    key = b"k" * 32
    a, b = records.partner_ref(key, "A", 7), records.partner_ref(key, "B", 7)
    assert a != b
    assert len(a) == 24
    assert records.partner_ref(key, "a", 7) == a
    assert records.partner_ref(b"j" * 32, "A", 7) != a
