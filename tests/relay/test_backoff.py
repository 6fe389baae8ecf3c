"""The retry schedule and the circuit breaker, table-driven (pure code, no clock)."""

from __future__ import annotations

import random

import pytest

from bot.relay.backoff import Breaker, BreakerState, RetrySchedule


def highest(a: float, b: float) -> float:
    """A "random" source that always picks the top of the range."""
    return b


def lowest(a: float, b: float) -> float:
    return a


@pytest.mark.parametrize(
    ("attempts", "ceiling"),
    [(0, 2.0), (1, 2.0), (2, 4.0), (3, 8.0), (9, 512.0), (10, 900.0), (500, 900.0)],
)
def test_full_jitter_stays_below_an_exponential_ceiling_and_the_cap(
    attempts: int, ceiling: float
) -> None:
    schedule = RetrySchedule(base=2.0, cap=900.0, uniform=highest)
    assert schedule.ceiling(attempts) == ceiling
    assert schedule.delay(attempts) == ceiling
    assert RetrySchedule(base=2.0, cap=900.0, uniform=lowest).delay(attempts) == 0.0


@pytest.mark.parametrize(
    ("previous", "top", "bottom"),
    [(0.0, 2.0, 2.0), (2.0, 6.0, 2.0), (100.0, 300.0, 2.0), (400.0, 900.0, 2.0)],
)
def test_decorrelated_jitter_grows_from_the_previous_pause(
    previous: float, top: float, bottom: float
) -> None:
    up = RetrySchedule(base=2.0, cap=900.0, jitter="decorrelated", uniform=highest)
    down = RetrySchedule(base=2.0, cap=900.0, jitter="decorrelated", uniform=lowest)
    assert up.delay(3, previous) == top
    assert down.delay(3, previous) == bottom


def test_real_randomness_stays_in_range() -> None:
    rng = random.Random(7)
    schedule = RetrySchedule(base=1.0, cap=60.0, uniform=rng.uniform)
    delays = [schedule.delay(n) for n in range(1, 40)]
    assert all(0.0 <= d <= 60.0 for d in delays)
    assert len(set(delays)) == len(delays)


@pytest.mark.parametrize(("base", "cap"), [(0.0, 1.0), (-1.0, 1.0), (5.0, 1.0)])
def test_a_schedule_needs_a_positive_base_below_its_cap(base: float, cap: float) -> None:
    with pytest.raises(ValueError, match="base"):
        RetrySchedule(base=base, cap=cap)


# Each row: events fed to a fresh breaker (threshold 3, cool-down 10 s, max 40 s), as
# (time, "ok" | "fail" | "ask"), and the state and the answer to allows(time) after them.
BREAKER_TABLE: list[tuple[str, list[tuple[float, str]], BreakerState, float, bool]] = [
    ("fresh", [], "closed", 0.0, True),
    ("failures below the threshold", [(0, "fail"), (1, "fail")], "closed", 2.0, True),
    (
        "a success resets the count",
        [(0, "fail"), (1, "fail"), (2, "ok"), (3, "fail")],
        "closed",
        4,
        True,
    ),
    ("threshold in a row opens", [(0, "fail"), (1, "fail"), (2, "fail")], "open", 5.0, False),
    ("open until the cool-down ends", [(0, "fail"), (1, "fail"), (2, "fail")], "open", 11.9, False),
    ("then a probe", [(0, "fail"), (1, "fail"), (2, "fail")], "half-open", 12.0, True),
    (
        "a good probe closes",
        [(0, "fail"), (1, "fail"), (2, "fail"), (12, "ask"), (12, "ok")],
        "closed",
        12.0,
        True,
    ),
    (
        "a failed probe opens again for twice as long",
        [(0, "fail"), (1, "fail"), (2, "fail"), (12, "ask"), (12, "fail")],
        "open",
        31.9,
        False,
    ),
    (
        "after twice as long, the next probe",
        [(0, "fail"), (1, "fail"), (2, "fail"), (12, "ask"), (12, "fail")],
        "half-open",
        32.0,
        True,
    ),
    (
        "the cool-down stops growing at its cap",
        [(0, "fail"), (1, "fail"), (2, "fail")]
        + [(t, e) for t in (12, 32, 72, 112) for e in ("ask", "fail")],
        "open",
        151.9,
        False,
    ),
]


@pytest.mark.parametrize(
    ("events", "state", "at", "allowed"),
    [row[1:] for row in BREAKER_TABLE],
    ids=[row[0] for row in BREAKER_TABLE],
)
def test_the_breaker_follows_its_table(
    events: list[tuple[float, str]], state: BreakerState, at: float, allowed: bool
) -> None:
    breaker = Breaker(threshold=3, cooldown=10.0, max_cooldown=40.0)
    for when, event in events:
        if event == "ok":
            breaker.success()
        elif event == "fail":
            breaker.failure(when)
        else:
            assert breaker.allows(when)
    assert breaker.allows(at) is allowed
    assert breaker.state == state


@pytest.mark.parametrize(
    ("threshold", "cooldown", "max_cooldown"), [(0, 1.0, 1.0), (1, 0.0, 1.0), (1, 5.0, 1.0)]
)
def test_a_breaker_refuses_settings_that_cannot_work(
    threshold: int, cooldown: float, max_cooldown: float
) -> None:
    with pytest.raises(ValueError, match="threshold"):
        Breaker(threshold=threshold, cooldown=cooldown, max_cooldown=max_cooldown)


def test_a_breaker_snapshot_carries_an_open_breaker_over_a_restart() -> None:
    before = Breaker(threshold=1, cooldown=30.0, max_cooldown=600.0)
    before.failure(1000.0)
    after = Breaker(threshold=1, cooldown=30.0, max_cooldown=600.0)
    assert after.restore(before.snapshot(), 1010.0)
    assert (after.state, after.failures, after.reopens_at()) == ("open", 1, 1030.0)
    assert not after.allows(1029.0)
    assert after.allows(1030.0)
    assert after.state == "half-open"


@pytest.mark.parametrize(
    ("saved", "state", "reopens_at"),
    [
        # the clock stepped back: the cool-down counts from now, not from the future
        ({"state": "open", "failures": 5, "opened_at": 9e9, "cooldown": 30.0}, "open", 1030.0),
        # a cool-down past this breaker's bounds is brought within them
        ({"state": "open", "failures": 5, "opened_at": 1000, "cooldown": 1e9}, "open", 1600.0),
        ({"state": "open", "failures": 5, "opened_at": 1000, "cooldown": 0}, "open", 1030.0),
        ({"state": "closed", "failures": 2, "opened_at": 0, "cooldown": 9.0}, "closed", 0.0),
    ],
)
def test_a_restored_breaker_stays_within_its_bounds(
    saved: dict[str, object], state: BreakerState, reopens_at: float
) -> None:
    breaker = Breaker(threshold=5, cooldown=30.0, max_cooldown=600.0)
    assert breaker.restore(saved, 1000.0)
    assert (breaker.state, breaker.reopens_at()) == (state, reopens_at)


@pytest.mark.parametrize(
    "saved",
    [
        None,
        "open",
        {"state": "ajar", "failures": 1, "opened_at": 1, "cooldown": 30},
        {"state": "open", "failures": True, "opened_at": 1, "cooldown": 30},
        {"state": "open", "failures": 1, "opened_at": "1", "cooldown": 30},
        {"state": "open", "failures": 1, "opened_at": 1},
    ],
)
def test_a_malformed_snapshot_leaves_the_breaker_closed(saved: object) -> None:
    breaker = Breaker()
    assert not breaker.restore(saved, 1000.0)
    assert breaker.state == "closed"
