"""Tests for case numbers and PINs (``bot/cases/ids.py``): formats, typo detection, PIN hashing.

Belongs here: pure tests of ``ids``. Storage belongs in ``test_store.py``; lockout and timing in
``test_lockout.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cases import ids

CANONICAL = re.compile(
    r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]"
)
values = st.integers(min_value=0, max_value=2**60 - 1)
FAST_N = 16


def symbols(number: str) -> list[str]:
    return list(number.replace("-", ""))


# Case numbers ---------------------------------------------------------------------------------


def test_alphabet_is_crockford() -> None:
    assert ids.ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    assert len(set(ids.ALPHABET)) == 32


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0000-0000-0000-0"),
        # Worked by hand: the last data symbol (1) is doubled: sum 2, check (32 - 2) = 30 = Y.
        (1, "0000-0000-0001-Y"),
        # Twelve Z (31): doubled 62 -> 1 + 30 = 31, so the sum is 12 * 31 = 372 = 20 mod 32,
        # and the check is 32 - 20 = 12 = C.
        (2**60 - 1, "ZZZZ-ZZZZ-ZZZZ-C"),
        # 16 -> G in the last place is doubled: 32 -> 1 + 0 = 1, check 31 = Z.
        (16, "0000-0000-000G-Z"),
    ],
)
def test_known_check_symbols(value: int, expected: str) -> None:
    assert ids.case_number_from_int(value) == expected


@pytest.mark.parametrize("value", [-1, 2**60])
def test_out_of_range_values_are_refused(value: int) -> None:
    with pytest.raises(ValueError, match="range"):
        ids.case_number_from_int(value)


def test_new_case_numbers_are_canonical_valid_and_distinct() -> None:
    numbers = [ids.new_case_number() for _ in range(2000)]
    assert all(CANONICAL.fullmatch(number) for number in numbers)
    assert all(ids.parse_case_number(number) == number for number in numbers)
    assert len(set(numbers)) == len(numbers)
    # 60 random bits: across 2000 numbers every symbol shows up in the first position.
    assert len({number[0] for number in numbers}) == 32


@pytest.mark.parametrize(
    "typed",
    [
        "0000-0000-0001-Y",
        "0000 0000 0001 Y",
        "00000000 0001y",
        "oooo.oooo.ooo1.y",  # O for zero
        "0000-0000-000I-Y",  # I for one
        "0000-0000-000l-Y",  # l for one
        "0000\u20130000\u20140001\u2010Y",  # dashes a phone keyboard may insert
        "\uff10" * 11 + "\uff11\uff39",  # full-width forms
        "  0000-0000-0001-Y\n",
    ],
)
def test_forgiving_parse(typed: str) -> None:
    assert ids.parse_case_number(typed) == "0000-0000-0001-Y"
    assert ids.case_number_problem(typed) is None


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", "length"),
        ("0000-0000-0001", "length"),  # check symbol missing
        ("0000-0000-0001-YY", "length"),
        ("0000-0000-00001-Y", "length"),
        ("0000-0000-000U-Y", "characters"),  # U is not in the alphabet
        ("0000-0000-0001-#", "characters"),
        ("0000_0000_0001_Y", "characters"),
        ("0000-0000-0001-Z", "check"),
        ("0000-0000-0002-Y", "check"),
    ],
)
def test_problems_are_named(typed: str, problem: ids.CaseNumberProblem) -> None:
    assert ids.case_number_problem(typed) == problem
    assert ids.parse_case_number(typed) is None


@given(values, st.integers(0, 12), st.integers(1, 31))
def test_every_single_substitution_is_caught(value: int, position: int, shift: int) -> None:
    typed = symbols(ids.case_number_from_int(value))
    typed[position] = ids.ALPHABET[(ids.ALPHABET.index(typed[position]) + shift) % 32]
    assert ids.case_number_problem("".join(typed)) == "check"


def test_every_single_substitution_is_caught_exhaustively_for_one_number() -> None:
    number = symbols(ids.new_case_number())
    for position, symbol in itertools.product(range(13), ids.ALPHABET):
        if symbol == number[position]:
            continue
        typed = [*number[:position], symbol, *number[position + 1 :]]
        assert ids.parse_case_number("".join(typed)) is None, (position, symbol)


def transposition_undetected(number: list[str], position: int) -> bool:
    swapped = list(number)
    swapped[position], swapped[position + 1] = swapped[position + 1], swapped[position]
    return ids.parse_case_number("".join(swapped)) is not None


def number_with_pair(position: int, first: int, second: int) -> list[str]:
    """A valid number whose symbols at ``position`` and ``position + 1`` have these values.

    When ``position + 1`` is the check symbol, the first data symbol is chosen to make it come
    out right: its contribution to the sum runs through all 32 values as it does.
    """
    for lead in range(32):
        digits = [lead] + [0] * 11
        digits[position] = first
        if position + 1 < 12:
            digits[position + 1] = second
        number = symbols(ids.case_number_from_int(int("".join(f"{d:05b}" for d in digits), 2)))
        if ids.ALPHABET.index(number[position + 1]) == second and (
            ids.ALPHABET.index(number[position]) == first
        ):
            return number
    raise AssertionError("no such number")


def test_adjacent_transpositions_measured_exhaustively() -> None:
    """Every adjacent position (the last pair is data/check) and every ordered symbol pair.

    Luhn mod 32 misses a swap of a and b exactly when f(a) - a == f(b) - b, with f the
    doubling step; that happens only for 0 and Z (31), in either order, at every position.
    """
    undetected: set[tuple[str, str]] = set()
    trials = misses = 0
    for position in range(12):
        for first, second in itertools.permutations(range(32), 2):
            number = number_with_pair(position, first, second)
            trials += 1
            if transposition_undetected(number, position):
                misses += 1
                undetected.add((number[position], number[position + 1]))
    assert trials == 12 * 992
    assert undetected == {("0", "Z"), ("Z", "0")}
    assert misses == 12 * 2  # 99.8 % of adjacent swaps of distinct symbols are caught


@given(values, st.integers(0, 11))
def test_adjacent_transpositions_caught_unless_zero_and_z(value: int, position: int) -> None:
    number = symbols(ids.case_number_from_int(value))
    pair = {number[position], number[position + 1]}
    if len(pair) == 1:
        return  # swapping two equal symbols is no typo
    assert transposition_undetected(number, position) == (pair == {"0", "Z"})


# PINs ----------------------------------------------------------------------------------------


def test_new_pins_are_six_random_digits() -> None:
    pins = [ids.new_pin() for _ in range(500)]
    assert all(len(pin) == 6 and pin.isascii() and pin.isdigit() for pin in pins)
    assert len(set(pins)) > 490
    assert {pin[0] for pin in pins} == set("0123456789")  # leading zeros are kept


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("012345", "012345"),
        ("012 345", "012345"),
        (" 01-23-45 ", "012345"),
        ("\u0660\u0661\u0662\u0663\u0664\u0665", "012345"),  # Arabic-Indic digits
        ("\uff10\uff11\uff12\uff13\uff14\uff15", "012345"),  # full width
        ("12345", None),
        ("1234567", None),
        ("12a456", None),
        ("", None),
        ("12345\u00b2", None),  # superscript two is a digit but not a decimal
    ],
)
def test_parse_pin(typed: str, expected: str | None) -> None:
    assert ids.parse_pin(typed) == expected


def test_hash_pin_is_the_documented_formula() -> None:
    salt, pepper = b"s" * 16, b"pepper" * 4
    keyed = hmac.new(pepper, b"123456", hashlib.sha256).digest()
    expected = hashlib.scrypt(keyed, salt=salt, n=2**14, r=8, p=1, dklen=32)
    assert ids.SCRYPT_N == 2**14
    assert ids.hash_pin("123456", salt, pepper) == expected  # production cost by default
    cheap = hashlib.scrypt(keyed, salt=salt, n=FAST_N, r=8, p=1, dklen=32)
    assert ids.hash_pin("123456", salt, pepper, n=FAST_N) == cheap


def test_hash_pin_depends_on_every_input() -> None:
    base = ids.hash_pin("123456", b"a" * 16, b"p" * 16, n=FAST_N)
    assert len(base) == 32
    assert ids.hash_pin("123457", b"a" * 16, b"p" * 16, n=FAST_N) != base
    assert ids.hash_pin("123456", b"b" * 16, b"p" * 16, n=FAST_N) != base
    assert ids.hash_pin("123456", b"a" * 16, b"q" * 16, n=FAST_N) != base
    assert ids.hash_pin("123456", b"a" * 16, b"p" * 16, n=FAST_N * 2) != base


@pytest.mark.parametrize("pin", ["12345", "123 456", "\u0661\u0662\u0663\u0664\u0665\u0666"])
def test_hash_pin_wants_canonical_pins(pin: str) -> None:
    with pytest.raises(ValueError, match="six ASCII digits"):
        ids.hash_pin(pin, b"a" * 16, b"p" * 16, n=FAST_N)


@pytest.mark.parametrize("n", [0, 1, 3, 24])
def test_bad_scrypt_cost_is_refused(n: int) -> None:
    with pytest.raises(ValueError, match="power of two"):
        ids.hash_pin("123456", b"a" * 16, b"p" * 16, n=n)


def test_empty_pepper_is_refused() -> None:
    with pytest.raises(ValueError, match="pepper"):
        ids.hash_pin("123456", b"a" * 16, b"", n=FAST_N)


def test_verify_pin() -> None:
    salt, pepper = ids.new_salt(), b"p" * 16
    assert len(salt) == ids.PIN_SALT_BYTES
    stored = ids.hash_pin("000123", salt, pepper, n=FAST_N)
    assert ids.verify_pin("000123", salt, pepper, stored, n=FAST_N)
    assert not ids.verify_pin("000124", salt, pepper, stored, n=FAST_N)
    assert not ids.verify_pin("000123", salt, b"q" * 16, stored, n=FAST_N)
    assert not ids.verify_pin("000123", salt, pepper, stored, n=FAST_N * 2)
    assert not ids.verify_pin("00 0123", salt, pepper, stored, n=FAST_N)  # not canonical


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("123456", True),
        ("PIN: 123-456", True),
        ("ABCD-EFGH-JKMN-P 123 456", True),
        ("ABCD-EFGH-JKMN-P\n123456", True),
        ("١٢٣٤٥٦", True),
        ("12345", False),
        ("1234567", False),
        ("x123456", False),
        ("d41d8cd98f00b204e9800998ecf8427e", False),
        ("ABCD-EFGH-JKMN-P", False),
    ],
)
def test_may_hold_pin(text: str, expected: bool) -> None:
    assert ids.may_hold_pin(text) is expected


def test_a_number_and_pin_copied_from_a_right_to_left_message_still_read() -> None:
    number = ids.new_case_number()
    assert ids.parse_case_number(f"\u2068{number}\u2069") == number
    assert ids.parse_case_number(f"\u200f{number}\u200e") == number
    assert ids.parse_pin("\u2068123456\u2069") == "123456"
    assert ids.may_hold_pin("\u2068123456\u2069")
