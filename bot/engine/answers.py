"""Answers typed in the person's own words: feelings, near-misses and another language.

``bot.understand`` (outside the engine, beside the catalogs) turns typed words into
:class:`Feeling`, :class:`Guess` or :class:`OtherLanguage`; this module decides what the bot
says to them, and handles the buttons those answers offer (``confirm:<choice>``,
``confirm:no``, ``lang:<code>`` outside ``/language``) and the pages of ``/language``.

Belongs here: those replies. Does not belong here: the words that are understood (catalogs),
the main questions (``machine.py``, ``prompts.py``). Pure code.
"""

from __future__ import annotations

from bot.engine import steps
from bot.engine.effects import Button, Msg, Say, say
from bot.engine.events import Feeling, Guess, OtherLanguage
from bot.engine.session import Context, Session
from bot.engine.states import State
from bot.engine.steps import Step

__all__ = ["CONFIRM_NO", "language_page", "on_understood", "switch_language"]

CONFIRM_NO = "confirm:no"


def on_understood(session: Session, event: Feeling | Guess | OtherLanguage, ctx: Context) -> Step:
    """Reassure, ask "Did you mean...?", or offer to carry on in another language."""
    if isinstance(event, Feeling):
        if event.danger:
            # Safety first, from any question: the emergency number and people to talk to.
            before = (say("danger.emergency"), say("danger.crisis"))
            return steps.side_trip(session, "helplines", ctx, *before)
        return steps.reask(session, ctx, "feelings.reassure")
    if isinstance(event, Guess):
        return _did_you_mean(session, event.choice, ctx)
    return _offer_language(session, event.lang, ctx)


def _did_you_mean(session: Session, choice: str, ctx: Context) -> Step:
    label = next((b.label for b in session.options if b.choice == choice), None)
    if label is None:
        return steps.reask(session, ctx, "choice.use_buttons")
    buttons = (Button(f"confirm:{choice}", "button.yes"), Button(CONFIRM_NO, "button.no"))
    question = say("choice.did_you_mean", buttons, label=Msg(label))
    return session.with_(options=buttons), [question]


def _offer_language(session: Session, lang: str, ctx: Context) -> Step:
    """Ask, in the language the person wrote in, whether to carry on in it (once per language).

    The buttons name both languages in their own words, so whichever the person reads, they
    can answer; the question that was waiting is asked again below.
    """
    current = session.lang or ctx.default_language
    if lang not in ctx.languages or lang in (current, session.lang_offered):
        return steps.reask(session, ctx, "choice.use_buttons")
    buttons = (
        Button(f"lang:{lang}", f"language:{lang}"),
        Button(f"lang:{current}", f"language:{current}"),
    )
    offer = Say("language.offer", (("language", Msg(f"language:{lang}")),), buttons, lang=lang)
    session, asked = steps.ask(session.with_(lang_offered=lang), ctx)
    return session.with_(options=(*session.options, *buttons)), [offer, *asked]


def switch_language(session: Session, choice: str, ctx: Context) -> Step:
    """A language button of an offer: switch (or keep), then ask the waiting question again."""
    lang = choice.partition(":")[2]
    if choice not in {b.choice for b in session.options} or lang not in ctx.languages:
        return steps.reask(session, ctx, "choice.stale")
    if lang == (session.lang or ctx.default_language):
        return steps.ask(session, ctx)
    session, asked = steps.ask(session.with_(lang=lang), ctx)
    return session, [say("language.set"), *asked]


def language_page(session: Session, choice: str, ctx: Context) -> Step:
    """``langpage:<n>``: show another page of ``/language``."""
    try:
        page = int(choice.partition(":")[2])
    except ValueError:
        page = 0
    if session.state is not State.ASK_LANGUAGE or choice not in {b.choice for b in session.options}:
        return steps.reask(session, ctx, "choice.stale")
    return steps.ask(session.with_(lang_page=max(0, page)), ctx)
