"""``step(session, event, ctx) -> (session, effects)``: the whole conversation, with no I/O.

The step is a pure function. It classifies the event into an input symbol, asks the table in
``states.py`` for the next state, and returns the messages (from ``prompts.py`` and
``eligibility.py``) and other effects to perform. Events that must never move the
conversation (help, media, edits, floods, stale buttons) are answered here and re-ask the
current question, so nothing the person gave is lost.

Opening a case keeps its promise across crashes. Choosing "open" stores the step's fresh token
(``Context.token``) in ``Session.opening``; the runtime saves that session before it performs
``OpenCase(items, route, token)``, and the store opens at most one case per token, deriving
its number and PIN from the token. The token stays until ``Shown`` comes back as
``CaseShown``, which the runtime feeds only after the number and PIN were sent. Any event that
finds a token waiting (the console's ``Reopen`` after a restart, the next message) re-issues
the same ``OpenCase`` first: so every case that exists was shown, the same number and PIN are
shown again if the first showing may have been lost, and one paste never opens two cases. The
event that found the token is not acted on: after a crash, showing the case comes first.

Any text that may hold a PIN is deleted from the chat wherever it was typed. Number and PIN are
accepted together at either prompt; a wrong PIN asks for the PIN again (the number is kept
until the lookup is over, and dropped from the session as soon as the conversation leaves the
two lookup questions). How often a lookup may be tried is the store's business
(``bot/cases/lockout.py``), kept outside the session so ``/forget`` cannot reset it.

The runtime's answers (a case opened or refused, a lookup's result) become the next step in
``results.py``.
"""

from __future__ import annotations

from bot.cases import ids
from bot.engine import (
    answers,
    eligibility,
    guards,
    page,
    prompts,
    results,
    startlink,
    steps,
    threats,
    where,
)
from bot.engine.effects import (
    DeleteIncoming,
    Effect,
    Forget,
    LeaveChat,
    LookupCase,
    OpenCase,
    Referred,
    Say,
    WithdrawCase,
    say,
)
from bot.engine.events import (
    CaseFound,
    CaseMissing,
    CaseOpened,
    CaseOpenFailed,
    CaseOpenRefused,
    CaseShown,
    CaseWithdrawn,
    Choice,
    Command,
    Edited,
    Event,
    Feeling,
    GroupChat,
    Guess,
    LinkGiven,
    LookupPaused,
    Media,
    OtherLanguage,
    Reopen,
    Start,
    Text,
    UserEvent,
)
from bot.engine.session import Age, Context, Intent, Role, Session
from bot.engine.states import TEXT_STATES, State, advance
from bot.engine.steps import Step
from bot.hashes import hashcode
from bot.hashes.items import HashItem

_LOOKUP_STATES = steps.LOOKUP_STATES

QUEUED_CASES = 3
"""How many cases' worth of codes may wait while a full case is opened (kept in the session)."""

_ANSWERS_RESET = {
    "role": None,
    "age": None,
    "threat": False,
    "has_file": None,
    "route": None,
    "pending": (),
    "queued": (),
    "intent": None,
    "case_number": None,
    "resume": None,
}


def step(session: Session, event: Event, ctx: Context) -> Step:
    """Advance the conversation by one event.

    Args:
        session: the conversation so far (a fresh ``Session()`` for a new one).
        event: what happened.
        ctx: the time and the settings this step may depend on.

    Returns:
        The new session and the effects to perform, in order.
    """
    asked_pin = session.state is State.ASK_PIN
    session, effects = page.follow(session, *_step(session, event, ctx), event, ctx)
    if isinstance(event, Text) and (asked_pin or ids.may_hold_pin(event.text)):
        # A PIN typed anywhere (a wrong prompt, a flood, a long message) leaves the chat, and
        # so does whatever was typed when a PIN was asked for.
        effects = [DeleteIncoming(), *(e for e in effects if not isinstance(e, DeleteIncoming))]
    return session, effects


