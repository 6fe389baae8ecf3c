"""Tests of the hash types in bot.hashes.signals: validation, normalisation, distance."""

from __future__ import annotations

import pytest
from hypothesis import given

from bot.hashes.signals import (
    SIGNALS,
    DHashSignal,
    InvalidHash,
    Md5Signal,
    PdqSignal,
    PHashSignal,
    Signal,
)
from tests.hashes.strategies import hex_text

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
PHASH = "95a1c3e7d0f2b4a6"


def test_registry_lists_every_signal_by_name_pdq_first() -> None:
    assert list(SIGNALS) == ["pdq", "md5", "phash", "dhash"]
    for name, signal in SIGNALS.items():
        assert signal.name == name
        assert issubclass(signal, Signal)


@pytest.mark.parametrize(
    ("signal", "hex_length", "threshold"),
    [(PdqSignal, 64, 31), (Md5Signal, 32, 0), (PHashSignal, 16, 10), (DHashSignal, 16, 10)],
)
def test_signal_constants(signal: type[Signal], hex_length: int, threshold: int) -> None:
    assert signal.hex_length == hex_length
    assert signal.match_threshold == threshold


@pytest.mark.parametrize(
    ("signal", "raw", "expected"),
    [
        (PdqSignal, PDQ, PDQ),
        (PdqSignal, PDQ.upper(), PDQ),
        (PdqSignal, f"  {PDQ}\r\n", PDQ),
        (PdqSignal, f"{PDQ[:30]} {PDQ[30:]}", PDQ),
        (Md5Signal, MD5.upper(), MD5),
        (Md5Signal, f"\t{MD5} ", MD5),
        (PHashSignal, PHASH.upper(), PHASH),
        (DHashSignal, f" {PHASH}", PHASH),
    ],
)
def test_validate_normalises(signal: type[Signal], raw: str, expected: str) -> None:
    assert signal.validate(raw) == expected
    assert signal.is_valid(raw)


@pytest.mark.parametrize(
    ("signal", "raw", "reason"),
    [
        (PdqSignal, PDQ[:-1], "length"),
        (PdqSignal, PDQ + "0", "length"),
        (PdqSignal, MD5, "length"),
        (PdqSignal, "", "not_hex"),
        (PdqSignal, "   ", "not_hex"),
        (PdqSignal, PDQ[:-1] + "g", "not_hex"),
        (PdqSignal, "0x" + PDQ[2:], "not_hex"),
        (PdqSignal, "0" * 64, "flat"),
        (PdqSignal, "F" * 64, "flat"),
        (Md5Signal, PDQ, "length"),
        (Md5Signal, MD5[:-1] + "z", "not_hex"),
        (Md5Signal, MD5[:31], "length"),
        (PHashSignal, PHASH + "0", "length"),
        (DHashSignal, "-" * 16, "not_hex"),
    ],
)
def test_validate_rejects_with_reason(signal: type[Signal], raw: str, reason: str) -> None:
    with pytest.raises(InvalidHash) as caught:
        signal.validate(raw)
    assert caught.value.reason == reason
    assert caught.value.signal == signal.name
    assert isinstance(caught.value, ValueError)
    assert not signal.is_valid(raw)


def test_error_message_never_contains_the_value() -> None:
    with pytest.raises(InvalidHash) as caught:
        Md5Signal.validate(PDQ)
    assert PDQ not in str(caught.value)


def test_only_pdq_refuses_flat_values() -> None:
    assert Md5Signal.validate("0" * 32) == "0" * 32
    assert PHashSignal.validate("f" * 16) == "f" * 16


@pytest.mark.parametrize(
    ("signal", "a", "b", "expected"),
    [
        (PdqSignal, PDQ, PDQ, 0),
        (PdqSignal, PDQ, PDQ[:-1] + "3", 1),  # 2 -> 3 flips one bit
        (PdqSignal, PDQ, PDQ[:-1] + "c", 3),  # 0010 -> 1100 flips three bits
        (PdqSignal, "1" + "0" * 63, "e" + "0" * 63, 4),
        (PHashSignal, "0" * 16, "f" * 16, 64),
        (DHashSignal, "00000000000000ff", "0000000000000000", 8),
        (Md5Signal, MD5, MD5.upper(), 0),
        (Md5Signal, MD5, MD5[:-1] + "f", 1),
        (Md5Signal, "0" * 32, "f" * 32, 1),
    ],
)
def test_distance(signal: type[Signal], a: str, b: str, expected: int) -> None:
    assert signal.distance(a, b) == expected
    assert signal.distance(b, a) == expected


def test_matches_uses_threshold() -> None:
    flipped_31 = f"{int(PDQ, 16) ^ ((1 << 31) - 1):064x}"
    flipped_32 = f"{int(PDQ, 16) ^ ((1 << 32) - 1):064x}"
    assert PdqSignal.distance(PDQ, flipped_31) == 31
    assert PdqSignal.matches(PDQ, flipped_31)
    assert not PdqSignal.matches(PDQ, flipped_32)
    assert Md5Signal.matches(MD5, MD5.upper())
    assert not Md5Signal.matches(MD5, MD5[:-1] + "f")


def test_distance_validates_its_inputs() -> None:
    with pytest.raises(InvalidHash):
        PdqSignal.distance(PDQ, PDQ[:-2])
    with pytest.raises(InvalidHash):
        Md5Signal.distance("not a hash", MD5)


@given(hex_text(16), hex_text(16), hex_text(16))
def test_hamming_distance_is_a_metric(a: str, b: str, c: str) -> None:
    assert PHashSignal.distance(a, b) == sum(
        bin(int(x, 16) ^ int(y, 16)).count("1") for x, y in zip(a, b, strict=True)
    )
    assert (PHashSignal.distance(a, b) == 0) == (a == b)
    assert PHashSignal.distance(a, c) <= PHashSignal.distance(a, b) + PHashSignal.distance(b, c)
