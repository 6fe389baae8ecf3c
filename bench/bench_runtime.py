"""Runtime + engine + SQLite throughput: many simulated conversations on one core.

Each simulated person walks the whole eligibility flow, asks for help, sends a photo (refused),
pastes a hash code and, for one conversation in ``CASE_EVERY``, opens a case and looks it up
with the production PIN-hashing cost. Conversations are interleaved (``CONCURRENCY`` at a
time) as they would be on a live bot. Figures: events per second, p50/p99 latency per event
(conversation events and case operations separately, since case operations include scrypt by
design), and peak RSS of the bot process and of its largest PIN worker. Pinned to one CPU
where the OS allows it, workers included: on one core the low-priority PIN workers wait for
the conversation loop, so PIN operations are slow there by design while messages stay quick.

Every simulated person is a new chat, so the first scenario also pays one chat-key derivation
per conversation (scrypt, ``bot/chatkeys.py``): its figures are the *cold* ones. The keys stay
in one shared in-memory cache, so the scenarios after it are *warm*: the same chats again, as
for people who already talked to the bot since it started. ``bench_chatkeys`` measures the
derivation itself and a burst of new chats.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

from bot.cases.pinwork import pin_workers
from bot.cases.store import CaseLimits, Store
from bot.chatkeys import ChatKeys
from bot.config import Settings, derive_key
from bot.data import load_helplines
from bot.engine.events import Command, Event, Media, MediaKind, Start, Text
from bot.hashes import hashcode
from bot.hashes.items import HashItem, ItemKind
from bot.i18n import Catalogs, Rendered
from bot.runtime import Runtime

CONVERSATIONS = 10_000
SCENARIOS = [
    # (name, conversations in flight, a case opened every N conversations (0 = never),
    #  mean pause between one person's messages in seconds)
    ("cold chat keys: saturated, no cases", 50, 0, 0.0),
    ("saturated, no cases", 50, 0, 0.0),
    ("saturated, 1 case in 20", 50, 20, 0.0),
    ("paced ~2,000 events/s, no cases", 200, 0, 0.1),
    ("paced ~2,000 events/s, 1 case in 20", 200, 20, 0.1),
    ("one at a time, 1 case in 20", 1, 20, 0.0),
]
SECRET = b"bench-secret-0123456789abcdef012345"


class NullTransport:
    """Messages are rendered by the runtime; this only counts them."""

    name = "bench"

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, chat_id: str, message: Rendered) -> str | None:
        self.sent += 1
        return str(self.sent)

    async def delete(self, chat_id: str, ref: str) -> bool:
        return True

    async def leave(self, chat_id: str) -> None:
        return None


def script(n: int) -> list[Event]:
    """One person's messages."""
    pdq = hashlib.sha256(str(n).encode()).hexdigest()
    item = HashItem(ItemKind.IMAGE, (("pdq", pdq), ("md5", hashlib.md5(pdq.encode()).hexdigest())))
    return [
        Start(),
        Text("It's me"),
        Text("No"),
        Command("help"),
        Text("18 or older"),
        Media(MediaKind.PHOTO),
        Text("Yes"),
        Text("Make the codes"),
        Text(hashcode.encode([item])),
    ]


async def converse(
    runtime: Runtime,
    transport: CaseTransport,
    n: int,
    talk: list[float],
    cases: list[float],
    case_every: int,
    pause: float,
) -> None:
    chat = f"bench-{n}"
    pauses = random.Random(n)
    for event in script(n):
        if pause:
            # Exponential think times: people do not type in lock-step.
            await asyncio.sleep(pauses.expovariate(1 / pause))
        started = time.perf_counter()
        await runtime.handle(transport, chat, event, incoming_ref="1")
        talk.append(time.perf_counter() - started)
    if not case_every or n % case_every:
        await runtime.handle(transport, chat, Command("cancel"))
        return
    started = time.perf_counter()
    await runtime.handle(transport, chat, Text("Open my case"))
    cases.append(time.perf_counter() - started)
    number, pin = transport.credentials(chat)
    for event in (Command("status"), Text(number), Text(pin)):
        started = time.perf_counter()
        await runtime.handle(transport, chat, event)
        (cases if event == Text(pin) else talk).append(time.perf_counter() - started)


