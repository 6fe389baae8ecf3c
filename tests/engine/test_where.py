"""Where the pictures are posted: the question after "no file", its answers and pasted links."""

from __future__ import annotations

import pytest

from bot.data import load_helplines
from bot.engine import where
from bot.engine.effects import DeleteIncoming, Say
from bot.engine.events import Choice, Event, LinkGiven, Start
from bot.engine.session import Session
from bot.engine.states import State
from tests.engine.conftest import PLATFORMS, make_ctx, msgids, run

NO_FILE = [Start(), Choice("me"), Choice("no")]


def _asked_where(age: str) -> list[Event]:
    return [*NO_FILE, Choice(age), Choice("no")]


def _params(effects: list[object], msgid: str) -> dict[str, object]:
    found = [e for e in effects if isinstance(e, Say) and e.msgid == msgid]
    assert found, msgid
    return dict(found[0].params)


def test_no_file_asks_where_with_the_common_platforms_first() -> None:
    session, effects = run(_asked_where("adult"))
    assert session.state is State.ASK_WHERE
    assert msgids(effects)[-2:] == ["nofile.explain", "ask.where"]
    assert [b.choice for b in session.options] == [
        "where:instagram",
        "where:x",
        where.OTHER,
        where.UNKNOWN,
    ]
    assert session.options[0].label == "name:Instagram"


def test_a_platform_gets_its_forms_and_the_services_it_takes_part_in() -> None:
    session, effects = run([*_asked_where("adult"), Choice("where:instagram")])
    said = msgids(effects)
    assert said[-5:] == [
        "where.form",
        "where.copyright",
        "where.takes_part",
        "nofile.report_platform",
        "ask.menu",
    ]
    assert _params(effects, "where.form") == {
        "name": "Instagram",
        "url": "https://help.instagram.example/intimate",
    }
    assert _params(effects, "where.takes_part")["services"] == "Take It Down · StopNCII.org"
    assert session.state is State.MENU


def test_under_18_also_gets_the_cybertipline_which_takes_links() -> None:
    _, effects = run([*_asked_where("under18"), Choice("where:x")])
    said = msgids(effects)
    assert said[-5:] == [
        "where.form",
        "where.legal",
        "nofile.cybertipline",
        "nofile.report_platform",
        "ask.menu",
    ]


def test_a_platform_without_a_button_counts_when_typed_and_a_made_up_one_does_not() -> None:
    session, effects = run([*_asked_where("adult"), Choice("where:youtube")])
    assert _params(effects, "where.form")["url"] == "https://youtube.example/privacy"
    assert session.state is State.MENU
    session, effects = run([*_asked_where("adult"), Choice("where:myspace")])
    assert session.state is State.ASK_WHERE
    assert msgids(effects)[-2:] == ["choice.stale", "ask.where"]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (where.OTHER, ["where.other", "nofile.report_platform"]),
        (where.UNKNOWN, ["nofile.report_platform"]),
    ],
)
def test_another_site_or_not_knowing_still_gets_what_helps(
    choice: str, expected: list[str]
) -> None:
    session, effects = run([*_asked_where("adult"), Choice(choice)])
    assert msgids(effects)[-len(expected) - 1 : -1] == expected
    assert session.state is State.MENU


def test_a_link_at_the_question_is_deleted_and_answers_it_by_its_site() -> None:
    session, effects = run([*_asked_where("adult"), LinkGiven("instagram")])
    said = msgids(effects)
    assert isinstance(effects[-len(said) - 1], DeleteIncoming) or DeleteIncoming() in effects
    assert said[-6:-4] == ["where.link_seen", "where.form"]
    assert session.state is State.MENU


def test_a_link_to_an_unknown_site_is_another_site() -> None:
    session, effects = run([*_asked_where("adult"), LinkGiven(None)])
    assert DeleteIncoming() in effects
    assert msgids(effects)[-4:] == [
        "where.link_seen",
        "where.other",
        "nofile.report_platform",
        "ask.menu",
    ]
    assert session.state is State.MENU


