"""When to try a push delivery again, and when to stop trying a sink for a while: pure code.

Belongs here: the retry schedule (exponential back-off with full or decorrelated jitter, with an
injectable source of randomness so tests and the bench can choose it) and the per-sink circuit
breaker as a small state machine. Does not belong here: the clock, the database, and HTTP; the
worker (``worker.py``) feeds both with times and outcomes.

Why jitter: after a partner's outage every waiting job would otherwise be retried at the same
moments and knock it over again. Full jitter spreads the retries uniformly below the
exponential ceiling; decorrelated jitter grows from the previous pause instead.

The breaker, as a table (state, event) -> state:

==========  =====================================  =========
state       event                                  next
==========  =====================================  =========
closed      success                                closed
closed      failure (fewer than ``threshold``)     closed
closed      failure (``threshold`` in a row)       open
open        cool-down over (``allows`` asked)      half-open
half-open   success                                closed
half-open   failure                                open
==========  =====================================  =========

While open, nothing is sent to the sink: its jobs keep waiting in the database. Half-open lets
one delivery through as a probe. The cool-down doubles each time a probe fails, up to a cap.

``snapshot`` and ``restore`` carry a breaker over a restart (the runner keeps the snapshot in
its state file): a sink that was paused stays paused for the rest of its cool-down instead of
being hit by a fresh burst of tries.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "Breaker",
    "BreakerState",
    "RetrySchedule",
]

BreakerState = Literal["closed", "open", "half-open"]

Uniform = Callable[[float, float], float]
"""``uniform(a, b)``: a random number between ``a`` and ``b`` (``random.uniform``'s shape)."""

_DEFAULT_RANDOM: Final = random.SystemRandom()


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    """How long to wait before the next try of a job that failed.

    Attributes:
        base: the first pause's ceiling, in seconds.
        cap: no pause is longer than this, in seconds.
        jitter: ``"full"`` (uniform below the exponential ceiling) or ``"decorrelated"``
            (uniform between ``base`` and three times the previous pause).
        uniform: the random source; ``random.uniform``'s signature.
    """

    base: float = 2.0
    cap: float = 900.0
    jitter: Literal["full", "decorrelated"] = "full"
    uniform: Uniform = _DEFAULT_RANDOM.uniform

    def __post_init__(self) -> None:
        if self.base <= 0 or self.cap < self.base:
            raise ValueError("back-off needs 0 < base <= cap")

    def ceiling(self, attempts: int) -> float:
        """The longest pause after ``attempts`` failed tries (1 for the first failure)."""
        exponent = min(max(attempts, 1) - 1, 60)  # 2**60 * base is past any cap
        return min(self.cap, self.base * 2.0**exponent)

    def delay(self, attempts: int, previous: float = 0.0) -> float:
        """The pause after ``attempts`` failed tries.

        Args:
            attempts: how many tries have failed so far, counting this one (1 or more).
            previous: the pause before this try (decorrelated jitter only; 0 if none).

        Returns:
            Seconds to wait, between 0 and ``cap``.
        """
        if self.jitter == "decorrelated":
            upper = max(self.base, previous * 3.0)
            return min(self.cap, self.uniform(self.base, upper))
        return min(self.cap, self.uniform(0.0, self.ceiling(attempts)))


@dataclass(slots=True)
class Breaker:
    """A circuit breaker for one sink (see the table in the module docstring).

    Attributes:
        threshold: failures in a row that open the breaker.
        cooldown: seconds the breaker stays open before the first probe.
        max_cooldown: the longest the cool-down grows to after failed probes.
        state: the current state.
        failures: failures in a row so far.
        opened_at: when it last opened (a monotonic or Unix time, as the caller uses).
        current_cooldown: the cool-down in force since it last opened.
    """

    threshold: int = 5
    cooldown: float = 30.0
    max_cooldown: float = 600.0
    state: BreakerState = "closed"
    failures: int = 0
    opened_at: float = 0.0
    current_cooldown: float = 0.0

    def __post_init__(self) -> None:
        if self.threshold < 1 or self.cooldown <= 0 or self.max_cooldown < self.cooldown:
            raise ValueError("a breaker needs threshold >= 1 and 0 < cooldown <= max_cooldown")

    def allows(self, now: float) -> bool:
        """Whether a delivery may be tried at ``now``; an open breaker past its cool-down
        turns half-open and lets this one through as the probe."""
        if self.state == "open" and now >= self.reopens_at():
            self.state = "half-open"
        return self.state != "open"

    def reopens_at(self) -> float:
        """When an open breaker lets its next probe through."""
        return self.opened_at + self.current_cooldown

    def success(self) -> None:
        """A delivery went through: close."""
        self.state = "closed"
        self.failures = 0
        self.current_cooldown = 0.0

    def failure(self, now: float) -> None:
        """A delivery failed at ``now``: count it, and open when the rule says so."""
        self.failures += 1
        if self.state == "half-open":
            self.current_cooldown = min(self.max_cooldown, self.current_cooldown * 2.0)
            self._open(now)
        elif self.state == "closed" and self.failures >= self.threshold:
            self.current_cooldown = self.cooldown
            self._open(now)

    def snapshot(self) -> dict[str, float | int | str]:
        """What :meth:`restore` needs to carry the breaker over a restart (JSON-ready)."""
        return {
            "state": self.state,
            "failures": self.failures,
            "opened_at": self.opened_at,
            "cooldown": self.current_cooldown,
        }

    def restore(self, saved: object, now: float) -> bool:
        """Take up the state a :meth:`snapshot` saved, as far as it makes sense at ``now``.

        Anything malformed leaves the breaker as it is. An opening time after ``now`` (the
        clock stepped back) counts as ``now``, and the cool-down is kept within this
        breaker's bounds, so a saved state can never pause a sink for longer than
        ``max_cooldown`` from now.

        Returns:
            True if the saved state was taken up.
        """
        if not isinstance(saved, dict):
            return False
        state = saved.get("state")
        failures, opened_at, cooldown = (
            _number(saved.get(k)) for k in ("failures", "opened_at", "cooldown")
        )
        if (
            state not in ("closed", "open", "half-open")
            or failures is None
            or opened_at is None
            or cooldown is None
        ):
            return False
        self.state = state
        self.failures = max(int(failures), 0)
        self.opened_at = min(opened_at, now)
        if state == "closed":
            self.current_cooldown = 0.0
        else:
            self.current_cooldown = min(max(cooldown, self.cooldown), self.max_cooldown)
        return True

    def _open(self, now: float) -> None:
        self.state = "open"
        self.opened_at = now


def _number(value: object) -> float | None:
    """``value`` as a float if it is a JSON number (not a boolean), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
