"""The hash feed at 100,000 records: time and memory per ``FetchHashes`` page over real HTTP.

The feed's tables are filled straight in SQL (``RECORDS`` records, four per case, one in ten
also held by a second case, one in twenty with another partner's answer), then a partner walks
the whole feed from the start in pages of ``PAGE_SIZE`` through the real partner API on
loopback, as python-threatexchange does. Figures:

1. **First walk** (every page also marks its cases delivered): per-page wall time from the
   client's side, p50/p99/max, and the whole walk.
2. **Second walk** (deliveries already marked): the same figures; paging is by keyset on
   ``feed_records_by_change``, so the last page should cost what the first does.
3. **Memory**: a third walk under ``tracemalloc``, the peak allocated during each page
   (server and client share this process), p50/max.
4. **The real client**: ``StopNCIIAPI.fetch_hashes_iter`` over the whole feed (its dataclass
   parsing included), once.

Run with ``python -m bench bench_feed``. Prints figures; nothing is asserted. The machine may
be shared with other work: compare ratios, re-run for final figures.
"""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bot`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp

from bot.cases.store import Store
from bot.config import Settings, derive_key
from bot.relay import feedstore, partners, server

RECORDS = 100_000
PER_CASE = 4
PAGE_SIZE = 800
SECRET = b"bench-secret-0123456789abcdef012345"
T0 = 1_764_000_000 // 3600 * 3600


async def fill(store: Store) -> None:
    """Cases, records, members and some feedback, straight in SQL."""
    cases = RECORDS // PER_CASE
    async with store.transaction() as db:
        await db.executemany(
            "INSERT INTO cases (id, number, pin_salt, pin_hash, pin_scrypt_n, route, state, "
            "created_on) VALUES (?, ?, x'00', x'00', 16, 'stopncii', 'open', '2025-11-24')",
            [(n + 1, f"{n:016d}") for n in range(cases)],
        )
        await db.executemany(
            "INSERT INTO feed_records (id, signal_type, hash_value, status, modified, seq) "
            "VALUES (?, 'ImagePDQ', ?, 'Active', ?, ?)",
            [
                (n + 1, hashlib.sha256(str(n).encode()).hexdigest(), T0 + n // 500 * 3600, n + 1)
                for n in range(RECORDS)
            ],
        )
        members = [(n + 1, n // PER_CASE + 1) for n in range(RECORDS)]
        members += [(n + 1, (n // PER_CASE + 7) % cases + 1) for n in range(0, RECORDS, 10)]
        await db.executemany(
            "INSERT OR IGNORE INTO feed_members (record_id, case_id, status) "
            "VALUES (?, ?, 'Active')",
            members,
        )
        await db.executemany(
            "INSERT INTO case_feedback (case_id, partner, record_id, value, updated_on) "
            "VALUES (?, 'Other', ?, 'Blocked', '2025-11-24')",
            [(n // PER_CASE + 1, n + 1) for n in range(0, RECORDS, 20)],
        )


def _figures(name: str, values: list[float], unit: str) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{name}: p50 {statistics.median(ordered):.1f} {unit}, p99 {p99:.1f} {unit}, "
        f"max {ordered[-1]:.1f} {unit} over {len(ordered)} pages"
    )


async def walk(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str], *, memory: bool = False
) -> tuple[list[float], list[float], int]:
    """Every page from the start: per-page ms, per-page peak KiB, records seen."""
    times: list[float] = []
    peaks: list[float] = []
    token = ""
    seen = 0
    while True:
        params = {"startTimestamp": "10", "pageSize": str(PAGE_SIZE)}
        if token:
            params["nextPageToken"] = token
        if memory:
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
        started = time.perf_counter()
        async with http.get(url, params=params, headers=headers) as response:
            page: dict[str, Any] = await response.json()
        times.append((time.perf_counter() - started) * 1000)
        if memory:
            peaks.append((tracemalloc.get_traced_memory()[1] - before) / 1024)
        seen += page["count"]
        if not page["hasMoreRecords"]:
            return times, peaks, seen
        token = page["nextPageToken"]


async def run() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = await Store.open(
            Path(folder) / "feed.sqlite3", pepper=derive_key(SECRET, "pin"), scrypt_n=16
        )
        started = time.perf_counter()
        await fill(store)
        print(f"filled {RECORDS:,} records in {time.perf_counter() - started:.1f} s")
        keys = feedstore.FeedKeys.from_secret(SECRET)
        settings = Settings(partner_api_listen="127.0.0.1:0")
        api = await server.start_partner_api(store, SECRET, settings, env={})
        base = f"http://127.0.0.1:{api.port}/v1"
        async with store.transaction() as db:
            made = await partners.add(db, "Bench", base, keys.partners, "2025-11-24")
        headers = {
            "x-functions-key": made.fetch_function_key,
            "Ocp-Apim-Subscription-Key": made.subscription_key,
        }
        url = f"{base}/FetchHashes"
        try:
            async with aiohttp.ClientSession() as http:
                for name in ("first walk (marks deliveries)", "second walk"):
                    started = time.perf_counter()
                    times, _, seen = await walk(http, url, headers)
                    total = time.perf_counter() - started
                    print(_figures(name, times, "ms"))
                    print(f"  {seen:,} records in {total:.1f} s ({seen / total:,.0f} records/s)")
                    print(f"  first page {times[0]:.1f} ms, last full page {times[-2]:.1f} ms")
                tracemalloc.start()
                try:
                    _, peaks, _ = await walk(http, url, headers, memory=True)
                finally:
                    tracemalloc.stop()
                print(_figures("peak memory allocated per page (tracemalloc)", peaks, "KiB"))
            print(await real_client(made.credentials_line()))
        finally:
            await api.close()
            await store.close()


async def real_client(line: str) -> str:
    """One whole walk by python-threatexchange's own client, as HMA would run it."""
    from threatexchange.exchanges.clients.stopncii.api import StopNCIIAPI
    from threatexchange.exchanges.impl.stop_ncii_api import StopNCIICredentials

    credentials = StopNCIICredentials._from_str(line)
    client = StopNCIIAPI(
        credentials.subscription_key,
        credentials.fetch_function_key,
        base_url_override=credentials.base_url_override,
    )

    def everything() -> tuple[int, int]:
        pages = list(client.fetch_hashes_iter())
        return len(pages), sum(len(page.hashRecords) for page in pages)

    started = time.perf_counter()
    pages, records = await asyncio.to_thread(everything)
    took = time.perf_counter() - started
    return (
        f"threatexchange StopNCIIAPI.fetch_hashes_iter: {records:,} records in {pages} pages, "
        f"{took:.1f} s ({took / pages * 1000:.0f} ms per page, parsing included)"
    )


def main() -> None:
    """Print the figures."""
    asyncio.run(run())


if __name__ == "__main__":
    main()
