"""What the engine says: the question each state asks, and the longer message sequences.

``prompt`` renders the question (and offered buttons) of a state; the other functions build
the sequences for helplines, case results and pasted hash codes. Everything is a msgid; only
``bot/i18n.py`` turns it into words. Which state comes next is decided in ``machine.py``.

Promises follow ``Context.partners``: every message that would say codes are passed on has a
``*_local`` twin, chosen while no partner is connected, that says what is really done (a
private record with a number and PIN; the person submits to Take It Down or StopNCII
themselves). With partners, ``promise`` names them (the operator's public names) in those
messages, and ``/status`` gives each partner of the case a line (``partner_lines``).
``PARTNER_ONLY`` lists the msgids that may only be said with partners, so a test can check no
conversation without partners ever reaches one. Helplines put the emergency
number first and lines that answer at once next, so a person in danger reads those first;
the facts behind them are in ``bot/data/helplines.toml`` and ``docs/facts.md``.
"""

from __future__ import annotations

import datetime as dt

from bot.engine import where
from bot.engine.effects import Button, Lines, Msg, ParamValue, Say, say
from bot.engine.events import CaseView, PartnerView
from bot.engine.session import Age, Context, Role, Session
from bot.engine.states import State
from bot.hashes.hashcode import ParseResult, Problem
from bot.hashes.items import HashItem, ItemKind

YES = Button("yes", "button.yes")
NO = Button("no", "button.no")
TALK = Button("talk", "button.talk")

_STATIC: dict[State, tuple[str, tuple[Button, ...]]] = {
    State.ASK_ROLE: (
        "ask.role",
        (
            Button("me", "button.me"),
            Button("helping", "button.helping"),
            Button("danger", "button.danger"),
        ),
    ),
    State.DANGER: ("ask.danger_next", (Button("go", "button.go"), TALK)),
    State.ASK_THREAT: ("ask.threat", (YES, NO)),
    State.ROUTED: (
        "ask.hash_now",
        (
            Button("hash", "button.hash"),
            Button("posted", "button.posted"),
            TALK,
            Button("later", "button.later"),
        ),
    ),
    State.AWAIT_HASHES: ("ask.paste", ()),
    State.CONFIRM_CASE: (
        "ask.confirm_case",
        (Button("open", "button.open"), Button("cancel", "button.cancel")),
    ),
    State.MENU: (
        "ask.menu",
        (
            Button("hash", "button.hash"),
            Button("status", "button.status"),
            TALK,
            Button("restart", "button.restart"),
        ),
    ),
    State.CONFIRM_WITHDRAW: (
        "ask.confirm_withdraw",
        (Button("withdraw", "button.withdraw"), Button("keep", "button.keep")),
    ),
    State.ASK_CASE_NUMBER: ("ask.case_number", ()),
    State.ASK_PIN: ("ask.pin", ()),
}

_ANSWERS = ("pending_review", "blocked", "not_blocked")
"""Partners' answers about a possible match, in the order ``/status`` says them."""

_AGE_BUTTONS = (
    Button("under18", "button.under18"),
    Button("adult", "button.adult"),
    Button("unsure", "button.unsure"),
)


LOCAL_TWINS = frozenset(
    {
        "ask.hash_now",
        "ask.confirm_case",
        "case.next",
        "withdraw.explain",
        "help.what_we_do",
        "case.status",
    }
)
"""Msgids that speak of passing codes on and have a ``_local`` twin said without partners."""

PARTNER_LINES = frozenset(
    {
        "case.status_partners",
        *(f"relay.{s}" for s in ("queued", "delivered", "withdraw_queued", "withdrawn")),
        *(f"partner.{s}" for s in ("queued", "delivered", "withdraw_queued", "withdrawn")),
        "partner.failed",
        *(f"partner.{a}{n}" for a in _ANSWERS for n in ("", "_many")),
    }
)
"""What ``/status`` says about partners; without partners the ``case.status_local`` twin
says none of it."""

PARTNER_ONLY = LOCAL_TWINS | PARTNER_LINES
"""Msgids that speak of passing codes on: said only when ``Context.partners`` is not empty."""


def honest(msgid: str, ctx: Context) -> str:
    """``msgid``, or its ``_local`` twin when no partner is connected and it promises one."""
    return msgid if ctx.partners or msgid not in PARTNER_ONLY else f"{msgid}_local"


def promise(msgid: str, ctx: Context, buttons: tuple[Button, ...] = ()) -> Say:
    """Say ``msgid`` naming the partners the codes go to, or its ``_local`` twin without any.

    The names are the operator's public names for the partners, joined with commas.
    """
    if not ctx.partners:
        return say(honest(msgid, ctx), buttons)
    return say(msgid, buttons, partners=", ".join(ctx.partners))


