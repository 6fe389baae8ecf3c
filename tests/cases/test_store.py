"""Tests for the SQLite store (``bot/cases/store.py``) on real database files.

Belongs here: the store's fixtures and helpers, opening arguments, sessions, cases (open, look
up, withdraw, lockout), the outbox, atomicity, concurrency and data minimisation. The file's
mode, connection settings, migrations and the schema's columns belong in ``test_schema.py``;
pure case number and PIN rules in ``test_ids.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.cases import ids
from bot.cases.store import LOCKOUT_FAILURES, CaseInfo, CaseLocked, CaseNotFound, Store
from bot.hashes.items import HashItem, ItemKind

FAST_SCRYPT_N = 16
"""scrypt cost for tests: the formula is the same as in production, only cheaper."""
PEPPER = b"test pepper, 32 bytes long......."
T0 = 1_717_243_200.0
"""2024-06-01T12:00:00Z."""

PDQ_A = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ_B = "d8f8f0cec0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b23"
MD5_A = "9e107d9d372bb6826bd81d3542a419d6"
MD5_B = "e4d909c290d0fb1ca068ffaddf22cbd0"
MD5_VIDEO = "d41d8cd98f00b204e9800998ecf8427e"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the test's database file lives."""
    return tmp_path / "reclaim.sqlite3"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    """An open store on a fresh file, closed after the test."""
    async with await Store.open(db_path, pepper=PEPPER, scrypt_n=FAST_SCRYPT_N) as opened:
        yield opened


@pytest.fixture
def items() -> tuple[HashItem, ...]:
    """Two images (PDQ and MD5) and one video (MD5 only)."""
    return (
        HashItem(ItemKind.IMAGE, (("pdq", PDQ_A), ("md5", MD5_A))),
        HashItem(ItemKind.IMAGE, (("pdq", PDQ_B), ("md5", MD5_B))),
        HashItem(ItemKind.FILE, (("md5", MD5_VIDEO),)),
    )


KEY = "a" * 64
HOUR = 3600.0


