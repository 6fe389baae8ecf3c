"""Every route the engine can take, walked: no promise without partners, no unrouted case.

The walk starts from a new conversation and tries every offered button, a good and a bad
paste, a PIN, the commands and every result the runtime can send back, breadth first, until
no new conversation state appears. Whatever it reaches is what a person could meet.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator

import pytest

from bot.cases import ids
from bot.data import load_helplines
from bot.engine import prompts
from bot.engine.effects import Effect, Lines, Msg, OpenCase, ParamValue, Say
from bot.engine.events import (
    CaseFound,
    CaseMissing,
    CaseOpened,
    CaseOpenFailed,
    CaseOpenRefused,
    CaseShown,
    CaseView,
    CaseWithdrawn,
    Choice,
    Command,
    Event,
    LookupPaused,
    PartnerView,
    Start,
    Text,
)
from bot.engine.machine import step
from bot.engine.session import Context, Session
from bot.engine.states import State
from bot.hashes import hashcode
from bot.hashes.items import HashItem, ItemKind
from bot.i18n import Catalogs
from tests.engine.conftest import make_ctx, msgids, run

CODE = hashcode.encode(
    [
        HashItem(ItemKind.IMAGE, (("pdq", "0123456789abcdef" * 4),)),
        HashItem(ItemKind.FILE, (("md5", "d41d8cd98f00b204e9800998ecf8427e"),)),
    ]
)

PROMISE = re.compile(
    r"\bpass(?:ed|es|ing)?\b(?:\s+\w+){0,3}\s+on\b|\bpartners?\b|\brelay", re.IGNORECASE
)
"""Words that say codes are (or will be) handed to someone."""


DELIVERY_STATES = ("queued", "delivered", "withdraw_queued", "withdrawn", "failed")


def _views() -> Iterator[CaseView]:
    for state in ("open", "withdrawn"):
        for queued in (0, 1):
            yield CaseView("ABCD-EFGH-JKMN-P", state, "stopncii", 1, 1, "2026-12-01", queued, 1)
    # Each partner state, each kind of answer once and more than once, and an answer alone.
    for count in (1, 2):
        partners = tuple(
            PartnerView(f"P{i}", s, count, count, count) for i, s in enumerate(DELIVERY_STATES)
        )
        partners += (PartnerView("Q", "", count, 0, 0),)
        yield CaseView(
            "ABCD-EFGH-JKMN-P", "open", "stopncii", 1, 1, "2026-12-01", 0, 1, (), partners
        )


RESULTS: list[Event] = [
    CaseOpened("ABCD-EFGH-JKMN-P", "123456"),
    CaseOpenFailed(),
    *(CaseFound(v) for v in _views()),
    *(CaseWithdrawn(v) for v in _views()),
    CaseShown(),
    CaseOpenRefused("chat"),
    CaseOpenRefused("total"),
    CaseMissing(),
    CaseMissing(wait_minutes=60),
    LookupPaused(60),
    LookupPaused(600),
]
TEXTS: list[Event] = [Text(CODE), Text("hello"), Text(ids.new_case_number()), Text("123456")]
COMMANDS: list[Event] = [
    Command(name)
    for name in ("help", "status", "withdraw", "hash", "helplines", "language", "cancel")
]


def _shape(session: Session) -> tuple[object, ...]:
    """What decides the words and buttons from here on (counters and values do not)."""
    return (
        session.state,
        session.role,
        session.age,
        bool(session.pending),
        session.intent,
        session.resume,
    )


def _walk(ctx: Context) -> tuple[list[Effect], set[State]]:
    """Every effect reachable from a new conversation, and the states visited."""
    start = Session()
    seen = {_shape(start)}
    queue = deque([start])
    effects: set[Effect] = set()
    states: set[State] = set()
    while queue:
        session = queue.popleft()
        states.add(session.state)
        events: list[Event] = [Start(), *TEXTS, *COMMANDS, *RESULTS]
        events += [Choice(b.choice) for b in session.options]
        for event in events:
            after, said = step(session, event, ctx)
            effects.update(said)
            if _shape(after) not in seen:
                seen.add(_shape(after))
                queue.append(after)
    return list(effects), states


NO_PARTNERS = make_ctx(partners=(), flood_limit=10**9)
WITH_PARTNERS = make_ctx(flood_limit=10**9)


@pytest.fixture(scope="module")
def walked_without() -> tuple[list[Effect], set[State]]:
    return _walk(NO_PARTNERS)


@pytest.fixture(scope="module")
def walked_with() -> tuple[list[Effect], set[State]]:
    return _walk(WITH_PARTNERS)


def _texts(effects: list[Effect]) -> set[str]:
    catalogs = Catalogs.load()
    return {catalogs.render("en", e).text for e in effects if isinstance(e, Say)}


def test_the_walk_visits_every_state(walked_without: tuple[list[Effect], set[State]]) -> None:
    _, states = walked_without
    assert states >= set(State) - {State.RESUME}


def test_without_partners_no_message_promises_delivery(
    walked_without: tuple[list[Effect], set[State]],
) -> None:
    effects, _ = walked_without
    said = set(msgids(effects))
    assert not said & prompts.PARTNER_ONLY, said & prompts.PARTNER_ONLY
    for text in _texts(effects):
        assert not PROMISE.search(text), text


def test_without_partners_the_person_is_sent_to_submit_themselves(
    walked_without: tuple[list[Effect], set[State]],
) -> None:
    said = set(msgids(walked_without[0]))
    local = {f"{m}_local" for m in prompts.LOCAL_TWINS}
    assert local <= said
    assert "route.submit_yourself" in said


def test_with_partners_the_partner_words_are_reachable(
    walked_with: tuple[list[Effect], set[State]],
) -> None:
    """The meta-test above can fail: with a partner the walk does reach every promise."""
    effects, _ = walked_with
    said = set(msgids(effects))
    params = {m for e in effects if isinstance(e, Say) for _, v in e.params for m in _nested(v)}
    assert said | params >= prompts.PARTNER_ONLY
    assert "route.submit_yourself" not in said
    assert any(PROMISE.search(text) for text in _texts(effects))


def _nested(value: ParamValue) -> Iterator[str]:
    """The msgids inside a parameter value (a message's own parameters, several lines)."""
    if isinstance(value, Msg):
        yield value.msgid
        for _, inner in value.params:
            yield from _nested(inner)
    elif isinstance(value, Lines):
        for item in value.items:
            yield from _nested(item)


def test_with_partners_the_words_name_them() -> None:
    """Every message that says codes are passed on names the partners they go to."""
    ctx = make_ctx(partners=("Alpha", "Beta"), flood_limit=10**9)
    effects, _ = _walk(ctx)
    catalogs = Catalogs.load()
    for effect in effects:
        if isinstance(effect, Say) and effect.msgid in prompts.LOCAL_TWINS - {"case.status"}:
            assert "Alpha, Beta" in catalogs.render("en", effect).text, effect.msgid


def test_every_promise_in_the_catalog_is_partner_only() -> None:
    """A new message that speaks of passing codes on must get a no-partner twin."""
    catalogs = Catalogs.load()
    for msgid in catalogs.msgids("en"):
        text = catalogs.text("en", msgid)
        if PROMISE.search(text) and not msgid.startswith(
            ("telegram.", "helpline.about.", "words.", "companion.")
        ):
            assert msgid in prompts.PARTNER_ONLY, (msgid, text)


def test_no_case_is_ever_opened_without_a_route(
    walked_without: tuple[list[Effect], set[State]],
    walked_with: tuple[list[Effect], set[State]],
) -> None:
    for effects, _ in (walked_without, walked_with):
        routes = {e.route for e in effects if isinstance(e, OpenCase)}
        assert routes
        assert routes <= {"takeitdown", "stopncii"}


# --- codes pasted before the routing questions -------------------------------------------------


def test_a_code_pasted_first_is_kept_while_the_questions_come_first() -> None:
    session, effects = run([Start(), Text(CODE)], ctx=NO_PARTNERS)
    assert session.state is State.ASK_ROLE
    assert len(session.pending) == 2
    assert msgids(effects) == ["hashes.found", "hashes.kept_for_later", "ask.role"]
    assert not any(isinstance(e, OpenCase) for e in effects)

    session, _ = run([Choice("me"), Choice("yes")], session, NO_PARTNERS)
    assert session.state is State.ASK_AGE  # the threat question was not skipped
    session, effects = run([Choice("adult")], session, NO_PARTNERS)
    said = msgids(effects)
    assert said[0] == "route.stopncii"
    assert "route.submit_yourself" in said
    assert said[-2:] == ["hashes.found", "ask.confirm_case_local"]
    assert session.state is State.CONFIRM_CASE
    assert len(session.pending) == 2
    _, effects = step(session, Choice("open"), NO_PARTNERS)
    assert [e.route for e in effects if isinstance(e, OpenCase)] == ["stopncii"]


def test_a_code_after_hash_before_routing_waits_too() -> None:
    session, effects = run([Start(), Command("hash"), Text(CODE)], ctx=NO_PARTNERS)
    assert session.state is State.ASK_ROLE
    assert "hashes.kept_for_later" in msgids(effects)


@pytest.mark.parametrize(
    ("answers", "back_to"),
    [
        ([Choice("me")], State.ASK_THREAT),
        ([Choice("helping"), Choice("no")], State.ASK_AGE),
    ],
)
def test_a_code_pasted_mid_questions_returns_to_the_same_question(
    answers: list[Event], back_to: State
) -> None:
    session, effects = run([Start(), *answers, Text(CODE)], ctx=NO_PARTNERS)
    assert session.state is back_to
    assert msgids(effects)[-2] == "hashes.kept_for_later"
    assert len(session.pending) == 2


def test_a_second_part_before_routing_is_added_to_the_first() -> None:
    first = hashcode.encode([HashItem(ItemKind.FILE, (("md5", "0" * 31 + "1"),))])
    session, _ = run([Start(), Text(first), Text(CODE)], ctx=NO_PARTNERS)
    assert len(session.pending) == 3
    assert session.state is State.ASK_ROLE


def test_codes_pasted_after_no_file_are_routed_by_the_age_given() -> None:
    """From the menu after "no file": the age is known, so the case names its service."""
    no_file = [Start(), Choice("me"), Choice("no"), Choice("under18"), Choice("no")]
    session, _ = run([*no_file, Text(CODE)], ctx=NO_PARTNERS)
    assert session.state is State.CONFIRM_CASE
    _, effects = step(session, Choice("open"), NO_PARTNERS)
    assert [e.route for e in effects if isinstance(e, OpenCase)] == ["takeitdown"]


_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
_DOTTED = re.compile(r"\b[a-z_]+(?:\.[a-z_0-9]+)+\b")
"""Shaped like a msgid (``ask.role``); one that is a msgid was shown as it is."""


CATALOGS = Catalogs.load()


@pytest.fixture(scope="module")
def reachable_says() -> set[Say]:
    """Every message reachable with the shipped helplines and languages, with and without
    partners."""
    real = {"helplines": load_helplines(), "languages": CATALOGS.languages, "flood_limit": 10**9}
    effects = [*_walk(make_ctx(partners=(), **real))[0], *_walk(make_ctx(**real))[0]]
    return {e for e in effects if isinstance(e, Say)}


@pytest.mark.parametrize("lang", CATALOGS.languages)
def test_every_reachable_message_renders_in_every_language(
    lang: str, reachable_says: set[Say]
) -> None:
    """Each message a person could meet, in each offered language: whole, filled, translated."""
    catalogs = CATALOGS
    says = reachable_says
    assert len(says) > 80
    for say in says:
        rendered = catalogs.render(lang, say)
        assert rendered.text.strip(), say.msgid
        words = [rendered.text, *(label for _, label in rendered.buttons), rendered.page_label]
        for text in words:
            unfilled = _PLACEHOLDER.findall(text)
            shown_as_ids = [m for m in _DOTTED.findall(text) if catalogs.text("en", m) != m]
            assert not unfilled, (say.msgid, text)
            assert not shown_as_ids, (say.msgid, text)
        if lang != "en":
            english = catalogs.render("en", say)
            long_english = len(english.text) > 80 and not english.text.startswith("#reclaim")
            assert not long_english or rendered.text != english.text, say.msgid
