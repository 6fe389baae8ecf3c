"""Helpers for driving the pure engine in tests: no store, no transport, no clock."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from bot.engine.effects import Effect, Say
from bot.engine.events import Event
from bot.engine.machine import step
from bot.engine.session import Context, Helpline, PlatformForms, Session

HELPLINES = (
    Helpline("US", "Tipline", "helpline.about.cybertipline", "1-800", "minors"),
    Helpline("US", "Adult line", "helpline.about.ccri", "844", "adults"),
    Helpline("GB", "UK line", "helpline.about.rph", "0345", "adults", referral="helpline_7"),
    Helpline("global", "INHOPE", "helpline.about.inhope", "inhope.org", "all"),
)


PARTNERS = ("StopNCII",)

PLATFORMS = (
    PlatformForms(
        "instagram",
        "Instagram",
        intimate="https://help.instagram.example/intimate",
        copyright="https://help.instagram.example/copyright",
        services=("Take It Down", "StopNCII.org"),
    ),
    PlatformForms("x", "X", intimate="https://x.example/ncii", legal="https://x.example/legal"),
    PlatformForms("youtube", "YouTube", legal="https://youtube.example/privacy"),
)
"""A small directory: Instagram and X have buttons, YouTube is understood when typed."""


def make_ctx(now: float = 1_000_000.0, **overrides: object) -> Context:
    """A context with two languages, a few helplines and one partner.

    Without partners the engine words things differently (nothing is passed on); tests of
    that pass ``partners=()``.
    """
    values: dict[str, object] = {
        "now": now,
        "languages": ("en", "fr"),
        "helplines": HELPLINES,
        "token": "test-token",
        "partners": PARTNERS,
        "platforms": PLATFORMS,
    }
    values.update(overrides)
    return Context(**values)  # type: ignore[arg-type]


def run(
    events: Iterable[Event], session: Session | None = None, ctx: Context | None = None
) -> tuple[Session, list[Effect]]:
    """Feed events one by one; return the final session and the effects of the LAST event."""
    session = session or Session()
    ctx = ctx or make_ctx()
    effects: list[Effect] = []
    for event in events:
        session, effects = step(session, event, ctx)
    return session, effects


def msgids(effects: Iterable[Effect]) -> list[str]:
    """The msgids said, in order."""
    return [e.msgid for e in effects if isinstance(e, Say)]


def last_say(effects: list[Effect]) -> Say:
    """The last message said."""
    says = [e for e in effects if isinstance(e, Say)]
    assert says, "nothing was said"
    return says[-1]


@pytest.fixture
def ctx() -> Context:
    """A default engine context."""
    return make_ctx()
