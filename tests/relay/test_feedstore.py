"""The feed's SQL on a real store: pages, deliveries, feedback, match reports and the purge."""

from __future__ import annotations

import hashlib
from typing import Any

from bot.cases.store import CaseCredentials, Store
from bot.hashes.items import HashItem, ItemKind
from bot.relay import dispatch, feed, feedstore, partners, records
from tests.conftest import TEST_SECRET

NOW = 1_764_000_000.0
HOUR = 3600
KEYS = feedstore.FeedKeys.from_secret(TEST_SECRET)
TODAY = "2025-11-24"


def pdq(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


async def open_case(store: Store, *values: str, now: float = NOW) -> CaseCredentials:
    """A case of one picture per PDQ value, dispatched to the feed."""
    items = [HashItem(ItemKind.IMAGE, (("pdq", v),)) for v in values]
    opened = await store.open_case(items, "stopncii", now)
    assert isinstance(opened, CaseCredentials)
    await dispatch.dispatch_pending(store, now, sinks=[])
    return opened


async def withdraw(store: Store, case: CaseCredentials, now: float) -> None:
    await store.withdraw_case(case.number, case.pin, now)
    await dispatch.dispatch_pending(store, now, sinks=[])


async def partner(store: Store, name: str) -> partners.FeedPartner:
    async with store.transaction() as db:
        made = await partners.add(db, name, "https://p.example/v1", KEYS.partners, TODAY)
        found = await partners.authenticate(
            db, KEYS.partners, made.fetch_function_key, made.subscription_key, "/v1"
        )
    assert found is not None
    return found


async def fetch(
    store: Store, who: partners.FeedPartner, start: int = 10, size: int = 800, token: str = ""
) -> dict[str, Any]:
    params = {"startTimestamp": str(start), "pageSize": str(size), "nextPageToken": token}
    query = feed.parse_fetch_query(params, KEYS.tokens, who.name)
    async with store.transaction() as db:
        return await feedstore.serve_page(db, who, query, KEYS, TODAY)


async def walk(
    store: Store, who: partners.FeedPartner, start: int = 10, size: int = 800
) -> list[dict[str, Any]]:
    pages = [await fetch(store, who, start, size)]
    while pages[-1]["hasMoreRecords"]:
        pages.append(await fetch(store, who, start, size, pages[-1]["nextPageToken"]))
    return pages


async def rows(store: Store, sql: str) -> list[tuple[object, ...]]:
    async with store.transaction() as db:
        return [tuple(r) for r in await db.execute_fetchall(sql)]


async def case_ids(store: Store) -> list[int]:
    return [int(str(r[0])) for r in await rows(store, "SELECT id FROM cases ORDER BY id")]


async def test_a_page_holds_the_records_with_each_partners_own_references(store: Store) -> None:
    a, b = await partner(store, "A"), await partner(store, "B")
    await open_case(store, pdq(1), pdq(2))
    await open_case(store, pdq(2))
    first, second = await case_ids(store)
    got = await fetch(store, a)
    assert [r["hashValue"] for r in got["hashRecords"]] == [pdq(1), pdq(2)]
    ref = records.partner_ref
    assert got["hashRecords"][1]["caseNumbers"] == {
        ref(KEYS.refs, "A", first): "Active",
        ref(KEYS.refs, "A", second): "Active",
    }
    other = await fetch(store, b)
    assert set(other["hashRecords"][1]["caseNumbers"]).isdisjoint(
        got["hashRecords"][1]["caseNumbers"]
    )
    assert got["nextSetTimestamp"] == int(NOW) // HOUR * HOUR


async def test_a_fetch_counts_as_delivery_and_never_undoes_a_withdrawal(store: Store) -> None:
    a = await partner(store, "A")
    kept = await open_case(store, pdq(1))
    gone = await open_case(store, pdq(2))
    first, second = await case_ids(store)
    assert await rows(store, "SELECT case_id, partner, state FROM deliveries ORDER BY 1") == [
        (first, "A", "queued"),
        (second, "A", "queued"),
    ]
    await fetch(store, a)
    states = "SELECT case_id, state FROM deliveries WHERE partner = 'A' ORDER BY 1"
    assert await rows(store, states) == [(first, "delivered"), (second, "delivered")]
    await withdraw(store, gone, NOW + HOUR)
    assert await rows(store, states) == [(first, "delivered"), (second, "withdraw_queued")]
    await fetch(store, a)  # serves the withdrawn record: A has taken it back
    assert await rows(store, states) == [(first, "delivered"), (second, "withdrawn")]
    await fetch(store, a)
    assert await rows(store, states) == [(first, "delivered"), (second, "withdrawn")]
    assert kept.number not in repr(await fetch(store, a))


async def test_a_partner_added_later_gets_every_case_and_delivery_rows(store: Store) -> None:
    await open_case(store, pdq(1))
    late = await partner(store, "Late")
    assert await rows(store, "SELECT partner, state FROM deliveries") == []
    assert (await fetch(store, late))["count"] == 1
    assert await rows(store, "SELECT partner, state FROM deliveries") == [("Late", "delivered")]


async def test_paging_by_token_serves_every_record_once_and_a_change_again_later(
    store: Store,
) -> None:
    a = await partner(store, "A")
    cases = [await open_case(store, pdq(n)) for n in range(7)]
    first = await fetch(store, a, size=3)
    assert first["count"] == 3
    assert first["hasMoreRecords"]
    # The first case is withdrawn mid-walk: its record moves to the end of the feed.
    await withdraw(store, cases[0], NOW + 2 * HOUR)
    later: list[dict[str, Any]] = [first]
    while later[-1]["hasMoreRecords"]:
        later.append(await fetch(store, a, size=3, token=later[-1]["nextPageToken"]))
    served = [(r["hashValue"], r["hashStatus"]) for p in later for r in p["hashRecords"]]
    assert served == [
        *((pdq(n), "Active") for n in range(7)),
        (pdq(0), "Withdrawn"),
    ]
    assert [p["count"] for p in later] == [3, 3, 2]
    assert later[-1]["nextSetTimestamp"] == int(NOW + 2 * HOUR) // HOUR * HOUR


async def test_resuming_from_the_checkpoint_sees_every_later_change(store: Store) -> None:
    a = await partner(store, "A")
    gone = await open_case(store, pdq(1))
    checkpoint = (await walk(store, a))[-1]["nextSetTimestamp"]
    # The same hour, and a clock that stepped back a day: both must be seen.
    await open_case(store, pdq(2))
    await withdraw(store, gone, NOW - 86400)
    resumed = [r for p in await walk(store, a, checkpoint) for r in p["hashRecords"]]
    assert [(r["hashValue"], r["hashStatus"]) for r in resumed] == [
        (pdq(2), "Active"),
        (pdq(1), "Withdrawn"),
    ]
    again = await walk(store, a, (await walk(store, a, checkpoint))[-1]["nextSetTimestamp"])
    assert {r["hashValue"] for p in again for r in p["hashRecords"]} == {pdq(1), pdq(2)}


async def test_a_start_after_every_change_gives_an_empty_page_keeping_the_start(
    store: Store,
) -> None:
    a = await partner(store, "A")
    await open_case(store, pdq(1))
    start = int(NOW) // HOUR * HOUR + HOUR
    got = await fetch(store, a, start)
    assert (got["count"], got["hasMoreRecords"], got["nextSetTimestamp"]) == (0, False, start)


async def test_feedback_is_kept_per_case_latest_first_and_counted_once_for_helplines(
    store: Store,
) -> None:
    a, b = await partner(store, "A"), await partner(store, "B")
    await open_case(store, pdq(1))
    await open_case(store, pdq(1), pdq(2))
    first, second = await case_ids(store)
    async with store.transaction() as db:
        await db.execute("UPDATE cases SET referral = 'HELP1' WHERE id = ?", (second,))
        result = await feedstore.store_feedback(
            db,
            "A",
            [feed.FeedbackItem(pdq(1), "PendingReview"), feed.FeedbackItem("0" * 64, "Blocked")],
            NOW,
        )
    assert result == feedstore.FeedbackResult(accepted=1, unknown=1)
    kept = "SELECT case_id, partner, value FROM case_feedback ORDER BY 1, 2, 3"
    assert await rows(store, kept) == [
        (first, "A", "PendingReview"),
        (second, "A", "PendingReview"),
    ]
    counts = "SELECT code, feedback FROM referral_counts"
    assert await rows(store, counts) == [("HELP1", 1)]
    for _ in range(2):  # a changed answer replaces the old one; none counts again
        async with store.transaction() as db:
            await feedstore.store_feedback(db, "A", [feed.FeedbackItem(pdq(1), "Blocked")], NOW)
    assert await rows(store, kept) == [(first, "A", "Blocked"), (second, "A", "Blocked")]
    assert await rows(store, counts) == [("HELP1", 1)]
    async with store.transaction() as db:
        await feedstore.store_feedback(db, "A", [feed.FeedbackItem(pdq(2), "NotBlocked")], NOW)
    assert await rows(store, counts) == [("HELP1", 2)]
    # Other partners see A's answers on the record; A does not get its own back.
    by_b = {r["hashValue"]: r["CSPFeedbacks"] for r in (await fetch(store, b))["hashRecords"]}
    assert by_b[pdq(1)] == [{"feedbackValue": "Blocked", "tags": [], "source": "A"}]
    assert by_b[pdq(2)] == [{"feedbackValue": "NotBlocked", "tags": [], "source": "A"}]
    by_a = (await fetch(store, a))["hashRecords"]
    assert all(r["CSPFeedbacks"] == [] for r in by_a)


async def test_a_match_report_is_kept_for_the_case_its_reference_names(store: Store) -> None:
    await open_case(store, pdq(1))
    await open_case(store, pdq(1))
    _, second = await case_ids(store)
    ref = records.partner_ref(KEYS.refs, "Bank", second)

    async def report(reference: str, value: str = pdq(1), sink: str = "Bank") -> bool:
        async with store.transaction() as db:
            found = feed.MatchReport(reference, "ImagePDQ", value, "Blocked")
            return await feedstore.store_match(db, sink, found, KEYS.refs, NOW)

    assert not await report(records.partner_ref(KEYS.refs, "Other", second))
    assert not await report(ref, pdq(9))
    assert not await report(ref, sink="Other")
    assert await rows(store, "SELECT * FROM case_feedback") == []
    assert await report(ref.upper())
    assert await rows(store, "SELECT case_id, partner, value FROM case_feedback") == [
        (second, "Bank", "Blocked")
    ]


async def test_report_tags_are_remembered_until_they_expire(store: Store) -> None:
    tag = b"\x01" * 32
    async with store.transaction() as db:
        assert await feedstore.remember_report(db, tag, int(NOW) + 300)
        assert not await feedstore.remember_report(db, tag, int(NOW) + 300)
        await feedstore.purge(db, NOW + 299)
        assert not await feedstore.remember_report(db, tag, int(NOW) + 300)
        await feedstore.purge(db, NOW + 301)
        assert await feedstore.remember_report(db, tag, int(NOW) + 900)


async def test_withdrawn_records_are_purged_after_the_retention_only(store: Store) -> None:
    a = await partner(store, "A")
    gone = await open_case(store, pdq(1), pdq(2))
    await open_case(store, pdq(2))
    await withdraw(store, gone, NOW)
    hour = int(NOW) // HOUR * HOUR
    async with store.transaction() as db:
        assert await feedstore.purge(db, hour + feedstore.RETENTION) == 0
        assert await feedstore.purge(db, hour + feedstore.RETENTION + 1) == 1
    assert await rows(store, "SELECT hash_value, status FROM feed_records") == [(pdq(2), "Active")]
    assert await rows(store, "SELECT count(*) FROM feed_members") == [(2,)]
    assert [r["hashValue"] for r in (await fetch(store, a))["hashRecords"]] == [pdq(2)]
