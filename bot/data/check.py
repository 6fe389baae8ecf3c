"""Validation of the shipped data files, for ``reclaim helplines --check``.

Belongs here: reading ``helplines.toml``, ``platforms.toml``, ``participants.toml`` and
``reports.toml`` (where to report threats) as raw
TOML and listing every problem a reviewer must fix (missing fields, phone formats, sources,
``checked`` dates, duplicates, msgids missing from the catalog), as plain strings. It is pure
apart from :func:`check_directory`, which reads the files it is pointed at.

Does not belong here: loading the data for the bot (``bot/data/__init__.py`` and
``bot/data/platforms.py``) or printing (``bot/cli.py``).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.data import AUDIENCES, KINDS, REFERRAL
from bot.data.platforms import FORM_KINDS

COUNTRY = re.compile(r"[A-Z]{2}|global")
KEY = re.compile(r"[a-z0-9_]{1,40}")
DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
PHONE = re.compile(r"\+?[0-9](?:[0-9]|[ -](?=[0-9]))*")
"""A phone number as written in the data: digits, single spaces or hyphens between digits, and
an optional leading ``+``."""
HTTPS = re.compile(r"https://[a-z0-9.-]+\.[a-z]{2,63}(?::[0-9]+)?(?:[/?#][^\s]*)?", re.IGNORECASE)
MAILTO = re.compile(r"mailto:[a-z0-9._%+-]+@(?:[a-z0-9-]+\.)+[a-z]{2,63}", re.IGNORECASE)
_WEB_TOKEN = re.compile(r"(?:https?://)?(?:[\w-]+\.)+[a-z]{2,63}(?:/\S*)?", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w@])[+(]?[0-9][0-9 ()/.+-]*[0-9]\)?|(?<![\w@])[0-9]")
"""Anything that looks like a number, with the characters people wrongly put in them."""

LEGACY_SOURCES = frozenset(
    {
        "cybercivilrights.org",
        "press coverage",
        "safernet",
        "helpwanted.nl/en",
        "http://www.saude.gov.br/saude-de-a-z/servico-de-atendimento-movel-de-urgencia-samu-192",
    }
)
"""The only non-https sources accepted: entries gathered before sources had to be https pages.
They need no ``checked`` date; each should be read again and given an https source."""

HELPLINE_FIELDS = ("country", "name", "about", "contact", "source")
PLATFORM_FIELDS = ("key", "name", "source", "checked")
FORM_FIELDS = ("kind", "url", "source", "checked")
REPORT_FIELDS = ("country", "name", "about", "contact", "source", "checked")
SERVICE_FIELDS = ("key", "name", "url", "note", "note_source", "source", "checked")
NOTE_SOURCES = frozenset({"docs/facts.md"})
"""Where a participant note may come from besides a public page: the facts page, which names
the pages behind it."""


@dataclass(frozen=True, slots=True)
class Report:
    """What a check found: problems (one line each) and counts for the summary."""

    problems: tuple[str, ...]
    helplines: int = 0
    countries: int = 0
    platforms: int = 0
    services: int = 0
    reports: int = 0

    def summary(self) -> str:
        """One line for a clean run."""
        return (
            f"ok: {self.helplines} helplines in {self.countries} countries, "
            f"{self.platforms} platforms, {self.services} services, "
            f"{self.reports} places to report threats"
        )


def _missing(entry: Mapping[str, Any], fields: Iterable[str], where: str) -> list[str]:
    return [
        f"{where}: {field} is missing"
        for field in fields
        if not isinstance(entry.get(field), str) or not entry.get(field)
    ]


def check_source(source: object, where: str, *, legacy: bool = False) -> list[str]:
    """Problems with a ``source``: it must be an https address (or, for old helpline entries
    only, one of :data:`LEGACY_SOURCES`)."""
    if not isinstance(source, str) or not source:
        return []  # reported as a missing field
    if HTTPS.fullmatch(source) or (legacy and source in LEGACY_SOURCES):
        return []
    return [f"{where}: source {source!r} is not an https address"]


def check_url(url: object, where: str, field: str = "url", *, mail: bool = False) -> list[str]:
    """Problems with a form or site address: an https address (or, with ``mail``, a
    ``mailto:`` address, for platforms that take reports by email only)."""
    if not isinstance(url, str) or not url:
        return []
    if HTTPS.fullmatch(url) or (mail and MAILTO.fullmatch(url)):
        return []
    return [f"{where}: {field} {url!r} is not an https address"]


def check_checked(value: object, where: str, today: dt.date, *, required: bool) -> list[str]:
    """Problems with a ``checked`` date: ISO ``YYYY-MM-DD``, not after ``today``."""
    if value is None:
        return [f"{where}: checked is missing"] if required else []
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        date = value  # a bare TOML date
    else:
        try:
            date = dt.date.fromisoformat(str(value))
        except ValueError:
            return [f"{where}: checked {value!r} is not a date like 2026-01-31"]
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
            return [f"{where}: checked {value!r} is not a date like 2026-01-31"]
    if date > today:
        return [f"{where}: checked {date.isoformat()} is in the future"]
    return []


def check_contact(contact: object, where: str) -> list[str]:
    """Problems with the phone numbers written in ``contact``.

    A number is digits with single spaces or hyphens between them and an optional leading
    ``+`` (:data:`PHONE`), standing on its own: web addresses are skipped, and a number glued to
    other characters (``020/261``, ``(0)20``, ``1-800-THE-LOST``) is reported.
    """
    if not isinstance(contact, str):
        return []
    problems = []
    bare = _WEB_TOKEN.sub(lambda m: " " * len(m.group()), contact)
    for match in _NUMBER.finditer(bare):
        number = match.group()
        before = bare[match.start() - 1] if match.start() else " "
        after = bare[match.end()] if match.end() < len(bare) else " "
        if PHONE.fullmatch(number) is None or before not in " " or after not in " ,;":
            problems.append(f"{where}: {number!r} in contact is not a plain phone number")
    return problems


def _common(
    entry: Mapping[str, Any], where: str, msgids: Set[str], today: dt.date, *, legacy: bool
) -> list[str]:
    """The rules a helpline and a place to report threats share: a known ``audience``, an
    ``about`` msgid in the catalog, an https ``source``, a ``checked`` date and plain phone
    numbers in ``contact``.

    With ``legacy`` (helplines only), a source from :data:`LEGACY_SOURCES` is accepted and
    then needs no ``checked`` date.
    """
    problems: list[str] = []
    if entry.get("audience", "all") not in AUDIENCES:
        problems.append(f"{where}: unknown audience {entry.get('audience')!r}")
    about = entry.get("about")
    if isinstance(about, str) and about and about not in msgids:
        problems.append(f"{where}: about {about!r} is not in the catalog")
    source = entry.get("source")
    dated = not (legacy and source in LEGACY_SOURCES)
    problems += check_source(source, where, legacy=legacy)
    problems += check_checked(entry.get("checked"), where, today, required=dated)
    problems += check_contact(entry.get("contact"), where)
    return problems


def check_helplines(text: str, msgids: Set[str], today: dt.date) -> tuple[list[str], int, int]:
    """Check ``helplines.toml`` text: ``(problems, entries, countries)``."""
    try:
        entries = tomllib.loads(text).get("helpline", [])
    except tomllib.TOMLDecodeError as exc:
        return [f"helplines.toml: not valid TOML: {exc}"], 0, 0
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    referrals: set[str] = set()
    for index, entry in enumerate(entries, 1):
        where = f"helplines.toml #{index} {entry.get('country')} {entry.get('name')!r}"
        problems += _missing(entry, HELPLINE_FIELDS, where)
        country = entry.get("country")
        if isinstance(country, str) and COUNTRY.fullmatch(country) is None:
            problems.append(f"{where}: country {country!r} is not an ISO code or 'global'")
        if entry.get("kind", "support") not in KINDS:
            problems.append(f"{where}: unknown kind {entry.get('kind')!r}")
        problems += _common(entry, where, msgids, today, legacy=True)
        referral = entry.get("referral")
        if referral is not None:
            if not isinstance(referral, str) or REFERRAL.fullmatch(referral) is None:
                problems.append(f"{where}: malformed referral code")
            elif referral in referrals:
                problems.append(f"{where}: referral code {referral!r} is used twice")
            else:
                referrals.add(referral)
        identity = (str(country), str(entry.get("name")))
        if identity in seen:
            problems.append(f"{where}: a second entry with this country and name")
        seen.add(identity)
    countries = {str(e.get("country")) for e in entries} - {"global"}
    return problems, len(entries), len(countries)


def check_platforms(text: str, today: dt.date) -> tuple[list[str], set[str]]:
    """Check ``platforms.toml`` text: ``(problems, platform keys)``."""
    try:
        entries = tomllib.loads(text).get("platform", [])
    except tomllib.TOMLDecodeError as exc:
        return [f"platforms.toml: not valid TOML: {exc}"], set()
    problems: list[str] = []
    keys: set[str] = set()
    owners: dict[str, str] = {}
    for index, entry in enumerate(entries, 1):
        key = entry.get("key")
        where = f"platforms.toml #{index} {key}"
        problems += _missing(entry, PLATFORM_FIELDS, where)
        if isinstance(key, str) and KEY.fullmatch(key) is None:
            problems.append(f"{where}: key must be lower-case letters, digits and _")
        if key in keys:
            problems.append(f"{where}: a second platform with this key")
        keys.add(str(key))
        problems += check_source(entry.get("source"), where)
        problems += check_checked(entry.get("checked"), where, today, required=True)
        domains = entry.get("domains")
        if not isinstance(domains, list) or not domains:
            problems.append(f"{where}: domains is missing")
            domains = []
        for domain in domains:
            if not isinstance(domain, str) or DOMAIN.fullmatch(domain) is None:
                problems.append(f"{where}: {domain!r} is not a lower-case domain name")
            elif domain in owners:
                problems.append(f"{where}: domain {domain} is also listed for {owners[domain]}")
            else:
                owners[domain] = str(key)
        forms = entry.get("form", [])
        if not forms:
            problems.append(f"{where}: no form")
        seen_forms: set[tuple[str, str]] = set()
        for number, form in enumerate(forms, 1):
            there = f"{where} form {number}"
            problems += _missing(form, FORM_FIELDS, there)
            if form.get("kind") not in FORM_KINDS:
                problems.append(f"{there}: unknown kind {form.get('kind')!r}")
            problems += check_url(form.get("url"), there, mail=True)
            problems += check_source(form.get("source"), there)
            problems += check_checked(form.get("checked"), there, today, required=True)
            identity = (str(form.get("kind")), str(form.get("url")))
            if identity in seen_forms:
                problems.append(f"{there}: the same form twice")
            seen_forms.add(identity)
    return problems, keys


def check_participants(text: str, platform_keys: Set[str], today: dt.date) -> tuple[list[str], int]:
    """Check ``participants.toml`` text: ``(problems, services)``."""
    try:
        entries = tomllib.loads(text).get("service", [])
    except tomllib.TOMLDecodeError as exc:
        return [f"participants.toml: not valid TOML: {exc}"], 0
    problems: list[str] = []
    keys: set[str] = set()
    for index, entry in enumerate(entries, 1):
        where = f"participants.toml #{index} {entry.get('key')}"
        problems += _missing(entry, SERVICE_FIELDS, where)
        if entry.get("key") in keys:
            problems.append(f"{where}: a second service with this key")
        keys.add(str(entry.get("key")))
        problems += check_url(entry.get("url"), where)
        problems += check_source(entry.get("source"), where)
        problems += check_checked(entry.get("checked"), where, today, required=True)
        note_source = entry.get("note_source")
        if note_source not in NOTE_SOURCES:
            problems += check_source(note_source, f"{where} note")
        participants = entry.get("participant", [])
        if not participants:
            problems.append(f"{where}: no participant")
        names: set[str] = set()
        for participant in participants:
            name = participant.get("name")
            if not isinstance(name, str) or not name:
                problems.append(f"{where}: a participant without a name")
                continue
            if name.casefold() in names:
                problems.append(f"{where}: participant {name!r} is listed twice")
            names.add(name.casefold())
            source = participant.get("source")
            if source is not None and source not in NOTE_SOURCES:
                problems += check_source(source, f"{where} participant {name!r}")
            platform = participant.get("platform")
            if platform is not None and platform not in platform_keys:
                problems.append(
                    f"{where}: participant {name!r} names unknown platform {platform!r}"
                )
    return problems, len(entries)


def check_reports(text: str, msgids: Set[str], today: dt.date) -> tuple[list[str], int]:
    """Check ``reports.toml`` text: ``(problems, entries)``.

    Every entry needs all of :data:`REPORT_FIELDS`, an https source (no old-style sources
    here) and a ``checked`` date; ``about`` must be in the catalog and ``contact`` hold plain
    phone numbers.
    """
    try:
        entries = tomllib.loads(text).get("report", [])
    except tomllib.TOMLDecodeError as exc:
        return [f"reports.toml: not valid TOML: {exc}"], 0
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for index, entry in enumerate(entries, 1):
        where = f"reports.toml #{index} {entry.get('country')} {entry.get('name')!r}"
        problems += _missing(entry, REPORT_FIELDS[:-1], where)
        country = entry.get("country")
        if isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country) is None:
            problems.append(f"{where}: country {country!r} is not an ISO code")
        problems += _common(entry, where, msgids, today, legacy=False)
        identity = (str(country), str(entry.get("name")))
        if identity in seen:
            problems.append(f"{where}: a second entry with this country and name")
        seen.add(identity)
    return problems, len(entries)


def check_directory(directory: Path, msgids: Set[str], today: dt.date) -> Report:
    """Check the four data files in ``directory`` against the catalog's ``msgids``."""
    problems: list[str] = []
    texts = {}
    for name in ("helplines.toml", "platforms.toml", "participants.toml", "reports.toml"):
        path = directory / name
        if path.is_file():
            texts[name] = path.read_text("utf-8")
        else:
            problems.append(f"{name}: missing")
            texts[name] = ""
    found, helplines, countries = check_helplines(texts["helplines.toml"], msgids, today)
    problems += found
    found, keys = check_platforms(texts["platforms.toml"], today)
    problems += found
    found, services = check_participants(texts["participants.toml"], keys, today)
    problems += found
    found, reports = check_reports(texts["reports.toml"], msgids, today)
    problems += found
    return Report(tuple(problems), helplines, countries, len(keys), services, reports)


def default_directory() -> Path:
    """The folder of the shipped data files."""
    return Path(__file__).resolve().parent