def test_a_link_elsewhere_is_deleted_its_site_answered_and_the_question_asked_again() -> None:
    session, effects = run([*NO_FILE, LinkGiven("x")])
    assert session.state is State.ASK_AGE
    assert effects[0] == DeleteIncoming()
    assert msgids(effects) == ["where.link_seen", "where.form", "where.legal", "ask.age"]


def test_the_session_keeps_no_trace_of_the_site() -> None:
    session, _ = run([*_asked_where("adult"), LinkGiven("instagram")])
    fresh = Session()
    kept = {
        name
        for name in ("country", "referral", "route", "case_number", "opening")
        if getattr(session, name) != getattr(fresh, name)
    }
    assert kept == set()
    assert "instagram" not in repr(session)


def test_buttons_skip_platforms_the_directory_lacks() -> None:
    ctx = make_ctx(platforms=PLATFORMS[2:])
    assert [b.choice for b in where.buttons(ctx.platforms)] == [where.OTHER, where.UNKNOWN]


PAGE = "https://reclaim.example.org/companion/"


def _offer(effects: list[object]) -> Say:
    (offer,) = [e for e in effects if isinstance(e, Say) and e.msgid == "where.request"]
    return offer


@pytest.mark.parametrize(
    ("start", "law"),
    [("c_US", "tida"), ("c_DE", "dsa"), ("c_AU", "esafety"), ("c_GB", None), (None, None)],
)
def test_the_composer_is_offered_with_the_law_of_the_country(
    start: str | None, law: str | None
) -> None:
    ctx = make_ctx(page_url=PAGE, helplines=load_helplines())  # a country is kept if it has some
    first = Start(start) if start else Start()
    events = [first, *_asked_where("adult")[1:], Choice("where:instagram")]
    session, effects = run(events, ctx=ctx)
    offer = _offer(effects).page
    assert offer is not None
    assert offer.sends_back is False
    fragment = dict(offer.fragment)
    assert fragment.get("law") == law
    assert fragment["platform"] == "instagram"
    assert offer.entry().startswith(PAGE + "request.html#lang=en")
    assert offer.entry(offer.mini_app).startswith(PAGE + "request-miniapp.html#lang=en")
    # Nothing is left under the text field, so nothing has to be put away later.
    assert session.page_open is False
    session, effects = run([Choice("status")], session, ctx)
    assert "page.put_away" not in msgids(effects)


def test_the_composer_is_offered_only_where_the_page_is_served() -> None:
    _, effects = run([*_asked_where("adult"), Choice("where:instagram")])
    assert "where.request" not in msgids(effects)
    _, effects = run([*_asked_where("adult"), Choice(where.UNKNOWN)], ctx=make_ctx(page_url=PAGE))
    assert "where.request" not in msgids(effects)  # it needs a link to send
    _, effects = run([*_asked_where("adult"), Choice(where.OTHER)], ctx=make_ctx(page_url=PAGE))
    assert "platform" not in dict(_offer(effects).page.fragment)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (
            "under18",
            [
                "nofile.unknown_ok",
                "nofile.cybertipline",
                "nofile.keep_evidence",
                "nofile.report_platform",
                "ask.menu",
            ],
        ),
        (
            "unsure",
            [
                "nofile.unknown_ok",
                "nofile.cybertipline",
                "nofile.keep_evidence",
                "nofile.report_platform",
                "ask.menu",
            ],
        ),
        (
            "adult",
            ["nofile.unknown_ok", "nofile.keep_evidence", "nofile.report_platform", "ask.menu"],
        ),
    ],
)
def test_no_file_and_no_link_still_gets_evidence_a_helpline_and_the_menu(
    age: str, expected: list[str]
) -> None:
    session, effects = run([*_asked_where(age), Choice(where.UNKNOWN)])
    said = msgids(effects)
    assert said[said.index("nofile.unknown_ok") :] == expected
    assert session.state is State.MENU
    assert "talk" in {b.choice for b in session.options}  # a way to talk to someone


@pytest.mark.parametrize("choice", ["where:instagram", where.OTHER])
def test_only_not_knowing_where_gets_the_evidence_message(choice: str) -> None:
    _, effects = run([*_asked_where("adult"), Choice(choice)])
    assert "nofile.keep_evidence" not in msgids(effects)
    assert "nofile.unknown_ok" not in msgids(effects)
