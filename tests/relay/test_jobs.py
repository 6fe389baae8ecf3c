"""Push jobs in a real store: due jobs, marks, dead letters, and withdrawals overtaking sends."""

from __future__ import annotations

from bot.cases.store import CaseCredentials, Store
from bot.hashes.items import HashItem, ItemKind
from bot.relay import dispatch, jobs

NOW = 1_764_000_000.0
PDQ = "f" * 60 + "0123"
MD5 = "0cc175b9c0f1b6a831c399e269772661"
SINK = "Bank A"


async def opened(store: Store, *sinks: str) -> CaseCredentials:
    image = HashItem(ItemKind.IMAGE, (("pdq", PDQ), ("md5", MD5)))
    video = HashItem(ItemKind.FILE, (("md5", "b" * 32),))
    case = await store.open_case([image, video], "stopncii", NOW)
    assert isinstance(case, CaseCredentials)
    await dispatch.dispatch_pending(store, NOW, sinks=list(sinks or [SINK]))
    return case


async def rows(store: Store, sql: str) -> list[tuple[object, ...]]:
    async with store.transaction() as db:
        return [tuple(r) for r in await db.execute_fetchall(sql)]


async def test_a_dispatched_case_is_one_due_job_with_its_hashes(store: Store) -> None:
    await opened(store)
    (job,) = await jobs.due(store, SINK, NOW)
    assert job.kind == "open"
    assert [(h.item, h.signal, h.feed_type, h.value) for h in job.hashes] == [
        (0, "pdq", "ImagePDQ", PDQ),
        (1, "md5", "VideoMD5", "b" * 32),
    ]
    assert job.attempts == 0
    assert job.refs == {}
    assert PDQ not in repr(job)
    assert await jobs.due(store, "Other", NOW) == []
    assert await jobs.next_due(store, SINK) == 0.0
    assert await jobs.next_due(store, "Other") is None


async def test_marking_done_clears_the_payload_and_keeps_the_refs(store: Store) -> None:
    await opened(store)
    (job,) = await jobs.due(store, SINK, NOW)
    await jobs.mark_done(store, job, NOW, {(0, "pdq"): "17", (1, "md5"): "18"})
    assert await rows(store, "SELECT state, payload, next_attempt, done_on FROM push_jobs") == [
        ("delivered", None, 0.0, "2025-11-24")
    ]
    assert await rows(store, "SELECT partner, state FROM deliveries") == [(SINK, "delivered")]
    assert await rows(store, "SELECT item_index, signal, ref FROM push_refs ORDER BY 1") == [
        (0, "pdq", "17"),
        (1, "md5", "18"),
    ]
    assert await jobs.due(store, SINK, NOW + 10**6) == []


async def test_a_withdraw_job_reads_the_refs_and_its_mark_deletes_them(store: Store) -> None:
    case = await opened(store)
    (job,) = await jobs.due(store, SINK, NOW)
    await jobs.mark_done(store, job, NOW, {(0, "pdq"): "17"})
    await store.withdraw_case(case.number, case.pin, NOW)
    await dispatch.dispatch_pending(store, NOW, sinks=[SINK])
    (withdraw,) = await jobs.due(store, SINK, NOW)
    assert withdraw.kind == "withdraw"
    assert withdraw.refs == {(0, "pdq"): "17"}
    assert withdraw.idempotency_key != job.idempotency_key
    await jobs.mark_done(store, withdraw, NOW)
    assert await rows(store, "SELECT COUNT(*) FROM push_refs") == [(0,)]
    assert await rows(store, "SELECT partner, state FROM deliveries") == [(SINK, "withdrawn")]
    assert await rows(store, "SELECT COUNT(*) FROM push_jobs WHERE payload IS NOT NULL") == [(0,)]


async def test_a_failed_try_waits_and_a_partial_one_keeps_its_progress(store: Store) -> None:
    await opened(store)
    (job,) = await jobs.due(store, SINK, NOW)
    await jobs.record_progress(store, job, {(0, "pdq"): "17"})
    assert not await jobs.mark_failed(store, job, NOW, NOW + 30, dead_after_hours=72)
    assert await jobs.due(store, SINK, NOW + 29) == []
    (again,) = await jobs.due(store, SINK, NOW + 30)
    assert again.attempts == 1
    assert again.refs == {(0, "pdq"): "17"}
    await jobs.record_progress(store, again, {}, [(0, "pdq")])
    assert (await jobs.due(store, SINK, NOW + 30))[0].refs == {}


