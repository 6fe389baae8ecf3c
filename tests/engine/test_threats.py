"""Threats and money demands: where to report, for the country the conversation knows or asks."""

from __future__ import annotations

import pytest

from bot.data import load_helplines
from bot.data.reports import load_reports
from bot.engine.effects import Lines, Msg, Say
from bot.engine.events import Choice, Command, Start
from bot.engine.machine import step
from bot.engine.states import State
from bot.i18n import Catalogs
from tests.engine.conftest import make_ctx, msgids, run

CTX = make_ctx(helplines=load_helplines(), reports=load_reports(), partners=())


def _places(effects: list[object]) -> list[str]:
    """The names of the places in the "where to report in <country>" message."""
    for effect in effects:
        if isinstance(effect, Say) and effect.msgid == "sextortion.report_in":
            lines = dict(effect.params)["places"]
            assert isinstance(lines, Lines)
            return [str(dict(m.params)["name"]) for m in lines.items if isinstance(m, Msg)]
    return []


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        ("US", {"FBI", "NCMEC CyberTipline"}),
        ("GB", {"CEOP Safety Centre", "Police"}),
        ("AU", {"ACCCE", "eSafety Commissioner"}),
        ("CA", {"Cybertip.ca", "NeedHelpNow.ca"}),
        ("IN", {"National Cyber Crime Reporting Portal"}),
        ("DE", {"Internet-Beschwerdestellen (jugendschutz.net, FSM, eco)"}),
        ("IE", {"Hotline.ie"}),
    ],
)
def test_a_threat_in_a_known_country_gets_that_countrys_places(
    country: str, expected: set[str]
) -> None:
    session, effects = run([Start(f"c_{country}"), Choice("me"), Choice("yes")], ctx=CTX)
    said = msgids(effects)
    assert said == [
        "sextortion.not_your_fault",
        "sextortion.steps",
        "sextortion.report_in",
        "ask.age",
    ]
    assert set(_places(effects)) == expected
    report = next(e for e in effects if isinstance(e, Say) and e.msgid == "sextortion.report_in")
    assert dict(report.params)["country"] == Msg(f"territory:{country}")
    assert session.state is State.ASK_AGE
    assert "report_country" not in {b.choice for b in session.options}


def test_without_a_country_the_answer_is_general_and_offers_the_countrys_places() -> None:
    session, effects = run([Start(), Choice("me"), Choice("yes")], ctx=CTX)
    assert msgids(effects)[2:] == ["sextortion.report_general", "ask.age"]
    general = effects[2]
    assert isinstance(general, Say)
    assert [b.choice for b in general.buttons] == ["report_country"]
    # The age buttons and the report button can both be pressed.
    assert {"under18", "adult", "unsure", "report_country"} <= {b.choice for b in session.options}

    session, effects = step(session, Choice("report_country"), CTX)
    assert msgids(effects) == ["ask.report_country"]
    assert session.state is State.ASK_REPORT_COUNTRY
    offered = [b.choice for b in effects[0].buttons]  # type: ignore[union-attr]
    assert {"country:GB", "country:US", "country:AU", "country:other"} <= set(offered)

    session, effects = step(session, Choice("country:GB"), CTX)
    assert msgids(effects) == ["sextortion.report_in", "ask.age"]
    assert set(_places(effects)) == {"CEOP Safety Centre", "Police"}
    assert session.state is State.ASK_AGE  # back where the conversation was
    assert session.country == "GB"
    assert session.threat is True


def test_a_country_with_no_place_gets_a_kind_general_answer_and_carries_on() -> None:
    session, effects = run([Start("c_BR"), Choice("me"), Choice("yes")], ctx=CTX)
    assert session.country == "BR"
    assert msgids(effects)[2:] == ["sextortion.report_general", "ask.age"]
    session, effects = step(session, Choice("report_country"), CTX)
    session, effects = step(session, Choice("country:other"), CTX)
    assert msgids(effects) == ["sextortion.none_for_country", "ask.age"]
    assert session.state is State.ASK_AGE
    session, effects = step(session, Choice("under18"), CTX)
    assert session.state is State.ASK_FILE  # never a dead end: the routing goes on


def test_the_places_follow_the_age_when_it_is_known() -> None:
    from bot.engine.session import Age
    from bot.engine.threats import places

    adult = {p.name for p in places(CTX, "GB", Age.ADULT)}
    assert adult == {"Police"}
    assert {p.name for p in places(CTX, "GB", None)} == {"CEOP Safety Centre", "Police"}
    assert places(CTX, None, None) == ()


def test_helplines_from_the_report_question_come_back_to_the_waiting_question() -> None:
    session, _ = run([Start(), Choice("me"), Choice("yes"), Choice("report_country")], ctx=CTX)
    assert session.state is State.ASK_REPORT_COUNTRY
    session, _ = step(session, Command("helplines"), CTX)
    assert session.state is State.ASK_COUNTRY
    session, effects = step(session, Choice("country:GB"), CTX)
    assert session.state is State.ASK_AGE  # the question the report trip was going back to
    assert msgids(effects)[-1] == "ask.age"


def test_a_stale_report_button_is_declined_kindly() -> None:
    session, _ = run([Start(), Choice("me"), Choice("yes"), Choice("adult")], ctx=CTX)
    session, effects = step(session, Choice("report_country"), CTX)
    assert msgids(effects)[0] == "choice.stale"
    assert session.state is State.ASK_FILE


def test_every_place_is_described_in_the_english_catalog() -> None:
    catalogs = Catalogs.load()
    english = catalogs.msgids("en")
    assert {p.about for p in load_reports()} <= english
    rendered = catalogs.render("en", effects_for("AU")[2])
    assert "Australia" in rendered.text
    assert "accce.gov.au/report" in rendered.text


def effects_for(country: str) -> list[Say]:
    _, effects = run([Start(f"c_{country}"), Choice("me"), Choice("yes")], ctx=CTX)
    return [e for e in effects if isinstance(e, Say)]
