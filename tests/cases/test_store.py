"""Tests for the SQLite store (``bot/cases/store.py``) on real database files.

Belongs here: opening arguments, sessions, cases (open, look up, withdraw), the outbox,
atomicity, concurrency and data minimisation. Wrong PINs and the lockout belong in
``test_lockout.py``; the file's mode, connection settings, migrations and the schema's columns
in ``test_schema.py``; pure case number and PIN rules in ``test_ids.py``. The fixtures these
tests share are in ``conftest.py``, the constants and plain functions in ``database.py``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import sqlite3
from pathlib import Path

import pytest

from bot.cases import ids
from bot.cases.sessions import sessions_path
from bot.cases.store import CaseInfo, Store
from bot.hashes.items import HashItem, ItemKind
from tests.cases.database import (
    FAST_SCRYPT_N,
    HOUR,
    KEY,
    MD5_A,
    MD5_B,
    MD5_VIDEO,
    PDQ_A,
    PDQ_B,
    PEPPER,
    T0,
    file_bytes,
    raw,
    reopen,
    rows,
)

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
    assert rows(Path(sessions_path(db_path)), "SELECT COUNT(*) FROM sessions") == [(0,)]


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


async def test_opening_is_idempotent_by_token(store: Store, items: tuple[HashItem, ...]) -> None:
    first = await store.open_case(items, "stopncii", T0, token="one paste")
    again = await store.open_case(items, "stopncii", T0 + 5, token="one paste")
    other = await store.open_case(items, "stopncii", T0, token="another paste")
    assert again == first != other
    assert isinstance(await store.lookup_case(first.number, first.pin, T0), CaseInfo)
    entries = await store.pending_outbox()
    assert len(entries) == 2  # one open entry per case, none for the repeat


async def test_a_derived_number_held_by_another_case_is_refused(
    store: Store, items: tuple[HashItem, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await store.open_case(items, "stopncii", T0, token="first")
    monkeypatch.setattr(ids, "credentials_from_token", lambda token, key: (first.number, "000000"))
    with pytest.raises(RuntimeError, match="taken"):
        await store.open_case(items, "stopncii", T0, token="second")
    assert isinstance(await store.lookup_case(first.number, first.pin, T0), CaseInfo)


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
