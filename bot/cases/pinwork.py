"""Where PIN hashing runs: off the event loop, and out of the conversations' way.

scrypt is slow on purpose (about 25 ms of CPU per PIN at production cost). In the event loop's
default thread pool it competes with the conversation loop for the same core, so every
message waits behind every PIN check. The bot therefore hashes PINs in a small pool of worker
*processes* with a lower scheduling priority: on an idle machine nothing changes; on a busy
core, conversations stay quick and only PIN checks wait. Tests keep the default thread pool.

What belongs here: choosing the executor and running PIN hashing on it. The hashing itself is
``ids.py``; when to hash (lockout) is ``lockout.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

WORKERS = 2
NICENESS = 10
"""Added to the workers' nice value: the scheduler favours the conversation loop."""


def pin_workers(workers: int = WORKERS, niceness: int = NICENESS) -> ProcessPoolExecutor:
    """A pool of low-priority processes for PIN hashing (shut it down when done).

    Processes are spawned, not forked: the bot runs threads (the database's) that a fork
    would copy mid-flight. They ignore SIGINT (see ``_lower_priority``); shutting the pool
    down is what ends them.
    """
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_lower_priority,
        initargs=(niceness,),
    )


def _lower_priority(niceness: int) -> None:
    """Runs in each worker: lower its priority, and leave stopping to the bot.

    Ctrl-C sends SIGINT to the whole process group, workers included; a worker that died of
    it would print a traceback and break the pool while the bot is still closing. The bot
    catches the signal and shuts the pool down itself. A sandbox that forbids ``nice`` just
    leaves the priority as it is.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(niceness)


async def run_pin_work(
    executor: Executor | None, work: Callable[..., T], *args: object, **kw: object
) -> T:
    """Run ``work(*args, **kw)`` on ``executor`` (None: the event loop's default threads)."""
    loop = asyncio.get_running_loop()
    job = partial(work, *args, **kw)
    try:
        return await loop.run_in_executor(executor, job)
    except BrokenProcessPool:
        # A worker died (killed, out of memory): PINs must still work, in a thread.
        log.warning("PIN worker processes are gone; hashing PINs in threads")
        return await loop.run_in_executor(None, job)
