"""The bot on Matrix against a local Synapse: reply latency in an encrypted DM, memory per room.

The bot runs as its own process (``python -m bot run`` with the Matrix settings) on a Synapse
started for the bench (as the tests start it, ``tests/e2e/synapse.py``). A second matrix-nio
client plays the person:

- **latency**: in one encrypted direct chat, the person sends ``MESSAGES`` messages one at a
  time; each figure is the time from the start of the send to the bot's encrypted reply arriving
  at the person's client (through its sync), so it includes both clients' work and Synapse's;
- **memory**: the person opens ``ROOMS`` plain direct chats with the bot; once the bot has
  greeted in every one, the bot process's resident memory (VmRSS) is read, and compared with
  its memory after the first chat.

Figures, never pass or fail. ``python -m bench bench_matrix``, or with other sizes
``python -m bench.bench_matrix --messages N --rooms N``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.e2e import synapse as synapse_module
from tests.e2e.matrix_person import Person
from tests.e2e.synapse import Synapse, free_port

MESSAGES = 200
ROOMS = 1000
GREETING = "Who is in the pictures or videos?"
BATCH = 25
"""Direct chats opened at once while filling the bot with rooms."""


def rss_kib(pid: int) -> int:
    """A process's resident memory in KiB (Linux ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def start_bot(synapse: Synapse, data_dir: Path, user_id: str, token: str) -> Any:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "RECLAIM_", "MATRIX_"))
    }
    env.update(
        RECLAIM_DATA_DIR=str(data_dir),
        RECLAIM_LOG_LEVEL="WARNING",
        RECLAIM_FLOOD_LIMIT="1000000",
        RECLAIM_CASES_PER_HOUR="1000000",
        MATRIX_HOMESERVER=synapse.url,
        MATRIX_USER_ID=user_id,
        MATRIX_ACCESS_TOKEN=token,
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=synapse_module.ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def latency(person: Person, bot_user_id: str, messages: int) -> list[float]:
    room = await person.dm(bot_user_id, encrypted=True)
    await person.expect(room, GREETING, timeout=120)
    seconds: list[float] = []
    for index in range(messages):
        before = len(person.said(room))
        started = time.perf_counter()
        await person.say(room, f"hello {index}")
        await person.wait(lambda before=before: len(person.said(room)) > before, 60)
        seconds.append(time.perf_counter() - started)
    assert person.undecrypted == 0, "a reply could not be decrypted"
    return seconds


async def fill(person: Person, bot_user_id: str, rooms: int) -> tuple[float, float]:
    """Open ``rooms`` direct chats; seconds until all were created, and until all were greeted."""
    started = time.perf_counter()
    opened: list[str] = []
    for first in range(0, rooms, BATCH):
        count = min(BATCH, rooms - first)
        opened += await asyncio.gather(*(person.dm(bot_user_id) for _ in range(count)))
    created = time.perf_counter() - started
    await person.wait(lambda: all(person.said(room) for room in opened), 60 + rooms)
    return created, time.perf_counter() - started


async def run(messages: int, rooms: int) -> None:
    why = synapse_module.missing_reason()
    if why is not None:
        print(f"skipped: {why}")
        return
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        synapse = Synapse(base / "synapse", free_port())
        synapse.start()
        try:
            bot = synapse.register("reclaim")
            process = await start_bot(synapse, base / "data", bot.user_id, bot.access_token)
            try:
                async with Person(synapse, synapse.register("person"), base / "p") as person:
                    seconds = await latency(person, bot.user_id, messages)
                    first_rss = rss_kib(process.pid)
                    created, took = await fill(person, bot.user_id, rooms)
                    last_rss = rss_kib(process.pid)
            finally:
                process.terminate()
                await process.wait()
        finally:
            synapse.stop()
    ms = [s * 1000 for s in seconds]
    print(
        f"encrypted DM, {messages} messages one at a time, send -> reply at the person: "
        f"p50 {statistics.median(ms):.0f} ms, p99 {percentile(ms, 0.99):.0f} ms, "
        f"max {max(ms):.0f} ms"
    )
    print(
        f"{rooms} more direct chats made in {created:.1f} s (by the person, on Synapse), all "
        f"joined and greeted after {took:.1f} s; bot RSS "
        f"{first_rss / 1024:.1f} MiB after 1 chat, {last_rss / 1024:.1f} MiB after {rooms + 1} "
        f"({(last_rss - first_rss) / max(1, rooms):.1f} KiB per chat)"
    )


def main() -> None:
    """Run the Matrix bench with the command line's sizes."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_matrix")
    parser.add_argument("--messages", type=int, default=MESSAGES)
    parser.add_argument("--rooms", type=int, default=ROOMS)
    own = sys.argv[1:] if sys.argv[0].endswith("bench_matrix.py") else []
    args = parser.parse_args(own)
    asyncio.run(run(args.messages, args.rooms))


if __name__ == "__main__":
    main()
