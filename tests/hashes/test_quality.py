"""Tests of the PDQ quality score in hash codes: written after a picture's PDQ, read back, and
optional, so codes from companions that never wrote it read exactly as before."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.hashes.hashcode import Problem, encode, parse
from bot.hashes.items import HashItem, ItemKind
from tests.hashes.samples import FULL, MD5, MD5_2, PDQ, PDQ2, problems_of
from tests.hashes.strategies import item_lists
from tests.hashes.test_hashcode import block

OLD_CODE = """#reclaim1 3
i 9c3f9c3f9c3f9c3f9c3f9c3f9c3f9c3f9c3f9c3f9c3f9c3f9c3f9c3f9c3f9c3f
  d41d8cd98f00b204e9800998ecf8427e 95a1c3e7d0f2b4a6 8c8c8e9e9c8c0c1c
i 5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a
  0cc175b9c0f1b6a831c399e269772661 - 0f0f0f0f0f0f0f0f
m 900150983cd24fb0d6963f7d28e17f72
#end afa545d8"""
"""A code exactly as companions wrote it before the quality score existed."""

OLD_ITEMS = (
    HashItem(
        ItemKind.IMAGE,
        (
            ("pdq", "9c3f" * 16),
            ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
            ("phash", "95a1c3e7d0f2b4a6"),
            ("dhash", "8c8c8e9e9c8c0c1c"),
        ),
    ),
    HashItem(
        ItemKind.IMAGE,
        (("pdq", "5a" * 32), ("md5", "0cc175b9c0f1b6a831c399e269772661"), ("dhash", "0f" * 8)),
    ),
    HashItem(ItemKind.FILE, (("md5", "900150983cd24fb0d6963f7d28e17f72"),)),
)


def _with(item: HashItem, quality: int | None) -> HashItem:
    return HashItem(item.kind, item.hashes, pdq_quality=quality)


def test_a_code_from_a_companion_without_quality_reads_as_before() -> None:
    result = parse(OLD_CODE)
    assert result.problems == ()
    assert result.items == OLD_ITEMS
    assert [item.pdq_quality for item in result.items] == [None, None, None]
    assert encode(OLD_ITEMS) == OLD_CODE  # and items without a quality are written as before


def test_the_quality_is_written_after_the_pdq_on_its_line() -> None:
    code = encode([_with(FULL, 100), HashItem(ItemKind.FILE, (("md5", MD5_2),))])
    lines = code.splitlines()
    assert lines[1] == f"i {PDQ} q100"
    assert len(lines[1]) == 71
    assert max(len(line) for line in lines) <= 72
    assert [item.pdq_quality for item in parse(code).items] == [100, None]


@given(item_lists())
def test_qualities_survive_the_round_trip(items: list[HashItem]) -> None:
    result = parse(encode(items))
    assert result.problems == ()
    assert [item.pdq_quality for item in result.items] == [item.pdq_quality for item in items]


@given(item_lists(max_size=4), st.randoms(use_true_random=False))
def test_rewrapped_and_capitalised_codes_keep_their_qualities(
    items: list[HashItem], rng: random.Random
) -> None:
    tokens = encode(items).split()
    spaced = "".join(token.upper() + rng.choice([" ", "\n", "  ", "\t"]) for token in tokens)
    assert [item.pdq_quality for item in parse(spaced).items] == [i.pdq_quality for i in items]


def test_a_changed_quality_is_caught_by_the_check_number() -> None:
    code = encode([_with(FULL, 87)])
    assert problems_of(parse(code.replace(" q87", " q78"))) == [Problem.BAD_CHECKSUM]
    assert problems_of(parse(code.replace(" q87", ""))) == [Problem.BAD_CHECKSUM]


@pytest.mark.parametrize(
    "body",
    [
        f"i {PDQ} q101 {MD5}",  # over 100
        f"i {PDQ} q087 {MD5}",  # a leading zero is never written
        f"i {PDQ} q {MD5}",
        f"i {PDQ} {MD5} q87",  # only right after the PDQ
        f"m {MD5} q87",  # a video has no PDQ
        f"i {PDQ} q87 q87 {MD5}",
    ],
)
def test_a_quality_token_out_of_place_or_range_makes_the_block_unreadable(body: str) -> None:
    result = parse(block(body, 1))
    assert result.items == ()
    assert problems_of(result) == [Problem.BAD_CHECKSUM]


def test_a_hand_written_block_with_a_quality_is_read() -> None:
    result = parse(block(f"i {PDQ} q0 {MD5}\ni {PDQ2} q55", 2))
    assert result.problems == ()
    assert [item.pdq_quality for item in result.items] == [0, 55]
    assert result.items[0].get("md5") == MD5


def test_a_line_copied_out_of_a_code_keeps_its_quality() -> None:
    result = parse(f"i {PDQ} q64 {MD5}")
    assert result.problems == ()
    assert result.from_code is False
    assert [(item.get("md5"), item.pdq_quality) for item in result.items] == [(MD5, 64)]


def test_the_same_picture_with_and_without_a_quality_is_one_item() -> None:
    pasted = encode([_with(FULL, 90)]) + "\n\n" + encode([FULL])
    result = parse(pasted)
    assert len(result.items) == 1
    assert result.duplicates == 1
    assert result.items[0].pdq_quality == 90  # the first one read is kept


@pytest.mark.parametrize("quality", [-1, 101, True, 50.0])
def test_encode_refuses_a_quality_that_is_not_a_whole_number_from_0_to_100(
    quality: object,
) -> None:
    with pytest.raises(ValueError, match="0 to 100"):
        encode([HashItem(ItemKind.IMAGE, FULL.hashes, pdq_quality=quality)])  # type: ignore[arg-type]


def test_encode_refuses_a_quality_on_a_file() -> None:
    with pytest.raises(ValueError, match="no PDQ"):
        encode([HashItem(ItemKind.FILE, (("md5", MD5),), pdq_quality=50)])
