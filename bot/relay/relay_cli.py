"""``reclaim relay``: run the relay on its own, show its counts, queue dead letters again.

Belongs here: the three actions of the command and opening the store for them the way the bot
opens it (the secret beside the database, checked against it). Does not belong here: the
relay's loops (``runner.py``) and the argument parser (``bot/cli.py``).

``reclaim relay`` runs the dispatch loop, the push workers and the partner API (when
``RECLAIM_PARTNER_API_LISTEN`` is set) until SIGTERM or SIGINT, beside any other process on the
same data directory. ``reclaim relay status`` prints counts only, and each partner's breaker:
as the running relay last wrote it, or, when none runs, as the last relay saved it on stopping,
with the time it was saved, since it may have changed by the next start. ``reclaim relay
retry-dead [SINK]`` queues dead letters again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

from bot.cases.store import Store
from bot.config import ConfigError, Settings, derive_key, reason
from bot.relay import jobs
from bot.relay.runner import RelayTuning, read_state, relay_running, saved_state
from bot.secretfile import load_secret

__all__ = ["OpenedStore", "main", "open_store", "relay_status", "retry_dead", "run_relay"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OpenedStore:
    """The store and the server secret, as the relay needs them."""

    store: Store
    secret: bytes


@contextlib.asynccontextmanager
async def open_store(
    settings: Settings, env: Mapping[str, str] | None = None
) -> AsyncIterator[OpenedStore]:
    """Open the bot's store for the relay (no PIN workers: the relay checks no PIN).

    Raises:
        ConfigError: the database or its secret cannot be used; the message is one line.
    """
    database = settings.database_path
    try:
        secret = await load_secret(database, os.environ if env is None else env)
        store = await Store.open(database, pepper=derive_key(secret, "pin"), open_sessions=False)
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        raise ConfigError(f"cannot open the database {database}: {reason(exc)}") from exc
    try:
        yield OpenedStore(store, secret)
    finally:
        await store.close()


async def run_relay(settings: Settings, tuning: RelayTuning | None = None) -> int:
    """Run the relay until SIGTERM or SIGINT."""
    from bot.cli import stop_on_signals

    with stop_on_signals() as stop:
        async with (
            open_store(settings) as opened,
            relay_running(opened.store, opened.secret, settings, tuning=tuning),
        ):
            names = ", ".join(s.name for s in settings.sinks) or "none"
            log.info("relay: running (push partners: %s)", names)
            await stop.wait()
            log.info("relay: stopping")
    return 0


async def relay_status(settings: Settings) -> int:
    """Print counts per push partner and of the outbox; 1 if there are dead letters."""
    async with open_store(settings) as opened:
        per_sink = await jobs.counts(opened.store, [s.name for s in settings.sinks])
        waiting = await jobs.outbox_queued(opened.store)
    state = read_state(settings.database_path)
    if state is not None:
        print("relay: running")
    else:
        state = saved_state(settings.database_path)
        saved_at = _utc_time(state.get("updated"))
        print(
            f"relay: not running; breakers as last saved at {saved_at}"
            if saved_at and state.get("sinks")
            else "relay: not running"
        )
    breakers = state.get("sinks")
    breakers = breakers if isinstance(breakers, dict) else {}
    kinds = {s.name: s.kind for s in settings.sinks}
    for counts in per_sink:
        kind = kinds.get(counts.sink, "no longer configured")
        entry = breakers.get(counts.sink)
        breaker = entry.get("breaker", "unknown") if isinstance(entry, dict) else "unknown"
        print(
            f"  {counts.sink} ({kind}): {counts.queued} queued, {counts.delivered} delivered, "
            f"{counts.dead} dead, {counts.cancelled} cancelled; breaker {breaker}"
        )
    if not per_sink:
        print("  no push partners")
    print(f"outbox: {waiting} waiting to be dispatched")
    dead = sum(c.dead for c in per_sink)
    if dead:
        print(f"warning: {dead} dead letters; `reclaim relay retry-dead [SINK]` queues them again")
        return 1
    return 0


def _utc_time(value: object) -> str | None:
    """A Unix time from the state file as ``2025-11-24 16:00:00 UTC``; None if it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        moment = dt.datetime.fromtimestamp(value, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


async def retry_dead(settings: Settings, sink: str | None) -> int:
    """Queue the dead letters (of one sink, or all) again."""
    if sink and sink not in {s.name for s in settings.sinks}:
        raise ConfigError(f"there is no push partner named {sink!r} in the settings")
    async with open_store(settings) as opened:
        count = await jobs.retry_dead(opened.store, time.time(), sink)
    print(f"{count} dead letters queued again")
    return 0


async def main(settings: Settings, action: str | None, sink: str | None) -> int:
    """``reclaim relay [status | retry-dead [SINK]]``."""
    if action == "status":
        return await relay_status(settings)
    if action == "retry-dead":
        return await retry_dead(settings, sink)
    return await run_relay(settings)