class CaseTransport(NullTransport):
    """Also keeps each chat's credentials message (the PIN is shown once and never kept)."""

    def __init__(self) -> None:
        super().__init__()
        self.case_texts: dict[str, str] = {}
        self.last_said: dict[str, str] = {}

    async def send(self, chat_id: str, message: Rendered) -> str | None:
        if message.text.startswith("Your case is open"):
            self.case_texts[chat_id] = message.text
        self.last_said[chat_id] = message.text.split("\n")[0]
        return await super().send(chat_id, message)

    def credentials(self, chat_id: str) -> tuple[str, str]:
        """The case number and PIN shown in this chat."""
        text = self.case_texts.pop(chat_id, None)
        if text is None:  # a benchmark that measures refusals would be measuring the wrong thing
            said = self.last_said.get(chat_id, "nothing")
            raise RuntimeError(f"no case was opened in {chat_id}; the bot last said: {said!r}")
        number = text.split("Case number: ")[1].split()[0]
        pin = text.split("PIN: ")[1].split()[0]
        return number, pin


def peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM; getrusage would count a parent's pages
    for a process that was forked and then exec'd)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) in milliseconds."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))
    return ordered[index] * 1000


async def run(
    conversations: int,
    directory: Path,
    concurrency: int,
    case_every: int,
    pause: float,
    chat_keys: ChatKeys | None = None,
) -> dict[str, float]:
    """Run the benchmark; return its figures (``chat_keys``: a cache shared between runs)."""
    workers = pin_workers()  # as the bot runs: low-priority processes for PIN hashing
    store = await Store.open(
        directory / "bench.sqlite3",
        pepper=derive_key(SECRET, "pin"),
        pin_executor=workers,
        # Every simulated person is a new chat opening cases far faster than people do: the
        # hourly limit on new cases (a guard against floods of cases) would refuse most of them.
        limits=CaseLimits(per_hour=10**9),
    )
    runtime = Runtime(
        store,
        Catalogs.load(),
        secret=SECRET,
        settings=Settings(data_dir=directory, flood_limit=1000),
        helplines=load_helplines(),
    )
    if chat_keys is not None:
        runtime.chat_keys = chat_keys
    derived_before = runtime.chat_keys.derivations
    transport = CaseTransport()
    talk: list[float] = []
    cases: list[float] = []
    queue = iter(range(conversations))

    async def worker() -> None:
        for n in queue:
            await converse(runtime, transport, n, talk, cases, case_every, pause)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await store.close()
    worker_peak = 0.0
    if cases:  # the workers start with the first PIN
        worker_peak = await asyncio.get_running_loop().run_in_executor(workers, peak_rss_mib)
    workers.shutdown()
    events = len(talk) + len(cases)
    return {
        "conversations": conversations,
        "chat_keys_derived": runtime.chat_keys.derivations - derived_before,
        "events": events,
        "seconds": elapsed,
        "events_per_second": events / elapsed,
        "talk_p50_ms": percentile(talk, 50),
        "talk_p99_ms": percentile(talk, 99),
        "talk_mean_ms": statistics.fmean(talk) * 1000,
        "case_ops": len(cases),
        "case_p50_ms": percentile(cases, 50) if cases else 0.0,
        "case_p99_ms": percentile(cases, 99) if cases else 0.0,
        "peak_rss_mib": peak_rss_mib(),
        "pin_worker_peak_rss_mib": worker_peak,
    }


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=CONVERSATIONS)
    args, _ = parser.parse_known_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    chat_keys = ChatKeys(SECRET)
    for title, concurrency, case_every, pause in SCENARIOS:
        with tempfile.TemporaryDirectory() as directory:
            figures = asyncio.run(
                run(
                    args.conversations,
                    Path(directory),
                    concurrency,
                    case_every,
                    pause,
                    chat_keys,
                )
            )
        print(f"-- {title}")
        for name, value in figures.items():
            print(f"{name:>20}: {value:,.2f}")
    chat_keys.close()


if __name__ == "__main__":
    main()
