"""Tests for checking case numbers and PINs and the guards against guessing (``lockout.py``).

Belongs here: wrong PINs and wrong numbers looking alike (result, waits and hashing cost),
malformed input, the waits that grow per typed number and per chat, how many guesses a year
they leave, forgiving after a right PIN, concurrent guesses, and keeping only the hour. They run
through the store's public methods on real database files; everything else the store does
belongs in ``test_store.py``.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from pathlib import Path

import pytest

from bot.cases import ids
from bot.cases.lockout import FREE_FAILURES, MAX_WAIT_HOURS, wait_hours
from bot.cases.store import CaseInfo, CaseNotFound, Store, TryLater
from bot.hashes.items import HashItem
from tests.cases.database import FAST_SCRYPT_N, HOUR, T0, raw

CHAT = hashlib.sha256(b"one chat").digest()
OTHER_CHAT = hashlib.sha256(b"another chat").digest()
START = math.floor(T0 / HOUR) * HOUR  # the start of an hour, so waits are whole hours


def wrong(pin: str) -> str:
    return f"{(int(pin) + 1) % 1_000_000:06d}"


async def test_wrong_pin_and_wrong_number_are_indistinguishable(
    store: Store, items: tuple[HashItem, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = await store.open_case(items, "stopncii", T0)
    assert not isinstance(credentials, TryLater)
    costs: list[int] = []
    real_hash_pin = ids.hash_pin

    def counting_hash_pin(pin: str, salt: bytes, pepper: bytes, *, n: int = ids.SCRYPT_N) -> bytes:
        costs.append(n)
        return real_hash_pin(pin, salt, pepper, n=n)

    monkeypatch.setattr(ids, "hash_pin", counting_hash_pin)
    other_number = ids.new_case_number()

    by_pin = await store.lookup_case(credentials.number, wrong(credentials.pin), T0)
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


async def test_a_made_up_number_gets_exactly_the_answers_of_a_real_one(
    store: Store, items: tuple[HashItem, ...]
) -> None:
    credentials = await store.open_case(items, "stopncii", T0)
    made_up = ids.new_case_number()
    times = [START + 60 * minute for minute in range(8)] + [START + HOUR, START + 2 * HOUR + 5]
    answers: dict[str, list[object]] = {credentials.number: [], made_up: []}
    for number, given in answers.items():
        for now in times:
            given.append(await store.lookup_case(number, wrong(credentials.pin), now))
    assert answers[credentials.number] == answers[made_up]
    # and the answers do wait: a "locked" that only real numbers get would tell them apart
    assert TryLater(until=START + HOUR) in answers[made_up]


async def test_each_wrong_try_past_the_free_ones_doubles_the_wait_up_to_a_day(
    store: Store, items: tuple[HashItem, ...]
) -> None:
    credentials = await store.open_case(items, "stopncii", T0)
    now = START
    for failure in range(1, 12):
        result = await store.lookup_case(credentials.number, wrong(credentials.pin), now)
        waited = wait_hours(failure)
        expected = CaseNotFound(now + waited * HOUR if waited else 0.0)
        assert result == expected, failure
        if waited:
            early = await store.lookup_case(credentials.number, credentials.pin, now + 1)
            assert early == TryLater(until=now + waited * HOUR)
        now += waited * HOUR
    assert [wait_hours(f) for f in range(FREE_FAILURES, FREE_FAILURES + 7)] == [
        1, 2, 4, 8, 16, 24, 24,
    ]  # fmt: skip
    info = await store.lookup_case(credentials.number, credentials.pin, now)
    assert isinstance(info, CaseInfo)  # the owner is never locked out for good


async def test_guesses_at_every_allowed_moment_for_a_year_stay_few(
    store: Store, items: tuple[HashItem, ...]
) -> None:
    credentials = await store.open_case(items, "stopncii", T0)
    now, end, guesses = START + 1, START + 365 * 24 * HOUR, 0
    while now < end:
        result = await store.lookup_case(credentials.number, wrong(credentials.pin), now)
        if isinstance(result, TryLater):
            now = result.until
            continue
        guesses += 1
        assert isinstance(result, CaseNotFound)
    # 5 + 5 + (8760 - 31) / 23 at most: the chance of hitting one PIN in a million stays
    # under 0.04 % a year (it was 5 an hour, about 4.4 % a year).
    assert guesses <= 400
    assert guesses >= 365 * 24 // MAX_WAIT_HOURS  # and the owner still gets a try each day


async def test_one_chat_waits_across_every_number_it_tries(store: Store) -> None:
    for _ in range(FREE_FAILURES):
        result = await store.lookup_case(ids.new_case_number(), "123456", START, chat=CHAT)
        assert isinstance(result, CaseNotFound)
    assert result == CaseNotFound(wait_until=START + HOUR)
    fresh_number = ids.new_case_number()
    paused = await store.lookup_case(fresh_number, "123456", START + 1, chat=CHAT)
    assert paused == TryLater(until=START + HOUR)
    other = await store.lookup_case(fresh_number, "123456", START + 1, chat=OTHER_CHAT)
    assert other == CaseNotFound()


async def test_a_right_pin_forgives_the_number_and_the_chat(
    store: Store, items: tuple[HashItem, ...]
) -> None:
    credentials = await store.open_case(items, "stopncii", T0)
    for _ in range(FREE_FAILURES - 1):
        await store.lookup_case(credentials.number, wrong(credentials.pin), T0, chat=CHAT)
    right = await store.lookup_case(credentials.number, credentials.pin, T0, chat=CHAT)
    assert isinstance(right, CaseInfo)
    for _ in range(FREE_FAILURES - 1):  # only free again because the right PIN forgave
        result = await store.lookup_case(credentials.number, wrong(credentials.pin), T0, chat=CHAT)
        assert result == CaseNotFound()


async def test_concurrent_guesses_cannot_outrun_the_guard(
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
    assert len(hashed) == FREE_FAILURES  # no PIN hashed once the number has to wait
    assert sum(isinstance(result, CaseNotFound) for result in results) == FREE_FAILURES
    assert all(isinstance(r, TryLater) for r in results if not isinstance(r, CaseNotFound))


async def test_wrong_tries_keep_only_the_hour(
    store: Store, items: tuple[HashItem, ...], db_path: Path
) -> None:
    credentials = await store.open_case(items, "stopncii", T0)
    moment = T0 + 1234.567891
    for _ in range(FREE_FAILURES + 1):
        await store.lookup_case(credentials.number, wrong(credentials.pin), moment, chat=CHAT)
    with raw(db_path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        values = [
            value
            for table in tables
            for row in db.execute(f"SELECT * FROM {table}")
            for value in row
            if isinstance(value, int | float) and not isinstance(value, bool)
        ]
    year = 365 * 24 * HOUR
    assert not [v for v in values if abs(v - moment) < year], "a time finer than the hour"
    assert math.floor(moment / HOUR) in values  # the hour is what is kept
