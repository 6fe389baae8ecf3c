"""Tests of bot.companion.codeplan: what goes into the code, and parts that fit the bot's cases.

The case tests print codes with the real ``reclaim hash`` and paste them, part after part, into
the real conversation engine, the way a person would: when the bot says the case is full, they
open it and paste that part again. A batch must need no more cases than it has to.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bot.companion.cli import main
from bot.companion.codeplan import (
    ITEMS_PER_CASE,
    ITEMS_PER_PART,
    CodeContents,
    code_contents,
    code_parts,
)
from bot.companion.hasher import Failure, FileHashes, FileKind
from bot.config import Settings
from bot.engine.effects import OpenCase, Say
from bot.engine.events import CaseOpened, CaseShown, Choice, Command, Start, Text
from bot.engine.machine import step
from bot.engine.session import Context, Session
from bot.hashes.hashcode import parse
from bot.hashes.items import HashItem, ItemKind
from tests.engine.conftest import make_ctx


def _item(number: int) -> HashItem:
    return HashItem(kind=ItemKind.FILE, hashes=(("md5", f"{number:032x}"),))


def _result(path: str, kind: FileKind, md5: str) -> FileHashes:
    return FileHashes(path=path, kind=kind, md5=md5)


def test_case_size_is_the_bots_default() -> None:
    assert Settings.__dataclass_fields__["max_items"].default == ITEMS_PER_CASE
    assert Context.__dataclass_fields__["max_items"].default == ITEMS_PER_CASE


@pytest.mark.parametrize(
    ("count", "sizes"),
    [
        (1, [[1]]),
        (25, [[25]]),
        (26, [[13, 13]]),
        (28, [[14, 14]]),
        (30, [[15, 15]]),
        (31, [[15, 15], [1]]),
        (60, [[15, 15], [15, 15]]),
        (85, [[15, 15], [15, 15], [25]]),
        (87, [[15, 15], [15, 15], [14, 13]]),
    ],
)
def test_parts_are_cut_case_by_case(count: int, sizes: list[list[int]]) -> None:
    items = [_item(number) for number in range(count)]
    parts = code_parts(items)
    by_case: dict[int, list[int]] = {}
    for part in parts:
        by_case.setdefault(part.case, []).append(part.count)
        assert part.cases == len(sizes)
        assert part.parts == len(sizes[part.case - 1])
    assert list(by_case.values()) == sizes
    assert [item for part in parts for item in parse(part.text).items] == items


@pytest.mark.parametrize("count", [ITEMS_PER_PART, ITEMS_PER_CASE])
def test_a_full_part_of_pictures_with_their_quality_fits_in_one_message(count: int) -> None:
    pictures = [
        HashItem(
            kind=ItemKind.IMAGE,
            hashes=(
                ("pdq", f"{number + 1:064x}"),
                ("md5", f"{number:032x}"),
                ("phash", "f" * 16),
                ("dhash", "e" * 16),
            ),
            pdq_quality=100,  # the longest quality token
        )
        for number in range(count)
    ]
    parts = code_parts(pictures)
    assert max(part.count for part in parts) <= ITEMS_PER_PART
    assert all(len(part.text.encode()) <= 4096 for part in parts)  # sendData counts bytes
    assert all(part.text.count(" q100") == part.count for part in parts)
    assert [item.pdq_quality for part in parts for item in parse(part.text).items] == [100] * count


def test_contents_leave_out_other_files_and_name_copies() -> None:
    results = [
        _result("a.jpg", FileKind.IMAGE, "1" * 32),
        _result("notes.txt", FileKind.OTHER, "2" * 32),
        _result("copy of a.jpg", FileKind.IMAGE, "1" * 32),
        FileHashes(path="gone.jpg", kind=FileKind.IMAGE, error=Failure.NOT_FOUND),
        _result("clip.mp4", FileKind.VIDEO, "3" * 32),
    ]
    plain = code_contents(results)
    assert plain == CodeContents(
        items=(results[0].item(), results[4].item()),  # type: ignore[arg-type]
        copy_of={2: 0},
        left_out=frozenset({1}),
    )
    everything = code_contents(results, all_files=True)
    assert len(everything.items) == 3
    assert everything.left_out == frozenset()


def _paste_all(code: str, ctx: Context) -> list[tuple[HashItem, ...]]:
    """Paste each part of ``code`` into the engine as a person would; return the cases opened."""
    blocks = ["#reclaim" + block for block in code.split("#reclaim")[1:]]
    session, _ = step(Session(), Start(), ctx)
    for answer in ("me", "no", "adult", "yes"):  # the routing questions come first
        session, _ = step(session, Choice(answer), ctx)
    session, _ = step(session, Command("hash"), ctx)
    opened: list[tuple[HashItem, ...]] = []

    def open_case(session: Session) -> Session:
        session, effects = step(session, Choice("open"), ctx)
        opened.extend(effect.items for effect in effects if isinstance(effect, OpenCase))
        session, _ = step(session, CaseOpened("ABCD-EFGH-JKMN-P", "123456"), ctx)
        session, _ = step(session, CaseShown(), ctx)
        return session

    # Every part is pasted first: a part of the next case waits while a full one is open.
    for block in blocks:
        session, effects = step(session, Text(block), ctx)
        said = [effect.msgid for effect in effects if isinstance(effect, Say)]
        assert "hashes.found" in said or "hashes.queued" in said, said
    while session.pending:  # each case opened offers the next
        session = open_case(session)
    return opened


@pytest.mark.parametrize("count", [28, 30, 31, 59, 60, 61, 90])
def test_a_batch_needs_no_more_cases_than_it_must(
    count: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for number in range(count):
        (tmp_path / f"clip{number:03}.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(number))
    assert main(["--code", "--jobs", "1", str(tmp_path)]) == 0
    code = capsys.readouterr().out
    cases = _paste_all(code, make_ctx())
    assert len(cases) == math.ceil(count / ITEMS_PER_CASE)
    assert sum(len(case) for case in cases) == count
    assert all(len(case) <= ITEMS_PER_CASE for case in cases)
