"""A push partner added after cases were dispatched gets every open case, and their withdrawals."""

from __future__ import annotations

from pathlib import Path

from bot.cases.store import CaseCredentials, CaseInfo, Store
from bot.config import Settings, SinkSettings
from bot.hashes.items import HashItem, ItemKind
from bot.relay import backfill, dispatch, jobs
from bot.relay.runner import relay_running
from tests.conftest import TEST_SECRET
from tests.relay.sinks.partners import FakePartner, serving
from tests.relay.test_runner import ENV, FAST, eventually

NOW = 1_764_000_000.0
PDQ = "f" * 60 + "0123"
MD5 = "0cc175b9c0f1b6a831c399e269772661"
NEW = "New Bank"


async def open_case(store: Store, pdq: str = PDQ) -> CaseCredentials:
    image = HashItem(ItemKind.IMAGE, (("pdq", pdq), ("md5", MD5)))
    video = HashItem(ItemKind.FILE, (("md5", "b" * 32),))
    case = await store.open_case([image, video], "stopncii", NOW)
    assert isinstance(case, CaseCredentials)
    return case


async def rows(store: Store, sql: str) -> list[tuple[object, ...]]:
    async with store.transaction() as db:
        return [tuple(r) for r in await db.execute_fetchall(sql)]


async def test_a_partner_added_later_gets_each_open_dispatched_case_once(store: Store) -> None:
    await open_case(store)
    withdrawn = await open_case(store, "e" * 64)
    await dispatch.dispatch_pending(store, NOW, sinks=["Old"])
    await store.withdraw_case(withdrawn.number, withdrawn.pin, NOW)
    await dispatch.dispatch_pending(store, NOW, sinks=["Old"])
    await open_case(store, "d" * 64)  # still queued in the outbox: the dispatcher's to do

    assert await backfill.backfill_sink(store, NEW, NOW) == 1
    (job,) = await jobs.due(store, NEW, NOW)
    assert job.kind == "open"
    assert [(h.item, h.signal, h.feed_type, h.value) for h in job.hashes] == [
        (0, "pdq", "ImagePDQ", PDQ),
        (1, "md5", "VideoMD5", "b" * 32),
    ]
    assert await backfill.backfill_sink(store, NEW, NOW) == 0
    assert await backfill.backfill_sink(store, "Old", NOW) == 0

    await dispatch.dispatch_pending(store, NOW, sinks=["Old", NEW])
    assert await rows(
        store, f"SELECT COUNT(*) FROM push_jobs WHERE sink = '{NEW}' AND kind = 'open'"
    ) == [(2,)]
    assert await backfill.backfill_sink(store, NEW, NOW) == 0


async def test_status_names_the_partner_added_later(store: Store) -> None:
    case = await open_case(store)
    await dispatch.dispatch_pending(store, NOW, sinks=[])
    await backfill.backfill_sink(store, NEW, NOW)
    info = await store.lookup_case(case.number, case.pin, NOW)
    assert isinstance(info, CaseInfo)
    assert [(p.name, p.state) for p in info.partners] == [(NEW, "queued")]
    (job,) = await jobs.due(store, NEW, NOW)
    await jobs.mark_done(store, job, NOW)
    info = await store.lookup_case(case.number, case.pin, NOW)
    assert isinstance(info, CaseInfo)
    assert [(p.name, p.state) for p in info.partners] == [(NEW, "delivered")]


async def test_a_withdrawal_reaches_a_backfilled_partner_even_from_a_relay_without_it(
    store: Store,
) -> None:
    sent, unsent = await open_case(store), await open_case(store, "e" * 64)
    await dispatch.dispatch_pending(store, NOW, sinks=[])
    await backfill.backfill_sink(store, NEW, NOW)
    first, _ = await jobs.due(store, NEW, NOW)
    await jobs.mark_done(store, first, NOW)
    for case in (sent, unsent):
        await store.withdraw_case(case.number, case.pin, NOW)
    await dispatch.dispatch_pending(store, NOW, sinks=[])  # a relay whose settings lack it
    assert await rows(store, "SELECT case_id, kind, state FROM push_jobs ORDER BY id") == [
        (1, "open", "delivered"),
        (2, "open", "cancelled"),
        (1, "withdraw", "queued"),
    ]
    assert await rows(store, "SELECT case_id, partner, state FROM deliveries") == [
        (1, NEW, "withdraw_queued")
    ]


async def test_a_running_relay_with_a_new_webhook_sends_it_the_earlier_cases_and_withdrawals(
    store: Store, tmp_path: Path
) -> None:
    cases = [await open_case(store), await open_case(store, "e" * 64)]
    await dispatch.dispatch_pending(store, NOW, sinks=[])
    partner = FakePartner()
    async with serving(partner) as url:
        settings = Settings(
            data_dir=tmp_path,
            sinks=(SinkSettings(NEW, "webhook", url=f"{url}/hook", secret_env="HOOK_SECRET"),),
        )
        async with relay_running(store, TEST_SECRET, settings, env=ENV, tuning=FAST):

            async def both_sent() -> bool:
                return len(partner.deliveries) == 2

            await eventually(both_sent, "the earlier cases reach the new partner")
            await store.withdraw_case(cases[0].number, cases[0].pin, NOW)

            async def withdrawn() -> bool:
                return len(partner.deliveries) == 3

            await eventually(withdrawn, "the withdrawal reaches the new partner")
    events = [d.document["event"] for d in partner.deliveries]
    assert events == ["case_opened", "case_opened", "case_withdrawn"]
    assert (
        partner.deliveries[2].document["reference"] == partner.deliveries[0].document["reference"]
    )
