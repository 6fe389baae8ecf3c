"""Hash types ("signals"): one small class per kind of hash, in the style of ThreatExchange.

Each signal knows its name, the length of its hex form, how to validate and normalise a value
and how far apart two values are. Hashes travel as lowercase hex strings everywhere in Reclaim.

What belongs here: rules about single hash values. What does not: computing hashes from files
(``bot.companion``), the text block that carries many hashes (``hashcode.py``), and the item
types (``items.py``). Pure code: no I/O, and error messages never contain the value itself.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar

__all__ = [
    "SIGNALS",
    "DHashSignal",
    "InvalidHash",
    "Md5Signal",
    "PHashSignal",
    "PdqSignal",
    "Signal",
]

_HEX_DIGITS = frozenset(string.hexdigits.lower())


class InvalidHash(ValueError):  # noqa: N818 (the name is part of the public API)
    """A value is not a valid hash of a signal type.

    Attributes:
        reason: machine-readable cause: ``"length"``, ``"not_hex"`` or ``"flat"``.
        signal: the name of the signal the value was checked against.
    """

    LENGTH: ClassVar[str] = "length"
    NOT_HEX: ClassVar[str] = "not_hex"
    FLAT: ClassVar[str] = "flat"

    def __init__(self, reason: str, signal: str, detail: str) -> None:
        super().__init__(f"invalid {signal} hash: {detail}")
        self.reason = reason
        self.signal = signal


class Signal:
    """Base class of all hash types; every method is a classmethod.

    Subclasses set ``name``, ``hex_length`` and ``match_threshold`` and may extend
    ``validate`` (as PDQ does to refuse hashes of blank images).
    """

    name: ClassVar[str]
    """Short lowercase name used in items and hash codes: ``"pdq"``, ``"md5"``, ..."""
    hex_length: ClassVar[int]
    """Number of hex digits of a value."""
    match_threshold: ClassVar[int]
    """Largest distance at which two values count as the same content."""
    perceptual: ClassVar[bool] = True
    """True when similar content gives close values (hamming distance applies)."""

    @classmethod
    def validate(cls, value: str) -> str:
        """Check a value and return it normalised.

        Args:
            value: a hash as typed or pasted; surrounding and inner whitespace is ignored and
                upper case is accepted.

        Returns:
            The value as lowercase hex.

        Raises:
            InvalidHash: with ``reason`` ``"not_hex"`` or ``"length"``.
        """
        normalised = "".join(value.split()).lower()
        if not normalised or not _HEX_DIGITS.issuperset(normalised):
            raise InvalidHash(InvalidHash.NOT_HEX, cls.name, "not hexadecimal")
        if len(normalised) != cls.hex_length:
            raise InvalidHash(
                InvalidHash.LENGTH,
                cls.name,
                f"{len(normalised)} hex digits instead of {cls.hex_length}",
            )
        return normalised

    @classmethod
    def is_valid(cls, value: str) -> bool:
        """Return True when ``validate`` would accept ``value``."""
        try:
            cls.validate(value)
        except InvalidHash:
            return False
        return True

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        """Return how far apart two values are.

        Perceptual signals use the hamming distance (number of differing bits); exact signals
        return 0 when equal and 1 otherwise.

        Raises:
            InvalidHash: when either value is invalid.
        """
        left, right = cls.validate(a), cls.validate(b)
        if not cls.perceptual:
            return 0 if left == right else 1
        return (int(left, 16) ^ int(right, 16)).bit_count()

    @classmethod
    def matches(cls, a: str, b: str) -> bool:
        """Return True when two values are within this signal's match threshold."""
        return cls.distance(a, b) <= cls.match_threshold


class PdqSignal(Signal):
    """PDQ, Meta's 256-bit perceptual image hash, used by StopNCII and Take It Down partners.

    A hash made only of 0 bits or only of 1 bits comes from a blank or nearly blank picture;
    it would match every other blank picture, so it is refused with reason ``"flat"``.
    """

    name = "pdq"
    hex_length = 64
    match_threshold = 31

    @classmethod
    def validate(cls, value: str) -> str:
        """Check a PDQ hash; see ``Signal.validate``. Also refuses flat hashes."""
        normalised = super().validate(value)
        if normalised in (_ALL_ZERO_PDQ, _ALL_ONE_PDQ):
            raise InvalidHash(InvalidHash.FLAT, cls.name, "hash of a blank picture")
        return normalised

    @classmethod
    def half_set(cls, value: str) -> bool:
        """Whether exactly half the bits (128 of 256) of a valid value are set.

        The reference implementation sets a bit for each of the 256 DCT values above their
        median, so a picture gives exactly 128 set bits unless values tie at the median, which
        takes a flat or perfectly symmetric picture. A SHA-256 value has exactly 128 set bits
        only about one time in twenty.
        """
        return int(value, 16).bit_count() == 256 // 2


_ALL_ZERO_PDQ = "0" * PdqSignal.hex_length
_ALL_ONE_PDQ = "f" * PdqSignal.hex_length


class Md5Signal(Signal):
    """MD5 of a file's bytes: finds exact copies only (used for videos and as a backup)."""

    name = "md5"
    hex_length = 32
    match_threshold = 0
    perceptual = False


class PHashSignal(Signal):
    """pHash (DCT-based, 64 bits, as computed by ``imagehash.phash``): supplementary."""

    name = "phash"
    hex_length = 16
    match_threshold = 10


class DHashSignal(Signal):
    """dHash (gradient-based, 64 bits, as computed by ``imagehash.dhash``): supplementary."""

    name = "dhash"
    hex_length = 16
    match_threshold = 10


SIGNALS: Mapping[str, type[Signal]] = MappingProxyType(
    {signal.name: signal for signal in (PdqSignal, Md5Signal, PHashSignal, DHashSignal)}
)
"""All signal types by name, in the order hashes of an item are listed (PDQ first)."""