async def test_a_job_past_its_dead_letter_time_is_dead_and_can_be_retried(store: Store) -> None:
    await opened(store, SINK, "Other")
    (job,) = await jobs.due(store, SINK, NOW)
    later = NOW + 3 * 3600
    assert await jobs.mark_failed(store, job, later, later + 5, dead_after_hours=2)
    assert await rows(store, "SELECT state, payload IS NOT NULL FROM push_jobs WHERE id = 1") == [
        ("dead", 1)
    ]
    assert await rows(store, f"SELECT state FROM deliveries WHERE partner = '{SINK}'") == [
        ("failed",)
    ]
    assert await jobs.count_dead(store, SINK) == 1
    assert await jobs.due(store, SINK, later + 10**6) == []
    counted = {c.sink: c for c in await jobs.counts(store, [SINK, "Other", "Idle"])}
    assert (counted[SINK].dead, counted["Other"].queued, counted["Idle"].queued) == (1, 1, 0)
    assert await jobs.retry_dead(store, later, "Other") == 0
    assert await jobs.retry_dead(store, later) == 1
    (back,) = await jobs.due(store, SINK, later)
    assert (back.attempts, back.queued_hour) == (0, int(later) // 3600)
    assert await rows(store, f"SELECT state FROM deliveries WHERE partner = '{SINK}'") == [
        ("queued",)
    ]


async def test_just_inside_the_dead_letter_time_a_job_is_tried_again(store: Store) -> None:
    await opened(store)
    (job,) = await jobs.due(store, SINK, NOW)
    edge = job.queued_hour * 3600 + 2 * 3600
    assert not await jobs.mark_failed(store, job, edge, edge + 1, dead_after_hours=2)
    assert await jobs.mark_failed(store, job, edge + 1, edge + 2, dead_after_hours=2)


async def test_a_withdrawal_during_a_send_asks_the_sink_to_take_the_hashes_back(
    store: Store,
) -> None:
    case = await opened(store)
    (job,) = await jobs.due(store, SINK, NOW)
    # The person withdraws while the job is on its way to the sink.
    await store.withdraw_case(case.number, case.pin, NOW)
    await dispatch.dispatch_pending(store, NOW, sinks=[SINK])
    assert await rows(store, "SELECT kind, state FROM push_jobs") == [("open", "cancelled")]
    await jobs.mark_done(store, job, NOW, {(0, "pdq"): "17"})
    assert await rows(store, "SELECT kind, state FROM push_jobs ORDER BY id") == [
        ("open", "cancelled"),
        ("withdraw", "queued"),
    ]
    (withdraw,) = await jobs.due(store, SINK, NOW)
    assert withdraw.refs == {(0, "pdq"): "17"}
    assert [h.value for h in withdraw.hashes] == [PDQ, "b" * 32]
    assert await rows(store, "SELECT partner, state FROM deliveries") == [(SINK, "withdraw_queued")]


async def test_the_outbox_count_is_what_waits_for_dispatch(store: Store) -> None:
    case = await store.open_case([HashItem(ItemKind.IMAGE, (("pdq", PDQ),))], "stopncii", NOW)
    assert isinstance(case, CaseCredentials)
    assert await jobs.outbox_queued(store) == 1
    await dispatch.dispatch_pending(store, NOW, sinks=[])
    assert await jobs.outbox_queued(store) == 0


async def test_a_withdraw_job_knows_what_other_open_cases_hold_of_its_hashes(
    store: Store,
) -> None:
    first = await opened(store)
    await opened(store)
    withdrawn = await opened(store)
    for ref, job in zip(("17", "18", "19"), await jobs.due(store, SINK, NOW), strict=True):
        await jobs.mark_done(store, job, NOW, {(0, "pdq"): ref})
    await store.withdraw_case(withdrawn.number, withdrawn.pin, NOW)
    await store.withdraw_case(first.number, first.pin, NOW)
    await dispatch.dispatch_pending(store, NOW, sinks=[SINK])
    by_case = {job.case_id: job for job in await jobs.due(store, SINK, NOW)}
    # The first case's search must leave the second case's content (open, same picture);
    # the other withdrawn case's content is its own withdrawal's to remove.
    assert by_case[1].shared == frozenset({"18"})
    assert by_case[3].shared == frozenset({"18"})
