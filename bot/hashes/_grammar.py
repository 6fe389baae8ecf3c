"""The item grammar that hash code blocks and bare lines share, and the problems either finds.

An item is written as a mark (``i`` a picture, ``m`` any other file) followed by its hashes in a
fixed order, ``-`` for a missing one. ``hashcode.py`` writes items and reads them inside
``#reclaim`` blocks; ``barelines.py`` reads an item line copied out of a block on its own. Both
report what they find, an item or a problem, as ``Found`` in paste order.

What belongs here: the marks and hash layouts, tokens, reading ``mark field...`` groups into
items, and ``Problem`` (re-exported by ``hashcode.py``, where callers import it from). What does
not: block framing and checksums (``hashcode.py``), the formats of hash tools and labels
(``barelines.py``), single hash rules (``signals.py``). Pure code: no I/O, no logging.
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


ParsedItem = tuple[int, ItemKind, list[str | None]]


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
        if not values or values[0] is None:
            raise MalformedError
        items.append((mark.line, kind, values))
    return items


def make_item(line: int, kind: ItemKind, values: list[str | None]) -> Found:
    """Validate the values read for one item; a bad value makes the whole item a problem."""
    hashes: list[tuple[str, str]] = []
    for signal, value in zip(LAYOUTS[kind], values, strict=False):
        if value is None:
            continue
        try:
            hashes.append((signal.name, signal.validate(value)))
        except InvalidHash as error:
            return Found(line, None, problem_of(error))
    return Found(line, HashItem(kind=kind, hashes=tuple(hashes)), None)


def problem_of(error: InvalidHash) -> Problem:
    """The problem to report for a hash that failed validation."""
    if error.reason == InvalidHash.FLAT:
        return Problem.FLAT_PDQ
    if error.reason == InvalidHash.NOT_HEX:
        return Problem.NOT_HEX
    return Problem.WRONG_LENGTH
