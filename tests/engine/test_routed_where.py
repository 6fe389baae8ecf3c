"""The has-file route: "They're already posted online" asks where, answers, and goes back."""

from __future__ import annotations

from bot.engine.effects import DeleteIncoming
from bot.engine.events import Choice, LinkGiven, Start
from bot.engine.machine import step
from bot.engine.states import State
from tests.engine.conftest import make_ctx, msgids, run

ROUTED = [Start(), Choice("me"), Choice("no"), Choice("adult"), Choice("yes")]


def test_the_routed_question_offers_where_they_are_posted() -> None:
    session, effects = run(ROUTED)
    assert session.state is State.ROUTED
    assert "posted" in {b.choice for b in session.options}
    session, effects = step(session, Choice("posted"), make_ctx())
    assert msgids(effects) == ["ask.where"]
    assert session.state is State.ASK_WHERE


def test_an_answer_gives_the_forms_and_returns_to_the_codes() -> None:
    session, _ = run([*ROUTED, Choice("posted")])
    session, effects = step(session, Choice("where:instagram"), make_ctx())
    said = msgids(effects)
    assert said[0] == "where.form"
    assert said[-1] == "ask.hash_now"
    assert session.state is State.ROUTED
    assert session.route == "stopncii"  # the hashing route is kept
    session, effects = step(session, Choice("hash"), make_ctx())
    assert session.state is State.AWAIT_HASHES


def test_a_pasted_link_at_the_where_question_returns_to_the_codes() -> None:
    session, _ = run([*ROUTED, Choice("posted")])
    session, effects = step(session, LinkGiven("x"), make_ctx())
    assert isinstance(effects[0], DeleteIncoming)
    assert msgids(effects)[:2] == ["where.link_seen", "where.form"]
    assert session.state is State.ROUTED


def test_a_pasted_link_on_the_routed_question_is_answered_in_place() -> None:
    session, _ = run(ROUTED)
    session, effects = step(session, LinkGiven("instagram"), make_ctx())
    assert isinstance(effects[0], DeleteIncoming)
    assert msgids(effects) == [
        "where.link_seen",
        "where.form",
        "where.copyright",
        "where.takes_part",
        "ask.hash_now",
    ]
    assert session.state is State.ROUTED


def test_without_the_file_the_answer_still_ends_on_the_menu() -> None:
    session, _ = run([Start(), Choice("me"), Choice("no"), Choice("under18"), Choice("no")])
    session, effects = step(session, Choice("where:unknown"), make_ctx())
    assert msgids(effects)[-1] == "ask.menu"
    assert session.state is State.MENU
