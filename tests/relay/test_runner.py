"""The relay as a whole on a real store: dispatch, sending, the sender lock, the state file."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.cases.store import CaseCredentials, Store
from bot.config import ConfigError, Settings, SinkSettings
from bot.hashes.items import HashItem, ItemKind
from bot.relay.backoff import RetrySchedule
from bot.relay.runner import RelayTuning, read_state, relay_running
from bot.relay.sinks import HttpTimeouts
from tests.conftest import TEST_SECRET
from tests.relay.sinks.partners import FakePartner, serving

FAST = RelayTuning(
    schedule=RetrySchedule(base=0.01, cap=0.05),
    breaker_cooldown=0.05,
    dispatch_every=0.02,
    lock_retry=0.05,
    stop_grace=2.0,
)
ENV = {"HOOK_SECRET": "webhook-secret"}


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Wait (up to 20 s) until ``check`` holds."""
    for _ in range(2000):
        if await check():
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"never happened: {what}")


async def open_cases(store: Store, count: int) -> None:
    for n in range(count):
        item = HashItem(ItemKind.IMAGE, (("pdq", f"{n:064x}"),))
        assert isinstance(await store.open_case([item], "stopncii", 1_764_000_000), CaseCredentials)


async def states(store: Store) -> list[tuple[object, ...]]:
    async with store.transaction() as db:
        return [
            tuple(r)
            for r in await db.execute_fetchall(
                "SELECT sink, state, COUNT(*) FROM push_jobs GROUP BY 1, 2 ORDER BY 1, 2"
            )
        ]


def settings_for(store_path: Path, url: str, exports: Path) -> Settings:
    return Settings(
        data_dir=store_path.parent,
        sinks=(
            SinkSettings("Hotline", "webhook", url=f"{url}/hook", secret_env="HOOK_SECRET"),
            SinkSettings("Export", "file", path=exports),
        ),
    )


async def test_the_relay_dispatches_and_delivers_to_every_sink_through_failures(
    store: Store, tmp_path: Path
) -> None:
    partner = FakePartner(fail_rate=0.5)
    async with serving(partner) as url:
        settings = settings_for(tmp_path / "reclaim.sqlite3", url, tmp_path / "out")
        await open_cases(store, 10)
        async with relay_running(store, TEST_SECRET, settings, env=ENV, tuning=FAST) as relay:

            async def all_delivered() -> bool:
                return await states(store) == [
                    ("Export", "delivered", 10),
                    ("Hotline", "delivered", 10),
                ]

            await eventually(all_delivered, "all jobs delivered")
            assert relay.dispatched == 10
            state = read_state(settings.database_path)
            assert state is not None
            assert set(state["sinks"]) == {"Hotline", "Export"}
    keys = {d.idempotency_key for d in partner.deliveries}
    assert len(keys) == 10
    lines = [json.loads(x) for p in (tmp_path / "out").iterdir() for x in p.open()]
    assert len({line["idempotency_key"] for line in lines}) == 10
    assert read_state(settings.database_path) is None  # stopped: nothing holds the lock


async def test_only_one_relay_sends_and_another_takes_over_when_it_stops(
    store: Store, tmp_path: Path
) -> None:
    partner = FakePartner()
    async with serving(partner) as url:
        settings = settings_for(tmp_path / "reclaim.sqlite3", url, tmp_path / "out")
        second = await Store.open(settings.database_path, pepper=b"p" * 32, scrypt_n=2**4)
        try:
            first_relay = relay_running(store, TEST_SECRET, settings, env=ENV, tuning=FAST)
            active = await first_relay.__aenter__()
            async with relay_running(
                second, TEST_SECRET, settings, env=ENV, tuning=FAST
            ) as standby:
                assert active.lock.held
                await asyncio.sleep(0.1)
                assert not standby.lock.held
                await first_relay.__aexit__(None, None, None)
                await eventually(lambda: _held(standby), "the standby relay takes the lock")
                await open_cases(store, 3)

                async def delivered() -> bool:
                    return len(partner.deliveries) == 3

                await eventually(delivered, "the standby relay delivers")
                assert sum(w.delivered for w in standby.workers.values()) >= 3
        finally:
            await second.close()


async def _held(relay: object) -> bool:
    return bool(relay.lock.held)  # type: ignore[attr-defined]


async def test_a_missing_webhook_secret_stops_the_relay_before_it_starts(
    store: Store, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path / "reclaim.sqlite3", "http://127.0.0.1:9", tmp_path)
    with pytest.raises(ConfigError, match="HOOK_SECRET"):
        async with relay_running(store, TEST_SECRET, settings, env={}, tuning=FAST):
            pytest.fail("started without the webhook's secret")


async def test_a_breaker_open_when_the_relay_stopped_is_still_open_after_a_restart(
    store: Store, tmp_path: Path
) -> None:
    partner = FakePartner(plan=[500, 500])
    tuning = dataclasses.replace(FAST, breaker_threshold=2, breaker_cooldown=60.0)
    async with serving(partner) as url:
        settings = settings_for(tmp_path / "reclaim.sqlite3", url, tmp_path / "out")
        await open_cases(store, 3)
        async with relay_running(store, TEST_SECRET, settings, env=ENV, tuning=tuning) as relay:

            async def paused() -> bool:
                return relay.workers["Hotline"].breaker.state == "open"

            await eventually(paused, "the failing sink's breaker opens")
        assert partner.requests == 2
        async with relay_running(store, TEST_SECRET, settings, env=ENV, tuning=tuning) as again:
            breaker = again.workers["Hotline"].breaker
            assert breaker.state == "open"
            assert breaker.reopens_at() > time.time() + 50
            await asyncio.sleep(0.3)
            assert partner.requests == 2  # nothing sent while the restored breaker is open
            state = read_state(settings.database_path)
            assert state is not None
            assert state["sinks"]["Hotline"]["breaker"] == "open"
            assert again.workers["Export"].breaker.state == "closed"
    assert partner.deliveries == []


async def test_an_hma_copy_whose_answer_was_lost_leaves_the_bank_when_the_case_is_withdrawn(
    store: Store, tmp_path: Path
) -> None:
    partner = FakePartner(plan=["lost"], hang_for=1.0)
    tuning = dataclasses.replace(FAST, timeouts=HttpTimeouts(connect=0.5, total=0.3))
    async with serving(partner) as url:
        settings = Settings(
            data_dir=tmp_path, sinks=(SinkSettings("Bank", "hma", url=url, bank="reclaim"),)
        )
        item = HashItem(ItemKind.IMAGE, (("pdq", "c" * 64),))
        case = await store.open_case([item], "stopncii", 1_764_000_000)
        assert isinstance(case, CaseCredentials)
        async with relay_running(store, TEST_SECRET, settings, env=ENV, tuning=tuning):

            async def banked() -> bool:
                return await states(store) == [("Bank", "delivered", 1)]

            await eventually(banked, "the retry banks the hash")
            assert partner.hashes_in() == [{"pdq": "c" * 64}] * 2  # one copy's id never learnt
            await store.withdraw_case(case.number, case.pin, 1_764_000_000)

            async def emptied() -> bool:
                return partner.hashes_in() == [] and await states(store) == [
                    ("Bank", "delivered", 2)
                ]

            await eventually(emptied, "the withdrawal removes both copies")
