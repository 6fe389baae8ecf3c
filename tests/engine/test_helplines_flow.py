"""Every route to a person, with the shipped directory: danger, /helplines, typed countries."""

from __future__ import annotations

import pytest

from bot.data import load_helplines
from bot.engine.effects import Say
from bot.engine.events import Choice, Command, Start
from bot.engine.machine import step
from bot.engine.prompts import prompt
from bot.engine.states import State
from bot.i18n import Catalogs
from bot.understand import understand
from tests.engine.conftest import make_ctx, msgids, run

CTX = make_ctx(helplines=load_helplines(), partners=())
COUNTRIES = CTX.countries


@pytest.mark.parametrize("country", COUNTRIES)
def test_danger_gives_the_emergency_number_then_a_crisis_line_in_every_country(
    country: str,
) -> None:
    session, effects = run([Start(), Choice("danger")], ctx=CTX)
    assert msgids(effects) == ["danger.emergency", "danger.crisis", "ask.country"]
    session, effects = step(session, Choice(f"country:{country}"), CTX)
    said = msgids(effects)
    assert said[:2] == ["helplines.intro", "helpline.emergency"]
    crisis = {h.name for h in CTX.helplines if h.country == country and h.kind == "crisis"}
    names = [dict(e.params).get("name") for e in effects if isinstance(e, Say)]
    assert crisis
    assert crisis <= set(names)
    assert session.state is State.DANGER  # then back to "carry on when ready"


def test_somewhere_else_gets_help_that_answers_anywhere_and_no_reporting_hotlines() -> None:
    session, effects = run([Start(), Choice("danger"), Choice("country:other")], ctx=CTX)
    said = msgids(effects)
    assert "helplines.emergency_unknown" in said
    names = [dict(e.params).get("name") for e in effects if isinstance(e, Say)]
    assert "Find A Helpline" in names
    assert "INHOPE" not in names
    assert session.state is State.DANGER


def test_helplines_asks_for_the_country_every_time() -> None:
    session, _ = run([Start(), Command("helplines"), Choice("country:GB")], ctx=CTX)
    assert session.country == "GB"
    session, effects = step(session, Command("helplines"), CTX)
    assert msgids(effects) == ["ask.country"]
    assert session.state is State.ASK_COUNTRY
    # the country given before is offered first
    assert effects[0].buttons[0].choice == "country:GB"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("typed", "choice"),
    [
        ("UK", "country:GB"),
        ("gb", "country:GB"),
        ("United Kingdom", "country:GB"),
        ("england", "country:GB"),
        ("Australia", "country:AU"),
        ("usa", "country:US"),
        ("Italy", "country:other"),
        ("IT", "country:other"),
        ("something else", None),
    ],
)
def test_typed_country_codes_names_and_aliases_pick_the_country(
    typed: str, choice: str | None
) -> None:
    session, _ = run([Start(), Command("helplines")], ctx=CTX)
    question = prompt(session, CTX)
    found = understand(Catalogs.load(), "en", question.buttons, typed)
    assert (found.choice if isinstance(found, Choice) else None) == choice