def _step(session: Session, event: Event, ctx: Context) -> Step:
    if isinstance(event, CaseOpened | CaseShown | CaseOpenFailed | CaseOpenRefused):
        return results.on_case_opened(session, event, ctx)
    if isinstance(event, CaseFound | CaseWithdrawn | CaseMissing | LookupPaused):
        return results.on_lookup_result(session, event, ctx)
    if session.opening is not None and not isinstance(event, GroupChat):
        return _reissue_opening(session)

    session, slowed = guards.count_for_flood(session, event, ctx)
    if slowed is not None:
        return session, slowed
    return _dispatch(session, event, ctx)


def _dispatch(session: Session, event: UserEvent, ctx: Context) -> Step:
    """Answer a user event that was counted against the flood limit (and was under it)."""
    if isinstance(event, GroupChat):
        return session, [say("group.leaving"), LeaveChat()]
    if isinstance(event, Start):
        return _on_start(session, event, ctx)
    if session.state is State.NEW:
        # Anything but /start on a new (or expired) conversation: greet first, then answer.
        session, effects = _on_start(session, Start(), ctx)
        if isinstance(event, Choice):
            # A button from a conversation that was forgotten or expired.
            return session, [say("choice.expired"), *effects]
        if _holds_codes(event) or (
            isinstance(event, Command | Media)
            and not (isinstance(event, Command) and event.name in ("start", "cancel"))
        ):
            more_session, more = _dispatch(session, event, ctx)
            return more_session, effects[:-1] + more
        return session, effects
    if isinstance(event, Reopen):
        return _reask(session, ctx, "resume.welcome_back")
    if isinstance(event, Media):
        return session, [DeleteIncoming(), *guards.refuse_media(event.kind), *_ask(session, ctx)[1]]
    if isinstance(event, Edited):
        return _reask(session, ctx, "edit.ignored")
    if isinstance(event, Command):
        return _on_command(session, event, ctx)
    if isinstance(event, Choice):
        return _on_choice(session, event.choice, ctx)
    if isinstance(event, Feeling | Guess | OtherLanguage):
        return answers.on_understood(session, event, ctx)
    if isinstance(event, LinkGiven):
        return _on_link(session, event, ctx)
    return _on_text(session, event, ctx)


def _on_link(session: Session, event: LinkGiven, ctx: Context) -> Step:
    """A pasted link: only its site is known here; the message goes, and the link with it."""
    platform = next((p for p in ctx.platforms if p.key == event.platform), None)
    if session.state is State.ASK_WHERE:
        choice = f"where:{platform.key}" if platform is not None else where.OTHER
        said = [say("where.link_seen"), *where.answer(choice, session, ctx)]
        return _go(session, _where_symbol(session, choice), ctx, DeleteIncoming(), *said)
    session, asked = _ask(session, ctx)
    return session, [DeleteIncoming(), *where.link_seen(platform), *asked]


# --- helpers ---------------------------------------------------------------------------------


_ask = steps.ask
_go = steps.go
_reask = steps.reask


def _where_symbol(session: Session, choice: str) -> str:
    """An answer to "where were they posted?": back to the codes for someone with the file."""
    return "where+file" if session.has_file else choice


# --- events ----------------------------------------------------------------------------------


def _on_start(session: Session, event: Start, ctx: Context) -> Step:
    session, referred = startlink.parse_payload(session.with_(**_ANSWERS_RESET), event.payload, ctx)
    if session.lang is None:
        session = session.with_(lang=startlink.pick_language(event.locale_hint, ctx))
    greeting: list[Effect] = [*prompts.welcome(session, ctx, referred=referred)]
    if session.referral and f"r_{session.referral}" in event.payload.split("-"):
        greeting.append(Referred(session.referral))  # counted per helpline and week only
    session, asked = _ask(session.with_(state=State.ASK_ROLE), ctx)
    return session, [*greeting, *asked]


