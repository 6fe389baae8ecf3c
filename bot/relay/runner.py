"""The relay as a whole: the dispatch loop, one worker per push partner, and the partner API.

Belongs here: starting and stopping the relay's tasks on an open store (``relay_running``),
when the backfill for push partners added later runs (at start, then every
``backfill_every``), the lock that lets one process at a time send to push partners, and the
small state file that keeps the breakers. Does not belong here: opening the store and the
command line (``relay_cli.py``), dispatching (``dispatch.py``), the backfill itself
(``backfill.py``), a sink's loop (``worker.py``), and the partner API itself (``server.py``,
started through ``_start_partner_api``).

Several processes may share one database (``reclaim relay`` beside ``reclaim console``, or
``reclaim run`` beside ``reclaim relay``). Dispatching is safe from any of them (each outbox
entry is dispatched in one transaction that checks it is still queued). Sending is not: two
senders would send each job twice. So sending needs the sender lock, an ``flock`` on
``<database>.relay-lock``; a process that cannot take it dispatches only and tries again every
few seconds, taking over when the other one stops. The kernel drops the lock when its holder
dies, however it dies.

The state file ``<database>.relay-state.json`` (owner-only) holds each sink's breaker (its
state for ``reclaim relay status``, and the snapshot a restarted relay takes up, so delivery
state survives restarts: jobs in the database, breakers here) and counts of this run's
deliveries and failed tries, and nothing about any case. The lock holder writes it every
dispatch round, whenever a breaker opens or closes, and on stopping.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.cases.store import Store
from bot.config import ConfigError, Settings, reason
from bot.relay import backfill, dispatch
from bot.relay.backoff import Breaker, RetrySchedule
from bot.relay.files import lock_path, state_path
from bot.relay.server import PartnerApi, start_partner_api
from bot.relay.sinks import HttpTimeouts, Sink, build_sinks
from bot.relay.worker import SinkWorker

__all__ = [
    "Relay",
    "RelayTuning",
    "SenderLock",
    "lock_path",
    "read_state",
    "relay_running",
    "saved_state",
    "state_path",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RelayTuning:
    """The relay's timings; the defaults suit a live bot, tests and the bench shorten them.

    Attributes:
        schedule: the retry schedule of failed jobs.
        breaker_threshold: failures in a row that pause a sink.
        breaker_cooldown: seconds a paused sink waits before a probe.
        dispatch_every: seconds between looks at the outbox.
        timeouts: the HTTP sinks' timeouts.
        stop_grace: seconds a stopping relay waits for sends under way before abandoning them.
        lock_retry: seconds between tries to take the sender lock another process holds.
        backfill_every: seconds between looks for open cases a push partner has no job for
            (at start, then this often: another relay with older settings may dispatch).
    """

    schedule: RetrySchedule = field(default_factory=RetrySchedule)
    breaker_threshold: int = 5
    breaker_cooldown: float = 30.0
    dispatch_every: float = 1.0
    timeouts: HttpTimeouts = field(default_factory=HttpTimeouts)
    stop_grace: float = 10.0
    lock_retry: float = 5.0
    backfill_every: float = 600.0


class SenderLock:
    """An exclusive, non-blocking ``flock`` on a file (created 0600)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def try_acquire(self) -> bool:
        """Take the lock if no other process holds it."""
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        """Let the lock go."""
        if self._fd is not None:
            os.close(self._fd)  # closing the file drops the flock
            self._fd = None


def read_state(database: Path) -> dict[str, Any] | None:
    """The state a running relay wrote, or None if no relay holds the sender lock now."""
    probe = SenderLock(lock_path(database))
    if not lock_path(database).exists() or probe.try_acquire():
        probe.release()
        return None
    return _read_state_file(state_path(database))


def saved_state(database: Path) -> dict[str, Any]:
    """The state file as the last relay to hold the sender lock left it, whether or not one
    runs now ({} if no relay ever wrote one). Its ``updated`` says when it was written."""
    return _read_state_file(state_path(database))


