"""Push relay under a flaky partner, then through an outage: are all cases delivered, any lost,
and are repeats only ever the same delivery again?

Phase 1: 1,000 cases, the webhook failing half the time at random. Half of those failures
happen after the partner has taken the delivery (it answers 500 or too late), so the relay must
send it again: that is how duplicates arise, and each must carry the same idempotency key and
the same bytes. Phase 2: the partner refuses every connection for ``--outage`` seconds while
``--outage-cases`` cases arrive, then comes back; the figure is the time from its recovery to
the last delivery (the drain), and how many were delivered.

The receiving server is counted at the partner's side: every request with a valid signature is
recorded per idempotency key, whatever it is answered. A duplicate is a key received more than
once; a key received with two different bodies is a failure (exit status 1). Back-off and breaker
timings start shortened (``RelayTuning``) so the run takes seconds; the shape of the schedule is
the production one. The breaker's cool-down doubles while the partner stays down (up to 10
minutes, as in production), so the drain begins with the wait for the breaker's next probe,
printed apart from the sending.

What does not belong here: the partner the tests use (``tests/relay/sinks/partners.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import random
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from bot.cases.store import CaseCredentials, CaseLimits, Store
from bot.config import Settings, SinkSettings, derive_key
from bot.hashes.items import HashItem, ItemKind
from bot.relay import signing
from bot.relay.backoff import RetrySchedule
from bot.relay.runner import RelayTuning, relay_running

CASES = 1_000
SECRET = b"bench-secret-0123456789abcdef012345"
HOOK_SECRET = b"bench-hook"
TUNING = RelayTuning(
    schedule=RetrySchedule(base=0.005, cap=0.2),
    breaker_threshold=5,
    breaker_cooldown=0.02,
    dispatch_every=0.05,
)


@dataclass
class Receiver:
    """The partner's side: every signed request it received, per idempotency key."""

    fail_rate: float = 0.5
    rng: random.Random = field(default_factory=lambda: random.Random(9))
    bodies: dict[str, list[bytes]] = field(default_factory=lambda: collections.defaultdict(list))
    requests: int = 0
    taken_then_failed: int = 0
    last_received: float = 0.0
    first_received: float = 0.0
    """The first receipt since ``first_received`` was last set to 0."""
    refusing: bool = False
    """Down: connections kept alive from before are cut, as a stopped partner's would be."""

    async def hook(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.refusing:
            if request.transport is not None:
                request.transport.abort()
            return web.json_response({"message": "down"}, status=503)
        body = await request.read()
        failing = self.rng.random() < self.fail_rate
        if failing and self.rng.random() < 0.5:  # fails before taking it
            return web.json_response({"message": "failing on purpose"}, status=500)
        header = request.headers.get(signing.SIGNATURE_HEADER, "")
        if signing.verify(HOOK_SECRET, header, body, time.time()) is None:
            return web.json_response({"message": "bad signature"}, status=401)
        self.bodies[request.headers["Idempotency-Key"]].append(body)
        self.last_received = time.perf_counter()
        self.first_received = self.first_received or self.last_received
        if failing:  # took it, but the answer says otherwise: the relay must send it again
            self.taken_then_failed += 1
            return web.json_response({"message": "failing after taking it"}, status=500)
        return web.json_response({"ok": True})


class Server:
    """The receiver on a fixed loopback port, which can go down (refusing connections)."""

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        app = web.Application()
        app.router.add_post("/hook", receiver.hook)
        self.runner = web.AppRunner(app, shutdown_timeout=0.1)
        self.site: web.TCPSite | None = None
        self.port = 0

    async def start(self) -> str:
        await self.runner.setup()
        await self.up()
        return f"http://127.0.0.1:{self.port}/hook"

    async def up(self) -> None:
        self.receiver.refusing = False
        self.site = web.TCPSite(self.runner, "127.0.0.1", self.port, reuse_address=True)
        await self.site.start()
        if not self.port:
            self.port = self.runner.addresses[0][1]

    async def down(self) -> None:
        self.receiver.refusing = True
        if self.site is not None:
            await self.site.stop()
            self.site = None

    async def close(self) -> None:
        await self.runner.cleanup()


async def open_cases(store: Store, start: int, count: int, spread: float = 0.0) -> None:
    """Open ``count`` cases, spread evenly over ``spread`` seconds."""
    for n in range(start, start + count):
        item = HashItem(ItemKind.IMAGE, (("pdq", f"{n + 1:064x}"),), pdq_quality=n % 101)
        assert isinstance(await store.open_case([item], "stopncii", time.time()), CaseCredentials)
        if spread:
            await asyncio.sleep(spread / count)


async def delivered(store: Store) -> int:
    async with store.transaction() as db:
        rows = await db.execute_fetchall("SELECT COUNT(*) FROM push_jobs WHERE state = 'delivered'")
    return int(next(iter(rows))[0])


async def drain(store: Store, target: int) -> float:
    started = time.perf_counter()
    while await delivered(store) < target:
        await asyncio.sleep(0.01)
    return time.perf_counter() - started


async def job_keys(store: Store) -> set[str]:
    async with store.transaction() as db:
        rows = await db.execute_fetchall("SELECT idempotency_key FROM push_jobs")
    return {str(r[0]) for r in rows}


def tally(receiver: Receiver, keys: set[str]) -> tuple[int, int, int, int]:
    """Delivered keys, lost keys, keys received more than once, keys with differing bodies."""
    received = set(receiver.bodies)
    repeated = sum(len(b) > 1 for b in receiver.bodies.values())
    differing = sum(len(set(b)) > 1 for b in receiver.bodies.values())
    return len(received & keys), len(keys - received), repeated, differing


async def run(cases: int, outage: float, outage_cases: int) -> int:
    receiver = Receiver()
    server = Server(receiver)
    url = await server.start()
    with tempfile.TemporaryDirectory() as folder:
        store = await Store.open(
            Path(folder) / "reclaim.sqlite3",
            pepper=derive_key(SECRET, "pin"),
            scrypt_n=2**4,
            limits=CaseLimits(10**6, 10**6),
        )
        settings = Settings(
            data_dir=Path(folder),
            sinks=(SinkSettings("Hotline", "webhook", url=url, secret_env="HOOK"),),
        )
        env = {"HOOK": HOOK_SECRET.decode()}
        try:
            await open_cases(store, 0, cases)
            async with relay_running(store, SECRET, settings, env=env, tuning=TUNING):
                failing = await drain(store, cases)
                first = tally(receiver, await job_keys(store))
                receiver.fail_rate = 0.0
                await server.down()
                await open_cases(store, cases, outage_cases, spread=outage)
                receiver.first_received = 0.0
                await server.up()
                recovered_at = time.perf_counter()
                await drain(store, cases + outage_cases)
                drained = receiver.last_received - recovered_at
                waited = receiver.first_received - recovered_at
            total = tally(receiver, await job_keys(store))
        finally:
            await store.close()
            await server.close()
    print(f"phase 1: {cases} cases, the partner failing half the time at random")
    print(f"  delivered: {first[0]}, lost: {first[1]}, time to deliver all: {failing:.2f} s")
    print(
        f"  requests: {receiver.requests}; taken by the partner but answered 500: "
        f"{receiver.taken_then_failed}"
    )
    print(
        f"  duplicates: {first[2]} keys received more than once, "
        f"{first[3]} of them with a different body"
    )
    print(f"phase 2: the partner down for {outage:.0f} s while {outage_cases} cases arrive")
    print(
        f"  drain after it came back: {drained:.2f} s ({waited:.2f} s until the breaker's "
        f"probe, then {drained - waited:.2f} s sending); delivered: {total[0] - first[0]}"
    )
    print(
        f"overall: {cases + outage_cases} cases, delivered: {total[0]}, lost: {total[1]}, "
        f"duplicate keys: {total[2]}, with a different body: {total[3]}"
    )
    failed = total[1] or total[3] or total[0] != cases + outage_cases
    if failed:
        print("FAILED: a case was lost or a key was received with two different bodies")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> None:
    """Run the bench and print its figures (exit status 1 if a delivery was lost or differed)."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_relay")
    parser.add_argument("--cases", type=int, default=CASES)
    parser.add_argument("--outage", type=float, default=10.0, help="seconds the partner is down")
    parser.add_argument("--outage-cases", type=int, default=500)
    args = parser.parse_args([] if argv is None else argv)
    status = asyncio.run(run(args.cases, args.outage, args.outage_cases))
    if status:
        raise SystemExit(status)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
