"""Where the pictures are posted: the question for people without the file, and its answers.

Belongs here: the buttons of "Do you know where they were posted?" (the platforms most people
name, then "another site" and "I don't know"), which choices count as answers (every platform
of the directory, typed by name, not only those with a button), and what to say for each: the
platform's own removal forms (for intimate pictures, under the law, and for copyright), the
hash services it takes part in, the country's services that take a link (for under-18s,
Report Remove in the UK and Cybertip.ca in Canada; eSafety in Australia), and for people under
18 the CyberTipline, which takes links.
Does not belong here: reading the directory (``bot/data/platforms.py``), finding a site in a
pasted link (the runtime does that on the message alone, in memory), and the wording (catalogs).
Pure code.
"""

from __future__ import annotations

from bot.engine import page
from bot.engine.effects import Button, Say, say
from bot.engine.session import Age, Context, PlatformForms, Session

__all__ = [
    "OTHER",
    "UNKNOWN",
    "answer",
    "buttons",
    "every_option",
    "is_answer",
    "law_for",
    "link_seen",
]

OTHER = "where:other"
UNKNOWN = "where:unknown"

_FIRST = ("instagram", "snapchat", "tiktok", "x", "facebook", "whatsapp", "telegram", "discord")
"""The platforms with a button of their own, in this order: where most reports come from.
The rest of the directory is understood when typed by name."""

_EU_CODES = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
EU = frozenset(_EU_CODES.split())
"""The 27 member states of the European Union, where the Digital Services Act applies."""
REQUEST = "where.request"


def _button(platform: PlatformForms) -> Button:
    return Button(f"where:{platform.key}", f"name:{platform.name}")


def buttons(platforms: tuple[PlatformForms, ...]) -> tuple[Button, ...]:
    """The question's buttons: the common platforms the directory has, then the two others."""
    by_key = {p.key: p for p in platforms}
    common = tuple(_button(by_key[key]) for key in _FIRST if key in by_key)
    return (*common, Button(OTHER, "button.where_other"), Button(UNKNOWN, "button.where_unknown"))


def every_option(platforms: tuple[PlatformForms, ...]) -> tuple[Button, ...]:
    """Every answer the question takes, for understanding a typed platform name."""
    return tuple(dict.fromkeys((*buttons(platforms), *(_button(p) for p in platforms))))


def _platform(choice: str, ctx: Context) -> PlatformForms | None:
    """The directory's platform a ``where:<key>`` choice names, if any."""
    return next((p for p in ctx.platforms if choice == f"where:{p.key}"), None)


def is_answer(choice: str, ctx: Context) -> bool:
    """Whether ``choice`` answers the question (a platform without a button counts too)."""
    return choice in (OTHER, UNKNOWN) or _platform(choice, ctx) is not None


def law_for(country: str | None) -> str | None:
    """The law the composer starts on for a country: the US TAKE IT DOWN Act, the EU's
    Digital Services Act or Australia's eSafety scheme; None lets the page ask. (A copyright
    notice, for pictures the person took, is offered on the page to everyone.)"""
    if country == "US":
        return "tida"
    if country in EU:
        return "dsa"
    if country == "AU":
        return "esafety"
    return None


def answer(choice: str, session: Session, ctx: Context) -> list[Say]:
    """What to say for an answer: the platform's forms, or what helps anywhere, then the
    removal-request composer where the page is served (not for "I don't know": it needs a
    link), then the CyberTipline for pictures taken before 18 (or when unsure), which needs
    no file. "I don't know" is told that is fine, and how to keep evidence of threats
    without keeping the pictures, before the helpline."""
    platform = _platform(choice, ctx)
    said: list[Say] = []
    if platform is not None:
        said += forms(platform)
    elif choice == OTHER:
        said.append(say("where.other"))
    elif choice == UNKNOWN:
        said.append(say("nofile.unknown_ok"))
    if choice != UNKNOWN:
        key = platform.key if platform is not None else None
        offer = page.request_offer(session, ctx, law_for(session.country), key)
        if offer is not None:
            said.append(Say(REQUEST, page=offer))
        said += _national(session)
    if session.age in (Age.UNDER_18, Age.UNSURE):
        said.append(say("nofile.cybertipline"))
    if choice == UNKNOWN:
        said.append(say("nofile.keep_evidence"))
    said.append(say("nofile.report_platform"))
    return said


def _national(session: Session) -> list[Say]:
    """Services of the person's country that take a link: for pictures taken before 18,
    Report Remove in the UK (said honestly: its analysts see what is reported) and Cybertip.ca
    with NeedHelpNow.ca in Canada; in Australia, eSafety, at any age."""
    young = session.age in (Age.UNDER_18, Age.UNSURE)
    if session.country == "GB" and young:
        return [say("where.report_remove")]
    if session.country == "CA" and young:
        return [say("where.cybertip_ca")]
    if session.country == "AU":
        return [say("where.esafety")]
    return []


def forms(platform: PlatformForms) -> list[Say]:
    """The platform's removal forms and the hash services it takes part in."""
    said: list[Say] = []
    first = platform.intimate or platform.legal
    if first:
        said.append(say("where.form", name=platform.name, url=first))
    if platform.intimate and platform.legal:
        said.append(say("where.legal", url=platform.legal))
    if platform.copyright:
        said.append(say("where.copyright", url=platform.copyright))
    if not first and not platform.copyright:
        said.append(say("where.other"))
    if platform.services:
        said.append(
            say("where.takes_part", name=platform.name, services=" · ".join(platform.services))
        )
    return said


def link_seen(platform: PlatformForms | None) -> list[Say]:
    """After a pasted link: only its site was looked at, then that site's forms if known."""
    return [say("where.link_seen"), *(forms(platform) if platform is not None else [])]