class Relay:
    """The relay's running parts (see ``relay_running``).

    Attributes:
        workers: one per push partner, by name (running only while the sender lock is held).
        lock: the sender lock.
        dispatched: outbox entries this relay dispatched.
    """

    def __init__(
        self,
        store: Store,
        settings: Settings,
        sinks: list[Sink],
        tuning: RelayTuning,
        clock: Callable[[], float],
    ) -> None:
        self.lock = SenderLock(lock_path(settings.database_path))
        self.dispatched = 0
        self._store = store
        self._settings = settings
        self._tuning = tuning
        self._clock = clock
        self._stop = asyncio.Event()
        hours = {s.name: s.dead_after_hours for s in settings.sinks}
        self.workers = {
            sink.name: SinkWorker(
                store,
                sink,
                dead_after_hours=hours[sink.name],
                schedule=tuning.schedule,
                breaker=Breaker(
                    threshold=tuning.breaker_threshold,
                    cooldown=tuning.breaker_cooldown,
                    max_cooldown=max(tuning.breaker_cooldown, 600.0),
                ),
                clock=clock,
                on_breaker_change=self._write_state,
            )
            for sink in sinks
        }
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start the dispatch loop and the sending side (with the sender lock, if free now)."""
        self._take_lock()
        self._tasks = [
            asyncio.create_task(self._dispatch_forever(), name="relay-dispatch"),
            asyncio.create_task(self._send_forever(), name="relay-send"),
        ]

    def wake(self) -> None:
        """Make every worker look for due jobs now."""
        for worker in self.workers.values():
            worker.wake.set()

    async def stop(self) -> None:
        """Stop: sends under way get ``stop_grace`` seconds to finish, then are abandoned."""
        self._stop.set()
        self.wake()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=self._tuning.stop_grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._write_state()  # the breakers as they are now, for the next relay
        self.lock.release()

    def _take_lock(self) -> bool:
        """Take the sender lock if free; on taking it, give the workers the saved breakers.

        The breakers are read back before this relay writes the state file for the first time,
        so a relay restarted (or taking over from another) while a sink's breaker was open
        keeps it open for the rest of its cool-down.
        """
        if self.lock.held:
            return True
        if not self.lock.try_acquire():
            return False
        saved = _read_saved_sinks(state_path(self._settings.database_path))
        now = self._clock()
        for name, worker in self.workers.items():
            entry = saved.get(name)
            snapshot = entry.get("breaker_state") if isinstance(entry, dict) else None
            if worker.breaker.restore(snapshot, now) and worker.breaker.state != "closed":
                log.info(
                    "relay: %s was paused when the relay last stopped; it stays paused for "
                    "%.0f s more",
                    name,
                    max(worker.breaker.reopens_at() - now, 0.0),
                )
        return True

    async def dispatch_once(self) -> int:
        """Dispatch queued outbox entries (all of them, a hundred at a time)."""
        names = [s.name for s in self._settings.sinks]
        total = 0
        while not self._stop.is_set():
            count = await dispatch.dispatch_pending(self._store, self._clock(), sinks=names)
            total += count
            if count < 100:
                break
        if total:
            self.dispatched += total
            self.wake()
        return total

    async def backfill_once(self) -> int:
        """Queue the open cases each push partner has no job for (see ``backfill.py``)."""
        names = [s.name for s in self._settings.sinks]
        found = await backfill.backfill_sinks(self._store, names, self._clock())
        for name, count in found.items():
            log.info(
                "relay: %s was given %d open cases dispatched before it was added", name, count
            )
        if found:
            self.wake()
        return sum(found.values())

    async def _dispatch_forever(self) -> None:
        next_backfill = 0.0
        while not self._stop.is_set():
            try:
                await self.dispatch_once()
                if time.monotonic() >= next_backfill:
                    await self.backfill_once()
                    next_backfill = time.monotonic() + self._tuning.backfill_every
            except (sqlite3.Error, OSError) as exc:
                log.warning("relay: dispatching failed (%s); trying again", type(exc).__name__)
            self._write_state()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._tuning.dispatch_every)

    async def _send_forever(self) -> None:
        said = False
        while not self._stop.is_set():
            if self._take_lock():
                break
            if not said:
                log.info(
                    "relay: another process is sending to push partners; this one only "
                    "dispatches, and takes over if that one stops"
                )
                said = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._tuning.lock_retry)
        if self._stop.is_set():
            return
        if self.workers:
            log.info("relay: sending to %d push partners", len(self.workers))
        await asyncio.gather(*(w.run(self._stop) for w in self.workers.values()))

    def _write_state(self) -> None:
        if not self.lock.held:
            return
        state = {
            "updated": int(self._clock()),
            "sinks": {
                name: {
                    "breaker": w.breaker.state,
                    "breaker_state": w.breaker.snapshot(),
                    "delivered": w.delivered,
                    "failed_tries": w.failed,
                }
                for name, w in self.workers.items()
            },
        }
        path = state_path(self._settings.database_path)
        temporary = path.with_name(path.name + ".tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(state, handle)
            os.replace(temporary, path)
        except OSError as exc:
            log.debug("relay: the state file could not be written (%s)", type(exc).__name__)


def _read_state_file(path: Path) -> dict[str, Any]:
    """The state file a relay wrote ({} if there is none or it is unreadable)."""
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _read_saved_sinks(path: Path) -> dict[str, Any]:
    """The ``sinks`` of the state file a relay wrote, whether or not one runs now ({} if none)."""
    sinks = _read_state_file(path).get("sinks")
    return sinks if isinstance(sinks, dict) else {}


async def _start_partner_api(
    store: Store,
    secret: bytes,
    settings: Settings,
    env: Mapping[str, str] | None,
    clock: Callable[[], float],
) -> PartnerApi | None:
    """Start the partner API if ``settings.partner_api_listen`` names an address, else None.

    Raises:
        ConfigError: the address cannot be listened on.
    """
    if not settings.partner_api_listen:
        return None
    try:
        return await start_partner_api(store, secret, settings, clock=clock, env=env)
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {settings.partner_api_listen} (RECLAIM_PARTNER_API_LISTEN): "
            f"{reason(exc)}"
        ) from exc


@contextlib.asynccontextmanager
async def relay_running(
    store: Store,
    secret: bytes,
    settings: Settings,
    *,
    env: Mapping[str, str] | None = None,
    tuning: RelayTuning | None = None,
    clock: Callable[[], float] = time.time,
) -> AsyncIterator[Relay]:
    """Run the relay on ``store`` while the block runs.

    Args:
        store: the open store.
        secret: the server secret (partner references, the partner API's keys).
        settings: the bot's settings (``sinks``, ``partner_api_listen``, the database path).
        env: where sinks' secrets are read from (``os.environ`` unless given).
        tuning: timings; the defaults unless a test or the bench shortens them.
        clock: Unix time.

    Raises:
        ConfigError: a sink's secret is missing (before anything starts).
    """
    tuning = tuning or RelayTuning()
    sinks = build_sinks(
        settings, secret, os.environ if env is None else env, timeouts=tuning.timeouts
    )
    relay = Relay(store, settings, sinks, tuning, clock)
    api: PartnerApi | None = None
    try:
        api = await _start_partner_api(store, secret, settings, env, clock)
        relay.start()
        yield relay
    finally:
        await relay.stop()
        if api is not None:
            await api.close()
        for sink in sinks:
            await sink.close()
