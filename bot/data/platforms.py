"""The platform directory and the hash-service participant lists, as typed read-only data.

Belongs here: reading ``platforms.toml`` and ``participants.toml`` into frozen dataclasses, and
the pure look-ups the conversation needs (which platform a host belongs to, which services a
platform takes part in). Nothing here stores, logs or remembers a host or a link it is given:
the look-ups are plain functions of their arguments, with no cache keyed by what a person typed.

Does not belong here: validating the files for reviewers (``bot/data/check.py``), wording
(the catalogs), or deciding what to say (the engine).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from bot.engine.session import PlatformForms

FORM_KINDS = frozenset({"intimate", "legal", "copyright"})
"""``intimate``: the platform's report form or help page for intimate images shared without
consent; ``legal``: its legal removal form (privacy or other law); ``copyright``: its copyright
(DMCA) notice form."""
_LINKISH = re.compile(
    r"^(?:https?://|www\.)"
    r"|^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|me|tv|io|co|app|gg|ly|xxx|info|biz|to)(?:/|$)"
    r"|^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2}/",
    re.IGNORECASE,
)
"""A word that is a link: a scheme, ``www.``, a host name under a common top-level domain, or
one under a country's domain followed by a path. "my.name", "e.g." and "15.5" are not."""


@dataclass(frozen=True, slots=True)
class Form:
    """One place on a platform to ask for removal, with the page it was read on."""

    kind: str
    url: str
    source: str
    checked: str


@dataclass(frozen=True, slots=True)
class Platform:
    """A platform the directory knows: its forms and the domains that identify it."""

    key: str
    name: str
    domains: tuple[str, ...]
    forms: tuple[Form, ...]
    source: str
    checked: str

    def form(self, kind: str) -> Form | None:
        """The first form of ``kind`` (see :data:`FORM_KINDS`), or ``None``."""
        return next((form for form in self.forms if form.kind == kind), None)


@dataclass(frozen=True, slots=True)
class Participant:
    """A company or site a hash service names as taking part; ``platform`` is a directory key."""

    name: str
    platform: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Service:
    """A hash service (Take It Down, StopNCII.org) and who takes part in it, as of ``checked``.

    ``note`` says, for reviewers, what taking part means; it is not shown to people as is.
    """

    key: str
    name: str
    url: str
    participants: tuple[Participant, ...]
    note: str
    note_source: str
    source: str
    checked: str

    def includes(self, platform_key: str) -> bool:
        """Whether the platform with this directory key is among the participants."""
        return any(p.platform == platform_key for p in self.participants)


