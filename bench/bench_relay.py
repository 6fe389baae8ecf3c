"""Push relay under a flaky partner: 1,000 cases, the webhook failing half the time at random.

Figures: cases delivered and lost, duplicate deliveries (and whether each repeats the same
idempotency key), time to drain with the partner failing, and time to drain a second batch
after the partner recovers. Back-off and breaker timings are shortened (``RelayTuning``) so
the run takes seconds; the shape of the schedule is the production one.
"""

from __future__ import annotations

import asyncio
import collections
import tempfile
import time
from pathlib import Path

from bot.cases.store import CaseCredentials, CaseLimits, Store
from bot.config import Settings, SinkSettings, derive_key
from bot.hashes.items import HashItem, ItemKind
from bot.relay.backoff import RetrySchedule
from bot.relay.runner import RelayTuning, relay_running
from tests.relay.sinks.partners import FakePartner, serving

CASES = 1_000
SECRET = b"bench-secret-0123456789abcdef012345"
TUNING = RelayTuning(
    schedule=RetrySchedule(base=0.005, cap=0.2),
    breaker_threshold=5,
    breaker_cooldown=0.02,
    dispatch_every=0.05,
)


async def open_cases(store: Store, start: int, count: int) -> None:
    for n in range(start, start + count):
        item = HashItem(ItemKind.IMAGE, (("pdq", f"{n + 1:064x}"),))
        assert isinstance(await store.open_case([item], "stopncii", time.time()), CaseCredentials)


async def delivered(store: Store) -> int:
    async with store.transaction() as db:
        rows = await db.execute_fetchall("SELECT COUNT(*) FROM push_jobs WHERE state = 'delivered'")
    return int(next(iter(rows))[0])


async def drain(store: Store, target: int) -> float:
    started = time.perf_counter()
    while await delivered(store) < target:
        await asyncio.sleep(0.01)
    return time.perf_counter() - started


async def run() -> None:
    partner = FakePartner(secret=b"bench-hook", fail_rate=0.5)
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "reclaim.sqlite3"
        store = await Store.open(
            database,
            pepper=derive_key(SECRET, "pin"),
            scrypt_n=2**4,
            limits=CaseLimits(10**6, 10**6),
        )
        async with serving(partner) as url:
            settings = Settings(
                data_dir=Path(folder),
                sinks=(SinkSettings("Hotline", "webhook", url=f"{url}/hook", secret_env="HOOK"),),
            )
            await open_cases(store, 0, CASES)
            async with relay_running(
                store, SECRET, settings, env={"HOOK": "bench-hook"}, tuning=TUNING
            ):
                failing = await drain(store, CASES)
                partner.fail_rate = 0.0
                await open_cases(store, CASES, CASES)
                recovered = await drain(store, 2 * CASES)
        async with store.transaction() as db:
            keys = {
                str(r[0])
                for r in await db.execute_fetchall("SELECT idempotency_key FROM push_jobs")
            }
        await store.close()
    counted = collections.Counter(d.idempotency_key for d in partner.deliveries)
    lost = len(keys - set(counted))
    repeats = sum(n - 1 for n in counted.values())
    print(f"cases: {2 * CASES}, delivered: {len(set(counted) & keys)}, lost: {lost}")
    print(f"requests: {partner.requests} (about half of the first {CASES} answered 500)")
    print(f"duplicate deliveries: {repeats} (repeats of an idempotency key already delivered)")
    print(f"drain of {CASES} cases while failing half the time: {failing:.2f} s")
    print(f"drain of {CASES} more opened after the partner recovered: {recovered:.2f} s")


def main() -> None:
    """Run the bench and print its figures."""
    asyncio.run(run())


if __name__ == "__main__":
    main()
