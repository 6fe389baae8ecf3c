"""A sink worker on a real store, sending to a real HTTP partner on loopback that fails."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from bot.cases.store import CaseCredentials, Store
from bot.config import SinkSettings
from bot.hashes.items import HashItem, ItemKind
from bot.relay import dispatch
from bot.relay.backoff import Breaker, RetrySchedule
from bot.relay.sinks import HttpTimeouts
from bot.relay.sinks.hma import HmaSink
from bot.relay.worker import IDLE_PAUSE, SinkWorker
from tests.conftest import FakeClock
from tests.relay.sinks.partners import FakePartner, serving

SINK = "Bank A"
PDQ = "e" * 60 + "4567"


def fixed(a: float, b: float) -> float:
    return b  # the top of the jitter range, so the test knows each pause


async def rows(store: Store, sql: str) -> list[tuple[object, ...]]:
    async with store.transaction() as db:
        return [tuple(r) for r in await db.execute_fetchall(sql)]


async def open_cases(store: Store, clock: FakeClock, count: int) -> list[CaseCredentials]:
    cases = []
    for n in range(count):
        item = HashItem(ItemKind.IMAGE, (("pdq", f"{n:04x}" + PDQ[4:]),))
        case = await store.open_case([item], "stopncii", clock.now)
        assert isinstance(case, CaseCredentials)
        cases.append(case)
    await dispatch.dispatch_pending(store, clock.now, sinks=[SINK])
    return cases


@pytest.fixture
async def partner() -> AsyncIterator[tuple[FakePartner, str]]:
    fake = FakePartner()
    async with serving(fake) as url:
        yield fake, url


def make_worker(
    store: Store, url: str, clock: FakeClock, dead_after_hours: float = 72
) -> SinkWorker:
    sink = HmaSink(
        SinkSettings(SINK, "hma", url=url, bank="reclaim"),
        timeouts=HttpTimeouts(connect=0.5, total=0.5),
    )
    return SinkWorker(
        store,
        sink,
        dead_after_hours=dead_after_hours,
        schedule=RetrySchedule(base=2.0, cap=60.0, uniform=fixed),
        breaker=Breaker(threshold=3, cooldown=30.0),
        clock=clock,
    )


async def test_due_jobs_are_delivered_and_their_payloads_cleared(
    store: Store, clock: FakeClock, partner: tuple[FakePartner, str]
) -> None:
    fake, url = partner
    await open_cases(store, clock, 3)
    worker = make_worker(store, url, clock)
    assert await worker.run_once() == IDLE_PAUSE
    await worker.sink.close()
    assert len(fake.hashes_in()) == 3
    assert await rows(store, "SELECT state, payload FROM push_jobs") == [("delivered", None)] * 3
    assert await rows(store, "SELECT state FROM deliveries") == [("delivered",)] * 3
    assert await rows(store, "SELECT COUNT(*) FROM push_refs") == [(3,)]
    assert worker.delivered == 3


async def test_failures_back_off_and_open_the_breaker_until_its_cool_down(
    store: Store, clock: FakeClock, partner: tuple[FakePartner, str]
) -> None:
    fake, url = partner
    await open_cases(store, clock, 4)
    fake.plan = [500, 500, 500]
    worker = make_worker(store, url, clock)
    pause = await worker.run_once()
    assert worker.breaker.state == "open"
    assert pause == 30.0  # the breaker's cool-down, not the next job
    assert fake.requests == 3  # the fourth job was not tried while the sink is failing
    waiting = await rows(
        store, f"SELECT attempts, next_attempt - {clock.now} FROM push_jobs ORDER BY id"
    )
    assert waiting == [(1, 2.0), (1, 2.0), (1, 2.0), (0, -clock.now)]
    clock.now += 30
    assert await worker.run_once() == IDLE_PAUSE  # the probe works: the rest follow
    assert worker.breaker.state == "closed"
    await worker.sink.close()
    assert await rows(store, "SELECT DISTINCT state FROM push_jobs") == [("delivered",)]
    assert len(fake.hashes_in()) == 4


async def test_a_job_failing_past_its_time_is_dead_and_the_operator_is_told_once(
    store: Store,
    clock: FakeClock,
    partner: tuple[FakePartner, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake, url = partner
    await open_cases(store, clock, 2)
    fake.fail_rate = 1.0
    worker = make_worker(store, url, clock, dead_after_hours=1)
    with caplog.at_level(logging.DEBUG, logger="bot.relay"):
        await worker.run_once()
        clock.now += 2 * 3600
        await worker.run_once()  # the first is dead, then the breaker opens
        clock.now += 60
        await worker.run_once()  # the probe is the second: dead too
    await worker.sink.close()
    assert await rows(store, "SELECT state, payload IS NOT NULL FROM push_jobs") == [
        ("dead", 1),
        ("dead", 1),
    ]
    assert await rows(store, "SELECT state FROM deliveries") == [("failed",), ("failed",)]
    alerts = [r.getMessage() for r in caplog.records if "dead letters" in r.getMessage()]
    assert alerts == [
        "relay: 1 deliveries to Bank A are dead letters (given up after 1 hours); "
        "`reclaim relay retry-dead` queues them again",
        "relay: 2 deliveries to Bank A are dead letters (given up after 1 hours); "
        "`reclaim relay retry-dead` queues them again",
    ]
    assert not any(PDQ[4:] in r.getMessage() for r in caplog.records)


async def test_a_withdrawn_case_is_taken_out_of_the_bank(
    store: Store, clock: FakeClock, partner: tuple[FakePartner, str]
) -> None:
    fake, url = partner
    (case, other) = await open_cases(store, clock, 2)
    worker = make_worker(store, url, clock)
    await worker.run_once()
    await store.withdraw_case(case.number, case.pin, clock.now)
    await dispatch.dispatch_pending(store, clock.now, sinks=[SINK])
    await worker.run_once()
    await worker.sink.close()
    assert [h["pdq"][:4] for h in fake.hashes_in()] == ["0001"]
    assert await rows(store, "SELECT state FROM deliveries ORDER BY case_id") == [
        ("withdrawn",),
        ("delivered",),
    ]
    assert await rows(store, "SELECT COUNT(*) FROM push_refs") == [(1,)]
    assert other.number != case.number


async def test_with_nothing_due_the_worker_sleeps_until_the_next_try(
    store: Store, clock: FakeClock, partner: tuple[FakePartner, str]
) -> None:
    fake, url = partner
    await open_cases(store, clock, 1)
    fake.plan = [500]
    worker = make_worker(store, url, clock)
    assert await worker.run_once() == 2.0
    await worker.sink.close()
