"""One push partner's delivery loop: take its due jobs, send each, record what happened.

Belongs here: the loop for one sink (due jobs, oldest first, one at a time; the circuit
breaker; the next try's time on failure; the dead-letter alert) and its sleep until the next
job is due or it is woken. Does not belong here: dispatching outbox entries into jobs
(``dispatch.py``), the SQL (``jobs.py``), the retry maths (``backoff.py``), the requests
(``sinks/``), and starting the loops (``runner.py``).

Everything a job's fate depends on is in its row, so the loop keeps nothing that a restart
would miss, except the breaker: the runner saves it in its state file (``on_breaker_change``
says when it opened or closed) and gives it back to the worker of the next relay. Logs name
the sink, counts and kinds of failure only; never a case, a reference or a hash value.

Stopping: ``stop`` is looked at between jobs, so a send under way is finished and marked. If
the runner cannot wait that long it cancels the loop: the send is abandoned, the job stays
queued, and it is sent again on the next start with the same idempotency key (at least once).
The marks themselves are shielded from cancellation, so a job is never half marked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Mapping

from bot.cases.store import Store
from bot.relay import jobs
from bot.relay.backoff import Breaker, RetrySchedule
from bot.relay.jobs import Job, RefKey
from bot.relay.sinks import Sink

__all__ = ["SinkWorker"]

log = logging.getLogger(__name__)

IDLE_PAUSE = 60.0
"""The longest a worker sleeps with nothing due and nothing waking it (seconds)."""
ERROR_PAUSE = 1.0
"""The pause after the database itself failed (for example, busy beyond its timeout)."""


class SinkWorker:
    """Delivers one sink's jobs until stopped.

    Attributes:
        sink: where the jobs go.
        breaker: the sink's circuit breaker.
        wake: set to make a sleeping worker look for due jobs now.
        delivered: jobs this worker marked delivered since it started.
        failed: tries that failed since it started.
    """

    def __init__(
        self,
        store: Store,
        sink: Sink,
        *,
        dead_after_hours: float,
        schedule: RetrySchedule | None = None,
        breaker: Breaker | None = None,
        clock: Callable[[], float] = time.time,
        batch: int = 50,
        on_breaker_change: Callable[[], None] | None = None,
    ) -> None:
        self.sink = sink
        self.breaker = breaker or Breaker()
        self.wake = asyncio.Event()
        self.delivered = 0
        self.failed = 0
        self._store = store
        self._dead_after_hours = dead_after_hours
        self._schedule = schedule or RetrySchedule()
        self._clock = clock
        self._batch = batch
        self._dead_reported: int | None = None
        self._on_breaker_change = on_breaker_change

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set (set :attr:`wake` too, so a sleep ends at once)."""
        await self._report_dead()
        while not stop.is_set():
            try:
                pause = await self.run_once(stop)
            except (sqlite3.Error, OSError) as exc:
                log.warning(
                    "relay: %s: the database failed (%s)", self.sink.name, type(exc).__name__
                )
                pause = ERROR_PAUSE
            if pause > 0 and not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), pause)

    async def run_once(self, stop: asyncio.Event | None = None) -> float:
        """Send the jobs due now (up to one batch).

        Returns:
            Seconds until there may be more to do (0: look again at once).
        """
        self.wake.clear()  # before looking, so a wake-up from now on is not missed
        now = self._clock()
        if not self.breaker.allows(now):
            return max(self.breaker.reopens_at() - now, 0.0)
        due = await jobs.due(self._store, self.sink.name, now, self._batch)
        for job in due:
            if stop is not None and stop.is_set():
                return 0.0
            if not self.breaker.allows(self._clock()):
                return max(self.breaker.reopens_at() - self._clock(), 0.0)
            await self._try(job)
        if len(due) == self._batch:
            return 0.0
        await self._report_dead()  # also notices ``reclaim relay retry-dead`` run elsewhere
        upcoming = await jobs.next_due(self._store, self.sink.name)
        if upcoming is None:
            return IDLE_PAUSE
        return min(max(upcoming - self._clock(), 0.0), IDLE_PAUSE)

    async def _try(self, job: Job) -> None:
        outcome = await self.sink.deliver(job)
        now = self._clock()
        was = self.breaker.state
        if outcome.ok:
            await asyncio.shield(jobs.mark_done(self._store, job, now, outcome.added))
            self.delivered += 1
            if was != "closed":
                log.info("relay: %s takes deliveries again", self.sink.name)
            self.breaker.success()
            self._breaker_changed(was)
            return
        self.failed += 1
        self.breaker.failure(now)
        self._breaker_changed(was)
        if self.breaker.state == "open" and was != "open":
            log.warning(
                "relay: %s is failing (%s); pausing it for %.0f s",
                self.sink.name,
                outcome.reason,
                self.breaker.current_cooldown,
            )
        else:
            log.debug("relay: %s: a try failed (%s)", self.sink.name, outcome.reason)
        delay = self._schedule.delay(job.attempts + 1)
        dead = await asyncio.shield(
            self._record_failure(job, outcome.added, outcome.removed, now, delay)
        )
        if dead:
            await self._report_dead()

    def _breaker_changed(self, was: str) -> None:
        """Tell the runner when the breaker opened or closed, so its state file keeps up."""
        if self.breaker.state != was and self._on_breaker_change is not None:
            self._on_breaker_change()

    async def _record_failure(
        self,
        job: Job,
        added: Mapping[RefKey, str],
        removed: tuple[RefKey, ...],
        now: float,
        delay: float,
    ) -> bool:
        await jobs.record_progress(self._store, job, added, removed)
        return await jobs.mark_failed(
            self._store, job, now, now + delay, dead_after_hours=self._dead_after_hours
        )

    async def _report_dead(self) -> None:
        """The operator alert: one log line whenever the sink's count of dead letters changes."""
        count = await jobs.count_dead(self._store, self.sink.name)
        if count != (self._dead_reported or 0):
            if count:
                log.warning(
                    "relay: %d deliveries to %s are dead letters (given up after %.0f hours); "
                    "`reclaim relay retry-dead` queues them again",
                    count,
                    self.sink.name,
                    self._dead_after_hours,
                )
            else:
                log.info("relay: %s has no dead letters any more", self.sink.name)
        self._dead_reported = count
