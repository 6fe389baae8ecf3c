"""Whole conversations, for each route and each country group, through the runtime on real
SQLite files with the shipped catalogs, helplines, platform directory and reporting places.

Belongs here: what a person must be told on each route (the service for their age, their
country's helplines or places to report threats, the platform's forms, the removal-request
composer with their country's law when the page is served, the CyberTipline only where it
applies), that every conversation ends on a question with a way to talk to someone, and that
no link, name or email they typed is left in the database files or the logs afterwards.
Does not belong here: each step's details (``tests/engine/``) and the page itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from bot.cases.store import Store
from bot.data import load_helplines
from bot.data.platforms import platform_forms
from bot.data.reports import load_reports
from bot.engine.events import Event, Start, Text
from bot.i18n import Catalogs, Rendered
from bot.runtime import Runtime
from tests.conftest import RecordingTransport
from tests.test_runtime import CHAT, dump_database

PUBLIC_URL = "https://reclaim.example.org"
STRAY = "hi, I'm Zelda Quartzberg, zelda.quartzberg@example.org"
"""Typed at the first question by someone who thinks the bot needs to know who they are."""
LINK = "it's here https://www.tiktok.com/@zelda.quartzberg/video/7300000000000000001?s=banana"
SECRETS = ("Zelda", "Quartzberg", "zelda.quartzberg", "7300000000000000001", "banana", "987654321")
"""Nothing of the name, the email, the link or the chat may be kept or logged."""


@dataclass(frozen=True)
class Group:
    """A country group: where the conversation says the person is, from a helpline's link."""

    code: str
    name: str
    law: str | None
    """The law the composer starts on; None lets the page ask."""
    national: str | None = None
    """The msgid of the country's own service that takes a link, said after a platform."""
    national_any_age: bool = False


GROUPS = (
    Group("US", "United States", "tida"),
    Group("GB", "United Kingdom", None, "where.report_remove"),
    Group("AU", "Australia", "esafety", "where.esafety", national_any_age=True),
    Group("CA", "Canada", None, "where.cybertip_ca"),
    Group("IN", "India", None),
    Group("ES", "Spain", "dsa"),
    Group("BR", "Brazil", None),
)
"""Spain stands for the EU's member states; Brazil has helplines but no places to report
threats listed, so it gets the general answer."""

SELF = ("It's me", "No")
NO_FILE = "No"


@dataclass(frozen=True)
class Route:
    """One way through the conversation, and what the person must be told on it."""

    answers: tuple[str, ...]
    must: tuple[str, ...] = ()
    """Msgids whose English words must be said."""
    must_not: tuple[str, ...] = ()
    minor: bool = False
    """Under 18 or not sure, without the file: the CyberTipline applies."""
    platform: str | None = None
    """The directory's platform whose form must be given."""
    composer: bool = False
    threats: bool = False
    helplines: bool = False
    """The conversation asks for helplines (the country is typed by name)."""
    tipline_also: frozenset[str] = frozenset()
    """Countries where the CyberTipline is named on this route even for an adult."""


def _where(age: str, answer: str) -> tuple[str, ...]:
    return (*SELF, age, NO_FILE, answer)


ROUTES = {
    "file, under 18": Route(
        (*SELF, "Under 18", "Yes"), must=("route.takeitdown",), must_not=("route.stopncii",)
    ),
    "file, adult": Route(
        (*SELF, "18 or older", "Yes"), must=("route.stopncii",), must_not=("route.takeitdown",)
    ),
    "file, not sure": Route((*SELF, "Not sure", "Yes"), must=("route.unsure", "route.takeitdown")),
    "file, helping someone": Route(
        ("I'm helping someone", "No", "18 or older", "Yes"),
        must=("route.stopncii_helping", "route.submit_yourself"),
    ),
    "file, already posted": Route(
        (*SELF, "18 or older", "Yes", "They're already posted online", "Instagram"),
        must=("route.stopncii",),
        platform="instagram",
        composer=True,
    ),
    "no file, a platform's button": Route(
        _where("Under 18", "TikTok"), minor=True, platform="tiktok", composer=True
    ),
    "no file, a platform typed by name": Route(
        _where("18 or older", "youtube"), platform="youtube", composer=True
    ),
    "no file, a pasted link": Route(
        _where("Not sure", LINK),
        must=("where.link_seen",),
        minor=True,
        platform="tiktok",
        composer=True,
    ),
    "no file, another site": Route(
        _where("18 or older", "Another site"), must=("where.other",), composer=True
    ),
    "no file and no link, under 18": Route(
        _where("Under 18", "I don't know"),
        must=("nofile.unknown_ok", "nofile.keep_evidence", "nofile.report_platform"),
        minor=True,
    ),
    "no file and no link, adult, then helplines": Route(
        (*_where("18 or older", "I don't know"), "Talk to someone"),
        must=("nofile.unknown_ok", "nofile.keep_evidence", "helplines.intro"),
        helplines=True,
    ),
    "threats or money demands": Route(
        ("It's me", "Yes", "Under 18", NO_FILE, "I don't know"),
        must=("sextortion.not_your_fault", "sextortion.steps", "nofile.keep_evidence"),
        minor=True,
        threats=True,
    ),
    "immediate danger": Route(
        ("I'm not safe right now",),
        must=("danger.emergency", "danger.crisis", "ask.danger_next"),
        helplines=True,
        tipline_also=frozenset({"US"}),
    ),
}


