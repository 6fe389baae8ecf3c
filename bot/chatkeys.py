"""Chat keys: the name a conversation is stored under, slow to compute on purpose.

A conversation is stored under ``scrypt(platform + chat id, salt = a key derived from the
server secret)``. A platform's chat ids are few enough to try them all (Telegram user ids are
about 10**10 values), so a fast keyed hash next to its key would give every id back to whoever
copies the data directory: HMAC-SHA256 falls to a search of about 100 minutes on two cores.
A memory-hard derivation makes that search cost CPU-years instead.

Cost, and the arithmetic behind it (``COST``): scrypt with N = 2**12, r = 8, p = 1 uses
128 * r * N = 4 MiB of memory and, measured by ``make bench``, about 4-7 ms of one core per
derivation (never less than about 3 ms on current server CPUs). Trying every one of 10**10 ids
then costs at least 10**10 * 3 ms = 3 * 10**7 CPU-seconds, about one CPU-year, and about two
at the measured speed. The salt is one per deployment (the key must be found again from the
chat id alone, so it cannot be per chat): one such sweep would reveal every conversation in
that database at once, and finding one given person costs half a sweep on average. Hardware
built for scrypt shortens this; the figures are for CPUs.

Honest users pay one derivation per chat per process: keys are cached **in memory only**, in a
bounded least-recently-used map indexed by a fast keyed hash of the chat id, so the raw id is
not kept in memory either. Derivations run on a small pool of low-priority threads (scrypt
releases the GIL), so the event loop stays free while new chats arrive: an existing chat never
waits for a new one, and a new chat's first message waits only for the derivations queued
before it (1,000 new chats in 10 seconds need about 5 ms * 100 per second, half a core).

Belongs here: deriving, caching and indexing chat keys. Does not belong here: what is stored
under a key (``runtime.py``, ``cases/store.py``) and where the secret comes from
(``config.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final

from bot.config import derive_key


@dataclass(frozen=True, slots=True)
class Cost:
    """scrypt parameters for chat keys. Changing them changes every key (sessions restart)."""

    n: int = 2**12
    r: int = 8
    p: int = 1

    @property
    def memory(self) -> int:
        """Bytes of memory one derivation needs."""
        return 128 * self.r * self.n * self.p


COST: Final = Cost()
CACHED_KEYS: Final = 50_000
"""Chat keys kept in memory (about 200 bytes each, so about 10 MB at most)."""
WORKERS: Final = 2
NICENESS: Final = 10
"""Added to the derivation threads' nice value: the scheduler favours the event loop."""


def derive_chat_key(salt: bytes, platform: str, chat_id: str, cost: Cost = COST) -> str:
    """The key a conversation is stored under: 64 lower-case hex digits.

    Args:
        salt: ``derive_key(secret, "chat-key")``.
        platform: the transport's name (the same id on two platforms gives two keys).
        chat_id: the platform's chat id; used here and nowhere else.
        cost: scrypt parameters.

    Returns:
        The hex digest.
    """
    password = f"{platform}\x00{chat_id}".encode()
    digest = hashlib.scrypt(
        password,
        salt=salt,
        n=cost.n,
        r=cost.r,
        p=cost.p,
        maxmem=2 * cost.memory + (1 << 20),
        dklen=32,
    )
    return digest.hex()


class ChatKeys:
    """Derives chat keys off the event loop and remembers recent ones in memory."""

    def __init__(
        self,
        secret: bytes,
        *,
        cost: Cost = COST,
        capacity: int = CACHED_KEYS,
        workers: int = WORKERS,
    ) -> None:
        self._salt = derive_key(secret, "chat-key")
        self._index_key = derive_key(secret, "chat-index")
        self._cost = cost
        self._capacity = capacity
        self._workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._cache: OrderedDict[bytes, str] = OrderedDict()
        self.derivations = 0
        """How many keys this process has derived (for tests and the benchmark)."""

    def index(self, platform: str, chat_id: str) -> bytes:
        """A fast keyed hash of the chat, to tell chats apart in memory (never stored)."""
        message = f"{platform}\x00{chat_id}".encode()
        return hmac.new(self._index_key, message, hashlib.sha256).digest()

    def cached(self, platform: str, chat_id: str) -> str | None:
        """The chat's key if it is in memory, without deriving it."""
        index = self.index(platform, chat_id)
        key = self._cache.get(index)
        if key is not None:
            self._cache.move_to_end(index)
        return key

    def key_now(self, platform: str, chat_id: str) -> str:
        """The chat's key, derived here and now on a miss (blocks for a few milliseconds)."""
        key = self.cached(platform, chat_id)
        if key is None:
            key = derive_chat_key(self._salt, platform, chat_id, self._cost)
            self._remember(platform, chat_id, key)
        return key

    async def key(self, platform: str, chat_id: str) -> str:
        """The chat's key; a miss is derived on the worker threads while the loop runs on."""
        key = self.cached(platform, chat_id)
        if key is None:
            loop = asyncio.get_running_loop()
            key = await loop.run_in_executor(
                self._pool(), derive_chat_key, self._salt, platform, chat_id, self._cost
            )
            self._remember(platform, chat_id, key)
        return key

    def forget(self, platform: str, chat_id: str) -> None:
        """Drop a chat's key from memory (after ``/forget``: nothing of the chat stays)."""
        self._cache.pop(self.index(platform, chat_id), None)

    def close(self) -> None:
        """Stop the worker threads (they also stop when the process exits)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __len__(self) -> int:
        return len(self._cache)

    def _remember(self, platform: str, chat_id: str, key: str) -> None:
        self.derivations += 1
        self._cache[self.index(platform, chat_id)] = key
        if len(self._cache) > self._capacity:
            self._cache.popitem(last=False)

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self._workers,
                thread_name_prefix="chat-keys",
                initializer=_lower_priority,
            )
        return self._executor


def _lower_priority() -> None:
    """Runs in each worker thread; Linux applies a thread's nice value to that thread only."""
    with contextlib.suppress(OSError, AttributeError):
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + NICENESS)
