"""``reclaim relay`` as a real process, killed in the middle of a delivery and started again.

The partner (a webhook on loopback) holds its answer to one delivery it has already taken;
the relay is killed with SIGKILL while it waits for that answer, so the job was received but
never marked. After a restart every job is delivered, the held one a second time with the same
idempotency key, and nothing else twice. SIGTERM then stops the relay with exit code 0.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bot.cases.store import CaseCredentials, Store
from bot.config import derive_key
from bot.hashes.items import HashItem, ItemKind
from tests.commands import ROOT, run_reclaim
from tests.e2e.console_process import wait_for
from tests.relay.sinks.partners import FakePartner, PartnerThread

CASES = 30
HELD = 10
HOOK_SECRET = "webhook-secret"


def relay_env(tmp_path: Path, url: str) -> dict[str, str]:
    config = tmp_path / "reclaim.toml"
    config.write_text(
        "[[partners]]\n"
        'name = "Hotline"\nkind = "webhook"\n'
        f'url = "{url}/hook"\nsecret_env = "HOOK_SECRET"\n\n'
        "[[partners]]\n"
        f'name = "Export"\nkind = "file"\npath = "{tmp_path / "exports"}"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "RECLAIM_"))}
    env.update(
        RECLAIM_DATA_DIR=str(tmp_path / "data"),
        RECLAIM_CONFIG=str(config),
        HOOK_SECRET=HOOK_SECRET,
        RECLAIM_LOG_LEVEL="DEBUG",
    )
    return env


async def open_cases(database: Path, count: int) -> None:
    secret = (database.parent / "secret.key").read_bytes()
    store = await Store.open(database, pepper=derive_key(secret, "pin"), scrypt_n=2**4)
    try:
        for n in range(count):
            item = HashItem(ItemKind.IMAGE, (("pdq", f"{n + 1:064x}"),))
            assert isinstance(
                await store.open_case([item], "stopncii", time.time()), CaseCredentials
            )
    finally:
        await store.close()


def start_relay(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as errors:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "relay"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )


def job_keys(database: Path, sink: str) -> dict[str, str]:
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT idempotency_key, state FROM push_jobs WHERE sink = ?", (sink,)
        ).fetchall()
    return {str(k): str(s) for k, s in rows}


def test_a_relay_killed_mid_delivery_delivers_everything_after_a_restart(tmp_path: Path) -> None:
    partner = FakePartner(secret=HOOK_SECRET.encode(), hold_at=HELD, hang_for=30.0, latency=0.02)
    with PartnerThread(partner) as served:
        env = relay_env(tmp_path, served.url)
        database = tmp_path / "data" / "reclaim.sqlite3"
        assert run_reclaim("relay", "status", env=env).returncode == 0  # makes the database
        asyncio.run(open_cases(database, CASES))
        log = tmp_path / "relay.log"
        relay = start_relay(env, log)
        try:
            wait_for(
                lambda: len(partner.deliveries) >= HELD, "the held delivery arrives", timeout=60.0
            )
            relay.send_signal(signal.SIGKILL)
            relay.wait(10)
        finally:
            if relay.poll() is None:
                relay.kill()
        held_key = partner.deliveries[HELD - 1].idempotency_key
        assert job_keys(database, "Hotline")[held_key] == "queued"  # sent, never marked
        assert len(partner.deliveries) < CASES
        partner.hold_at = 0
        relay = start_relay(env, log)
        try:

            def all_delivered() -> bool:
                states = [*job_keys(database, "Hotline").values()]
                states += job_keys(database, "Export").values()
                return states == ["delivered"] * (2 * CASES)

            wait_for(all_delivered, "every job delivered after the restart", timeout=60.0)
            relay.send_signal(signal.SIGTERM)
            assert relay.wait(20) == 0
        finally:
            if relay.poll() is None:
                relay.kill()
    errors = log.read_text()
    assert "Traceback" not in errors
    expected = set(job_keys(database, "Hotline"))
    counted = collections.Counter(d.idempotency_key for d in partner.deliveries)
    assert set(counted) == expected
    assert {k for k, n in counted.items() if n > 1} <= {held_key}
    assert counted[held_key] == 2
    documents = collections.defaultdict(list)
    for delivery in partner.deliveries:
        documents[delivery.idempotency_key].append(delivery.document)
    assert all(all(d == docs[0] for d in docs) for docs in documents.values())
    lines = [json.loads(x) for path in (tmp_path / "exports").iterdir() for x in path.open()]
    assert {line["idempotency_key"] for line in lines} == set(job_keys(database, "Export"))
    with sqlite3.connect(database) as conn:
        assert conn.execute(
            "SELECT COUNT(*) FROM push_jobs WHERE payload IS NOT NULL"
        ).fetchone() == (0,)
    assert not any(f"{n + 1:064x}" in errors for n in range(CASES))
