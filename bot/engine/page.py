"""The companion page in the conversation: offering it, and closing the offer again.

What belongs here: what is said where the person is told how to make the fingerprints
(:func:`hash_explain`: the page when one is served, ``reclaim hash`` otherwise), the offer of
the removal-request composer (:func:`request_offer`), and keeping ``Session.page_open`` in
step with the chat (:func:`follow`). What does not: the page's address
(``Context.page_url``, from the settings) and how a platform shows the offer (transports).

Why an offer must be closed: on Telegram the page opens from a keyboard button (only such
buttons let the page send the code back), and that button stays under the text field until
the bot takes it away. It stays while the conversation waits for codes or for the case to be
opened (a long code comes in several parts, each sent from the page), and while a side trip
(helplines, language) will return there. When the conversation moves on (a case opened,
``/cancel``, ``/forget``, a new start) the first message without buttons carries the close;
if a step says nothing else, a short line of its own does. A new start closes an offer even
when the session does not remember one (it may have expired with the button still showing).

Why a part that arrives gets a reminder (:data:`MORE_PARTS`): a code of many files comes in
parts, and in Telegram the page closes after sending one, leaving the person in front of
"Shall I open a case?". Until the case is full, they are told to send the other parts first
(the page keeps the next one ready), so a case is not opened with only part of the files.
Only a code that may be a part gets it: the companion cuts a case into parts only when it has
more than 25 items, into even parts, so each part holds at least :data:`SMALLEST_PART` items
(``bot.companion.codeplan``; a test keeps the two in step). A code of a few photos is not told
about parts it does not have.
"""

from __future__ import annotations

from bot.engine.effects import Effect, PageOffer, Say, say
from bot.engine.events import Event, Start
from bot.engine.session import Context, Session
from bot.engine.states import State

OFFER_STATES = frozenset({State.AWAIT_HASHES, State.CONFIRM_CASE})
"""While the conversation is here (or will return here), the page stays on offer."""
BUTTON_LABEL = "button.open_page"
PUT_AWAY = "page.put_away"
MORE_PARTS = "page.more_parts"
SMALLEST_PART = 13
"""The fewest items a part of a case holds: a case of 26 items, cut in two."""
CONFIRM_QUESTIONS = frozenset({"ask.confirm_case", "ask.confirm_case_local"})
"""The question a part of a code is followed by; the reminder goes just before it."""
REQUEST_LABEL = "button.open_request"
REQUEST_PAGE = "request.html"
REQUEST_MINI_APP = "request-miniapp.html"
"""The composer's entries: the person writes a removal request there, on their own device,
and nothing they type is sent anywhere (not to the bot either: it sends nothing back)."""


def hash_explain(session: Session, ctx: Context) -> Say:
    """How to make the fingerprints: on this device with the page, or with ``reclaim hash``."""
    if not ctx.page_url:
        return say("hash.explain")
    lang = session.lang or ctx.default_language
    offer = PageOffer(ctx.page_url, lang, BUTTON_LABEL)
    return Say("hash.explain_page", page=offer)


def request_offer(
    session: Session, ctx: Context, law: str | None, platform: str | None
) -> PageOffer | None:
    """The removal-request composer, starting on ``law`` and ``platform`` when given (keys,
    never anything the person typed), or None when no page is served."""
    if not ctx.page_url:
        return None
    lang = session.lang or ctx.default_language
    chosen = (("law", law), ("platform", platform))
    fragment = tuple((name, value) for name, value in chosen if value)
    return PageOffer(
        ctx.page_url,
        lang,
        REQUEST_LABEL,
        REQUEST_PAGE,
        REQUEST_MINI_APP,
        fragment,
        sends_back=False,
    )


def follow(
    before: Session, session: Session, effects: list[Effect], event: Event, ctx: Context
) -> tuple[Session, list[Effect]]:
    """Record an offer made in this step, or close one the conversation has left behind."""
    if any(isinstance(e, Say) and e.page is not None and e.page.sends_back for e in effects):
        return session.with_(page_open=True), effects
    if session.page_open and session.state is State.CONFIRM_CASE:
        return session, _remind_of_parts(before, session, effects, ctx)
    fresh_start = isinstance(event, Start) or before.state is State.NEW
    maybe_open = before.page_open or session.page_open or (bool(ctx.page_url) and fresh_start)
    if not maybe_open or session.state in OFFER_STATES or session.resume in OFFER_STATES:
        return session, effects
    says = [(i, e) for i, e in enumerate(effects) if isinstance(e, Say)]
    if not says:
        return session, effects  # nothing is sent now: close with the next message
    closed = list(effects)
    bare = next(((i, e) for i, e in says if not e.buttons), None)
    if bare is None:
        closed.insert(says[0][0], Say(PUT_AWAY, page_closed=True))
    else:
        index, message = bare
        closed[index] = Say(message.msgid, message.params, page_closed=True)
    return session.with_(page_open=False), closed


def _remind_of_parts(
    before: Session, session: Session, effects: list[Effect], ctx: Context
) -> list[Effect]:
    """Before the question that follows a code that may be a part, say to send the other
    parts first, while the case has room for them."""
    if len(session.pending) >= ctx.max_items:
        return effects
    if len(session.pending) - len(before.pending) < SMALLEST_PART:
        return effects
    if not any(isinstance(e, Say) and e.msgid == "hashes.found" for e in effects):
        return effects
    for index, effect in enumerate(effects):
        if isinstance(effect, Say) and effect.msgid in CONFIRM_QUESTIONS:
            return [*effects[:index], say(MORE_PARTS), *effects[index:]]
    return effects
