"""The item grammar that hash code blocks and bare lines share, and the problems either finds.

An item is written as a mark (``i`` a picture, ``m`` any other file) followed by its hashes in a
fixed order, ``-`` for a missing one. A picture's PDQ may be followed by its quality score,
``q`` and 0-100 in decimal (``q87``): ``q`` is not a hex digit, so the score can never be read
as a piece of a hash, and codes written before it existed read as they always did.
``hashcode.py`` writes items and reads them inside ``#reclaim`` blocks; ``barelines.py`` reads
an item line copied out of a block on its own. Both report what they find, an item or a
problem, as ``Found`` in paste order.

What belongs here: the marks, hash layouts and quality token, tokens, reading ``mark field...``
groups into items, and ``Problem`` (re-exported by ``hashcode.py``, where callers import it
from). What does not: block framing and checksums (``hashcode.py``), the formats of hash tools
and labels (``barelines.py``), single hash rules (``signals.py``). Pure code: no I/O, no logging.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import NamedTuple

from bot.hashes.items import HashItem, ItemKind
from bot.hashes.signals import DHashSignal, InvalidHash, Md5Signal, PdqSignal, PHashSignal, Signal

MARKS: dict[ItemKind, str] = {ItemKind.IMAGE: "i", ItemKind.FILE: "m"}
KINDS: dict[str, ItemKind] = {mark: kind for kind, mark in MARKS.items()}
LAYOUTS: dict[ItemKind, tuple[type[Signal], ...]] = {
    ItemKind.IMAGE: (PdqSignal, Md5Signal, PHashSignal, DHashSignal),
    ItemKind.FILE: (Md5Signal,),
}
"""The hashes of each kind of item, in the order they are written. The first is required."""

QUALITY_MARK = "q"
"""Written before a picture's PDQ quality score, right after its PDQ."""
QUALITY_RE = re.compile(r"q(100|[1-9]?[0-9])")
"""A quality token as written: no leading zeros, at most 100. Nothing else after ``q`` is one."""
_QUALITY_START_RE = re.compile(r"q[0-9]*")
TOKEN_RE = re.compile(r"#reclaim\d*|#end(?![0-9a-z])|[0-9a-z]+|[-\u2010-\u2015\u2212]")
DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
HEX_RE = re.compile(r"[0-9a-f]+")


class Problem(StrEnum):
    """Why (part of) a paste could not be used."""

    EMPTY = "empty"
    """Nothing but whitespace was sent."""
    NOT_A_HASH = "not_a_hash"
    """A line of ordinary text."""
    SHA1 = "sha1"
    """A SHA-1 hash: not used by the take-down services."""
    SHA256 = "sha256"
    """A SHA-256 hash (for example from ``sha256sum``): not used by the take-down services."""
    SHA512 = "sha512"
    """A SHA-512 hash: not used by the take-down services."""
    WRONG_LENGTH = "wrong_length"
    """Hex digits, but not as many as a PDQ (64) or MD5 (32) hash has."""
    NOT_HEX = "not_hex"
    """Looks like a hash but contains letters other than a-f."""
    FLAT_PDQ = "flat_pdq"
    """A PDQ hash of a blank picture (all zeros or all ones), which would match anything blank."""
    BAD_CHECKSUM = "bad_checksum"
    """A hash code whose check number does not match: it was changed or damaged on the way."""
    TRUNCATED = "truncated"
    """A hash code whose beginning or end is missing."""
    UNKNOWN_VERSION = "unknown_version"
    """A hash code of a version this bot does not read."""
    DIRECTION_CONTROL = "direction_control"
    """The paste holds a character that changes the order text is shown in; none of it is used."""
    MAYBE_SHA256 = "maybe_sha256"
    """64 hex digits on their own whose bits are not half set: more likely a SHA-256 than a PDQ."""


class Token(NamedTuple):
    text: str
    line: int


class Found(NamedTuple):
    """One finding, in paste order: an item or a problem."""

    line: int
    item: HashItem | None
    problem: Problem | None


class MalformedError(Exception):
    """Tokens do not follow the item grammar."""


class ParsedItem(NamedTuple):
    """One ``mark field...`` group as read, before its values are checked."""

    line: int
    kind: ItemKind
    values: list[str | None]
    quality: int | None


def quality_token(quality: int) -> str:
    """The token a PDQ quality score is written as (``q87``).

    Raises:
        ValueError: the score is not a whole number from 0 to 100.
    """
    if isinstance(quality, bool) or not isinstance(quality, int) or not 0 <= quality <= 100:
        raise ValueError("a PDQ quality is a whole number from 0 to 100")
    return f"{QUALITY_MARK}{quality}"


def read_items(tokens: list[Token]) -> list[ParsedItem]:
    """Read ``mark field...`` groups; raise MalformedError on anything else."""
    items: list[ParsedItem] = []
    index = 0
    while index < len(tokens):
        mark = tokens[index]
        kind = KINDS.get(mark.text)
        if kind is None:
            raise MalformedError
        index += 1
        values: list[str | None] = []
        quality: int | None = None
        for signal in LAYOUTS[kind]:
            if index == len(tokens) or tokens[index].text in KINDS:
                break
            text = tokens[index].text
            index += 1
            if text in DASHES:
                values.append(None)
                continue
            # A hard line wrap may have split the hex; join pieces until the length is reached.
            while len(text) < signal.hex_length and index < len(tokens):
                if not HEX_RE.fullmatch(tokens[index].text):
                    break
                text += tokens[index].text
                index += 1
            if len(text) != signal.hex_length or not HEX_RE.fullmatch(text):
                raise MalformedError
            values.append(text)
            if signal is PdqSignal:
                quality, index = _read_quality(tokens, index)
        if not values or values[0] is None:
            raise MalformedError
        items.append(ParsedItem(mark.line, kind, values, quality))
    return items


def _read_quality(tokens: list[Token], index: int) -> tuple[int | None, int]:
    """The quality token at ``index``, if there is one, and the index after it.

    A hard line wrap may have cut the token (``q8`` ``7``): digits that follow are joined while
    the result is still a quality as written.
    """
    if index == len(tokens) or not _QUALITY_START_RE.fullmatch(tokens[index].text):
        return None, index
    text = tokens[index].text
    index += 1
    while index < len(tokens) and tokens[index].text.isdigit():
        if not QUALITY_RE.fullmatch(text + tokens[index].text):
            break
        text += tokens[index].text
        index += 1
    score = QUALITY_RE.fullmatch(text)
    if score is None:
        raise MalformedError
    return int(score.group(1)), index


def make_item(parsed: ParsedItem) -> Found:
    """Validate the values read for one item; a bad value makes the whole item a problem."""
    hashes: list[tuple[str, str]] = []
    for signal, value in zip(LAYOUTS[parsed.kind], parsed.values, strict=False):
        if value is None:
            continue
        try:
            hashes.append((signal.name, signal.validate(value)))
        except InvalidHash as error:
            return Found(parsed.line, None, problem_of(error))
    item = HashItem(kind=parsed.kind, hashes=tuple(hashes), pdq_quality=parsed.quality)
    return Found(parsed.line, item, None)


def problem_of(error: InvalidHash) -> Problem:
    """The problem to report for a hash that failed validation."""
    if error.reason == InvalidHash.FLAT:
        return Problem.FLAT_PDQ
    if error.reason == InvalidHash.NOT_HEX:
        return Problem.NOT_HEX
    return Problem.WRONG_LENGTH
