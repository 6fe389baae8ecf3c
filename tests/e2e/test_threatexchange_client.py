"""The feed as partners consume it: the real python-threatexchange StopNCII client, unchanged.

The partner API runs on loopback; a partner is registered as ``reclaim partner add`` does; its
credentials line is read by the client's own ``StopNCIICredentials``; cases are opened with the
real store and dispatched. The client is synchronous (requests), so it runs in a thread.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from threatexchange.exchanges.clients.stopncii import api as tx
from threatexchange.exchanges.collab_config import CollaborationConfigBase
from threatexchange.exchanges.impl.stop_ncii_api import (
    StopNCIICredentials,
    StopNCIISignalExchangeAPI,
)
from threatexchange.signal_type.pdq.signal import PdqSignal

from bot.cases.store import CaseCredentials, Store
from bot.config import Settings
from bot.hashes.items import HashItem, ItemKind
from bot.relay import dispatch, feedstore, partners, records, server
from tests.conftest import TEST_SECRET, FakeClock

KEYS = feedstore.FeedKeys.from_secret(TEST_SECRET)
HOUR = 3600
MD5 = "0cc175b9c0f1b6a831c399e269772661"
T = TypeVar("T")


def pdq(n: int) -> str:
    """A distinct PDQ-sized hex value."""
    return hashlib.sha256(str(n).encode()).hexdigest()


@dataclass
class Feed:
    store: Store
    clock: FakeClock
    client: tx.StopNCIIAPI
    credentials: StopNCIICredentials
    partner: str

    async def run(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(call, *args, **kwargs)

    async def open_case(self, *values: str, video: str | None = None) -> CaseCredentials:
        items = [HashItem(ItemKind.IMAGE, (("pdq", v),)) for v in values]
        if video is not None:
            items.append(HashItem(ItemKind.FILE, (("md5", video),)))
        opened = await self.store.open_case(items, "stopncii", self.clock.now)
        assert isinstance(opened, CaseCredentials)
        await self.dispatch()
        return opened

    async def dispatch(self) -> None:
        while await dispatch.dispatch_pending(self.store, self.clock.now, sinks=[]):
            pass

    async def withdraw(self, case: CaseCredentials) -> None:
        await self.store.withdraw_case(case.number, case.pin, self.clock.now)
        await self.dispatch()

    async def everything(
        self, start: int = tx.StopNCIIAPI.DEFAULT_START_TIME
    ) -> list[tx.FetchHashesResponse]:
        def pages() -> list[tx.FetchHashesResponse]:
            return list(self.client.fetch_hashes_iter(start))

        return await self.run(pages)

    async def case_ids(self) -> list[int]:
        async with self.store.transaction() as db:
            found = await db.execute_fetchall("SELECT id FROM cases ORDER BY id")
        return [int(r[0]) for r in found]

    def ref(self, case_id: int) -> str:
        return records.partner_ref(KEYS.refs, self.partner, case_id)


@pytest.fixture
async def live(store: Store, clock: FakeClock) -> AsyncIterator[Feed]:
    settings = Settings(partner_api_listen="127.0.0.1:0")
    running = await server.start_partner_api(store, TEST_SECRET, settings, clock=clock, env={})
    try:
        url = f"http://127.0.0.1:{running.port}/v1/"
        async with store.transaction() as db:
            made = await partners.add(db, "Hotline", url, KEYS.partners, "2025-11-24")
        credentials = StopNCIICredentials._from_str(made.credentials_line())
        client = tx.StopNCIIAPI(
            credentials.subscription_key,
            credentials.fetch_function_key,
            base_url_override=credentials.base_url_override,
        )
        yield Feed(store, clock, client, credentials, "Hotline")
    finally:
        await running.close()


async def test_the_client_reads_every_record_with_every_enum_parsed(live: Feed) -> None:
    await live.open_case(*(pdq(n) for n in range(900)))
    await live.open_case(*(pdq(n) for n in range(900, 1700)), video=MD5)
    await live.open_case(pdq(5))  # a hash two cases hold
    pages = await live.everything()
    assert [page.count for page in pages] == [800, 800, 101]
    assert [page.hasMoreRecords for page in pages] == [True, True, False]
    got = [record for page in pages for record in page.hashRecords]
    assert len(got) == sum(page.count for page in pages) == 1701  # the client dropped none
    assert len({(r.signalType, r.hashValue) for r in got}) == 1701
    assert {r.signalType for r in got} == {
        tx.StopNCIISignalType.ImagePDQ,
        tx.StopNCIISignalType.VideoMD5,
    }
    assert all(r.hashStatus is tx.StopNCIICaseStatus.Active for r in got)
    first, second, third = await live.case_ids()
    shared = next(r for r in got if r.hashValue == pdq(5))
    assert shared.caseNumbers == {
        live.ref(first): tx.StopNCIICaseStatus.Active,
        live.ref(third): tx.StopNCIICaseStatus.Active,
    }
    video = next(r for r in got if r.signalType is tx.StopNCIISignalType.VideoMD5)
    assert (video.hashValue, video.caseNumbers) == (
        MD5,
        {live.ref(second): tx.StopNCIICaseStatus.Active},
    )
    assert isinstance(pages[-1].nextSetTimestamp, int)
    assert pages[-1].nextSetTimestamp == int(live.clock.now) // HOUR * HOUR
    async with live.store.transaction() as db:
        states = [tuple(r) for r in await db.execute_fetchall("SELECT state FROM deliveries")]
    assert states == [("delivered",)] * 3  # the fetch counted as delivery of every case


async def test_small_pages_follow_the_token_to_the_end(live: Feed) -> None:
    await live.open_case(*(pdq(n) for n in range(5)))
    seen: list[str] = []
    page = await live.run(live.client.fetch_hashes, page_size=2)
    while True:
        assert page.count == len(page.hashRecords) <= 2
        seen += [r.hashValue for r in page.hashRecords]
        if not page.hasMoreRecords:
            break
        assert page.nextPageToken
        page = await live.run(live.client.fetch_hashes, page_size=2, next_page=page.nextPageToken)
    assert seen == [pdq(n) for n in range(5)]
    assert page.nextPageToken is None


async def test_a_withdrawal_shows_as_withdrawn_and_the_checkpoint_resumes_to_it(
    live: Feed,
) -> None:
    exchange = StopNCIISignalExchangeAPI.for_collab(
        CollaborationConfigBase("Reclaim", "stopncii", True), live.credentials
    )
    gone = await live.open_case(pdq(1), pdq(2))
    await live.open_case(pdq(2))
    first, second = await live.case_ids()

    def fetch(checkpoint: Any) -> list[Any]:
        return list(exchange.fetch_iter([PdqSignal], checkpoint))

    deltas = await live.run(fetch, None)
    state = {k: v for d in deltas for k, v in d.updates.items()}
    assert set(state) == {("pdq", pdq(1)), ("pdq", pdq(2))}
    checkpoint = deltas[-1].checkpoint
    assert checkpoint.update_time == int(live.clock.now) // HOUR * HOUR

    live.clock.now += 5 * HOUR
    await live.withdraw(gone)
    pages = await live.everything(checkpoint.update_time)
    changed = {r.hashValue: r for p in pages for r in p.hashRecords}
    assert changed[pdq(1)].hashStatus is tx.StopNCIICaseStatus.Withdrawn
    assert changed[pdq(1)].caseNumbers == {live.ref(first): tx.StopNCIICaseStatus.Withdrawn}
    assert changed[pdq(2)].hashStatus is tx.StopNCIICaseStatus.Active  # the other case holds it
    assert changed[pdq(2)].caseNumbers == {
        live.ref(first): tx.StopNCIICaseStatus.Withdrawn,
        live.ref(second): tx.StopNCIICaseStatus.Active,
    }

    resumed = await live.run(fetch, checkpoint)
    updates = {k: v for d in resumed for k, v in d.updates.items()}
    assert ("pdq", pdq(1)) in updates  # the incremental fetch saw the withdrawal
    assert resumed[-1].checkpoint.update_time == int(live.clock.now) // HOUR * HOUR


async def test_upstream_gap_the_exchange_keeps_a_withdrawn_hash(live: Feed) -> None:
    """python-threatexchange 1.2.17 compares ``record.hashValue`` (not ``hashStatus``) with the
    withdrawn statuses, so a withdrawn record still maps to metadata and HMA never deletes it.
    If this starts failing, upstream fixed it: update the README's partner guide."""
    exchange = StopNCIISignalExchangeAPI.for_collab(
        CollaborationConfigBase("Reclaim", "stopncii", True), live.credentials
    )
    gone = await live.open_case(pdq(1))
    await live.withdraw(gone)
    pages = await live.everything()
    assert [r.hashStatus for p in pages for r in p.hashRecords] == [tx.StopNCIICaseStatus.Withdrawn]
    deltas = await live.run(lambda: list(exchange.fetch_iter([PdqSignal], None)))
    updates = {k: v for d in deltas for k, v in d.updates.items()}
    assert list(updates) == [("pdq", pdq(1))]
    assert updates[("pdq", pdq(1))] is not None  # the gap: a deletion would be None


