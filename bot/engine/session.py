"""The conversation's memory between two events, and the context the engine is given.

A :class:`Session` is small, immutable and serialisable to JSON so the runtime can keep it in
the store under a keyed hash of the chat; it never holds a chat id, a name or message text.
:class:`Context` carries what the engine needs from outside (the time, the languages and
helplines on offer, limits) so that :func:`bot.engine.machine.step` stays a pure function.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from bot.engine.effects import Button
from bot.engine.states import State
from bot.hashes.items import HashItem, ItemKind


class Role(StrEnum):
    """Who is talking: the person in the pictures, or someone helping them."""

    SELF = "self"
    HELPING = "helping"


class Age(StrEnum):
    """Age of the person in the pictures when they were taken."""

    UNDER_18 = "under18"
    ADULT = "adult"
    UNSURE = "unsure"


class Intent(StrEnum):
    """What a case number and PIN are being collected for."""

    STATUS = "status"
    WITHDRAW = "withdraw"


@dataclass(frozen=True, slots=True)
class Helpline:
    """A service people can contact; ``about`` is a msgid.

    ``kind`` orders what is shown: ``"emergency"`` (the country's emergency number) first, then
    ``"crisis"`` lines that answer at once, then other ``"support"``.

    ``referral`` is the code the service puts in its deep links (``r_<code>``), if it has one:
    a session keeps only codes that name a known helpline.
    """

    country: str
    name: str
    about: str
    contact: str
    audience: str = "all"
    referral: str | None = None
    kind: str = "support"


@dataclass(frozen=True, slots=True)
class Referral:
    """A helpline's referral code made with ``reclaim helpline add`` (kept in the database).

    ``lang`` is the language referred people are greeted in (a language in the link wins);
    ``country`` the country whose helplines come first, if the bot has any for it.
    """

    code: str
    name: str
    lang: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class PlatformForms:
    """Where a platform takes removal requests, as the directory (``bot/data/platforms.toml``)
    lists them: its report form for intimate pictures, its legal and copyright forms (empty
    when it has none), and the hash services that name it as taking part."""

    key: str
    name: str
    intimate: str = ""
    legal: str = ""
    copyright: str = ""
    services: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Context:
    """Everything outside the session that one step may depend on."""

    now: float
    languages: tuple[str, ...] = ("en",)
    default_language: str = "en"
    helplines: tuple[Helpline, ...] = ()
    partners: tuple[str, ...] = ()
    """Public names of the services cases are passed on to. Empty: nothing is passed on, and
    no message may say otherwise."""
    platforms: tuple[PlatformForms, ...] = ()
    """The platform directory the "where is it posted" question offers."""
    reports: tuple[Helpline, ...] = ()
    """Where to report threats and money demands, by country (``bot/data/reports.toml``)."""
    referral_links: tuple[Referral, ...] = ()
    """Helplines' referral codes from the database, known like the bundled helplines' codes."""
    max_items: int = 30
    max_text: int = 12_000
    flood_window: float = 30.0
    flood_limit: int = 20
    token: str = ""
    """A fresh random value for this step; names a case opening chosen in it (see machine)."""
    page_url: str = ""
    """The companion page's public folder (ending in ``/``), or empty when no page is served:
    then the person is only told how to run the companion themselves."""

    @property
    def referrals(self) -> tuple[str, ...]:
        """The deep-link referral codes of known helplines (bundled, then from the database)."""
        bundled = (h.referral for h in self.helplines if h.referral)
        return tuple(dict.fromkeys((*bundled, *(r.code for r in self.referral_links))))

    def referral(self, code: str) -> Referral | None:
        """The known referral with this code, named after its helpline (None if unknown)."""
        for link in self.referral_links:
            if link.code == code:
                return link
        for helpline in self.helplines:
            if helpline.referral == code:
                return Referral(code, helpline.name)
        return None

    @property
    def countries(self) -> tuple[str, ...]:
        """Countries with at least one helpline, in first-seen order."""
        return tuple(dict.fromkeys(h.country for h in self.helplines if h.country != "global"))


@dataclass(frozen=True, slots=True)
class Session:
    """Per-conversation state. Every field has a safe default so old data always loads."""

    state: State = State.NEW
    lang: str | None = None
    country: str | None = None
    referral: str | None = None
    """The referral code of the known helpline that sent the person, never free text."""
    role: Role | None = None
    age: Age | None = None
    threat: bool = False
    has_file: bool | None = None
    route: str | None = None
    pending: tuple[HashItem, ...] = ()
    queued: tuple[HashItem, ...] = ()
    """Codes that came while a full case waited to be opened: the next case, once it is."""
    intent: Intent | None = None
    case_number: str | None = None
    options: tuple[Button, ...] = ()
    resume: State | None = None
    """Where a side trip (language, helplines) returns to."""
    opening: str | None = None
    """Token of a case opening not yet shown to the person; any event re-issues it."""
    flood_since: float = 0.0
    flood_count: int = 0
    flood_warned: bool = False
    visible: tuple[str, ...] = field(default=())
    """Recent message references (both ways) as ``ref@minute``, for a visible /forget."""
    page_open: bool = False
    """The companion page was offered and the offer was not yet closed (see ``page.py``)."""
    lang_offered: str | None = None
    """The last language the bot offered to switch to, so it is offered only once."""
    lang_page: int = 0
    """Which page of ``/language`` is showing."""

    def with_(self, **changes: Any) -> Session:
        """Return a copy with ``changes`` applied.

        The same as ``dataclasses.replace``, in a third of the time: every message makes
        several copies, and a frozen dataclass's ``__init__`` sets each field through
        ``object.__setattr__``. This sets the slots directly; nothing else is bypassed, as a
        session has no ``__post_init__``.
        """
        new = object.__new__(Session)
        for slot in _SLOTS.values():
            slot.__set__(new, slot.__get__(self))
        for name, value in changes.items():
            if name not in _SLOTS:
                raise TypeError(f"Session has no field {name!r}")
            _SLOTS[name].__set__(new, value)
        return new


_SLOTS: dict[str, Any] = {f.name: Session.__dict__[f.name] for f in fields(Session)}
"""Each field's slot descriptor, in field order (see ``Session.with_``)."""
_FRESH = Session()


def session_to_json(session: Session) -> str:
    """Serialise a session to compact JSON; fields still at their defaults are left out."""
    data: dict[str, Any] = {}
    for name, slot in _SLOTS.items():
        value = slot.__get__(session)
        if value == slot.__get__(_FRESH):
            continue
        if name in ("pending", "queued"):
            value = [_item_to_json(item) for item in value]
        elif name == "options":
            value = [[b.choice, b.label] for b in value]
        elif name == "flood_since":
            value = _minute(value)
        elif isinstance(value, tuple):
            value = list(value)
        data[name] = value
    return json.dumps(data, separators=(",", ":"))


def _item_to_json(item: HashItem) -> dict[str, Any]:
    """A pending item as stored: kind, hashes and, when known, the PDQ quality."""
    stored: dict[str, Any] = {"k": item.kind.value, "h": [list(p) for p in item.hashes]}
    if item.pdq_quality is not None:
        stored["q"] = item.pdq_quality
    return stored


def _item_from_json(stored: dict[str, Any]) -> HashItem:
    quality = stored.get("q")
    return HashItem(
        ItemKind(stored["k"]),
        tuple((str(n), str(v)) for n, v in stored["h"]),
        pdq_quality=quality if type(quality) is int and 0 <= quality <= 100 else None,
    )


def _minute(moment: float) -> float:
    """A time as stored: only its minute, like every other time the bot keeps.

    A session kept in memory holds the exact start of its flood window; one read back after a
    restart starts its window up to a minute earlier, so it ends sooner: a restart may forgive a
    burst, never prolong a silence.
    """
    return float(math.floor(moment / 60) * 60)


def session_from_json(text: str) -> Session:
    """Load a session; anything unreadable gives a fresh session rather than an error."""
    try:
        data = json.loads(text)
        return Session(
            state=State(data.get("state", State.NEW)),
            lang=data.get("lang"),
            country=data.get("country"),
            referral=data.get("referral"),
            role=Role(data["role"]) if data.get("role") else None,
            age=Age(data["age"]) if data.get("age") else None,
            threat=bool(data.get("threat", False)),
            has_file=data.get("has_file"),
            route=data.get("route"),
            pending=tuple(_item_from_json(item) for item in data.get("pending", ())),
            queued=tuple(_item_from_json(item) for item in data.get("queued", ())),
            intent=Intent(data["intent"]) if data.get("intent") else None,
            case_number=data.get("case_number"),
            options=tuple(Button(str(c), str(lb)) for c, lb in data.get("options", ())),
            resume=State(data["resume"]) if data.get("resume") else None,
            opening=str(data["opening"]) if data.get("opening") else None,
            flood_since=float(data.get("flood_since", 0.0)),
            flood_count=int(data.get("flood_count", 0)),
            flood_warned=bool(data.get("flood_warned", False)),
            visible=tuple(str(v) for v in data.get("visible", ())),
            page_open=bool(data.get("page_open", False)),
            lang_offered=data.get("lang_offered") or None,
            lang_page=int(data.get("lang_page", 0)),
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return Session()
