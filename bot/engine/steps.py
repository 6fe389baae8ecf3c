"""The moves every handler makes: ask the current question, go through the table, ask again.

Belongs here: the few helpers shared by ``machine.py`` and ``answers.py``. Does not belong here:
deciding what an event means (those two modules). Pure code.
"""

from __future__ import annotations

from bot.engine import prompts
from bot.engine.effects import Effect, say
from bot.engine.session import Context, Session
from bot.engine.states import State, advance

__all__ = ["LOOKUP_STATES", "Step", "ask", "go", "reask", "side_trip"]

Step = tuple[Session, list[Effect]]

LOOKUP_STATES = frozenset({State.ASK_CASE_NUMBER, State.ASK_PIN})


def ask(session: Session, ctx: Context) -> Step:
    """Ask the current state's question and remember the buttons offered."""
    question = prompts.prompt(session, ctx)
    return session.with_(options=question.buttons), [question]


def go(session: Session, symbol: str, ctx: Context, *before: Effect) -> Step:
    """Move by ``symbol`` through the table, say ``before``, then ask the new question."""
    target = advance(session.state, symbol)
    if target is State.RESUME:
        target = session.resume or State.MENU
        session = session.with_(resume=None)
    if target not in LOOKUP_STATES and session.resume not in LOOKUP_STATES:
        session = session.with_(case_number=None)  # a typed number is kept only while needed
    if target is State.ASK_LANGUAGE and session.state is not State.ASK_LANGUAGE:
        session = session.with_(lang_page=0)
    session, asked = ask(session.with_(state=target), ctx)
    return session, [*before, *asked]


def reask(session: Session, ctx: Context, msgid: str) -> Step:
    """Say ``msgid``, then the current question again."""
    session, asked = ask(session, ctx)
    return session, [say(msgid), *asked]


def side_trip(session: Session, name: str, ctx: Context, *before: Effect) -> Step:
    """``/helplines`` or ``/language``: go there, and come back to where the person was."""
    if name == "language" and len(ctx.languages) < 2:
        return reask(session, ctx, "language.only_one")
    # From a side trip's own question, come back to where that trip was going back to.
    keep = session.state not in (State.ASK_COUNTRY, State.ASK_LANGUAGE, State.ASK_REPORT_COUNTRY)
    resume = session.state if keep else session.resume
    return go(session.with_(resume=resume), f"/{name}", ctx, *before)
