"""What ``/status`` says about partners, and how the words about passing codes on name them.

Table-driven over ``prompts.case_view`` and ``prompts.partner_lines``; the words are checked
through the English catalog, since what matters is what a person reads.
"""

from __future__ import annotations

import re

import pytest

from bot.engine import prompts
from bot.engine.effects import Lines, Msg, Referred, Say
from bot.engine.events import CaseFound, CaseView, Command, PartnerView, Start
from bot.engine.machine import step
from bot.engine.session import Referral, Session
from bot.i18n import Catalogs
from tests.engine.conftest import make_ctx, msgids, run

CATALOGS = Catalogs.load()
NUMBER = "ABCD-EFGH-JKMN-P"


def _view(*partners: PartnerView, state: str = "open", queued: int = 0) -> CaseView:
    return CaseView(NUMBER, state, "stopncii", 2, 0, "2026-12-01", queued, 1, (), partners)


def _text(message: Say) -> str:
    return CATALOGS.render("en", message).text


@pytest.mark.parametrize(
    ("partner", "lines"),
    [
        (PartnerView("Bank", "queued"), ["Bank: waiting to be picked up"]),
        (PartnerView("Bank", "delivered"), ["Bank: has your codes"]),
        (PartnerView("Bank", "withdraw_queued"), ["Bank: being asked to remove them"]),
        (PartnerView("Bank", "withdrawn"), ["Bank: got the request to remove them"]),
        (
            PartnerView("Bank", "failed"),
            [
                "Bank: couldn't be reached so far. The people who run this service are alerted "
                "and can send your codes again."
            ],
        ),
        (
            PartnerView("Bank", "delivered", blocked=1),
            ["Bank: has your codes", "Bank found a copy and blocked it."],
        ),
        (
            PartnerView("Bank", "delivered", blocked=3),
            ["Bank: has your codes", "Bank found copies and blocked them (so far: 3)."],
        ),
        (
            PartnerView("Bank", "delivered", pending_review=1),
            [
                "Bank: has your codes",
                "Bank is checking a possible match. You don't need to do anything.",
            ],
        ),
        (
            PartnerView("Bank", "delivered", pending_review=2, blocked=1, not_blocked=4),
            [
                "Bank: has your codes",
                "Bank is checking possible matches (so far: 2). You don't need to do anything.",
                "Bank found a copy and blocked it.",
                "Bank looked at possible matches and didn't block them (so far: 4). That can "
                "happen when pictures only look similar.",
            ],
        ),
        (
            PartnerView("Feed", "", not_blocked=1),
            [
                "Feed looked at a possible match and didn't block it. That can happen when a "
                "picture only looks similar."
            ],
        ),
    ],
)
def test_each_partner_gets_plain_lines(partner: PartnerView, lines: list[str]) -> None:
    said = prompts.case_view(_view(partner), make_ctx())
    assert said.msgid == "case.status_partners"
    text = _text(said)
    assert text.splitlines()[-len(lines) - 1 :] == ["Partners:", *lines]


def test_partners_are_said_in_the_order_given_each_with_its_answers() -> None:
    view = _view(PartnerView("A", "delivered", blocked=1), PartnerView("B", "queued"))
    lines = _text(prompts.case_view(view, make_ctx())).splitlines()
    assert lines[-3:] == [
        "A: has your codes",
        "A found a copy and blocked it.",
        "B: waiting to be picked up",
    ]
    assert lines[0] == f"Case {NUMBER}"


def test_no_count_of_copies_is_said_without_saying_what_was_done() -> None:
    """A found copy is only ever mentioned with whether it was blocked, or that it is checked."""
    for answer in ("pending_review", "blocked", "not_blocked"):
        for count in (1, 2, 7):
            partner = PartnerView("P", "delivered", **{answer: count})  # type: ignore[arg-type]
            for line in _text(prompts.case_view(_view(partner), make_ctx())).splitlines()[6:]:
                if re.search(r"cop(y|ies)|match", line):
                    assert re.search(r"blocked|checking|didn't block", line), line


@pytest.mark.parametrize(
    ("state", "queued", "relay"),
    [
        ("open", 1, "relay.queued"),
        ("open", 0, "relay.delivered"),
        ("withdrawn", 1, "relay.withdraw_queued"),
        ("withdrawn", 0, "relay.withdrawn"),
    ],
)
def test_before_any_partner_has_the_case_one_line_says_where_passing_on_stands(
    state: str, queued: int, relay: str
) -> None:
    said = prompts.case_view(_view(state=state, queued=queued), make_ctx())
    assert said.msgid == "case.status"
    assert dict(said.params)["relay"] == Msg(relay)


def test_without_partners_nothing_is_said_about_them() -> None:
    said = prompts.case_view(
        _view(PartnerView("Bank", "delivered", blocked=2)), make_ctx(partners=())
    )
    assert said.msgid == "case.status_local"
    assert not any(isinstance(v, Lines) for _, v in said.params)
    assert "Bank" not in _text(said)


def test_a_found_case_with_partners_goes_through_the_machine() -> None:
    session, _ = run([Start(), Command("status")])
    _, effects = step(session, CaseFound(_view(PartnerView("Bank", "delivered"))), make_ctx())
    assert "case.status_partners" in msgids(effects)


@pytest.mark.parametrize(
    ("partners", "named"), [(("Bank",), "Bank"), (("Bank", "Hotline NL"), "Bank, Hotline NL")]
)
def test_the_promises_name_the_partners(partners: tuple[str, ...], named: str) -> None:
    ctx = make_ctx(partners=partners)
    for msgid in sorted(prompts.LOCAL_TWINS - {"case.status"}):
        said = prompts.promise(msgid, ctx)
        assert said.msgid == msgid
        assert named in _text(said), msgid


def test_without_partners_the_promises_are_their_local_twins() -> None:
    ctx = make_ctx(partners=())
    for msgid in sorted(prompts.LOCAL_TWINS):
        said = prompts.promise(msgid, ctx)
        assert said.msgid == f"{msgid}_local"
        assert "{partners}" not in _text(said)


def test_a_known_referral_names_the_helpline_and_is_counted_once_per_start() -> None:
    ctx = make_ctx(referral_links=(Referral("Dbcode1234ab", "Ligne Écoute", "fr"),))
    session, effects = step(Session(), Start("r_Dbcode1234ab"), ctx)
    assert session.lang == "fr"
    assert effects[0] == Say("welcome.referred_by", (("helpline", "Ligne Écoute"),))
    assert "Ligne Écoute" in _text(effects[0])  # type: ignore[arg-type]
    assert [e for e in effects if isinstance(e, Referred)] == [Referred("Dbcode1234ab")]
    # A later start without the link counts nothing more.
    _, again = step(session, Start(), ctx)
    assert not any(isinstance(e, Referred) for e in again)
    # An unknown code is greeted but never counted.
    _, unknown = step(Session(), Start("r_Unknown12345"), ctx)
    assert msgids(unknown)[0] == "welcome.referred"
    assert not any(isinstance(e, Referred) for e in unknown)