def _read(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text("utf-8")


def _text(entry: Mapping[str, Any], field: str, where: str) -> str:
    value = entry.get(field)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{where}: {field!r} is missing")
    return value


def parse_platforms(text: str) -> tuple[Platform, ...]:
    """Parse the ``[[platform]]`` tables of ``platforms.toml`` text.

    Raises:
        ValueError: a field is missing or a form has an unknown kind (``check.py`` reports
            every problem at once; this stops at the first).
    """
    platforms = []
    for entry in tomllib.loads(text).get("platform", []):
        key = _text(entry, "key", "a platform")
        forms = []
        for form in entry.get("form", []):
            kind = _text(form, "kind", key)
            if kind not in FORM_KINDS:
                raise ValueError(f"{key}: unknown form kind {kind!r}")
            forms.append(
                Form(
                    kind=kind,
                    url=_text(form, "url", key),
                    source=_text(form, "source", key),
                    checked=_text(form, "checked", key),
                )
            )
        platforms.append(
            Platform(
                key=key,
                name=_text(entry, "name", key),
                domains=tuple(normalise_host(str(d)) for d in entry.get("domains", [])),
                forms=tuple(forms),
                source=_text(entry, "source", key),
                checked=_text(entry, "checked", key),
            )
        )
    return tuple(platforms)


def parse_participants(text: str) -> tuple[Service, ...]:
    """Parse the ``[[service]]`` tables of ``participants.toml`` text.

    Raises:
        ValueError: a field is missing.
    """
    services = []
    for entry in tomllib.loads(text).get("service", []):
        key = _text(entry, "key", "a service")
        participants = tuple(
            Participant(
                name=_text(p, "name", key), platform=p.get("platform"), source=p.get("source")
            )
            for p in entry.get("participant", [])
        )
        services.append(
            Service(
                key=key,
                name=_text(entry, "name", key),
                url=_text(entry, "url", key),
                participants=participants,
                note=_text(entry, "note", key),
                note_source=_text(entry, "note_source", key),
                source=_text(entry, "source", key),
                checked=_text(entry, "checked", key),
            )
        )
    return tuple(services)


@cache
def load_platforms() -> tuple[Platform, ...]:
    """The shipped platform directory (read once)."""
    return parse_platforms(_read("platforms.toml"))


@cache
def load_participants() -> tuple[Service, ...]:
    """The shipped participant lists (read once)."""
    return parse_participants(_read("participants.toml"))


def normalise_host(host: str) -> str:
    """Lower-case a host name and drop a trailing dot and a port."""
    host = host.strip().lower().rstrip(".")
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def host_of(link: str) -> str | None:
    """The host name in a link someone pasted (with or without ``https://``), or ``None``.

    Only the host is returned; the path, query and anything else in the link are dropped here
    and never kept.
    """
    text = link.strip()
    if not text or any(c.isspace() for c in text):
        return None
    if "://" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    return normalise_host(host)


def platform_for_domain(
    domain: str, platforms: Iterable[Platform] | None = None
) -> Platform | None:
    """The platform a host belongs to: the host is one of its domains or a subdomain of one.

    ``m.facebook.com`` matches ``facebook.com``; ``instagram.com.evil.example`` and
    ``notinstagram.com`` match nothing. When two domains match, the longest one wins.

    Args:
        domain: a host name such as ``www.instagram.com`` (see :func:`host_of` for links).
        platforms: the directory to search; the shipped one by default.
    """
    host = normalise_host(domain)
    if not host:
        return None
    best: tuple[int, Platform] | None = None
    for platform in load_platforms() if platforms is None else platforms:
        for known in platform.domains:
            if (host == known or host.endswith("." + known)) and (
                best is None or len(known) > best[0]
            ):
                best = (len(known), platform)
    return None if best is None else best[1]


def services_for(
    platform: Platform, services: Iterable[Service] | None = None
) -> tuple[Service, ...]:
    """The hash services that name this platform among their participants."""
    chosen = load_participants() if services is None else services
    return tuple(service for service in chosen if service.includes(platform.key))


def platform_forms(
    platforms: Iterable[Platform] | None = None, services: Iterable[Service] | None = None
) -> tuple[PlatformForms, ...]:
    """The directory as the conversation uses it (``Context.platforms``)."""
    chosen = tuple(load_participants() if services is None else services)
    found = []
    for platform in load_platforms() if platforms is None else platforms:
        forms = {kind: platform.form(kind) for kind in FORM_KINDS}
        found.append(
            PlatformForms(
                key=platform.key,
                name=platform.name,
                **{kind: form.url if form else "" for kind, form in forms.items()},
                services=tuple(service.name for service in services_for(platform, chosen)),
            )
        )
    return tuple(found)


def find_link(
    text: str, platforms: Iterable[Platform] | None = None
) -> tuple[bool, Platform | None]:
    """Whether a message holds a link, and the directory's platform for the first one (``None``
    for a site the directory does not know).

    Only hosts are looked at; nothing of the message is kept.
    """
    for word in text.split():
        if not _LINKISH.search(word):
            continue
        host = host_of(word.strip("<>()[]{}\"'.,;!?"))
        if host is not None:
            return True, platform_for_domain(host, platforms)
    return False, None
