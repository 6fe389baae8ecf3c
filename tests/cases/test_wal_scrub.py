"""Erased sessions leave no byte behind in any database file (main file, WAL, shared memory).

Belongs here: the store's erasing of sessions (delete, expiry on load, purge) checked against
the raw bytes of every file beside the database, while the store is still open. The same
check through a real bot process, including after SIGKILL, is in
``tests/e2e/test_data_at_rest.py``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.cases.sessions import sessions_path
from bot.cases.store import Store
from tests.cases.database import FAST_SCRYPT_N, KEY, PEPPER, T0, raw

OTHER_KEY = "b" * 64


def session_data(version: int) -> tuple[str, bytes]:
    """A session holding a distinctive pasted hash; returns the data and the hash's bytes."""
    marker = hashlib.sha256(f"pasted-{version}".encode()).hexdigest()
    return (
        f'{{"pending":[{{"k":"image","h":[["pdq","{marker}"]]}}],"v":{version}}}',
        marker.encode(),
    )


def found_in_files(directory: Path, markers: list[bytes]) -> list[str]:
    """Which markers occur in the raw bytes of any file in ``directory``."""
    blobs = [path.read_bytes() for path in directory.iterdir() if path.is_file()]
    return [m.decode() for m in markers if any(m in blob for blob in blobs)]


async def write_versions(store: Store, key: str, count: int, start: int = 0) -> list[bytes]:
    """Save ``count`` successive versions of one session, as a conversation would."""
    markers = []
    for version in range(start, start + count):
        data, marker = session_data(version)
        await store.save_session(key, data, T0 + 3600)
        markers.append(marker)
    return markers


async def test_forgetting_a_session_leaves_none_of_its_versions(
    store: Store, db_path: Path
) -> None:
    markers = await write_versions(store, KEY, 9)
    kept = await write_versions(store, OTHER_KEY, 1, start=100)
    # The WAL holds every earlier version until it is scrubbed: the check can see them.
    assert found_in_files(db_path.parent, markers) == [m.decode() for m in markers]
    await store.delete_session(KEY)
    assert found_in_files(db_path.parent, markers) == []
    assert found_in_files(db_path.parent, kept) == [kept[0].decode()]  # others are untouched
    assert await store.load_session(OTHER_KEY, T0) is not None


async def test_a_session_that_expires_on_load_leaves_nothing(store: Store, db_path: Path) -> None:
    markers = await write_versions(store, KEY, 5)
    assert await store.load_session(KEY, T0 + 7200) is None
    assert found_in_files(db_path.parent, markers) == []


async def test_purged_sessions_leave_nothing(store: Store, db_path: Path) -> None:
    markers = await write_versions(store, KEY, 5)
    markers += await write_versions(store, OTHER_KEY, 5, start=50)
    assert await store.purge_expired_sessions(T0 + 7200) == 2
    assert found_in_files(db_path.parent, markers) == []


async def test_ordinary_saves_do_not_checkpoint(store: Store, db_path: Path) -> None:
    """The scrub costs an fsync, so only erasing pays for it: messages just append to the WAL."""
    await write_versions(store, KEY, 3)
    wal = Path(sessions_path(db_path) + "-wal")
    before = wal.stat().st_size
    await write_versions(store, KEY, 3, start=3)
    assert wal.stat().st_size > before > 0


async def test_sessions_an_older_database_kept_move_to_their_file_and_leave_nothing(
    db_path: Path,
) -> None:
    """Before sessions had a file of their own they lived in the main database."""
    store = await Store.open(db_path, pepper=PEPPER, scrypt_n=FAST_SCRYPT_N, open_sessions=False)
    await store.close()
    data, marker = session_data(1)
    with raw(db_path) as db:
        db.execute("INSERT INTO sessions VALUES (?, ?, ?)", (KEY, data, T0 + 3600))
    assert found_in_files(db_path.parent, [marker]) == [marker.decode()]
    store = await Store.open(db_path, pepper=PEPPER, scrypt_n=FAST_SCRYPT_N)
    try:
        assert await store.load_session(KEY, T0) == data
        with raw(db_path) as db:
            assert db.execute("SELECT COUNT(*) FROM sessions").fetchone() == (0,)
        await store.delete_session(KEY)
        assert found_in_files(db_path.parent, [marker]) == []
    finally:
        await store.close()


async def test_a_store_that_never_touches_sessions_never_makes_their_file(db_path: Path) -> None:
    """The relay opens the store too, beside the bot: it must not open the bot's sessions."""
    store = await Store.open(db_path, pepper=PEPPER, scrypt_n=FAST_SCRYPT_N, open_sessions=False)
    await store.close()
    assert not Path(sessions_path(db_path)).exists()
