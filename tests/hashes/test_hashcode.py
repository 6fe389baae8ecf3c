"""Tests of bot.hashes.hashcode: writing hash codes and reading pastes back from a chat.

Reading pastes without a hash code block (bare lines) is tested in ``test_barelines.py``.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.hashes import _grammar, barelines, hashcode, signals
from bot.hashes.hashcode import CODE_VERSION, LineProblem, ParseResult, Problem, encode, parse
from bot.hashes.items import HashItem, ItemKind
from tests.hashes.samples import (
    DHASH,
    FULL,
    MD5,
    MD5_2,
    PDQ,
    PDQ2,
    PHASH,
    SHA256,
    file,
    image,
    problems_of,
)
from tests.hashes.strategies import HEX, item_lists


def block(body: str, count: int) -> str:
    """A hand-written block with a correct check number, computed independently of the code."""
    canonical = " ".join([f"#reclaim{CODE_VERSION}", str(count), *body.split()])
    return f"#reclaim{CODE_VERSION} {count}\n{body}\n#end {zlib.crc32(canonical.encode()):08x}"


# ---------------------------------------------------------------------------------------------
# Encoding


def test_encode_layout_is_readable_and_checksummed() -> None:
    code = encode([FULL, file(MD5_2)])
    lines = code.split("\n")
    assert lines[0] == "#reclaim1 2"
    assert lines[1] == f"i {PDQ}"
    assert lines[2] == f"  {MD5} {PHASH} {DHASH}"
    assert lines[3] == f"m {MD5_2}"
    canonical = f"#reclaim1 2 i {PDQ} {MD5} {PHASH} {DHASH} m {MD5_2}"
    assert lines[4] == f"#end {zlib.crc32(canonical.encode()):08x}"
    assert len(lines) == 5


def test_encode_marks_missing_hashes_and_drops_trailing_ones() -> None:
    middle_missing = HashItem(ItemKind.IMAGE, (("pdq", PDQ), ("phash", PHASH)))
    code = encode([middle_missing, image()])
    assert f"i {PDQ} - {PHASH}" in " ".join(code.split())
    assert f"i {PDQ} #end" in " ".join(code.split())
    assert parse(code).items == (middle_missing, image())


def test_encode_empty_list_round_trips() -> None:
    code = encode([])
    assert code.startswith("#reclaim1 0\n#end ")
    assert parse(code) == ParseResult(items=(), problems=(), from_code=True, duplicates=0)


def test_twenty_full_images_fit_one_telegram_message(
    full_image: Callable[[], HashItem],
) -> None:
    items = [full_image() for _ in range(20)]
    code = encode(items)
    assert len(code) < 3000  # well under Telegram's 4,096 characters
    assert max(len(line) for line in code.splitlines()) <= 72
    assert parse(code).items == tuple(items)


@pytest.mark.parametrize(
    "item",
    [
        HashItem(ItemKind.IMAGE, (("md5", MD5),)),  # a picture needs PDQ
        HashItem(ItemKind.FILE, (("pdq", PDQ),)),  # a file carries MD5 only
        HashItem(ItemKind.FILE, ()),
        HashItem(ItemKind.IMAGE, (("pdq", PDQ), ("sha256", SHA256))),
        HashItem(ItemKind.IMAGE, (("pdq", PDQ), ("pdq", PDQ2))),
        HashItem(ItemKind.IMAGE, (("pdq", "0" * 64),)),  # flat
        HashItem(ItemKind.IMAGE, (("pdq", PDQ[:-1]),)),
        HashItem(ItemKind.FILE, (("md5", "z" * 32),)),
    ],
)
def test_encode_refuses_items_it_cannot_carry(item: HashItem) -> None:
    with pytest.raises(ValueError, match=r"item|hash"):
        encode([image(), item])


def test_encode_normalises_case() -> None:
    assert encode([file(MD5.upper())]) == encode([file(MD5)])


# ---------------------------------------------------------------------------------------------
# Round trip and tolerance


@given(item_lists())
def test_round_trip(items: list[HashItem]) -> None:
    assert parse(encode(items)) == ParseResult(
        items=tuple(items), problems=(), from_code=True, duplicates=0
    )


def _rewrap(code: str, width: int) -> str:
    """Re-flow the tokens into lines of about ``width`` characters, like a chat app does."""
    lines, current = [], ""
    for token in code.split():
        if current and len(current) + 1 + len(token) > width:
            lines.append(current)
            current = token
        else:
            current = f"{current} {token}".strip()
    return "\n".join([*lines, current])


def _hard_wrap(code: str, width: int) -> str:
    """Cut every line at ``width`` characters, even inside a hash, like an old terminal does."""
    return "\n".join(
        line[start : start + width]
        for line in code.splitlines()
        for start in range(0, len(line), width)
    )


TRANSFORMS: dict[str, Callable[[str], str]] = {
    "upper case": str.upper,
    "windows line endings": lambda code: code.replace("\n", "\r\n"),
    "old mac line endings": lambda code: code.replace("\n", "\r"),
    "capitalised lines": lambda code: "\n".join(
        line[:1].upper() + line[1:] for line in code.split("\n")
    ),
    "extra spaces and tabs": lambda code: code.replace(" ", "  \t ").replace("\n", " \n\n  "),
    "one long line": lambda code: " ".join(code.split()),
    "rewrapped at 30": lambda code: _rewrap(code, 30),
    "rewrapped at 100": lambda code: _rewrap(code, 100),
    "hard wrapped at 23": lambda code: _hard_wrap(code, 23),
    "hard wrapped at 40": lambda code: _hard_wrap(code, 40),
    "chat noise around": lambda code: f"ok here it is!! 🙏\n\n{code}\n\nthanks, is that right?",
    "inside a sentence": lambda code: f"my code is {' '.join(code.split())} hope it works",
    "code fence": lambda code: f"```\n{code}\n```",
    "glued code fence": lambda code: f"```{code}```",
    "telegram quote": lambda code: "\n".join(f"> {line}" for line in code.split("\n")),
    "non-breaking spaces": lambda code: code.replace(" ", "\u00a0"),
    "fullwidth characters": lambda code: code.replace("#", "＃").replace("1", "１"),
    "trailing whitespace": lambda code: f"  \n\t{code}   \n\n",
}


@pytest.mark.parametrize("transform", TRANSFORMS.values(), ids=TRANSFORMS.keys())
@given(items=item_lists(max_size=5))
@settings(max_examples=25)
def test_paste_survives_chat_and_terminal_damage(
    transform: Callable[[str], str], items: list[HashItem]
) -> None:
    result = parse(transform(encode(items)))
    assert result.items == tuple(items)
    assert result.problems == ()
    assert result.from_code


def _tokens(code: str) -> list[str]:
    return code.split()


def _change(token: str) -> str:
    """A different token of the same shape (case changes do not count: case is ignored)."""
    if token.startswith("#reclaim"):
        return "#reclaim9"
    if token == "#end":
        return "#and"
    if token.isdigit():
        return str(int(token) + 1)
    if token in {"i", "m"}:
        return {"i": "m", "m": "i"}[token]
    if token == "-":
        return "0" * 16
    middle = len(token) // 2
    replacement = HEX[(HEX.index(token[middle]) + 7) % 16]
    return token[:middle] + replacement + token[middle + 1 :]


@given(items=item_lists(max_size=4).filter(bool), data=st.data())
def test_any_single_removed_token_is_detected(items: list[HashItem], data: st.DataObject) -> None:
    tokens = _tokens(encode(items))
    index = data.draw(st.integers(0, len(tokens) - 1))
    result = parse(" ".join(tokens[:index] + tokens[index + 1 :]))
    assert result.items == ()
    assert result.problems
    assert result.from_code


@given(items=item_lists(max_size=4), data=st.data())
def test_any_single_changed_token_is_detected(items: list[HashItem], data: st.DataObject) -> None:
    tokens = _tokens(encode(items))
    index = data.draw(st.integers(0, len(tokens) - 1))
    changed = [*tokens]
    changed[index] = _change(tokens[index])
    assume(changed[index].lower() != tokens[index].lower())
    result = parse("\n".join(changed))
    assert result.items == ()
    assert result.problems


def test_every_token_position_is_protected(full_image: Callable[[], HashItem]) -> None:
    items = [full_image(), file(MD5), HashItem(ItemKind.IMAGE, (("pdq", PDQ2), ("phash", PHASH)))]
    tokens = _tokens(encode(items))
    for index in range(len(tokens)):
        removed = parse(" ".join(tokens[:index] + tokens[index + 1 :]))
        changed = parse(" ".join([*tokens[:index], _change(tokens[index]), *tokens[index + 1 :]]))
        assert (removed.items, changed.items) == ((), ()), tokens[index]
        assert removed.problems
        assert changed.problems


# ---------------------------------------------------------------------------------------------
# Damaged blocks


def test_missing_end_is_truncated() -> None:
    code = encode([FULL, file()])
    cut = code[: code.index("#end")]
    result = parse(cut)
    assert result == ParseResult((), (LineProblem(1, Problem.TRUNCATED),), True, 0)


def test_missing_beginning_is_truncated() -> None:
    code = encode([FULL, file()])
    rest = code[code.index("m ") :]
    result = parse("hello\n" + rest)
    assert problems_of(result) == [Problem.TRUNCATED]
    assert result.problems[0].line == 3  # the line of "#end"
    assert result.items == ()


def test_unknown_version() -> None:
    code = encode([file()]).replace("#reclaim1", "#reclaim9")
    assert problems_of(parse(code)) == [Problem.UNKNOWN_VERSION]
    assert parse(code).items == ()


@pytest.mark.parametrize(
    "damage",
    [
        lambda code: code[: code.rindex(" ")] + " 00000000",  # wrong check number
        lambda code: code[: code.rindex(" ")],  # check number missing
        lambda code: code[: code.rindex(" ")] + " thanks",
        lambda code: code.replace(MD5_2, MD5_2[:-1]),  # one digit lost
        lambda code: code.replace(MD5_2, MD5_2 + "0"),
        lambda code: code.replace(MD5_2, MD5_2[:10] + "o" + MD5_2[11:]),  # letter o for zero
        lambda code: code.replace(MD5_2, MD5_2.replace("e", "\u0435")),  # a Cyrillic look-alike
        lambda code: code.replace("m ", "m hello "),
        lambda code: code.replace("#reclaim1 2", "#reclaim1"),
    ],
)
def test_damaged_block_gives_no_items(damage: Callable[[str], str]) -> None:
    code = encode([FULL, file(MD5_2)])
    result = parse(damage(code))
    assert result.items == ()
    assert problems_of(result) == [Problem.BAD_CHECKSUM]
    assert result.problems[0].line == 1


def test_count_must_match_even_with_a_matching_checksum() -> None:
    assert problems_of(parse(block(f"m {MD5}", count=2))) == [Problem.BAD_CHECKSUM]
    assert parse(block(f"m {MD5}", count=1)).items == (file(),)


def test_flat_pdq_inside_a_valid_block_is_named() -> None:
    result = parse(block(f"m {MD5}\ni {'0' * 64} {MD5_2}\ni {PDQ}", count=3))
    assert result.items == (file(), image())
    assert result.problems == (LineProblem(3, Problem.FLAT_PDQ),)


def test_block_hides_bare_lines_around_it() -> None:
    paste = f"{MD5_2}\n{encode([image()])}\n{SHA256}  photo.jpg"
    result = parse(paste)
    assert result.items == (image(),)
    assert result.problems == ()


def test_several_blocks_are_merged_and_deduplicated() -> None:
    first = encode([image(), file()])
    second = encode([file(), file(MD5_2)])
    result = parse(f"{first}\nand the videos:\n{second}")
    assert result.items == (image(), file(), file(MD5_2))
    assert result.duplicates == 1
    assert result.from_code


def test_good_block_next_to_damaged_block() -> None:
    good = encode([file()])
    bad = encode([file(MD5_2)]).replace(MD5_2, MD5_2[::-1])
    result = parse(f"{bad}\n\n{good}")
    assert result.items == (file(),)
    assert result.problems == (LineProblem(1, Problem.BAD_CHECKSUM),)


def test_start_followed_by_another_start_is_truncated() -> None:
    good = encode([file()])
    cut = encode([file(MD5_2)]).split("#end")[0]
    result = parse(cut + good)
    assert result.items == (file(),)
    assert problems_of(result) == [Problem.TRUNCATED]


# ---------------------------------------------------------------------------------------------
# Any paste


@pytest.mark.parametrize("paste", ["", " ", "\n\n", "\t\r\n ", "\u00a0\u2028"])
def test_whitespace_only_is_empty(paste: str) -> None:
    assert parse(paste) == ParseResult((), (LineProblem(1, Problem.EMPTY),), False, 0)


@given(st.text(max_size=300))
def test_parse_never_crashes_on_any_text(text: str) -> None:
    result = parse(text)
    assert all(problem.line >= 1 for problem in result.problems)
    assert len(set(result.items)) == len(result.items)


def test_modules_do_no_io() -> None:
    for module in (hashcode, barelines, _grammar, signals):
        source = module.__file__
        assert source is not None
        with open(source, encoding="utf-8") as handle:
            text = handle.read()
        assert not re.search(r"^\s*(import|from)\s+(logging|os|io|socket|pathlib)\b", text, re.M)
        assert "print(" not in text