LANGUAGES_PER_PAGE = 8
"""Languages on one page of ``/language``, so the keyboard fits a phone's screen."""


def language_buttons(languages: tuple[str, ...], page: int) -> tuple[Button, ...]:
    """One page of the language list (each in its own name), with buttons to the others."""
    pages = max(1, -(-len(languages) // LANGUAGES_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = languages[page * LANGUAGES_PER_PAGE : (page + 1) * LANGUAGES_PER_PAGE]
    buttons = [Button(f"lang:{c}", f"language:{c}") for c in shown]
    if page + 1 < pages:
        buttons.append(Button(f"langpage:{page + 1}", "button.more_languages"))
    if page > 0:
        buttons.append(Button(f"langpage:{page - 1}", "button.back"))
    return tuple(buttons)


def country_buttons(countries: tuple[str, ...], first: str | None) -> tuple[Button, ...]:
    """A country list: the country given before (a deep link, an earlier answer) comes first,
    and "somewhere else" last."""
    order = sorted(countries, key=lambda c: c != first)
    buttons = tuple(Button(f"country:{c}", f"territory:{c}") for c in order)
    return (*buttons, Button("country:other", "button.other_country"))


def prompt(session: Session, ctx: Context) -> Say:
    """The question the conversation is waiting on in its current state."""
    helping = session.role is Role.HELPING
    state = session.state
    if state is State.ASK_AGE:
        return say("ask.age_helping" if helping else "ask.age", _AGE_BUTTONS)
    if state is State.ASK_FILE:
        return say("ask.file_helping" if helping else "ask.file", (YES, NO))
    if state is State.ASK_WHERE:
        return say("ask.where", where.buttons(ctx.platforms))
    if state is State.ASK_COUNTRY:
        return say("ask.country", country_buttons(ctx.countries, session.country))
    if state is State.ASK_REPORT_COUNTRY:  # the countries with places to report threats
        reported = tuple(dict.fromkeys(p.country for p in ctx.reports))
        return say("ask.report_country", country_buttons(reported, session.country))
    if state is State.ASK_LANGUAGE:
        return say("ask.language", language_buttons(ctx.languages, session.lang_page))
    if state is State.AWAIT_HASHES and ctx.page_url:
        return say("ask.paste_page")
    if state in _STATIC:
        msgid, buttons = _STATIC[state]
        return promise(msgid, ctx, buttons)
    return say("ask.role", _STATIC[State.ASK_ROLE][1])


def welcome(session: Session, ctx: Context, *, referred: bool = False) -> list[Say]:
    """The first messages: who we are, never send pictures, how to get out.

    ``referred``: this start's link carried a referral code, known or not. A known code names
    the helpline that sent the person.
    """
    known = ctx.referral(session.referral) if session.referral else None
    if known is not None:
        first = say("welcome.referred_by", helpline=known.name)
    elif referred:
        first = say("welcome.referred")
    else:
        first = say("welcome.hello")
    return [first, say("welcome.never_send"), say("welcome.private")]


_KIND_ORDER = {"emergency": 0, "crisis": 1}


def helplines(session: Session, ctx: Context, country: str | None) -> list[Say]:
    """Who to contact in a country (and everywhere), emergency number and crisis lines first.

    Lines are filtered by who they serve (by the age given, if any). A country without an
    entry, or "somewhere else", still gets the advice to call the local emergency number and
    the services that answer people from anywhere.
    """
    audiences = {"all"}
    if session.age in (Age.UNDER_18, Age.UNSURE) or session.age is None:
        audiences.add("minors")
    if session.age in (Age.ADULT, Age.UNSURE) or session.age is None:
        audiences.add("adults")
    chosen = sorted(
        (h for h in ctx.helplines if h.country in (country, "global") and h.audience in audiences),
        key=lambda h: (_KIND_ORDER.get(h.kind, 2), h.country == "global"),
    )
    messages = [say("helplines.intro")]
    if country is None or not any(h.country == country for h in chosen):
        messages.append(say("helplines.emergency_unknown"))
        messages.append(say("helplines.none_for_country"))
    for h in chosen:
        if h.kind == "emergency":
            messages.append(say("helpline.emergency", contact=h.contact))
        else:
            messages.append(
                say("helpline.entry", name=h.name, about=Msg(h.about), contact=h.contact)
            )
    return messages


def case_summary(items: tuple[HashItem, ...], duplicates: int) -> list[Say]:
    """What was found in a paste, before asking to open the case."""
    images = sum(1 for i in items if i.kind is ItemKind.IMAGE)
    messages = [say("hashes.found", images=images, files=len(items) - images)]
    if duplicates:
        messages.append(say("hashes.duplicates", count=duplicates))
    return messages


_PROBLEM_MSGIDS: dict[Problem, str] = {
    Problem.EMPTY: "hashes.empty",
    Problem.NOT_A_HASH: "hashes.not_a_hash",
    Problem.SHA1: "hashes.sha1",
    Problem.SHA256: "hashes.sha256",
    Problem.SHA512: "hashes.sha512",
    Problem.WRONG_LENGTH: "hashes.wrong_length",
    Problem.NOT_HEX: "hashes.not_hex",
    Problem.FLAT_PDQ: "hashes.flat_pdq",
    Problem.BAD_CHECKSUM: "hashes.bad_checksum",
    Problem.TRUNCATED: "hashes.truncated",
    Problem.UNKNOWN_VERSION: "hashes.unknown_version",
    Problem.DIRECTION_CONTROL: "hashes.direction_control",
    Problem.MAYBE_SHA256: "hashes.maybe_sha256",
}

MAX_PROBLEM_LINES = 3


def paste_notes(result: ParseResult) -> list[Say]:
    """What was changed in a paste before reading it (invisible characters left out)."""
    return [say("hashes.invisible_removed")] if result.removed else []


def paste_problems(result: ParseResult) -> list[Say]:
    """Name what is wrong with a paste, line by line (at most a few), and reassure."""
    messages = paste_notes(result)
    seen: set[Problem] = set()
    for problem in result.problems:
        # One message per kind of problem, naming the first line it appears on.
        if problem.problem in seen or len(seen) >= MAX_PROBLEM_LINES:
            continue
        seen.add(problem.problem)
        messages.append(say(_PROBLEM_MSGIDS[problem.problem], line=problem.line))
    if result.items:
        messages.append(say("hashes.partly_good", good=len(result.items), bad=len(result.problems)))
    messages.append(say("hashes.nothing_saved"))
    return messages


SIGNAL_NAMES = {"pdq": "PDQ", "md5": "MD5", "phash": "pHash", "dhash": "dHash"}
"""Hash names are names, the same in every language."""


def case_view(case: CaseView, ctx: Context) -> Say:
    """A case's status, in plain words (without partners, nothing about passing on).

    With partners, each partner the case went to gets a line saying what it has, followed by
    what it answered about a possible match; before the relay has handed the case to any
    partner, one line says where passing on stands.
    """
    params: dict[str, ParamValue] = {
        "number": case.number,
        "state": Msg(f"case.state.{case.state}"),
        "images": case.images,
        "files": case.files,
        "hashes": ", ".join(f"{SIGNAL_NAMES.get(n, n)} {count}" for n, count in case.signals)
        or "-",
        "created": _date(case.created_on),
    }
    if not ctx.partners:
        return Say("case.status_local", tuple(sorted(params.items())))
    if case.partners:
        params["partners"] = Lines(tuple(line for p in case.partners for line in partner_lines(p)))
        return Say("case.status_partners", tuple(sorted(params.items())))
    if case.state == "withdrawn":
        relay = "relay.withdraw_queued" if case.queued else "relay.withdrawn"
    elif case.queued:
        relay = "relay.queued"
    else:
        relay = "relay.delivered"
    params["relay"] = Msg(relay)
    return Say("case.status", tuple(sorted(params.items())))


_DELIVERY_STATES = frozenset({"queued", "delivered", "withdraw_queued", "withdrawn", "failed"})


def partner_lines(partner: PartnerView) -> list[Msg]:
    """What one partner has of a case, then each kind of answer it gave, one line each.

    A count of one is said without a number ("found a copy and blocked it"); more give the
    count after the words, so no language needs a plural form. A partner that only answered
    (it had the hash from another case) gets only its answers.
    """
    name = (("partner", partner.name),)
    lines = [Msg(f"partner.{partner.state}", name)] if partner.state in _DELIVERY_STATES else []
    for answer in _ANSWERS:
        count: int = getattr(partner, answer)
        if count == 1:
            lines.append(Msg(f"partner.{answer}", name))
        elif count > 1:
            lines.append(Msg(f"partner.{answer}_many", (*name, ("count", count))))
    return lines


def _date(iso: str) -> dt.date | str:
    """A stored ``YYYY-MM-DD`` date, to be written the language's way (kept as is if odd)."""
    try:
        return dt.date.fromisoformat(iso)
    except ValueError:
        return iso