def _on_command(session: Session, event: Command, ctx: Context) -> Step:
    name = event.name
    if name == "start":
        return _on_start(session, Start(event.args), ctx)
    if name == "help":
        session, asked = _ask(session, ctx)
        return session, [
            say("help.not_alone"),
            prompts.promise("help.what_we_do", ctx),
            say("help.commands"),
            *asked,
        ]
    if name == "forget":
        return Session(lang=session.lang), [Forget(), say("forget.done")]
    if name == "cancel":
        return _go(session.with_(**_ANSWERS_RESET), "/cancel", ctx, say("cancel.done"))
    if name in ("status", "withdraw"):
        session = session.with_(intent=Intent(name), case_number=None)
        before = [prompts.promise("withdraw.explain", ctx)] if name == "withdraw" else []
        return _go(session, f"/{name}", ctx, *before)
    if name == "hash":
        return _go(session, "/hash", ctx, page.hash_explain(session, ctx))
    if name in ("helplines", "language"):
        return steps.side_trip(session, name, ctx)
    return _reask(session, ctx, "command.unknown")


def _on_choice(session: Session, choice: str, ctx: Context) -> Step:
    state = session.state
    if choice.startswith("lang:") and state is not State.ASK_LANGUAGE:
        return answers.switch_language(session, choice, ctx)
    if choice.startswith("langpage:"):
        return answers.language_page(session, choice, ctx)
    offered = {b.choice for b in session.options}
    if choice.startswith("confirm:") and choice in offered:
        # "Did you mean...?": yes is that choice, no asks the question again.
        session, _ = _ask(session, ctx)
        if choice == answers.CONFIRM_NO:
            return _ask(session, ctx)
        choice = choice.removeprefix("confirm:")
        offered = {b.choice for b in session.options}
    if state is State.ASK_LANGUAGE and choice.removeprefix("lang:") in ctx.languages:
        offered.add(choice)  # a language from another page of the list, typed by name
    if state is State.ASK_WHERE and where.is_answer(choice, ctx):
        offered.add(choice)  # a platform without a button of its own, typed by name
    if choice not in offered:
        return _reask(session, ctx, "choice.stale")
    if state is State.ASK_WHERE:
        said = where.answer(choice, session, ctx)
        return _go(session, _where_symbol(session, choice), ctx, *said)
    if state is State.ASK_REPORT_COUNTRY:
        return threats.on_country(session, choice, ctx)
    if choice == threats.REPORT_COUNTRY:
        return threats.ask_country(session, ctx)
    if state is State.ASK_ROLE:
        role = {"me": Role.SELF, "helping": Role.HELPING}.get(choice)
        if choice == "danger":
            # Straight to the country's emergency number and crisis lines, then back here.
            danger = session.with_(role=role, resume=State.DANGER)
            return _go(danger, choice, ctx, say("danger.emergency"), say("danger.crisis"))
        return _go(session.with_(role=role), choice, ctx)
    if state is State.ASK_THREAT:
        return threats.answered(session.with_(threat=choice == "yes"), choice, ctx)
    if state is State.ASK_AGE:
        session = session.with_(age=Age(choice))
        if session.pending:
            return _resume_kept_codes(session, ctx)
        return _go(session, choice, ctx)
    if state is State.ASK_FILE:
        if choice == "no":
            return _go(session.with_(has_file=False), choice, ctx, say("nofile.explain"))
        route = eligibility.route_for(session.age)
        messages = eligibility.outcome(session.role, session.age, relayed=bool(ctx.partners))
        return _go(session.with_(has_file=True, route=route), choice, ctx, *messages)
    if state is State.ASK_COUNTRY:
        country = choice.split(":", 1)[1]
        chosen = None if country == "other" else country
        return _go(
            session.with_(country=chosen), choice, ctx, *prompts.helplines(session, ctx, chosen)
        )
    if state is State.ASK_LANGUAGE:
        lang = choice.split(":", 1)[1]
        return _go(session.with_(lang=lang), choice, ctx, say("language.set"))
    if state is State.CONFIRM_CASE and choice == "open" and not session.pending:
        return _go(session, "/hash", ctx, say("hashes.empty"))
    if state is State.CONFIRM_CASE and choice == "open" and session.age is None:
        return _keep_until_routed(session, ctx, [])
    if state is State.CONFIRM_CASE and choice == "open":
        return _reissue_opening(session.with_(opening=ctx.token))
    if state is State.CONFIRM_CASE and choice == "cancel":
        return _go(session.with_(pending=(), queued=()), choice, ctx, say("case.not_opened"))
    if state is State.CONFIRM_WITHDRAW and choice == "withdraw":
        return _go(session.with_(intent=Intent.WITHDRAW), choice, ctx)
    if choice == "hash":
        return _go(session, choice, ctx, page.hash_explain(session, ctx))
    if choice == "status":
        return _on_command(session, Command("status"), ctx)
    if choice == "restart":
        return _go(session.with_(**_ANSWERS_RESET), choice, ctx)
    if choice == "talk":
        return _go(session.with_(resume=state), choice, ctx)
    return _go(session, choice, ctx)


