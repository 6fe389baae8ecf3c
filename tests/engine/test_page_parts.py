"""The reminder after a part of a code arrives (``bot/engine/page.py``): send the other parts
before opening the case, said while the page is on offer and the case has room."""

from __future__ import annotations

from bot.engine import page
from bot.engine.events import CaseOpened, CaseShown, Choice, Command, Start, Text
from bot.engine.machine import step
from bot.engine.states import State
from bot.hashes.hashcode import encode
from bot.hashes.items import HashItem, ItemKind
from bot.i18n import Catalogs
from tests.engine.conftest import make_ctx, msgids, run

URL = "https://reclaim.example.org/companion/"
ROUTED = [Start(), Choice("me"), Choice("no"), Choice("adult"), Choice("yes")]


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
