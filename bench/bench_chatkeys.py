"""Chat keys: what one derivation costs, and what a burst of new chats does to everyone else.

Figures: CPU and wall milliseconds per scrypt derivation at the production cost, and what that
means for someone who stole the data directory (CPU-years to try every one of 10**10 Telegram
ids), next to the HMAC-SHA256 it replaced; then a burst: ``NEW_CHATS`` new chats arrive within
``BURST_SECONDS`` while ``EXISTING`` chats whose keys are cached keep talking, and the latency
of both is reported (p50/p99 per event). It runs on every core the machine has (the bot's
event loop uses one; the derivation threads, at a lower priority, take what is left).
The machine may be shared with other work: compare ratios, re-run for final figures.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import random
import tempfile
import time
from pathlib import Path

from bench.bench_runtime import SECRET, NullTransport, percentile
from bot.cases.store import Store
from bot.chatkeys import COST, derive_chat_key
from bot.config import Settings, derive_key
from bot.data import load_helplines
from bot.engine.events import Command, Start
from bot.i18n import Catalogs
from bot.runtime import Runtime

SAMPLES = 200
ID_SPACE = 10**10
CPU_YEAR = 365.25 * 24 * 3600
NEW_CHATS = 1_000
BURST_SECONDS = 10.0
EXISTING = 200
EXISTING_PAUSE = 0.1
"""Mean seconds between one existing chat's messages (200 chats: about 2,000 events/s)."""


def derivation_cost() -> dict[str, float]:
    """CPU and wall time per derivation, and the cost of a search of the whole id space."""
    salt = derive_key(SECRET, "chat-key")
    cpu, wall = time.thread_time(), time.perf_counter()
    for n in range(SAMPLES):
        derive_chat_key(salt, "telegram", str(5_000_000_000 + n))
    cpu_ms = (time.thread_time() - cpu) / SAMPLES * 1000
    wall_ms = (time.perf_counter() - wall) / SAMPLES * 1000
    key = derive_key(SECRET, "session")
    started = time.thread_time()
    for n in range(SAMPLES * 100):
        hmac.new(key, f"telegram\x00{n}".encode(), hashlib.sha256).digest()
    hmac_us = (time.thread_time() - started) / (SAMPLES * 100) * 1e6
    return {
        "scrypt_memory_mib": COST.memory / 2**20,
        "cpu_ms_per_key": cpu_ms,
        "wall_ms_per_key": wall_ms,
        "sweep_cpu_years": ID_SPACE * cpu_ms / 1000 / CPU_YEAR,
        "hmac_us_per_key": hmac_us,
        "hmac_sweep_minutes_2_cores": ID_SPACE * hmac_us / 1e6 / 2 / 60,
    }


async def burst(directory: Path, new_chats: int) -> dict[str, float]:
    """Existing chats talk for ``BURST_SECONDS`` while ``new_chats`` arrive; latency of both."""
    store = await Store.open(directory / "bench.sqlite3", pepper=derive_key(SECRET, "pin"))
    runtime = Runtime(
        store,
        Catalogs.load(),
        secret=SECRET,
        settings=Settings(data_dir=directory, flood_limit=10**6),
        helplines=load_helplines(),
    )
    transport = NullTransport()
    existing = [f"existing-{n}" for n in range(EXISTING)]
    for chat in existing:  # they talked before: keys cached, sessions stored
        await runtime.handle(transport, chat, Start())
    derived_before = runtime.chat_keys.derivations
    old: list[float] = []
    new: list[float] = []
    stop = asyncio.Event()

    async def talk(chat: str, pauses: random.Random) -> None:
        while not stop.is_set():
            await asyncio.sleep(pauses.expovariate(1 / EXISTING_PAUSE))
            started = time.perf_counter()
            await runtime.handle(transport, chat, Command("help"))
            old.append(time.perf_counter() - started)

    async def arrive(n: int) -> None:
        await asyncio.sleep(n * BURST_SECONDS / max(new_chats, 1))
        started = time.perf_counter()
        await runtime.handle(transport, f"new-{n}", Start())
        new.append(time.perf_counter() - started)

    talkers = [asyncio.create_task(talk(c, random.Random(c))) for c in existing]
    started = time.perf_counter()
    await asyncio.gather(*(arrive(n) for n in range(new_chats)))
    await asyncio.sleep(max(0.0, started + BURST_SECONDS - time.perf_counter()))
    elapsed = time.perf_counter() - started
    stop.set()
    await asyncio.gather(*talkers)
    runtime.chat_keys.close()
    await store.close()
    return {
        "new_chats": len(new),
        "keys_derived": runtime.chat_keys.derivations - derived_before,
        "burst_seconds": elapsed,
        "existing_events": len(old),
        "existing_events_per_s": len(old) / elapsed,
        "existing_p50_ms": percentile(old, 50),
        "existing_p99_ms": percentile(old, 99),
        "new_first_p50_ms": percentile(new, 50) if new else 0.0,
        "new_first_p99_ms": percentile(new, 99) if new else 0.0,
    }


def main() -> None:
    """Print the figures."""
    if hasattr(os, "sched_setaffinity"):  # every core (bench_runtime pins to one)
        os.sched_setaffinity(0, range(os.cpu_count() or 1))
    print("-- one derivation (production cost)")
    for name, value in derivation_cost().items():
        print(f"{name:>28}: {value:,.3f}")
    for new_chats in (0, NEW_CHATS):
        with tempfile.TemporaryDirectory() as directory:
            figures = asyncio.run(burst(Path(directory), new_chats))
        print(f"-- {new_chats:,} new chats in {BURST_SECONDS:.0f} s while {EXISTING} chats talk")
        for name, value in figures.items():
            print(f"{name:>28}: {value:,.2f}")


if __name__ == "__main__":
    main()