@contextlib.contextmanager
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    """A second, plain connection to the same file, for looking behind the store's back."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        yield db
    finally:
        db.close()


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with raw(path) as db:
        return db.execute(sql).fetchall()


def file_bytes(path: Path) -> bytes:
    """The database file and its WAL and shared-memory files, if any."""
    parts = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
    return b"".join(part.read_bytes() for part in parts if part.exists())


async def reopen(path: Path) -> Store:
    return await Store.open(path, pepper=PEPPER, scrypt_n=FAST_SCRYPT_N)


# Opening --------------------------------------------------------------------------------------


async def test_refuses_a_short_pepper_and_bad_cost(db_path: Path) -> None:
    with pytest.raises(ValueError, match="pepper"):
        await Store.open(db_path, pepper=b"short", scrypt_n=FAST_SCRYPT_N)
    with pytest.raises(ValueError, match="power of two"):
        await Store.open(db_path, pepper=PEPPER, scrypt_n=1000)


# Sessions -------------------------------------------------------------------------------------


async def test_session_round_trip_and_overwrite(store: Store) -> None:
    assert await store.load_session(KEY, T0) is None
    await store.save_session(KEY, "one", T0 + 10)
    await store.save_session(KEY, "two", T0 + 20)
    assert await store.load_session(KEY, T0 + 15) == "two"
    await store.delete_session(KEY)
    assert await store.load_session(KEY, T0) is None


async def test_expired_session_is_deleted_on_load(store: Store, db_path: Path) -> None:
    await store.save_session(KEY, "data", T0 + 10)
    assert await store.load_session(KEY, T0 + 9.5) == "data"
    assert await store.load_session(KEY, T0 + 10) is None
    assert rows(db_path, "SELECT COUNT(*) FROM sessions") == [(0,)]


async def test_purge_expired_sessions(store: Store) -> None:
    for index, expires in enumerate([T0 - 1, T0, T0 + 1]):
        await store.save_session(f"{index:064x}", "data", expires)
    assert await store.purge_expired_sessions(T0) == 2
    assert await store.purge_expired_sessions(T0) == 0
    assert await store.load_session(f"{2:064x}", T0) == "data"


@pytest.mark.parametrize("key", ["123456789", "@someone", "A" * 64, ""])
async def test_session_keys_must_be_digests(store: Store, key: str) -> None:
    with pytest.raises(ValueError, match="hex"):
        await store.save_session(key, "data", T0)


# Cases ----------------------------------------------------------------------------------------


async def test_open_lookup_withdraw_round_trip(
    store: Store, items: tuple[HashItem, ...], db_path: Path
) -> None:
    credentials = await store.open_case(items, "stopncii", T0)
    assert ids.parse_case_number(credentials.number) == credentials.number
    assert ids.parse_pin(credentials.pin) == credentials.pin

    info = await store.lookup_case(credentials.number, credentials.pin, T0 + 60)
    assert info == CaseInfo(
        number=credentials.number,
        state="open",
        route="stopncii",
        image_count=2,
        file_count=1,
        signal_counts=(("md5", 3), ("pdq", 2)),
        created_on=dt.date(2024, 6, 1),
        withdrawn_on=None,
        relay_queued=1,
        relay_delivered=0,
    )
    # Typed loosely: lower case, no dashes, spaces in the PIN.
    loose = credentials.number.lower().replace("-", "")
    pin = f"{credentials.pin[:3]} {credentials.pin[3:]}"
    assert await store.lookup_case(loose, pin, T0 + 61) == info

    (entry,) = await store.pending_outbox()
    assert entry.kind == "open"
    assert entry.queued_on == dt.date(2024, 6, 1)
    assert json.loads(entry.payload) == {
        "version": 1,
        "kind": "open",
        "case": credentials.number,
        "route": "stopncii",
        "items": [
            {"kind": "image", "hashes": {"pdq": PDQ_A, "md5": MD5_A}},
            {"kind": "image", "hashes": {"pdq": PDQ_B, "md5": MD5_B}},
            {"kind": "file", "hashes": {"md5": MD5_VIDEO}},
        ],
    }
    await store.mark_delivered(entry.id, "webhook", T0 + 120)
    assert await store.pending_outbox() == []

    later = T0 + 2 * 86400  # 2024-06-03
    withdrawn = await store.withdraw_case(credentials.number, credentials.pin, later)
    assert isinstance(withdrawn, CaseInfo)
    assert (withdrawn.state, withdrawn.withdrawn_on) == ("withdrawn", dt.date(2024, 6, 3))
    assert (withdrawn.relay_queued, withdrawn.relay_delivered) == (1, 1)
    assert withdrawn.signal_counts == info.signal_counts  # counts survive the values
    assert await store.lookup_case(credentials.number, credentials.pin, later) == withdrawn

    (withdrawal,) = await store.pending_outbox()
    assert withdrawal.kind == "withdraw"
    payload = json.loads(withdrawal.payload)
    assert (payload["kind"], payload["case"]) == ("withdraw", credentials.number)
    assert payload["items"][0]["hashes"] == {"pdq": PDQ_A, "md5": MD5_A}
    assert rows(db_path, "SELECT DISTINCT withdrawn, value FROM case_hashes") == [(1, None)]

    again = await store.withdraw_case(credentials.number, credentials.pin, later + 1)
    assert again == withdrawn
    assert rows(db_path, "SELECT COUNT(*) FROM outbox") == [(2,)]


async def test_withdrawing_before_relay_cancels_the_open_entry(
    store: Store, items: tuple[HashItem, ...], db_path: Path
) -> None:
    credentials = await store.open_case(items, "takeitdown", T0)
    info = await store.withdraw_case(credentials.number, credentials.pin, T0)
    assert isinstance(info, CaseInfo)
    assert (info.relay_queued, info.relay_delivered) == (1, 0)
    assert [entry.kind for entry in await store.pending_outbox()] == ["withdraw"]
    assert rows(db_path, "SELECT kind, state, payload FROM outbox WHERE kind = 'open'") == [
        ("open", "cancelled", None)
    ]


async def test_an_entry_picked_up_before_the_withdrawal_can_still_be_marked(
    store: Store, items: tuple[HashItem, ...]
) -> None:
    credentials = await store.open_case(items, "stopncii", T0)
    (in_flight,) = await store.pending_outbox()
    await store.withdraw_case(credentials.number, credentials.pin, T0)
    await store.mark_delivered(in_flight.id, "webhook", T0)
    info = await store.lookup_case(credentials.number, credentials.pin, T0)
    assert isinstance(info, CaseInfo)
    assert (info.relay_queued, info.relay_delivered) == (1, 1)
    assert [entry.kind for entry in await store.pending_outbox()] == ["withdraw"]


async def test_delivery_drops_payloads_and_withdrawal_leaves_no_hash_behind(
    db_path: Path, items: tuple[HashItem, ...]
) -> None:
    async with await reopen(db_path) as opened:
        credentials = await opened.open_case(items, "stopncii", T0)
    assert PDQ_A.encode() in file_bytes(db_path)  # the scan below can see hash values

    async with await reopen(db_path) as opened:
        for entry in await opened.pending_outbox():
            await opened.mark_delivered(entry.id, "webhook", T0)
            await opened.mark_delivered(entry.id, "file", T0)  # a second mark changes nothing
        await opened.withdraw_case(credentials.number, credentials.pin, T0)
        for entry in await opened.pending_outbox():
            await opened.mark_delivered(entry.id, "webhook", T0)
    assert rows(db_path, "SELECT kind, state, payload, delivered_via FROM outbox") == [
        ("open", "delivered", None, "webhook"),
        ("withdraw", "delivered", None, "webhook"),
    ]
    data = file_bytes(db_path)
    for value in (PDQ_A, PDQ_B, MD5_A, MD5_VIDEO):
        assert value.encode() not in data


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


async def test_open_case_is_atomic_when_a_hash_insert_fails(
    store: Store, items: tuple[HashItem, ...], db_path: Path
) -> None:
    with raw(db_path) as db:
        db.execute(
            "CREATE TRIGGER fail_second_item BEFORE INSERT ON case_hashes "
            "WHEN NEW.item_index = 1 BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )
    with pytest.raises(sqlite3.DatabaseError, match="injected failure"):
        await store.open_case(items, "stopncii", T0)
    for table in ("cases", "case_hashes", "outbox"):
        assert rows(db_path, f"SELECT COUNT(*) FROM {table}") == [(0,)], table
    with raw(db_path) as db:
        db.execute("DROP TRIGGER fail_second_item")
    credentials = await store.open_case(items, "stopncii", T0)  # the store is still usable
    assert isinstance(await store.lookup_case(credentials.number, credentials.pin, T0), CaseInfo)


async def test_open_case_is_atomic_when_the_outbox_insert_fails(
    store: Store, items: tuple[HashItem, ...], db_path: Path
) -> None:
    with raw(db_path) as db:
        db.execute(
            "CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox "
            "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )
    with pytest.raises(sqlite3.DatabaseError, match="injected failure"):
        await store.open_case(items, "stopncii", T0)
    for table in ("cases", "case_hashes", "outbox"):
        assert rows(db_path, f"SELECT COUNT(*) FROM {table}") == [(0,)], table


async def test_case_number_collisions_are_retried(
    store: Store, items: tuple[HashItem, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await store.open_case(items, "stopncii", T0)
    fresh = ids.new_case_number()
    draws = iter([first.number, first.number, fresh])
    monkeypatch.setattr(ids, "new_case_number", lambda: next(draws))
    second = await store.open_case(items, "stopncii", T0)
    assert second.number == fresh

    monkeypatch.setattr(ids, "new_case_number", lambda: first.number)
    with pytest.raises(RuntimeError, match="unused case number"):
        await store.open_case(items, "stopncii", T0)
    assert isinstance(await store.lookup_case(fresh, second.pin, T0), CaseInfo)


@pytest.mark.parametrize(
    ("bad_items", "route"),
    [
        ((), "stopncii"),
        ((HashItem(ItemKind.IMAGE, ()),), "stopncii"),
        ((HashItem(ItemKind.IMAGE, (("md5", MD5_A), ("md5", MD5_VIDEO))),), "stopncii"),
        ((HashItem(ItemKind.FILE, (("md5", MD5_A),)),), ""),
    ],
)
async def test_open_case_rejects_bad_input(
    store: Store, db_path: Path, bad_items: tuple[HashItem, ...], route: str
) -> None:
    with pytest.raises(ValueError, match=r"item|hash|route"):
        await store.open_case(bad_items, route, T0)
    assert rows(db_path, "SELECT COUNT(*) FROM cases") == [(0,)]


async def test_fifty_concurrent_cases(
    store: Store, items: tuple[HashItem, ...], db_path: Path
) -> None:
    opened = await asyncio.gather(*(store.open_case(items, "stopncii", T0) for _ in range(50)))
    assert len({credentials.number for credentials in opened}) == 50
    assert rows(db_path, "SELECT COUNT(*), COUNT(DISTINCT number) FROM cases") == [(50, 50)]
    assert rows(db_path, "SELECT COUNT(*) FROM case_hashes") == [(50 * 5,)]
    assert len(await store.pending_outbox(limit=500)) == 50
    found = await asyncio.gather(*(store.lookup_case(c.number, c.pin, T0) for c in opened))
    assert all(isinstance(info, CaseInfo) for info in found)


async def test_pending_outbox_limit_and_order(store: Store, items: tuple[HashItem, ...]) -> None:
    numbers = [(await store.open_case(items, "stopncii", T0)).number for _ in range(3)]
    entries = await store.pending_outbox(limit=2)
    assert [json.loads(entry.payload)["case"] for entry in entries] == numbers[:2]
    with pytest.raises(ValueError, match="positive"):
        await store.pending_outbox(limit=0)


# Data minimisation ----------------------------------------------------------------------------


async def test_no_identifying_data_anywhere(db_path: Path, items: tuple[HashItem, ...]) -> None:
    async with await reopen(db_path) as opened:
        kept = await opened.open_case(items, "stopncii", T0)
        withdrawn = await opened.open_case(items[:1], "takeitdown", T0 + 5)
        await opened.withdraw_case(withdrawn.number, withdrawn.pin, T0 + 6)
        await opened.lookup_case(kept.number, f"{(int(kept.pin) + 1) % 10**6:06d}", T0 + 7)
        await opened.save_session(KEY, '{"state": "menu"}', T0 + HOUR)
        cells: list[object] = []
        with raw(db_path) as db:
            for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
                for row in db.execute(f"SELECT * FROM {table}"):
                    cells.extend(row)
        wal_and_db = file_bytes(db_path)
    text = "\n".join(str(cell) for cell in cells)
    assert kept.number in text  # the dump does see the cases
    assert withdrawn.number in text
    blobs = b"".join(cell for cell in cells if isinstance(cell, bytes))
    for pin in (kept.pin, withdrawn.pin):
        assert pin not in text
        assert pin.encode() not in blobs
        assert int(pin) not in cells
        assert pin.encode() not in wal_and_db
        assert pin.encode() not in file_bytes(db_path)
    dates = rows(db_path, "SELECT created_on, withdrawn_on FROM cases ORDER BY id")
    assert dates == [("2024-06-01", None), ("2024-06-01", "2024-06-01")]  # dates, no times


async def test_results_keep_secrets_out_of_repr(store: Store, items: tuple[HashItem, ...]) -> None:
    credentials = await store.open_case(items, "stopncii", T0)
    info = await store.lookup_case(credentials.number, credentials.pin, T0)
    (entry,) = await store.pending_outbox()
    for shown in (repr(credentials), repr(info), repr(entry)):
        assert credentials.number not in shown
        assert credentials.pin not in shown
        assert PDQ_A not in shown


async def test_debug_logging_shows_no_session_data_or_hashes(
    store: Store, items: tuple[HashItem, ...], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger(__name__).debug("debug records are captured")
    session = '{"state": "menu", "note": "session payload 7f3a"}'
    await store.save_session(KEY, session, T0 + HOUR)
    assert await store.load_session(KEY, T0) == session
    credentials = await store.open_case(items, "stopncii", T0)
    await store.withdraw_case(credentials.number, credentials.pin, T0)
    assert len(await store.pending_outbox()) == 1
    messages = [record.getMessage() for record in caplog.records]
    assert "debug records are captured" in messages  # the scan below can see DEBUG records
    logged = "\n".join(messages)
    for secret in ("session payload 7f3a", KEY, PDQ_A, MD5_B, MD5_VIDEO, credentials.number):
        assert secret not in logged