def _holds_codes(event: UserEvent) -> bool:
    """A message with hash codes in it (a paste that opens a conversation must not be lost)."""
    if not isinstance(event, Text):
        return False
    parsed = hashcode.parse(event.text)
    return bool(parsed.items or parsed.from_code)


def _on_text(session: Session, event: Text, ctx: Context) -> Step:
    text = event.text
    if len(text) > ctx.max_text:
        return _reask(session, ctx, "text.too_long")
    state = session.state
    if state in _LOOKUP_STATES:
        return _on_lookup_text(session, text, ctx)
    parsed = hashcode.parse(text)
    if state is State.AWAIT_HASHES:
        return _on_paste(session, parsed, ctx)
    if parsed.items or parsed.from_code:
        if state is State.CONFIRM_CASE:
            # A long paste may arrive in several messages: add to what is waiting.
            return _on_paste(session, parsed, ctx, add_to=session.pending)
        # Codes pasted before being asked for are welcome: take them from any question.
        return _on_paste(_advance_to_paste(session), parsed, ctx, add_to=session.pending)
    if state in TEXT_STATES:  # pragma: no cover - every text state is handled above
        raise AssertionError(state)
    return _reask(session, ctx, "choice.use_buttons")


_ROUTING = frozenset({State.ASK_ROLE, State.DANGER, State.ASK_THREAT, State.ASK_AGE})


def _advance_to_paste(session: Session) -> Session:
    """Move to the paste state as ``/hash`` would, keeping the answers given so far."""
    if session.state in _ROUTING:
        session = session.with_(resume=session.state)
    return session.with_(state=advance(session.state, "/hash"))


def _on_paste(
    session: Session, result: hashcode.ParseResult, ctx: Context, add_to: tuple[HashItem, ...] = ()
) -> Step:
    if result.problems or not result.items:
        messages = prompts.paste_problems(result) if result.problems else [say("hashes.empty")]
        if add_to:
            # Keep what was already waiting; only this message is turned down.
            session, asked = _ask(session, ctx)
            return session, [*messages, *asked]
        return _go(session, "text:bad", ctx, *messages)
    known = set(add_to)
    fresh = tuple(item for item in result.items if item not in known)
    items = add_to + fresh
    duplicates = result.duplicates + len(result.items) - len(fresh)
    if len(items) > ctx.max_items:
        if add_to:
            # The companion cuts big batches into cases of parts: a part of the next case
            # waits for this one to be opened, then becomes that case.
            waiting = known | set(session.queued)
            more = tuple(item for item in result.items if item not in waiting)
            queued = session.queued + more
            if more and len(queued) <= ctx.max_items * QUEUED_CASES:
                kept = say("hashes.queued", count=len(more), max=ctx.max_items)
                session, asked = _ask(session.with_(queued=queued), ctx)
                return session, [kept, *asked]
            full = say("hashes.case_full", count=len(add_to), max=ctx.max_items)
            session, asked = _ask(session, ctx)
            return session, [full, *asked]
        too_many = say("hashes.too_many", count=len(items), max=ctx.max_items)
        return _go(session, "text:bad", ctx, too_many)
    summary = [*prompts.paste_notes(result), *prompts.case_summary(items, duplicates)]
    if session.age is None:
        return _keep_until_routed(session.with_(pending=items), ctx, summary)
    if add_to:
        session, asked = _ask(session.with_(pending=items), ctx)
        return session, [*summary, *asked]
    return _go(session.with_(pending=items), "text:ok", ctx, *summary)


