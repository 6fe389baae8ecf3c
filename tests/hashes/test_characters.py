"""Invisible and direction characters in a paste: the first are left out, the second refuse it.

Read through ``parse``, as every caller reads a paste, with ``_characters.check`` tested on its
own for the line numbers it reports.
"""

from __future__ import annotations

import pytest

from bot.hashes._characters import DIRECTION_CONTROLS, check, is_invisible
from bot.hashes.hashcode import LineProblem, Problem, encode, parse
from tests.hashes.samples import FULL, MD5, PDQ, file, image

INVISIBLE = {
    "zero-width space": "\u200b",
    "zero-width non-joiner": "\u200c",
    "zero-width joiner": "\u200d",
    "word joiner": "\u2060",
    "byte order mark": "\ufeff",
    "soft hyphen": "\u00ad",
    "NUL": "\x00",
    "left-to-right mark": "\u200e",
}

DIRECTIONS = {
    "left-to-right embedding": "\u202a",
    "right-to-left embedding": "\u202b",
    "pop directional formatting": "\u202c",
    "left-to-right override": "\u202d",
    "right-to-left override": "\u202e",
    "left-to-right isolate": "\u2066",
    "right-to-left isolate": "\u2067",
    "first strong isolate": "\u2068",
    "pop directional isolate": "\u2069",
    "right-to-left mark": "\u200f",
    "arabic letter mark": "\u061c",
}


def inside(value: str, char: str, at: int = 10) -> str:
    return value[:at] + char + value[at:]


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_invisible_characters_inside_a_bare_hash_are_left_out(char: str) -> None:
    result = parse(f"{inside(PDQ, char)}\n{inside(MD5, char * 2, at=31)}")
    assert result.items == (image(), file())
    assert result.problems == ()
    assert result.removed == 3


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_invisible_characters_inside_a_code_are_left_out(char: str) -> None:
    code = encode([FULL, file()])
    damaged = char + inside(code, char, at=code.index(PDQ) + 20) + char
    result = parse(damaged)
    assert result.items == (FULL, file())
    assert result.problems == ()
    assert result.from_code
    assert result.removed == 3


def test_a_clean_paste_removes_nothing() -> None:
    assert parse(f"{PDQ}\n{MD5}").removed == 0


def test_a_paste_of_nothing_but_invisible_characters_is_empty() -> None:
    result = parse("\u200b\u00ad\x00 \ufeff")
    assert result.problems == (LineProblem(1, Problem.EMPTY),)
    assert result.removed == 4


@pytest.mark.parametrize("char", DIRECTIONS.values(), ids=DIRECTIONS.keys())
def test_direction_controls_refuse_the_whole_paste(char: str) -> None:
    code = encode([FULL, file()])
    result = parse(f"here it is\n{code.replace(MD5, inside(MD5, char))}")
    line = 1 + next(n for n, text in enumerate(code.splitlines(), 1) if MD5 in text)
    assert result.items == ()
    assert result.problems == (LineProblem(line, Problem.DIRECTION_CONTROL),)
    assert result.from_code  # so that it is explained wherever it is pasted


def test_a_direction_control_in_bare_lines_refuses_every_line() -> None:
    result = parse(f"{PDQ}\n{MD5}\n\u202e{MD5[::-1]}")
    assert result.items == ()
    assert result.problems == (LineProblem(3, Problem.DIRECTION_CONTROL),)
    assert not result.from_code


def test_check_names_the_first_line_with_a_direction_control() -> None:
    assert check("a\r\nb\u2067c\n\u202ed") == ("a\r\nb\u2067c\n\u202ed", 0, 2)
    assert check("a\u200bb\nc") == ("ab\nc", 1, None)


def test_the_two_sets_do_not_overlap() -> None:
    assert not any(is_invisible(char) for char in DIRECTION_CONTROLS)
    assert all(is_invisible(char) for char in INVISIBLE.values())
    assert set(DIRECTIONS.values()) == DIRECTION_CONTROLS
    assert not any(is_invisible(char) for char in "0a #-\n\t\u0430")