async def _talk(
    runtime: Runtime, transport: RecordingTransport, group: Group, route: Route
) -> list[Rendered]:
    events: list[Event] = [Start(f"c_{group.code}"), Text(STRAY)]
    events += [Text(answer) for answer in route.answers]
    if route.helplines:
        events.append(Text(group.name))
    for n, event in enumerate(events):
        await runtime.handle(transport, CHAT, event, incoming_ref=f"in-{n}")
    return [message for _, message in transport.sent]


def _words(catalogs: Catalogs, msgid: str) -> str:
    return catalogs.text("en", msgid)


def _form(key: str) -> tuple[str, str, tuple[str, ...]]:
    platform = next(p for p in platform_forms() if p.key == key)
    return platform.name, platform.intimate or platform.legal, platform.services


def _check_said(sent: list[Rendered], catalogs: Catalogs, route: Route) -> None:
    said = "\n".join(m.text for m in sent)
    for msgid in route.must:
        assert _words(catalogs, msgid) in said, msgid
    for msgid in route.must_not:
        assert _words(catalogs, msgid) not in said, msgid
    if route.platform is not None:
        name, url, services = _form(route.platform)
        assert f"You can ask {name} to remove them here: {url}" in said
        if services:  # what the hash services it takes part in can do
            assert f"{name} takes part in {' · '.join(services)}" in said


def _check_cybertipline(sent: list[Rendered], group: Group, route: Route) -> None:
    """The CyberTipline is named for pictures taken before 18 without the file (it takes
    links, and needs no file), and among the US helplines while the age is not known; never
    to an adult otherwise."""
    said = "\n".join(m.text for m in sent)
    expected = route.minor or group.code in route.tipline_also
    assert ("report.cybertip.org" in said) is expected, said[-600:]


def _check_composer(sent: list[Rendered], group: Group, route: Route) -> None:
    offers = [m.page for m in sent if m.page is not None and not m.page.sends_back]
    if not route.composer:
        assert offers == []
        return
    assert len(offers) == 1
    chosen = dict(offers[0].fragment)
    assert chosen.get("law") == group.law
    assert chosen.get("platform") == route.platform
    mark = "#" if chosen else "?"  # a choice goes in the fragment, which no server sees
    assert offers[0].entry().startswith(f"{PUBLIC_URL}/companion/request.html{mark}lang=en")


def _check_national(sent: list[Rendered], catalogs: Catalogs, group: Group, route: Route) -> None:
    """Once the site is known: Report Remove in the UK and Cybertip.ca in Canada for pictures
    taken before 18, eSafety in Australia at any age; nothing of another country's."""
    said = "\n".join(m.text for m in sent)
    for other in GROUPS:
        if other.national is None:
            continue
        applies = route.composer and (route.minor or other.national_any_age)
        expected = other is group and applies
        assert (_words(catalogs, other.national) in said) is expected, other.national


def _check_threats(sent: list[Rendered], group: Group) -> None:
    said = "\n".join(m.text for m in sent)
    found = [p for p in load_reports() if p.country == group.code]
    if not found:  # the general answer, and the way to another country's places
        assert "To the police where you live." in said
        assert "In the US: the FBI at tips.fbi.gov" in said  # named as being for the US
        assert any("Where to report in my country" in label for m in sent for _, label in m.buttons)
        return
    report = next(m.text for m in sent if m.text.startswith("Where you can report it in"))
    assert report.startswith(f"Where you can report it in {group.name}:")
    assert ("report.cybertip.org" in report) is (group.code == "US")
    for place in found:
        assert f"• {place.name}: " in said
        assert place.contact in said
    others = {p.contact for p in load_reports() if p.country != group.code}
    assert not [contact for contact in others if contact in said]


def _check_helplines(sent: list[Rendered], group: Group) -> None:
    said = "\n".join(m.text for m in sent)
    mine = [h for h in load_helplines() if h.country == group.code]
    emergency = next(h for h in mine if h.kind == "emergency")
    assert emergency.contact in said
    assert any(h.contact in said for h in mine if h.kind != "emergency")


def _check_ends_somewhere(sent: list[Rendered]) -> None:
    """The last message asks something, with a way to talk to someone among its buttons."""
    last = sent[-1]
    labels = [label for _, label in last.buttons]
    assert labels, last.text
    assert "Talk to someone" in labels, (last.text, labels)


async def _check_nothing_kept(
    runtime: Runtime, store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await store.close()
    dumped = dump_database(runtime.settings.database_path)
    files = "".join(
        p.read_bytes().decode("latin-1") for p in sorted(tmp_path.rglob("*")) if p.is_file()
    )
    for secret in SECRETS:
        assert secret not in dumped, secret
        assert secret not in files, secret
        assert secret not in caplog.text, secret


@pytest.mark.parametrize("group", GROUPS, ids=[g.code for g in GROUPS])
@pytest.mark.parametrize("name", list(ROUTES))
async def test_a_whole_conversation(
    runtime: Runtime,
    transport: RecordingTransport,
    store: Store,
    catalogs: Catalogs,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    group: Group,
    name: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    runtime.settings = replace(runtime.settings, public_url=PUBLIC_URL)
    route = ROUTES[name]
    sent = await _talk(runtime, transport, group, route)
    _check_said(sent, catalogs, route)
    _check_cybertipline(sent, group, route)
    _check_composer(sent, group, route)
    _check_national(sent, catalogs, group, route)
    if route.threats:
        _check_threats(sent, group)
    if route.helplines:
        _check_helplines(sent, group)
    if LINK in route.answers:  # the message with the link leaves the chat
        assert (CHAT, f"in-{2 + route.answers.index(LINK)}") in transport.deleted
    _check_ends_somewhere(sent)
    await _check_nothing_kept(runtime, store, tmp_path, caplog)
