"""Static reference data shipped with the bot (helplines), and its loader.

The data files are TOML so non-programmers can review them; each entry names its public
source and the date it was checked (``docs/facts.md`` says how they were checked).
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources

from bot.engine.session import Helpline

AUDIENCES = frozenset({"all", "minors", "adults"})
REFERRAL = re.compile(r"[A-Za-z0-9_]{1,60}")
"""A helpline's optional deep-link code, as the bot reads it from ``r_<code>``."""
KINDS = frozenset({"emergency", "crisis", "support"})


def load_helplines() -> tuple[Helpline, ...]:
    """Read ``helplines.toml``.

    Raises:
        ValueError: an entry is missing a field, names an unknown audience or kind, or has a
            malformed or repeated ``referral`` code.
    """
    text = resources.files(__package__).joinpath("helplines.toml").read_text("utf-8")
    return parse_helplines(text)


def parse_helplines(text: str) -> tuple[Helpline, ...]:
    """Parse helplines from TOML text (the format of ``helplines.toml``).

    Each ``[[helpline]]`` has ``country``, ``name``, ``about`` (a msgid), ``contact`` and
    ``source``; optional ``audience`` (``all``, ``minors`` or ``adults``) and ``referral``, the
    code the service uses in deep links (``r_<code>``) when it sends people to the bot.

    Raises:
        ValueError: as for :func:`load_helplines`.
    """
    helplines = []
    referrals: set[str] = set()
    for entry in tomllib.loads(text).get("helpline", []):
        audience = entry.get("audience", "all")
        if audience not in AUDIENCES:
            raise ValueError(f"unknown audience {audience!r} for {entry.get('name')!r}")
        referral = entry.get("referral")
        if referral is not None:
            if not isinstance(referral, str) or REFERRAL.fullmatch(referral) is None:
                raise ValueError(f"malformed referral code for {entry.get('name')!r}")
            if referral in referrals:
                raise ValueError(f"referral code {referral!r} is used twice")
            referrals.add(referral)
        kind = entry.get("kind", "support")
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r} for {entry.get('name')!r}")
        helplines.append(
            Helpline(
                country=str(entry["country"]),
                name=str(entry["name"]),
                about=str(entry["about"]),
                contact=str(entry["contact"]),
                audience=audience,
                referral=referral,
                kind=kind,
            )
        )
    return tuple(helplines)
