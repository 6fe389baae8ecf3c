"""Tests for checking case numbers and PINs and the lockout (``bot/cases/lockout.py``).

Belongs here: wrong PINs and wrong numbers looking alike (result and hashing cost), malformed
input, locking a case after too many wrong PINs, the lock's expiry, forgiving failures after a
right PIN, and concurrent guesses. They run through the store's public methods on real database
files; everything else the store does belongs in ``test_store.py``.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.cases import ids
from bot.cases.lockout import LOCKOUT_FAILURES
from bot.cases.store import CaseInfo, CaseLocked, CaseNotFound, Store
from bot.hashes.items import HashItem
from tests.cases.database import FAST_SCRYPT_N, HOUR, T0


async def test_wrong_pin_and_wrong_number_are_indistinguishable(
    store: Store, items: tuple[HashItem, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = await store.open_case(items, "stopncii", T0)
    costs: list[int] = []
    real_hash_pin = ids.hash_pin

    def counting_hash_pin(pin: str, salt: bytes, pepper: bytes, *, n: int = ids.SCRYPT_N) -> bytes:
        costs.append(n)
        return real_hash_pin(pin, salt, pepper, n=n)

    monkeypatch.setattr(ids, "hash_pin", counting_hash_pin)
    wrong_pin = f"{(int(credentials.pin) + 1) % 1_000_000:06d}"
    other_number = ids.new_case_number()

    by_pin = await store.lookup_case(credentials.number, wrong_pin, T0)
    pin_costs, costs[:] = list(costs), []
    by_number = await store.lookup_case(other_number, credentials.pin, T0)
    assert by_pin == by_number == CaseNotFound()
    assert pin_costs == costs == [FAST_SCRYPT_N]  # one hash of the same cost either way
    assert await store.withdraw_case(other_number, credentials.pin, T0) == CaseNotFound()


@pytest.mark.parametrize(("number", "pin"), [("not a number", "123456"), (None, "12345")])
async def test_malformed_input_is_not_found(
    store: Store, items: tuple[HashItem, ...], number: str | None, pin: str
) -> None:
    credentials = await store.open_case(items, "stopncii", T0)
    typed = credentials.number if number is None else number
    assert await store.lookup_case(typed, pin, T0) == CaseNotFound()


async def test_lockout_after_five_wrong_pins_and_its_expiry(
    store: Store, items: tuple[HashItem, ...]
) -> None:
    credentials = await store.open_case(items, "stopncii", T0)
    other = await store.open_case(items, "stopncii", T0)
    wrong = f"{(int(credentials.pin) + 1) % 1_000_000:06d}"
    for minute in range(5):
        result = await store.lookup_case(credentials.number, wrong, T0 + 60 * minute)
        assert result == CaseNotFound()
    fifth = T0 + 240
    locked = CaseLocked(until=fifth + HOUR)
    assert await store.lookup_case(credentials.number, credentials.pin, fifth + 1) == locked
    assert await store.withdraw_case(credentials.number, credentials.pin, fifth + 2) == locked
    assert await store.lookup_case(credentials.number, credentials.pin, fifth + HOUR - 1) == locked
    assert isinstance(await store.lookup_case(other.number, other.pin, fifth + 3), CaseInfo)

    info = await store.lookup_case(credentials.number, credentials.pin, fifth + HOUR)
    assert isinstance(info, CaseInfo)
    assert info.state == "open"  # the locked withdrawal did nothing


async def test_failures_spread_over_more_than_an_hour_do_not_lock(
    store: Store, items: tuple[HashItem, ...]
) -> None:
    credentials = await store.open_case(items, "stopncii", T0)
    wrong = f"{(int(credentials.pin) + 1) % 1_000_000:06d}"
    for attempt in range(12):  # one wrong PIN every 16 minutes: never five within an hour
        now = T0 + attempt * 16 * 60
        assert await store.lookup_case(credentials.number, wrong, now) == CaseNotFound()
    result = await store.lookup_case(credentials.number, credentials.pin, T0 + 12 * 16 * 60)
    assert isinstance(result, CaseInfo)


async def test_a_right_pin_clears_earlier_failures(
    store: Store, items: tuple[HashItem, ...]
) -> None:
    credentials = await store.open_case(items, "stopncii", T0)
    wrong = f"{(int(credentials.pin) + 1) % 1_000_000:06d}"
    for _ in range(3):
        await store.lookup_case(credentials.number, wrong, T0)
    assert isinstance(await store.lookup_case(credentials.number, credentials.pin, T0), CaseInfo)
    for _ in range(4):  # four more: only possible if the right PIN forgave the first three
        assert await store.lookup_case(credentials.number, wrong, T0) == CaseNotFound()
    assert isinstance(await store.lookup_case(credentials.number, credentials.pin, T0), CaseInfo)


async def test_concurrent_guesses_cannot_outrun_the_lockout(
    store: Store, items: tuple[HashItem, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = await store.open_case(items, "stopncii", T0)
    hashed: list[str] = []
    real_hash_pin = ids.hash_pin

    def counting_hash_pin(pin: str, salt: bytes, pepper: bytes, *, n: int = ids.SCRYPT_N) -> bytes:
        hashed.append(pin)
        return real_hash_pin(pin, salt, pepper, n=n)

    monkeypatch.setattr(ids, "hash_pin", counting_hash_pin)
    guesses = [f"{index:06d}" for index in range(40) if f"{index:06d}" != credentials.pin]
    results = await asyncio.gather(
        *(store.lookup_case(credentials.number, guess, T0) for guess in guesses)
    )
    assert len(hashed) == LOCKOUT_FAILURES == 5  # no PIN hashed once the case is locked
    assert results.count(CaseNotFound()) == 5
    assert all(isinstance(result, CaseLocked) for result in results if result != CaseNotFound())
