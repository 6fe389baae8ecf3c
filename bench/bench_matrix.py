"""The bot on Matrix against a local Synapse: reply latency in an encrypted DM, memory per room.

The bot runs as its own process (``python -m bot run`` with the Matrix settings) on a Synapse
started for the bench (as the tests start it, ``tests/e2e/synapse.py``). A second matrix-nio
client plays the person:

- **latency**: in one encrypted direct chat, the person sends ``MESSAGES`` messages one at a
  time; each figure is the time from the start of the send to the bot's encrypted reply arriving
  at the person's client (through its sync), so it includes both clients' work and Synapse's;
- **memory**: another account opens ``ROOMS`` plain direct chats with the bot, over plain
  client-API calls from a few threads (a syncing client of its own would spend more time on
  1,000 rooms than Synapse and the bot do); once the bot has greeted in every one (one filtered
  sync of that account, asked every few seconds), the bot process's resident memory (VmRSS) is
  read, and compared with its memory after the first chat. The CPU time Synapse and the bot
  spent meanwhile is printed too: Synapse's sets the pace (on two cores, 1,000 chats take
  several minutes; ``--rooms`` makes a shorter run).

Figures, never pass or fail. ``python -m bench bench_matrix``, or with other sizes
``python -m bench.bench_matrix --messages N --rooms N``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.e2e import synapse as synapse_module
from tests.e2e.matrix_person import Person
from tests.e2e.synapse import Synapse, free_port

MESSAGES = 200
ROOMS = 1000
GREETING = "Who is in the pictures or videos?"
BATCH = 8
"""Direct chats opened at once while filling the bot with rooms."""
CALL_TIMEOUT = 300.0


def rss_kib(pid: int) -> int:
    """A process's resident memory in KiB (Linux ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """A process's CPU time so far, user and system (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def call(synapse: Synapse, token: str, method: str, path: str, body: object = None) -> Any:
    """One client-API call, waiting as long as a loaded Synapse needs (not the tests' 10 s)."""
    request = urllib.request.Request(
        f"{synapse.url}/_matrix/client/v3/{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=CALL_TIMEOUT) as answer:
        return json.load(answer)


def open_dm(synapse: Synapse, token: str, bot_user_id: str) -> str:
    """One direct chat with the bot, made as Element makes it; returns the room id."""
    body = {"is_direct": True, "invite": [bot_user_id], "preset": "trusted_private_chat"}
    room_id: str = call(synapse, token, "POST", "createRoom", body)["room_id"]
    return room_id


def greeted_since(
    synapse: Synapse, token: str, bot_user_id: str, since: str | None
) -> tuple[set[str], str]:
    """The account's rooms where the bot spoke since ``since`` (one filtered sync), and the
    position to ask from next. Incremental, because Synapse answers a repeated first sync from
    its cache for two minutes."""
    only_the_bot = {
        "presence": {"types": []},
        "account_data": {"types": []},
        "room": {
            "state": {"types": []},
            "ephemeral": {"types": []},
            "account_data": {"types": []},
            "timeline": {"limit": 1, "types": ["m.room.message"], "senders": [bot_user_id]},
        },
    }
    query = {"filter": json.dumps(only_the_bot), "timeout": "0"}
    if since is not None:
        query["since"] = since
    answer = call(synapse, token, "GET", "sync?" + urllib.parse.urlencode(query))
    rooms = answer.get("rooms", {}).get("join", {})
    spoken = {room_id for room_id, room in rooms.items() if room.get("timeline", {}).get("events")}
    return spoken, str(answer["next_batch"])


async def fill(synapse: Synapse, bot_user_id: str, rooms: int) -> tuple[float, float]:
    """Open ``rooms`` direct chats; seconds until all were created, and until all were greeted."""
    token = synapse.register("filler").access_token
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=BATCH) as pool:
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            *(
                loop.run_in_executor(pool, open_dm, synapse, token, bot_user_id)
                for _ in range(rooms)
            )
        )
    created = time.perf_counter() - started
    deadline = started + 60 + rooms
    greeted: set[str] = set()
    since: str | None = None
    while True:
        spoken, since = await asyncio.to_thread(greeted_since, synapse, token, bot_user_id, since)
        greeted |= spoken
        if len(greeted) >= rooms:
            break
        assert time.perf_counter() < deadline, "the bot did not greet in every chat in time"
        await asyncio.sleep(2)
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
                    assert synapse.process is not None
                    cpu_before = cpu_seconds(synapse.process.pid), cpu_seconds(process.pid)
                    created, took = await fill(synapse, bot.user_id, rooms)
                    last_rss = rss_kib(process.pid)
                    synapse_cpu = cpu_seconds(synapse.process.pid) - cpu_before[0]
                    bot_cpu = cpu_seconds(process.pid) - cpu_before[1]
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
        f"{rooms} more direct chats made in {created:.1f} s (by another account, on Synapse), all "
        f"joined and greeted after {took:.1f} s; bot RSS "
        f"{first_rss / 1024:.1f} MiB after 1 chat, {last_rss / 1024:.1f} MiB after {rooms + 1} "
        f"({(last_rss - first_rss) / max(1, rooms):.1f} KiB per chat)"
    )
    print(
        f"CPU while filling: Synapse {synapse_cpu:.0f} s "
        f"({synapse_cpu / max(1, rooms) * 1000:.0f} ms per chat), the bot {bot_cpu:.0f} s "
        f"({bot_cpu / max(1, rooms) * 1000:.0f} ms per chat)"
    )


def main() -> None:
    """Run the Matrix bench with the command line's sizes."""
    parser = argparse.ArgumentParser(prog="python -m bench.bench_matrix")
    parser.add_argument("--messages", type=int, default=MESSAGES)
    parser.add_argument("--rooms", type=int, default=ROOMS)
    own = sys.argv[1:] if sys.argv[0].endswith("bench_matrix.py") else []
    args = parser.parse_args(own)
    logging.getLogger("nio").setLevel(logging.CRITICAL + 1)  # the person's client's retries
    asyncio.run(run(args.messages, args.rooms))


if __name__ == "__main__":
    main()
