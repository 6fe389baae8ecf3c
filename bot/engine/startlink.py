"""Deep links: what a ``/start`` link may carry, and the language a conversation starts in.

Belongs here: reading a start payload (a language, ``c_<country>``, ``r_<referral code>``,
joined by ``-``) and choosing the language from the platform's hint. Does not belong here:
what the greeting says (``machine.py`` and the catalogs). Anyone can put any text in a link,
so every token is checked against what the bot knows; nothing else is kept. Pure code.
"""

from __future__ import annotations

import re

from bot.engine.session import Context, Session
from bot.langcodes import match_language

__all__ = ["parse_payload", "pick_language"]

_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_LANG_TOKEN = re.compile(r"^[A-Za-z]{2,3}(?:_[A-Za-z]{2,4})?$")
_COUNTRY_TOKEN = re.compile(r"^c_([A-Za-z]{2})$")
_REFERRAL_TOKEN = re.compile(r"^r_([A-Za-z0-9_]{1,60})$")


def parse_payload(session: Session, payload: str, ctx: Context) -> tuple[Session, bool]:
    """Deep-link payload: tokens joined by ``-``: a language, ``c_GB``, ``r_<code>``.

    Returns the session and whether the link came from someone who sent the person here.
    Only a referral code that names a known helpline is kept; anyone can put any text in a
    link, so an unknown code only changes the greeting and is not stored. A known code made
    with ``reclaim helpline add`` may bring its language and country; a language or country
    in the link itself wins.
    """
    referred = False
    if not _PAYLOAD.match(payload):
        return session, referred
    lang: str | None = None
    country: str | None = None
    code: str | None = None
    for token in payload.split("-"):
        if (found := _COUNTRY_TOKEN.match(token)) and found.group(1).upper() in ctx.countries:
            country = found.group(1).upper()
        elif referral := _REFERRAL_TOKEN.match(token):
            referred = True
            if referral.group(1) in ctx.referrals:
                code = referral.group(1)
                session = session.with_(referral=code)
        elif _LANG_TOKEN.match(token) and (found_lang := match_language(token, ctx.languages)):
            lang = found_lang
    known = ctx.referral(code) if code else None
    if known is not None:
        # The helpline's language and country, unless the link itself names them.
        if lang is None and known.lang in ctx.languages:
            lang = known.lang
        if country is None and known.country in ctx.countries:
            country = known.country
    if lang is not None:
        session = session.with_(lang=lang)
    if country is not None:
        session = session.with_(country=country)
    return session, referred


def pick_language(hint: str | None, ctx: Context) -> str:
    """The platform's language hint if the bot speaks it (through an alias or its base
    language), or the default.

    Args:
        hint: the platform's language code for the person (for example ``pt-BR``), if any.
        ctx: what the bot speaks.
    """
    found = match_language(hint, ctx.languages) if hint else None
    return found or ctx.default_language