async def test_feedback_from_the_client_reaches_the_case(live: Feed) -> None:
    # The client wants a key per endpoint; the fetch key serves them all.
    key = live.credentials.fetch_function_key
    client = tx.StopNCIIAPI(
        live.credentials.subscription_key,
        key,
        additional_function_keys={tx.StopNCIIEndpoint.SubmitFeedback: key},
        base_url_override=live.credentials.base_url_override,
    )
    await live.open_case(pdq(1))
    await live.open_case(pdq(1), video=MD5)
    await live.run(
        client.submit_feedback,
        tx.StopNCIISignalType.ImagePDQ,
        pdq(1),
        tx.StopNCIICSPFeedbackValue.Blocked,
        {"reviewed"},
    )
    await live.run(
        client.submit_feedbacks,
        {
            (tx.StopNCIISignalType.VideoMD5, MD5): tx.StopNCIICSPFeedback(
                tx.StopNCIICSPFeedbackValue.PendingReview
            ),
            (tx.StopNCIISignalType.ImagePDQ, pdq(9)): tx.StopNCIICSPFeedback(
                tx.StopNCIICSPFeedbackValue.Blocked
            ),
        },
    )
    first, second = await live.case_ids()
    async with live.store.transaction() as db:
        kept = await db.execute_fetchall(
            "SELECT case_id, partner, value FROM case_feedback ORDER BY 1, 3"
        )
    assert [tuple(r) for r in kept] == [
        (first, "Hotline", "Blocked"),
        (second, "Hotline", "Blocked"),
        (second, "Hotline", "PendingReview"),
    ]
