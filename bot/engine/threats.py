"""Threats and money demands (sextortion): what to say, and where to report, by country.

Belongs here: the messages after "someone is threatening me" (it is not your fault, what helps
most, then where to report), the choice of reporting places for the country the conversation
knows (``Session.country``, from a helpline's link or an earlier answer), and the side trip
"where to report in my country", which asks for the country and comes back to the question
that was waiting. Without a known country, or for a country with no listed place, the answer
stays general (the police where you live; the US services named as being for the US) and
offers that side trip. Does not belong here: the places themselves (``bot/data/reports.toml``,
given as ``Context.reports``) or the wording (catalogs). Pure code.
"""

from __future__ import annotations

from bot.engine import steps
from bot.engine.effects import Button, Lines, Msg, Say, say
from bot.engine.session import Age, Context, Helpline, Session
from bot.engine.steps import Step

__all__ = ["REPORT_COUNTRY", "answered", "ask_country", "on_country", "places", "report"]
# The question of ``State.ASK_REPORT_COUNTRY`` is built in ``prompts.py`` with the others.

REPORT_COUNTRY = "report_country"
"""The choice "Where to report in my country", offered with the general answer."""

_BUTTON = Button(REPORT_COUNTRY, "button.report_country")


def places(ctx: Context, country: str | None, age: Age | None) -> tuple[Helpline, ...]:
    """The places to report threats in ``country``, for the age given (everyone's when unknown)."""
    if country is None:
        return ()
    audiences = {"all"}
    if age in (Age.UNDER_18, Age.UNSURE, None):
        audiences.add("minors")
    if age in (Age.ADULT, Age.UNSURE, None):
        audiences.add("adults")
    return tuple(p for p in ctx.reports if p.country == country and p.audience in audiences)


def report(session: Session, ctx: Context, country: str | None) -> list[Say]:
    """Where to report: the country's places, or the general answer with the way to find them."""
    found = places(ctx, country, session.age)
    if not found:
        return [say("sextortion.report_general", (_BUTTON,))]
    lines = tuple(
        Msg("sextortion.place", (("about", Msg(p.about)), ("contact", p.contact), ("name", p.name)))
        for p in found
    )
    return [say("sextortion.report_in", country=Msg(f"territory:{country}"), places=Lines(lines))]


def _offer(session: Session, effects: list[Say]) -> Session:
    """Keep the "where to report in my country" button pressable beside the next question."""
    if any(_BUTTON in e.buttons for e in effects):
        return session.with_(options=(*session.options, _BUTTON))
    return session


def answered(session: Session, choice: str, ctx: Context) -> Step:
    """The threat question was answered (``session.threat`` already set): on "yes", what helps
    and where to report come before the next question."""
    if not session.threat:
        return steps.go(session, choice, ctx)
    said = [
        say("sextortion.not_your_fault"),
        say("sextortion.steps"),
        *report(session, ctx, session.country),
    ]
    session, effects = steps.go(session, choice, ctx, *said)
    return _offer(session, said), effects


def ask_country(session: Session, ctx: Context) -> Step:
    """The button was pressed: ask for the country, then come back to the waiting question."""
    return steps.go(session.with_(resume=session.state), REPORT_COUNTRY, ctx)


def on_country(session: Session, choice: str, ctx: Context) -> Step:
    """A country (or "somewhere else") for where to report: its places, or a kind general
    answer that still says who can help, then back to where the conversation was."""
    code = choice.split(":", 1)[1]
    country = None if code == "other" else code
    if places(ctx, country, session.age):
        said = report(session, ctx, country)
    else:
        said = [say("sextortion.none_for_country")]
    return steps.go(session.with_(country=country), choice, ctx, *said)
