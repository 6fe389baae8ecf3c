"""The engine's answers to words typed freely: feelings, danger, near-misses, another language,
and the pages of /language."""

from __future__ import annotations

from bot.engine.effects import Msg, Say
from bot.engine.events import Choice, Command, Feeling, Guess, OtherLanguage, Start
from bot.engine.prompts import LANGUAGES_PER_PAGE
from bot.engine.session import Session
from bot.engine.states import State
from tests.engine.conftest import last_say, make_ctx, msgids, run

AT_AGE = [Start(), Choice("me"), Choice("no")]


def test_feelings_get_reassurance_and_the_same_question() -> None:
    session, effects = run([*AT_AGE, Feeling()])
    assert msgids(effects) == ["feelings.reassure", "ask.age"]
    assert session.state is State.ASK_AGE
    session, effects = run([Choice("under18")], session)
    assert session.state is State.ASK_FILE


def test_danger_words_bring_safety_first_and_then_come_back() -> None:
    session, effects = run([*AT_AGE, Feeling(danger=True)])
    assert msgids(effects) == ["danger.emergency", "danger.crisis", "ask.country"]
    session, effects = run([Choice("country:US")], session)
    assert session.state is State.ASK_AGE
    assert msgids(effects)[-1] == "ask.age"


def test_a_guess_is_confirmed_before_it_counts() -> None:
    session, effects = run([*AT_AGE, Guess("under18")])
    question = last_say(effects)
    assert question.msgid == "choice.did_you_mean"
    assert dict(question.params)["label"] == Msg("button.under18")
    assert [b.choice for b in question.buttons] == ["confirm:under18", "confirm:no"]
    yes, _ = run([Choice("confirm:under18")], session)
    assert (yes.state, yes.age) == (State.ASK_FILE, "under18")
    no, effects = run([Choice("confirm:no")], session)
    assert no.state is State.ASK_AGE
    assert no.age is None
    assert msgids(effects) == ["ask.age"]
    stale, effects = run([Choice("confirm:adult")], session)  # never offered
    assert stale.age is None
    assert msgids(effects)[0] == "choice.stale"


def test_a_guess_of_something_not_offered_asks_again() -> None:
    _, effects = run([*AT_AGE, Guess("me")])
    assert msgids(effects) == ["choice.use_buttons", "ask.age"]


def test_another_language_is_offered_once_in_that_language() -> None:
    session, effects = run([*AT_AGE, OtherLanguage("fr")])
    offer = effects[0]
    assert isinstance(offer, Say)
    assert (offer.msgid, offer.lang) == ("language.offer", "fr")
    assert [b.choice for b in offer.buttons] == ["lang:fr", "lang:en"]
    assert msgids(effects)[-1] == "ask.age"
    assert {"lang:fr", "lang:en", "under18"} <= {b.choice for b in session.options}
    # Offered once: writing French again is only asked again.
    _, again = run([OtherLanguage("fr")], session)
    assert msgids(again) == ["choice.use_buttons", "ask.age"]
    switched, effects = run([Choice("lang:fr")], session)
    assert (switched.lang, switched.state) == ("fr", State.ASK_AGE)
    assert msgids(effects) == ["language.set", "ask.age"]
    kept, effects = run([Choice("lang:en")], session)
    assert (kept.lang, msgids(effects)) == ("en", ["ask.age"])
    # The question can still be answered while the offer stands.
    answered, _ = run([Choice("under18")], session)
    assert answered.state is State.ASK_FILE


def test_no_offer_for_a_language_the_bot_does_not_speak_or_already_speaks() -> None:
    for lang in ("de", "en"):
        _, effects = run([*AT_AGE, OtherLanguage(lang)])
        assert msgids(effects) == ["choice.use_buttons", "ask.age"]


def test_language_list_comes_in_pages_and_any_language_can_be_typed() -> None:
    languages = ("en", *(f"l{i:02d}" for i in range(19)))
    ctx = make_ctx(languages=languages)
    session, effects = run([Start(), Command("language")], ctx=ctx)
    first = [b.choice for b in last_say(effects).buttons]
    assert first == [*(f"lang:{c}" for c in languages[:LANGUAGES_PER_PAGE]), "langpage:1"]
    session, effects = run([Choice("langpage:1")], session, ctx)
    second = [b.choice for b in last_say(effects).buttons]
    assert second[-2:] == ["langpage:2", "langpage:0"]
    assert second[0] == f"lang:{languages[LANGUAGES_PER_PAGE]}"
    session, effects = run([Choice("langpage:2")], session, ctx)
    assert [b.choice for b in last_say(effects).buttons][-1] == "langpage:1"
    # A language typed by name from another page (the runtime matches every language).
    session, effects = run([Choice("lang:l01")], session, ctx)
    assert (session.lang, session.state) == ("l01", State.ASK_ROLE)
    assert msgids(effects)[0] == "language.set"
    _, effects = run([Start(), Command("language"), Choice("lang:zz")], ctx=ctx)
    assert msgids(effects)[0] == "choice.stale"


def test_the_new_session_fields_survive_a_restart() -> None:
    from bot.engine.session import session_from_json, session_to_json

    session = Session(lang_offered="fr", lang_page=2)
    assert session_from_json(session_to_json(session)) == session
