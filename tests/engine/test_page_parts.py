"""The reminder after a part of a code arrives (``bot/engine/page.py``): send the other parts
before opening the case, said while the page is on offer and the case has room."""

from __future__ import annotations

from bot.engine import page
from bot.engine.events import CaseOpened, CaseShown, Choice, Command, Start, Text
from bot.engine.machine import step
from bot.engine.states import State
from bot.hashes.hashcode import encode, parse
from bot.hashes.items import HashItem, ItemKind
from bot.i18n import Catalogs
from tests.engine.conftest import make_ctx, msgids, run

URL = "https://reclaim.example.org/companion/"
ROUTED = [Start(), Choice("me"), Choice("no"), Choice("adult"), Choice("yes")]


def parse_items(code: str) -> tuple[HashItem, ...]:
    return tuple(parse(code).items)


def _code(first: int, count: int) -> str:
    return encode(
        [
            HashItem(ItemKind.IMAGE, (("pdq", f"{n:064x}".replace("0", "1", 1)),))
            for n in range(first, first + count)
        ]
    )


def test_a_part_from_the_page_is_followed_by_the_reminder_until_the_case_is_full() -> None:
    ctx = make_ctx(page_url=URL, max_items=30)
    session, _ = run([*ROUTED, Choice("hash")], ctx=ctx)
    session, effects = step(session, Text(_code(0, 15)), ctx)
    assert session.state is State.CONFIRM_CASE
    assert msgids(effects)[-3:] == ["hashes.found", page.MORE_PARTS, "ask.confirm_case"]
    session, effects = step(session, Text(_code(15, 15)), ctx)
    assert len(session.pending) == 30
    assert page.MORE_PARTS not in msgids(effects)  # full: the next part is another case
    assert msgids(effects)[-2:] == ["hashes.found", "ask.confirm_case"]
    assert page.MORE_PARTS in Catalogs.load().msgids("en")


def test_without_the_page_there_is_no_reminder() -> None:
    ctx = make_ctx(max_items=30)
    session, _ = run([*ROUTED, Choice("hash")], ctx=ctx)
    _, effects = step(session, Text(_code(0, 15)), ctx)
    assert page.MORE_PARTS not in msgids(effects)


def test_a_question_without_a_new_code_has_no_reminder() -> None:
    ctx = make_ctx(page_url=URL)
    session, _ = run([*ROUTED, Choice("hash"), Text(_code(0, 3))], ctx=ctx)
    _, effects = step(session, Command("help"), ctx)
    assert page.MORE_PARTS not in msgids(effects)


def test_after_a_full_case_opens_the_page_is_offered_again_for_the_next_case() -> None:
    """40 files are two cases: once the first is opened, "Make the codes" brings the page's
    button back, and the next case's part starts a new case (what the page tells the person)."""
    ctx = make_ctx(page_url=URL, max_items=30)
    session, _ = run([*ROUTED, Choice("hash"), Text(_code(0, 15)), Text(_code(15, 15))], ctx=ctx)
    session, effects = step(session, Choice("open"), ctx)
    session, _ = step(session, CaseOpened("ABCD-EFGH-JKMN-P", "123456"), ctx)
    session, effects = step(session, CaseShown(), ctx)
    assert session.state is State.MENU
    assert "hash" in [b.choice for e in effects for b in getattr(e, "buttons", ())]
    session, effects = step(session, Choice("hash"), ctx)
    offers = [e.page for e in effects if getattr(e, "page", None) is not None]
    assert [offer.url for offer in offers] == [URL]
    session, effects = step(session, Text(_code(30, 10)), ctx)
    assert session.state is State.CONFIRM_CASE
    assert len(session.pending) == 10
    assert page.MORE_PARTS not in msgids(effects)  # 10 files are a case of one part


def test_a_code_too_small_to_be_a_part_gets_no_reminder() -> None:
    ctx = make_ctx(page_url=URL, max_items=30)
    session, _ = run([*ROUTED, Choice("hash")], ctx=ctx)
    _, effects = step(session, Text(_code(0, page.SMALLEST_PART - 1)), ctx)
    assert page.MORE_PARTS not in msgids(effects)
    _, effects = step(session, Text(_code(0, page.SMALLEST_PART)), ctx)
    assert page.MORE_PARTS in msgids(effects)


def test_the_smallest_part_is_the_companions() -> None:
    """Every part the companion cuts from a case of several parts holds SMALLEST_PART or more."""
    from bot.companion.codeplan import ITEMS_PER_CASE, code_parts

    sizes = [
        part.count
        for total in range(1, ITEMS_PER_CASE + 1)
        for part in code_parts(
            [HashItem(ItemKind.FILE, (("md5", f"{n:032x}"),)) for n in range(total)]
        )
        if part.parts > 1
    ]
    assert min(sizes) == page.SMALLEST_PART


def test_a_part_of_the_next_case_waits_for_the_first_to_open_then_becomes_that_case() -> None:
    """40 files from the page: case 1 in two parts, case 2 in one. Case 2's part may come
    before case 1 is opened: it is kept (nothing is lost), and offered once case 1 opens."""
    ctx = make_ctx(page_url=URL, max_items=30)
    session, _ = run([*ROUTED, Choice("hash"), Text(_code(0, 15)), Text(_code(15, 15))], ctx=ctx)
    session, effects = step(session, Text(_code(30, 10)), ctx)
    assert msgids(effects)[:2] == ["hashes.queued", "ask.confirm_case"]
    assert (len(session.pending), len(session.queued)) == (30, 10)
    session, effects = step(session, Text(_code(30, 10)), ctx)  # sent twice: kept once
    assert (len(session.pending), len(session.queued)) == (30, 10)
    session, effects = step(session, Choice("open"), ctx)
    session, _ = step(session, CaseOpened("ABCD-EFGH-JKMN-P", "123456"), ctx)
    session, effects = step(session, CaseShown(), ctx)
    assert session.state is State.CONFIRM_CASE
    assert msgids(effects)[1:3] == ["hashes.next_case", "hashes.found"]
    assert (len(session.pending), session.queued) == (10, ())
    assert session.pending[0] == parse_items(_code(30, 1))[0]


def test_codes_waiting_for_a_next_case_are_bounded_and_dropped_on_cancel() -> None:
    from bot.engine.machine import QUEUED_CASES

    ctx = make_ctx(page_url=URL, max_items=30)
    session, _ = run([*ROUTED, Choice("hash"), Text(_code(0, 30))], ctx=ctx)
    for first in range(30, 30 + 30 * QUEUED_CASES, 30):
        session, effects = step(session, Text(_code(first, 30)), ctx)
        assert msgids(effects)[0] == "hashes.queued"
    session, effects = step(session, Text(_code(500, 1)), ctx)
    assert msgids(effects)[0] == "hashes.case_full"  # beyond what may wait: turned down
    assert len(session.queued) == 30 * QUEUED_CASES
    session, _ = step(session, Choice("cancel"), ctx)
    assert (session.pending, session.queued) == ((), ())