def _keep_until_routed(session: Session, ctx: Context, summary: list[Say]) -> Step:
    """Codes came before the routing questions: keep them, ask what is needed, then go on.

    A case is only opened once the age in the pictures says which service fits, so the
    questions come first; the codes wait in the session (never in the store) meanwhile.
    """
    if session.state in _ROUTING:
        target = session.state
    elif session.resume in _ROUTING:
        target = session.resume
    else:
        # The threat question comes again rather than being skipped: it leads to the
        # sextortion steps.
        target = State.ASK_ROLE if session.role is None else State.ASK_THREAT
    session, asked = _ask(session.with_(state=target, resume=None), ctx)
    return session, [*summary, say("hashes.kept_for_later"), *asked]


def _resume_kept_codes(session: Session, ctx: Context) -> Step:
    """The age is known and codes are waiting: name the service, then offer to open the case."""
    route = eligibility.route_for(session.age)
    messages = eligibility.outcome(session.role, session.age, relayed=bool(ctx.partners))
    session = session.with_(has_file=True, route=route, state=State.CONFIRM_CASE)
    summary = prompts.case_summary(session.pending, 0)
    session, asked = _ask(session, ctx)
    return session, [*messages, *summary, *asked]


def _on_lookup_text(session: Session, text: str, ctx: Context) -> Step:
    """A case number, a PIN, or both, typed at either lookup question."""
    both = ids.read_number_and_pin(text)
    number = both[0] if both else ids.parse_case_number(text)
    pin = both[1] if both else ids.parse_pin(text)
    if number is not None:
        session = session.with_(case_number=number)
    if pin is not None and session.case_number is not None:
        return _look_up(session.with_(state=State.ASK_PIN), session.case_number, pin)
    if number is not None:
        return _go(session.with_(state=State.ASK_CASE_NUMBER), "text:ok", ctx)
    if pin is not None:  # a PIN before any number: it is deleted, the number is asked for
        session, asked = _ask(session.with_(state=State.ASK_CASE_NUMBER), ctx)
        return session, [say("pin.number_first"), *asked]
    if session.state is State.ASK_PIN:
        return _go(session, "text:bad", ctx, say("pin.invalid"))
    problem = ids.case_number_problem(text) or "check"
    return _go(session, "text:bad", ctx, say(f"case_number.{problem}"))


def _look_up(session: Session, number: str, pin: str) -> Step:
    # The PIN is deleted from the chat (see ``step``) and never kept in the session.
    lookup: Effect
    if session.intent is Intent.WITHDRAW:
        lookup = WithdrawCase(number, pin)
    else:
        lookup = LookupCase(number, pin)
    return session.with_(options=()), [say("lookup.checking"), lookup]


def _reissue_opening(session: Session) -> Step:
    """Ask the store to open the case named by ``session.opening`` (again, after a crash)."""
    assert session.opening is not None
    if not session.pending:  # nothing to open: an opening can only be waiting with codes
        return session.with_(opening=None), []
    route = session.route or eligibility.route_for(session.age)
    opening = OpenCase(session.pending, route, session.opening, session.referral)
    return session.with_(state=State.CONFIRM_CASE, options=()), [say("case.opening"), opening]
