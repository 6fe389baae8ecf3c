"""The companion page in the conversation (``bot/engine/page.py``): offered only when a page
is served, in the conversation's language, kept while codes are awaited, closed after."""

from __future__ import annotations

import pytest

from bot.engine import page
from bot.engine.effects import Button, Effect, PageOffer, Say, say
from bot.engine.events import CaseOpened, CaseShown, Choice, Command, Event, Start, Text
from bot.engine.machine import step
from bot.engine.session import Context, Session
from bot.engine.states import State
from bot.i18n import Catalogs
from tests.engine.conftest import make_ctx, msgids, run
from tests.samples import CODE

URL = "https://reclaim.example.org/companion/"
ENGLISH = Catalogs.load().msgids("en")
ROUTED = [Start(), Choice("me"), Choice("no"), Choice("adult"), Choice("yes")]


def with_page(**overrides: object) -> Context:
    return make_ctx(page_url=URL, **overrides)


def offers(effects: list[Effect]) -> list[PageOffer]:
    return [e.page for e in effects if isinstance(e, Say) and e.page is not None]


def closes(effects: list[Effect]) -> list[str]:
    return [e.msgid for e in effects if isinstance(e, Say) and e.page_closed]


@pytest.mark.parametrize("how", [[Command("hash")], [*ROUTED[1:], Choice("hash")]])
def test_without_a_page_the_words_stay_as_they_were(how: list[Event]) -> None:
    session, effects = run([Start(), *how], ctx=make_ctx())
    assert msgids(effects) == ["hash.explain", "ask.paste"]
    assert offers(effects) == []
    assert closes(effects) == []
    assert not session.page_open


@pytest.mark.parametrize("how", [[Command("hash")], [*ROUTED[1:], Choice("hash")]])
def test_with_a_page_it_is_offered(how: list[Event]) -> None:
    session, effects = run([Start(), *how], ctx=with_page())
    assert msgids(effects) == ["hash.explain_page", "ask.paste_page"]
    (offer,) = offers(effects)
    assert offer == PageOffer(URL, "en", "button.open_page")
    assert offer.entry() == URL + "?lang=en"
    assert offer.entry("miniapp.html") == URL + "miniapp.html?lang=en"
    assert session.state is State.AWAIT_HASHES
    assert session.page_open
    for msgid in ("hash.explain_page", "ask.paste_page", "button.open_page", "page.put_away"):
        assert msgid in ENGLISH


def test_the_offer_speaks_the_conversation_language() -> None:
    session, effects = run([Start("fr"), Command("hash")], ctx=with_page())
    assert session.lang == "fr"
    (offer,) = offers(effects)
    assert offer.entry("miniapp.html") == URL + "miniapp.html?lang=fr"


def test_the_offer_has_no_buttons_of_its_own() -> None:
    _, effects = run([Start(), Command("hash")], ctx=with_page())
    (message,) = [e for e in effects if isinstance(e, Say) and e.page is not None]
    assert message.buttons == ()


def test_an_odd_language_code_cannot_break_the_address() -> None:
    offer = PageOffer(URL, "pt_BR&x=<y>", "button.open_page")
    assert offer.entry() == URL + "?lang=pt_BRxy"


def test_the_offer_stays_while_parts_of_a_code_arrive() -> None:
    ctx = with_page()
    session, _ = run([*ROUTED, Choice("hash")], ctx=ctx)
    session, effects = step(session, Text(CODE), ctx)
    assert session.state is State.CONFIRM_CASE
    assert closes(effects) == []
    assert session.page_open


def test_a_side_trip_keeps_the_offer() -> None:
    ctx = with_page()
    session, _ = run([Start(), Command("hash")], ctx=ctx)
    session, effects = step(session, Command("helplines"), ctx)
    assert session.state is State.ASK_COUNTRY
    assert closes(effects) == []
    assert session.page_open


def test_the_offer_closes_once_the_case_is_opened() -> None:
    ctx = with_page()
    session, _ = run([*ROUTED, Choice("hash"), Text(CODE), Choice("open")], ctx=ctx)
    session, effects = step(session, CaseOpened("ABCD-EFGH-JKMN-P", "123456"), ctx)
    assert session.page_open  # still confirming: the case is not shown yet
    session, effects = step(session, CaseShown(), ctx)
    assert session.state is State.MENU
    assert len(closes(effects)) == 1
    assert not session.page_open
    session, effects = step(session, Command("help"), ctx)
    assert closes(effects) == []


@pytest.mark.parametrize(
    ("event", "closed_on"),
    [(Command("cancel"), "cancel.done"), (Command("forget"), "forget.done")],
)
def test_moving_on_closes_the_offer(event: Event, closed_on: str) -> None:
    ctx = with_page()
    session, _ = run([Start(), Command("hash")], ctx=ctx)
    session, effects = step(session, event, ctx)
    assert closes(effects) == [closed_on]
    assert not session.page_open


def test_closing_works_without_a_page_setting_too() -> None:
    """The page was served when offered, and no longer is: the button still goes away."""
    session, _ = run([Start(), Command("hash")], ctx=with_page())
    session, effects = step(session, Command("cancel"), make_ctx())
    assert closes(effects) == ["cancel.done"]


def test_a_fresh_start_closes_a_button_an_expired_session_forgot() -> None:
    _, effects = step(Session(), Start(), with_page())
    assert closes(effects) == ["welcome.hello"]
    _, effects = step(Session(), Start(), make_ctx())
    assert closes(effects) == []


def test_a_step_with_only_buttons_gets_a_line_of_its_own() -> None:
    question = say("ask.menu", (Button("hash", "button.hash"),))
    session, effects = page.follow(
        Session(page_open=True), Session(state=State.MENU), [question], Command("x"), with_page()
    )
    assert effects == [Say("page.put_away", page_closed=True), question]
    assert not session.page_open


def test_a_silent_step_keeps_the_offer_for_the_next_message() -> None:
    session, effects = page.follow(
        Session(page_open=True),
        Session(state=State.MENU, page_open=True),
        [],
        Command("x"),
        with_page(),
    )
    assert effects == []
    assert session.page_open
