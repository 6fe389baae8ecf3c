"""What the conversation does with the runtime's answers: a case opened, shown, refused or
failed, and a lookup found, withdrawn, missed or paused.

Belongs here: turning those result events into the next state and messages, including offering
the next case when codes wait for one (``Session.queued``). Does not belong here: the events
people cause (``machine.py``, ``answers.py``) and performing anything (the runtime). Pure code.
"""

from __future__ import annotations

import math

from bot.engine import prompts, steps
from bot.engine.effects import Effect, Shown, say
from bot.engine.events import (
    CaseFound,
    CaseMissing,
    CaseOpened,
    CaseOpenFailed,
    CaseOpenRefused,
    CaseShown,
    CaseWithdrawn,
    LookupPaused,
)
from bot.engine.session import Context, Session
from bot.engine.states import State
from bot.engine.steps import Step

__all__ = ["on_case_opened", "on_lookup_result"]


def _result_go(session: Session, symbol: str, ctx: Context, *before: Effect) -> Step:
    """Like ``steps.go``, but a result arriving in an unexpected state still lands on the menu."""
    try:
        return steps.go(session, symbol, ctx, *before)
    except Exception:
        session, asked = steps.ask(session.with_(state=State.MENU, case_number=None), ctx)
        return session, [*before, *asked]


def on_case_opened(
    session: Session,
    event: CaseOpened | CaseShown | CaseOpenFailed | CaseOpenRefused,
    ctx: Context,
) -> Step:
    if isinstance(event, CaseOpened):
        # Nothing changes until the runtime confirms these were sent (``CaseShown``).
        opened = say("case.opened", number=event.number, pin=event.pin)
        return session, [opened, say("case.write_down"), Shown()]
    session = session.with_(opening=None)
    if isinstance(event, CaseOpenRefused):
        msgid = "case.limit_day" if event.scope == "chat" else "case.limit_hour"
        return _result_go(session, "result:limited", ctx, say(msgid))
    if isinstance(event, CaseOpenFailed):
        return _result_go(session, "result:failed", ctx, say("case.open_failed"))
    if session.queued:
        return _next_case(session, ctx)
    return _result_go(
        session.with_(pending=()), "result:opened", ctx, prompts.promise("case.next", ctx)
    )


def _next_case(session: Session, ctx: Context) -> Step:
    """A case is open and codes wait for the next one: offer that case at once."""
    pending, queued = session.queued[: ctx.max_items], session.queued[ctx.max_items :]
    session = session.with_(pending=pending, queued=queued, state=State.CONFIRM_CASE)
    ready = say("hashes.next_case")
    session, asked = steps.ask(session, ctx)
    return session, [
        prompts.promise("case.next", ctx),
        ready,
        *prompts.case_summary(pending, 0),
        *asked,
    ]


def on_lookup_result(
    session: Session, event: CaseFound | CaseWithdrawn | CaseMissing | LookupPaused, ctx: Context
) -> Step:
    if isinstance(event, CaseFound):
        session = session.with_(intent=None)
        return _result_go(session, "result:found", ctx, prompts.case_view(event.case, ctx))
    if isinstance(event, CaseWithdrawn):
        session = session.with_(intent=None)
        done = say("case.withdrawn", number=event.case.number)
        return _result_go(
            session, "result:withdrawn", ctx, done, prompts.case_view(event.case, ctx)
        )
    if isinstance(event, LookupPaused):
        return _result_go(session, "result:wait", ctx, _wait(event.minutes, "lookup.paused"))
    if event.wait_minutes > 0:
        wait = _wait(event.wait_minutes, "lookup.no_match_wait")
        return _result_go(session, "result:wait", ctx, wait)
    return _result_go(session, "result:missing", ctx, say("case.not_found"))


def _wait(minutes: int, msgid: str) -> Effect:
    """``msgid`` with a wait in minutes, or in hours (``<msgid>_hours``) when it is long."""
    if minutes <= 90:
        return say(msgid, count=max(1, minutes))
    return say(f"{msgid}_hours", count=math.ceil(minutes / 60))
