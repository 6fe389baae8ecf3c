"""PIN hashing in low-priority worker processes: same results as in threads, stopped by the bot."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from bot.cases import ids
from bot.cases.pinwork import pin_workers, run_pin_work
from bot.cases.store import CaseInfo, CaseNotFound, Store
from bot.hashes.items import HashItem, ItemKind

PEPPER = b"p" * 32
ITEM = HashItem(ItemKind.FILE, (("md5", "d41d8cd98f00b204e9800998ecf8427e"),))


@pytest.fixture(scope="module")
def workers() -> Iterator[ProcessPoolExecutor]:
    pool = pin_workers(workers=1, niceness=5)
    yield pool
    pool.shutdown()


async def test_workers_run_at_a_lower_priority(workers: ProcessPoolExecutor) -> None:
    assert await run_pin_work(workers, os.nice, 0) >= os.nice(0) + 5


async def test_workers_leave_ctrl_c_to_the_bot(workers: ProcessPoolExecutor) -> None:
    # Ctrl-C reaches the whole process group; the bot shuts the pool down itself.
    assert await run_pin_work(workers, signal.getsignal, signal.SIGINT) == signal.SIG_IGN


async def test_hashes_match_the_thread_pool(workers: ProcessPoolExecutor) -> None:
    salt = ids.new_salt()
    in_process = await run_pin_work(workers, ids.hash_pin, "123456", salt, PEPPER, n=16)
    in_thread = await run_pin_work(None, ids.hash_pin, "123456", salt, PEPPER, n=16)
    assert in_process == in_thread == ids.hash_pin("123456", salt, PEPPER, n=16)


async def test_a_store_on_worker_processes_opens_and_checks_cases(
    workers: ProcessPoolExecutor, tmp_path: Path
) -> None:
    async with await Store.open(
        tmp_path / "db.sqlite3", pepper=PEPPER, scrypt_n=16, pin_executor=workers
    ) as store:
        opened = await store.open_case([ITEM], "stopncii", 1_764_000_000.0)
        found = await store.lookup_case(opened.number, opened.pin, 1_764_000_001.0)
        assert isinstance(found, CaseInfo)
        assert found.file_count == 1
        wrong = "000000" if opened.pin != "000000" else "111111"
        assert isinstance(
            await store.lookup_case(opened.number, wrong, 1_764_000_002.0), CaseNotFound
        )


async def test_a_broken_pool_falls_back_to_threads() -> None:
    pool = pin_workers(workers=1)
    try:
        pids = await run_pin_work(pool, os.getpid)
        os.kill(pids, 9)  # the worker dies: the pool is broken from now on
        salt = ids.new_salt()
        hashed = await run_pin_work(pool, ids.hash_pin, "123456", salt, PEPPER, n=16)
        assert hashed == ids.hash_pin("123456", salt, PEPPER, n=16)
    finally:
        pool.shutdown()
