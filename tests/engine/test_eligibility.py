"""The routing rules on their own, as a table (see docs/facts.md)."""

from __future__ import annotations

import pytest

from bot.engine import eligibility
from bot.engine.effects import Say
from bot.engine.session import Age, Role


@pytest.mark.parametrize(
    ("age", "route"),
    [
        (Age.UNDER_18, eligibility.TAKE_IT_DOWN),
        (Age.UNSURE, eligibility.TAKE_IT_DOWN),  # may have been under 18: the safer service
        (Age.ADULT, eligibility.STOPNCII),
        (None, eligibility.UNSPECIFIED),
    ],
)
def test_route_for_age(age: Age | None, route: str) -> None:
    assert eligibility.route_for(age) == route


@pytest.mark.parametrize(
    ("role", "age", "first"),
    [
        (Role.SELF, Age.UNDER_18, "route.takeitdown"),
        (Role.HELPING, Age.UNDER_18, "route.takeitdown_helping"),
        (Role.SELF, Age.ADULT, "route.stopncii"),
        (Role.HELPING, Age.ADULT, "route.stopncii_helping"),
        (Role.SELF, Age.UNSURE, "route.unsure"),
        (None, Age.ADULT, "route.stopncii"),
    ],
)
def test_outcome_names_the_service_then_its_limits(role: Role | None, age: Age, first: str) -> None:
    said = [m.msgid for m in eligibility.outcome(role, age)]
    assert said[0] == first
    assert said[-2:] == ["route.report_first", "route.limits"]
    assert all(isinstance(m, Say) for m in eligibility.outcome(role, age))
