"""Tests of bot.hashes.hashcode: writing hash codes and reading pastes back from a chat."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.hashes import hashcode, signals
from bot.hashes.hashcode import CODE_VERSION, LineProblem, ParseResult, Problem, encode, parse
from bot.hashes.items import HashItem, ItemKind
from tests.hashes.strategies import HEX, item_lists

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ2 = "9c3f0a1e5b7d2c4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
MD5_2 = "0cc175b9c0f1b6a831c399e269772661"
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
SHA512 = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce" * 2
PHASH = "95a1c3e7d0f2b4a6"
DHASH = "8c8c8e9e9c8c0c1c"


def image(pdq: str = PDQ, md5: str | None = None) -> HashItem:
    hashes = [("pdq", pdq)] + ([("md5", md5)] if md5 else [])
    return HashItem(kind=ItemKind.IMAGE, hashes=tuple(hashes))


def file(md5: str = MD5) -> HashItem:
    return HashItem(kind=ItemKind.FILE, hashes=(("md5", md5),))


FULL = HashItem(
    kind=ItemKind.IMAGE, hashes=(("pdq", PDQ), ("md5", MD5), ("phash", PHASH), ("dhash", DHASH))
)


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


def _problems(result: ParseResult) -> list[Problem]:
    return [problem.problem for problem in result.problems]


def test_missing_end_is_truncated() -> None:
    code = encode([FULL, file()])
    cut = code[: code.index("#end")]
    result = parse(cut)
    assert result == ParseResult((), (LineProblem(1, Problem.TRUNCATED),), True, 0)


def test_missing_beginning_is_truncated() -> None:
    code = encode([FULL, file()])
    rest = code[code.index("m ") :]
    result = parse("hello\n" + rest)
    assert _problems(result) == [Problem.TRUNCATED]
    assert result.problems[0].line == 3  # the line of "#end"
    assert result.items == ()


def test_unknown_version() -> None:
    code = encode([file()]).replace("#reclaim1", "#reclaim9")
    assert _problems(parse(code)) == [Problem.UNKNOWN_VERSION]
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
        lambda code: code.replace("m ", "m hello "),
        lambda code: code.replace("#reclaim1 2", "#reclaim1"),
    ],
)
def test_damaged_block_gives_no_items(damage: Callable[[str], str]) -> None:
    code = encode([FULL, file(MD5_2)])
    result = parse(damage(code))
    assert result.items == ()
    assert _problems(result) == [Problem.BAD_CHECKSUM]
    assert result.problems[0].line == 1


def test_count_must_match_even_with_a_matching_checksum() -> None:
    assert _problems(parse(block(f"m {MD5}", count=2))) == [Problem.BAD_CHECKSUM]
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
    assert _problems(result) == [Problem.TRUNCATED]


# ---------------------------------------------------------------------------------------------
# Bare lines


def _item_set(result: ParseResult) -> tuple[HashItem, ...]:
    return result.items


BARE_CASES: list[tuple[str, str, list[HashItem], list[Problem]]] = [
    ("pdq alone", PDQ, [image()], []),
    ("pdq upper case", PDQ.upper(), [image()], []),
    ("md5 alone is a file", MD5, [file()], []),
    ("md5sum output", f"{MD5}  IMG_2024.jpg", [file()], []),
    ("md5sum binary mode", f"{MD5} *IMG 2024.jpg", [file()], []),
    ("macOS md5", f"MD5 (IMG_2024.jpg) = {MD5}", [file()], []),
    ("powershell md5", f"MD5   {MD5.upper()}   C:\\Users\\me\\a.jpg", [file()], []),
    ("md5 prefix", f"md5: {MD5}", [file()], []),
    ("pdq prefix", f"PDQ:{PDQ}", [image()], []),
    ("pdq-photo-hasher", f"{PDQ},100,/home/me/photo.jpg", [image()], []),
    ("pdq-photo-hasher details", f"hash={PDQ},norm=128,quality=93,filename=a.jpg", [image()], []),
    ("0x prefix", f"0x{PDQ}", [image()], []),
    ("several on one line", f"{PDQ} {MD5}, {PDQ2}", [image(), file(), image(PDQ2)], []),
    ("bulleted list", f"- {PDQ}\n* {MD5}\n1. {PDQ2}", [image(), file(), image(PDQ2)], []),
    ("sha256sum output", f"{SHA256}  photo.jpg", [], [Problem.SHA256]),
    ("sha256 prefix", f"sha256:{SHA256}", [], [Problem.SHA256]),
    ("sha-256 prefix", f"SHA-256: {SHA256}", [], [Problem.SHA256]),
    ("shasum --tag", f"SHA256 (photo.jpg) = {SHA256}", [], [Problem.SHA256]),
    ("openssl 3", f"SHA2-256(photo.jpg)= {SHA256}", [], [Problem.SHA256]),
    ("powershell sha256", f"SHA256  {SHA256.upper()}  C:\\a.jpg", [], [Problem.SHA256]),
    (
        "certutil",
        f"SHA256 hash of photo.jpg:\n{SHA256}\nCertUtil: -hashfile command completed successfully.",
        [],
        [Problem.SHA256, Problem.NOT_A_HASH],
    ),
    (
        "old certutil byte groups",
        "SHA256 hash of a.jpg:\n" + " ".join(re.findall("..", SHA256)),
        [],
        [Problem.SHA256],
    ),
    ("sha1 by length", SHA1, [], [Problem.SHA1]),
    ("sha1sum output", f"{SHA1}  a.jpg", [], [Problem.SHA1]),
    ("sha512 by length", SHA512, [], [Problem.SHA512]),
    ("sha512 prefix", f"sha512: {SHA512}", [], [Problem.SHA512]),
    ("short hex", PDQ[:50], [], [Problem.WRONG_LENGTH]),
    ("cut off hex", "3f2a9b0c1d", [], [Problem.WRONG_LENGTH]),
    ("phash alone", PHASH, [], [Problem.WRONG_LENGTH]),
    ("labelled short md5", "md5: 1234abcd", [], [Problem.WRONG_LENGTH]),
    ("pdq label with md5 length", f"pdq: {MD5}", [], [Problem.WRONG_LENGTH]),
    ("letter o for zero", PDQ[:20] + "o" + PDQ[21:], [], [Problem.NOT_HEX]),
    ("letter g", MD5[:-1] + "g", [], [Problem.NOT_HEX]),
    ("flat pdq", "0" * 64, [], [Problem.FLAT_PDQ]),
    ("flat pdq upper", "F" * 64, [], [Problem.FLAT_PDQ]),
    ("prose", "hi, can you help me please", [], [Problem.NOT_A_HASH]),
    ("prose with short hex words", "I added a bead to my cafe", [], [Problem.NOT_A_HASH]),
    ("command line", "$ sha256sum photo.jpg", [], [Problem.NOT_A_HASH]),
    ("filename only", "IMG20240101123456.jpg", [], [Problem.NOT_A_HASH]),
    ("decoration lines are ignored", f"----\n{MD5}\n====", [file()], []),
    ("item line copied without its block", f"I {PDQ} {MD5} {PHASH} {DHASH}", [FULL], []),
    (
        "mixed",
        f"here:\n{PDQ}\n\n{SHA256}  b.jpg\n{MD5}\nthanks",
        [image(), file()],
        [Problem.NOT_A_HASH, Problem.SHA256, Problem.NOT_A_HASH],
    ),
]


@pytest.mark.parametrize(
    ("paste", "items", "problems"),
    [case[1:] for case in BARE_CASES],
    ids=[case[0] for case in BARE_CASES],
)
def test_bare_lines(paste: str, items: list[HashItem], problems: list[Problem]) -> None:
    result = parse(paste)
    assert result.items == tuple(items)
    assert _problems(result) == problems
    assert not result.from_code


def test_bare_line_numbers_count_every_line_and_crlf() -> None:
    result = parse(f"hello\r\n\r\n{SHA1}\r\n{PDQ}\r\n{MD5[:-1]}x")
    assert result.problems == (
        LineProblem(1, Problem.NOT_A_HASH),
        LineProblem(3, Problem.SHA1),
        LineProblem(5, Problem.NOT_HEX),
    )
    assert result.items == (image(),)


def test_bare_lines_are_deduplicated_after_normalising() -> None:
    result = parse(f"{PDQ}\n{PDQ.upper()}\n  {PDQ}  \n{MD5}\nmd5: {MD5}")
    assert result.items == (image(), file())
    assert result.duplicates == 3


@pytest.mark.parametrize("paste", ["", " ", "\n\n", "\t\r\n ", "\u00a0\u2028"])
def test_whitespace_only_is_empty(paste: str) -> None:
    assert parse(paste) == ParseResult((), (LineProblem(1, Problem.EMPTY),), False, 0)


@given(st.text(max_size=300))
def test_parse_never_crashes_on_any_text(text: str) -> None:
    result = parse(text)
    assert all(problem.line >= 1 for problem in result.problems)
    assert len(set(result.items)) == len(result.items)


def test_modules_do_no_io() -> None:
    for source in (hashcode.__file__, signals.__file__):
        assert source is not None
        with open(source, encoding="utf-8") as handle:
            text = handle.read()
        assert not re.search(r"^\s*(import|from)\s+(logging|os|io|socket|pathlib)\b", text, re.M)
        assert "print(" not in text
