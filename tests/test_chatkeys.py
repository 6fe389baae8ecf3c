"""Chat keys: memory-hard, keyed by the secret, cached in memory only, derived off the loop."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import threading

import pytest

from bot import chatkeys
from bot.chatkeys import COST, ChatKeys, derive_chat_key
from bot.config import derive_key
from bot.engine.events import Start
from bot.runtime import Runtime
from tests.conftest import TEST_SECRET, RecordingTransport


def test_the_key_is_scrypt_of_the_chat_with_a_secret_salt() -> None:
    salt = derive_key(TEST_SECRET, "chat-key")
    expected = hashlib.scrypt(
        b"telegram\x0012345", salt=salt, n=COST.n, r=COST.r, p=COST.p, dklen=32
    ).hex()
    assert ChatKeys(TEST_SECRET).key_now("telegram", "12345") == expected
    assert derive_chat_key(salt, "telegram", "12345") == expected
    assert ChatKeys(TEST_SECRET[::-1]).key_now("telegram", "12345") != expected


def test_the_cost_is_memory_hard() -> None:
    """At least 4 MiB per derivation: 2**12 rounds of 1 KiB blocks (the docstring's arithmetic)."""
    assert COST.memory >= 4 * 1024 * 1024
    assert COST.n >= 2**12


async def test_a_stolen_secret_and_a_fast_hash_give_no_session_key_back(
    runtime: Runtime, transport: RecordingTransport
) -> None:
    """Whoever holds the data directory holds the secret; a fast keyed hash must not suffice."""
    await runtime.handle(transport, "12345", Start())
    (stored,) = list(runtime._cache)
    for purpose in ("session", "chat-key", "chat-index"):
        guess = hmac.new(derive_key(TEST_SECRET, purpose), b"test\x0012345", hashlib.sha256)
        assert guess.hexdigest() != stored
    assert stored == derive_chat_key(derive_key(TEST_SECRET, "chat-key"), "test", "12345")


def test_keys_are_cached_in_a_bounded_lru() -> None:
    keys = ChatKeys(TEST_SECRET, capacity=3)
    for n in range(5):
        keys.key_now("test", str(n))
    assert len(keys) == 3
    assert keys.cached("test", "0") is None
    keys.key_now("test", "2")  # used again: now the most recent
    keys.key_now("test", "5")
    assert keys.cached("test", "2") is not None
    assert keys.cached("test", "3") is None
    assert keys.derivations == 6


def test_the_cache_holds_no_chat_id() -> None:
    keys = ChatKeys(TEST_SECRET)
    keys.key_now("telegram", "5550001234")
    assert all(b"5550001234" not in index for index in keys._cache)


async def test_an_existing_chat_never_waits_for_a_new_chats_key(
    runtime: Runtime, transport: RecordingTransport, monkeypatch: pytest.MonkeyPatch
) -> None:
    await runtime.handle(transport, "old", Start())
    release = threading.Event()
    real = chatkeys.derive_chat_key

    def slow(*args: object) -> str:
        assert threading.current_thread() is not threading.main_thread()
        release.wait(30)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(chatkeys, "derive_chat_key", slow)
    new = asyncio.create_task(runtime.handle(transport, "new", Start()))
    await asyncio.sleep(0)
    await runtime.handle(transport, "old", Start())  # answered while "new" is still deriving
    assert not new.done()
    assert transport.texts("new") == []
    release.set()
    await new
    assert transport.texts("new")[0].startswith("Hi, I'm Reclaim")


async def test_a_new_chats_events_stay_in_order_while_its_key_is_derived(
    runtime: Runtime, transport: RecordingTransport
) -> None:
    events = [runtime.handle(transport, "new", Start(), incoming_ref=str(n)) for n in range(3)]
    await asyncio.gather(*events)
    session = await runtime.load(runtime.key_for("test", "new"), runtime.clock())
    assert session.flood_count == 3
    assert runtime.chat_keys.derivations == 1
