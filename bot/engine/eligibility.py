"""Routing rules: which service fits, from who is asking and how old the person in the images was.

The rules follow the facts in ``docs/facts.md``: under 18 when taken (or not sure) goes to
NCMEC's Take It Down, 18 or older to StopNCII.org;
helpers are routed by the age of the person in the images,
and StopNCII needs that adult to make the case themselves. Threats and danger are handled
before routing, in ``machine.py``. This module returns msgids only.

While no partner is connected (``relayed`` false), nothing is passed on for the person, so the
outcome says plainly that they submit on the service's own site, which also hashes on their
device; Reclaim's own case is then only a private record (see ``prompts.PARTNER_ONLY``).
"""

from __future__ import annotations

from bot.engine.effects import Say, say
from bot.engine.session import Age, Role

TAKE_IT_DOWN = "takeitdown"
STOPNCII = "stopncii"
UNSPECIFIED = "unspecified"


def route_for(age: Age | None) -> str:
    """Return the service for the age of the person in the images.

    Not sure goes to Take It Down: if the images may have been taken before 18, that is the
    service that may take them.
    """
    if age is None:
        return UNSPECIFIED
    return STOPNCII if age is Age.ADULT else TAKE_IT_DOWN


def outcome(role: Role | None, age: Age | None, *, relayed: bool = False) -> list[Say]:
    """The messages that name the right service, its link and its honest limits.

    Args:
        role: who is asking.
        age: the age in the pictures.
        relayed: whether cases are passed on to partners; if not, the person is told to
            submit on the service's site themselves.
    """
    helping = role is Role.HELPING
    messages: list[Say] = []
    if age is Age.UNSURE:
        messages.append(say("route.unsure"))
    if route_for(age) == TAKE_IT_DOWN:
        messages.append(say("route.takeitdown_helping" if helping else "route.takeitdown"))
    else:
        messages.append(say("route.stopncii_helping" if helping else "route.stopncii"))
    if not relayed:
        messages.append(say("route.submit_yourself"))
    messages.append(say("route.report_first"))
    messages.append(say("route.limits"))
    return messages
