"""Where the pictures are posted: the services of the person's country that take a link."""

from __future__ import annotations

import pytest

from bot.data import load_helplines
from bot.engine import where
from bot.engine.events import Choice, Start
from tests.engine.conftest import make_ctx, msgids, run

CTX = make_ctx(helplines=load_helplines())  # a country is kept when it has helplines


def _answer(country: str, age: str, choice: str = "where:instagram") -> list[str]:
    events = [Start(f"c_{country}"), Choice("me"), Choice("no"), Choice(age), Choice("no")]
    _, effects = run([*events, Choice(choice)], ctx=CTX)
    return msgids(effects)


@pytest.mark.parametrize("age", ["under18", "unsure"])
def test_in_the_uk_report_remove_is_offered_for_pictures_taken_before_18(age: str) -> None:
    said = _answer("GB", age)
    assert "where.report_remove" in said
    assert said.index("where.report_remove") < said.index("nofile.report_platform")


def test_in_the_uk_an_adult_is_not_sent_to_report_remove() -> None:
    assert "where.report_remove" not in _answer("GB", "adult")


def test_in_canada_cybertip_is_offered_for_pictures_taken_before_18() -> None:
    assert "where.cybertip_ca" in _answer("CA", "under18")
    assert "where.cybertip_ca" not in _answer("CA", "adult")


@pytest.mark.parametrize("age", ["under18", "adult", "unsure"])
def test_in_australia_esafety_takes_the_report_at_any_age(age: str) -> None:
    assert "where.esafety" in _answer("AU", age)


def test_elsewhere_neither_is_offered() -> None:
    for country in ("US", "DE", "BR"):
        said = _answer(country, "under18")
        assert "where.report_remove" not in said
        assert "where.esafety" not in said
        assert "where.cybertip_ca" not in said


def test_without_a_link_neither_is_offered() -> None:
    assert "where.report_remove" not in _answer("GB", "under18", where.UNKNOWN)
    assert "where.esafety" not in _answer("AU", "adult", where.UNKNOWN)
