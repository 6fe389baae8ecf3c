"""The hash code: the text block the companion prints and the bot reads back from a chat.

A hash code looks like this (one item per file; long items wrap onto an indented line)::

    #reclaim1 2
    i 9c3f...64 hex digits (PDQ)...
      d41d8cd98f00b204e9800998ecf8427e 95a1c3e7d0f2b4a6 8c8c8e9e9c8c0c1c
    m 0cc175b9c0f1b6a831c399e269772661
    #end 5e1c0a7b

- ``#reclaim1`` names the format version; the number after it counts the items.
- ``i`` is a picture: PDQ, MD5, pHash, dHash (a missing hash is written ``-``; trailing missing
  hashes are left out). ``m`` is any other file (a video): the MD5 of its bytes only. Item marks
  are letters that are not hex digits, so a mark can never be mistaken for a piece of a hash.
- ``#end`` is followed by the CRC-32 of the canonical form: every token from ``#reclaim1`` to the
  last hash, lowercase, joined by single spaces. A truncated or altered paste is detected.

Reading is forgiving because the text travels through terminals, phones and chat apps: tokens are
separated by any whitespace (so re-wrapping does not matter), case is ignored (phones capitalise),
hex split in the middle by a hard line wrap is joined again, punctuation around the block
(code fences, quotes) and chat text before and after it are ignored, and several blocks in one
paste are all read. Without a block, each line is read on its own: PDQ and MD5 hashes from
common tools are accepted and other hashes (SHA-1, SHA-256, SHA-512) are named, so the bot can
explain what went wrong.

What belongs here: turning items into text and text into items. What does not: single hash rules
(``signals.py``) and the item types (``items.py``). Pure code: no I/O, no logging.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from bot.hashes.items import HashItem, ItemKind
from bot.hashes.signals import DHashSignal, InvalidHash, Md5Signal, PdqSignal, PHashSignal, Signal

__all__ = ["CODE_VERSION", "LineProblem", "ParseResult", "Problem", "encode", "parse"]

CODE_VERSION: int = 1
"""The version written after ``#reclaim``; other versions are refused as UNKNOWN_VERSION."""

_START = "#reclaim"
_END = "#end"
_MISSING = "-"
_LINE_WIDTH = 72
"""Lines of an encoded block stay this short so narrow terminals do not wrap them."""

_MARKS: dict[ItemKind, str] = {ItemKind.IMAGE: "i", ItemKind.FILE: "m"}
_KINDS: dict[str, ItemKind] = {mark: kind for kind, mark in _MARKS.items()}
_LAYOUTS: dict[ItemKind, tuple[type[Signal], ...]] = {
    ItemKind.IMAGE: (PdqSignal, Md5Signal, PHashSignal, DHashSignal),
    ItemKind.FILE: (Md5Signal,),
}
"""The hashes of each kind of item, in the order they are written. The first is required."""


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


@dataclass(frozen=True, slots=True)
class LineProblem:
    """A problem and the 1-based line of the paste it was found on."""

    line: int
    problem: Problem


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What ``parse`` found in a paste.

    Attributes:
        items: valid items, deduplicated, in the order they appeared.
        problems: what could not be used, in line order.
        from_code: True when the paste contained a hash code block (even a damaged one).
        duplicates: how many repeated items were dropped.
    """

    items: tuple[HashItem, ...]
    problems: tuple[LineProblem, ...]
    from_code: bool
    duplicates: int


# ---------------------------------------------------------------------------------------------
# Encoding


def encode(items: Sequence[HashItem]) -> str:
    """Write items as a hash code block.

    Args:
        items: the items, written in this order (not deduplicated).

    Returns:
        The block, lines joined by ``\\n``, without a trailing newline.

    Raises:
        ValueError: when an item has a hash its kind cannot carry, lacks the required hash
            (PDQ for a picture, MD5 for a file) or has an invalid value.
    """
    encoded = [(_MARKS[item.kind], _item_fields(item)) for item in items]
    header = [f"{_START}{CODE_VERSION}", str(len(items))]
    canonical = list(header)
    for mark, fields in encoded:
        canonical += [mark, *fields]
    lines = [" ".join(header)]
    for mark, fields in encoded:
        lines += _wrap(mark, fields)
    lines.append(f"{_END} {_checksum(canonical)}")
    return "\n".join(lines)


def _item_fields(item: HashItem) -> list[str]:
    layout = _LAYOUTS[item.kind]
    allowed = {signal.name for signal in layout}
    names = [name for name, _ in item.hashes]
    if len(set(names)) != len(names) or not allowed.issuperset(names):
        raise ValueError(f"a {item.kind} item carries only {', '.join(sorted(allowed))}")
    fields: list[str] = []
    for signal in layout:
        value = item.get(signal.name)
        fields.append(_MISSING if value is None else signal.validate(value))
    if fields[0] == _MISSING:
        raise ValueError(f"a {item.kind} item needs a {layout[0].name} hash")
    while fields[-1] == _MISSING:
        fields.pop()
    return fields


def _wrap(mark: str, fields: list[str]) -> list[str]:
    lines: list[str] = []
    current = mark
    for field in fields:
        if len(current) + 1 + len(field) > _LINE_WIDTH:
            lines.append(current)
            current = " "
        current += " " + field
    lines.append(current)
    return lines


def _checksum(canonical: list[str]) -> str:
    return f"{zlib.crc32(' '.join(canonical).encode('ascii')):08x}"


# ---------------------------------------------------------------------------------------------
# Parsing


class _Token(NamedTuple):
    text: str
    line: int


class _Found(NamedTuple):
    """One finding, in paste order: an item or a problem."""

    line: int
    item: HashItem | None
    problem: Problem | None


_TOKEN_RE = re.compile(r"#reclaim\d*|#end(?![0-9a-z])|[0-9a-z]+|[-\u2010-\u2015\u2212]")
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
_HEX_RE = re.compile(r"[0-9a-f]+")
_CHECKSUM_RE = re.compile(r"[0-9a-f]{8}")


def parse(text: str) -> ParseResult:
    """Read the hashes in a paste: a hash code block, or bare hash lines.

    When the paste contains a hash code block (or a piece of one), only blocks are read and a
    damaged block yields no items at all. Otherwise every line is read on its own.

    Args:
        text: the message as received.

    Returns:
        The valid items (deduplicated) and the problems found.
    """
    text = unicodedata.normalize("NFKC", text)
    if not text.strip():
        empty = (LineProblem(1, Problem.EMPTY),)
        return ParseResult(items=(), problems=empty, from_code=False, duplicates=0)
    lines = text.lower().splitlines()
    tokens = [
        _Token(match.group(), number)
        for number, line in enumerate(lines, start=1)
        for match in _TOKEN_RE.finditer(line)
    ]
    from_code = any(token.text.startswith(_START) or token.text == _END for token in tokens)
    found = list(_parse_blocks(tokens) if from_code else _parse_lines(lines))

    items: list[HashItem] = []
    seen: set[HashItem] = set()
    duplicates = 0
    problems: list[LineProblem] = []
    for entry in found:
        if entry.problem is not None:
            problems.append(LineProblem(entry.line, entry.problem))
        elif entry.item is not None:
            if entry.item in seen:
                duplicates += 1
            else:
                seen.add(entry.item)
                items.append(entry.item)
    problems.sort(key=lambda problem: problem.line)
    return ParseResult(
        items=tuple(items), problems=tuple(problems), from_code=from_code, duplicates=duplicates
    )


def _is_start(token: _Token) -> bool:
    return token.text.startswith(_START)


def _parse_blocks(tokens: list[_Token]) -> Iterator[_Found]:
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.text == _END:
            # An end without its beginning: the top of the block was not pasted.
            yield _Found(token.line, None, Problem.TRUNCATED)
            index += 2 if _has_checksum_after(tokens, index) else 1
            continue
        if not _is_start(token):
            index += 1  # chat text around the block
            continue
        end = index + 1
        while end < len(tokens) and not (_is_start(tokens[end]) or tokens[end].text == _END):
            end += 1
        if end == len(tokens) or _is_start(tokens[end]):
            yield _Found(token.line, None, Problem.TRUNCATED)
            index = end
            continue
        checksum: str | None = None
        after = end + 1
        if after < len(tokens) and not _is_start(tokens[after]) and tokens[after].text != _END:
            checksum = tokens[after].text
            after += 1
        if token.text != f"{_START}{CODE_VERSION}":
            yield _Found(token.line, None, Problem.UNKNOWN_VERSION)
        else:
            yield from _parse_block(token, tokens[index + 1 : end], checksum)
        index = after


def _has_checksum_after(tokens: list[_Token], index: int) -> bool:
    return index + 1 < len(tokens) and bool(_CHECKSUM_RE.fullmatch(tokens[index + 1].text))


def _parse_block(start: _Token, body: list[_Token], checksum: str | None) -> Iterator[_Found]:
    damaged = _Found(start.line, None, Problem.BAD_CHECKSUM)
    if not body or not body[0].text.isdigit() or checksum is None:
        yield damaged
        return
    try:
        parsed = _read_items(body[1:])
    except _MalformedError:
        yield damaged
        return
    canonical = [start.text, body[0].text]
    for _line, kind, values in parsed:
        canonical += [_MARKS[kind], *_canonical_fields(values)]
    if _checksum(canonical) != checksum or body[0].text != str(len(parsed)):
        yield damaged
        return
    for line, kind, values in parsed:
        yield _make_item(line, kind, values)


class _MalformedError(Exception):
    """Tokens do not follow the item grammar."""


_ParsedItem = tuple[int, ItemKind, list[str | None]]


def _read_items(tokens: list[_Token]) -> list[_ParsedItem]:
    """Read ``mark field...`` groups; raise _MalformedError on anything else."""
    items: list[_ParsedItem] = []
    index = 0
    while index < len(tokens):
        mark = tokens[index]
        kind = _KINDS.get(mark.text)
        if kind is None:
            raise _MalformedError
        index += 1
        values: list[str | None] = []
        for signal in _LAYOUTS[kind]:
            if index == len(tokens) or tokens[index].text in _KINDS:
                break
            text = tokens[index].text
            index += 1
            if text in _DASHES:
                values.append(None)
                continue
            # A hard line wrap may have split the hex; join pieces until the length is reached.
            while len(text) < signal.hex_length and index < len(tokens):
                if not _HEX_RE.fullmatch(tokens[index].text):
                    break
                text += tokens[index].text
                index += 1
            if len(text) != signal.hex_length or not _HEX_RE.fullmatch(text):
                raise _MalformedError
            values.append(text)
        if not values or values[0] is None:
            raise _MalformedError
        items.append((mark.line, kind, values))
    return items


def _canonical_fields(values: list[str | None]) -> list[str]:
    fields = [_MISSING if value is None else value for value in values]
    while fields and fields[-1] == _MISSING:
        fields.pop()
    return fields


def _make_item(line: int, kind: ItemKind, values: list[str | None]) -> _Found:
    hashes: list[tuple[str, str]] = []
    for signal, value in zip(_LAYOUTS[kind], values, strict=False):
        if value is None:
            continue
        try:
            hashes.append((signal.name, signal.validate(value)))
        except InvalidHash as error:
            return _Found(line, None, _problem_of(error))
    return _Found(line, HashItem(kind=kind, hashes=tuple(hashes)), None)


def _problem_of(error: InvalidHash) -> Problem:
    if error.reason == InvalidHash.FLAT:
        return Problem.FLAT_PDQ
    if error.reason == InvalidHash.NOT_HEX:
        return Problem.NOT_HEX
    return Problem.WRONG_LENGTH


# ---------------------------------------------------------------------------------------------
# Bare lines (no hash code block in the paste)

_SHA_NAME_RE = re.compile(r"\bsha[-_ ]?(?:2[-_])?(1|224|256|384|512)")
_BSD_TAG_RE = re.compile(r"([a-z0-9]+)\s*\((.*)\)\s*=\s*(\S+)")
"""``MD5 (photo.jpg) = <hex>`` from macOS ``md5``, ``shasum --tag`` and ``openssl dgst``."""
_BYTE_GROUPS_RE = re.compile(r"(?:[0-9a-f]{2}[ :]){7,}[0-9a-f]{2}")
"""Hex bytes separated by spaces or colons, as older ``certutil`` prints them."""
_SUM_STYLE_RE = re.compile(r"[0-9a-f]+\s+\*?\S")
"""``<hex>  <file>``: the output of ``md5sum``, ``sha256sum`` and friends."""
_ITEM_LINE_RE = re.compile(r"[im]\s+[0-9a-f]")
_PIECE_SPLIT_RE = re.compile(r"[^0-9a-z]+")
_HEX_CHARS = frozenset("0123456789abcdef")

_LABELS: dict[str, str] = {
    label + suffix: label
    for label in ("md5", "pdq", "sha1", "sha256", "sha512")
    for suffix in ("", "sum")
}
"""Words that name the hash next to them (``sha256sum`` names SHA-256, like ``sha256``)."""
_LABEL_PROBLEMS = {"sha1": Problem.SHA1, "sha256": Problem.SHA256, "sha512": Problem.SHA512}
_LENGTH_PROBLEMS: dict[int, Problem] = {40: Problem.SHA1, 128: Problem.SHA512}


def _parse_lines(lines: list[str]) -> Iterator[_Found]:
    # A label on a line of its own ("SHA256 hash of photo.jpg:") names the hash on the next line;
    # when no hash follows, the label line was just text.
    pending_label: str | None = None
    pending_line = 0
    for number, raw in enumerate(lines, start=1):
        line = _SHA_NAME_RE.sub(r"sha\1", raw.strip())
        if not line:
            continue
        found = _item_line(number, line) if _ITEM_LINE_RE.match(line) else None
        if found is not None:
            entries: list[_Entry] | None = []
            next_label = None
        else:
            entries, next_label = _line_entries(line, pending_label)
        if entries is None and pending_label is not None:
            yield _Found(pending_line, None, Problem.NOT_A_HASH)
        if entries is None and next_label is None and any(char.isalnum() for char in line):
            yield _Found(number, None, Problem.NOT_A_HASH)
        yield from found or ()
        for label, value, sum_style in entries or ():
            yield _judge(number, label, value, sum_style=sum_style)
        pending_label, pending_line = next_label, number
    if pending_label is not None:
        yield _Found(pending_line, None, Problem.NOT_A_HASH)


def _item_line(number: int, line: str) -> list[_Found] | None:
    """Read a line copied out of a hash code (``i <pdq> <md5> ...``) without the block around."""
    tokens = [_Token(match.group(), number) for match in _TOKEN_RE.finditer(line)]
    try:
        parsed = _read_items(tokens)
    except _MalformedError:
        return None
    return [_make_item(line_number, kind, values) for line_number, kind, values in parsed]


_Entry = tuple[str | None, str, bool]
"""(label, value, written ``<hex>  <file>`` like the output of ``sha256sum``)."""


def _line_entries(line: str, pending: str | None) -> tuple[list[_Entry] | None, str | None]:
    """Find the hash values on one line; None when there are none.

    Returns the entries and the label to apply to the next line.
    """
    tag = _BSD_TAG_RE.fullmatch(line)
    if tag is not None:
        return [(_LABELS.get(tag.group(1)), tag.group(3), False)], None
    if _BYTE_GROUPS_RE.fullmatch(line):
        return [(pending, re.sub(r"[ :]", "", line), False)], None
    pieces = [_strip_0x(piece) for piece in _PIECE_SPLIT_RE.split(line) if piece]
    labels = [piece in _LABELS for piece in pieces]
    hashes = [_looks_like_hash(piece) for piece in pieces]
    if len(pieces) == 1 and _is_short_hex(pieces[0]):
        hashes = [True]  # a line holding nothing but a short run of hex: a cut-off hash
    if not any(hashes):
        label_pieces = [piece for piece, is_label in zip(pieces, labels, strict=True) if is_label]
        if label_pieces:
            value = _labelled_short_value(pieces, labels)
            if value is not None:
                return [(_LABELS[label_pieces[0]], value, False)], None
            return None, _LABELS[label_pieces[0]]
        return None, None

    def label_before(position: int) -> str | None:
        for earlier in range(position - 1, -1, -1):
            if labels[earlier]:
                return _LABELS[pieces[earlier]]
            if hashes[earlier]:
                return None
        return pending

    others = not all(is_label or is_hash for is_label, is_hash in zip(labels, hashes, strict=True))
    positions = [position for position, is_hash in enumerate(hashes) if is_hash]
    if len(positions) > 1 and not others:
        return [(label_before(position), pieces[position], False) for position in positions], None
    first = positions[0]
    sum_style = first == 0 and bool(_SUM_STYLE_RE.match(line))
    return [(label_before(first), pieces[first], sum_style)], None


def _strip_0x(piece: str) -> str:
    if piece.startswith("0x") and len(piece) > 2 and _HEX_CHARS.issuperset(piece[2:]):
        return piece[2:]
    return piece


def _looks_like_hash(piece: str) -> bool:
    """A long run of mostly hex digits: a hash, maybe mistyped."""
    if len(piece) < 16:
        return False
    hex_count = sum(char in _HEX_CHARS for char in piece)
    if hex_count == len(piece):
        return True
    return any(char.isdigit() for char in piece) and hex_count >= 0.9 * len(piece)


def _is_short_hex(piece: str) -> bool:
    return (
        len(piece) >= 8
        and _HEX_CHARS.issuperset(piece)
        and (len(piece) >= 12 or any(char.isdigit() for char in piece))
    )


def _labelled_short_value(pieces: list[str], labels: list[bool]) -> str | None:
    """``md5: 3f2a`` and the like: a label followed directly by a short value."""
    for position, is_label in enumerate(labels[:-1]):
        following = pieces[position + 1]
        if not is_label or len(following) < 4:
            continue
        if _HEX_CHARS.issuperset(following) or any(char.isdigit() for char in following):
            return following
    return None


def _judge(number: int, label: str | None, value: str, *, sum_style: bool) -> _Found:
    if label in _LABEL_PROBLEMS:
        return _Found(number, None, _LABEL_PROBLEMS[label])
    if not _HEX_CHARS.issuperset(value):
        return _Found(number, None, Problem.NOT_HEX)
    signal: type[Signal]
    if label == "md5":
        signal = Md5Signal
    elif label == "pdq":
        signal = PdqSignal
    elif len(value) == Md5Signal.hex_length:
        signal = Md5Signal
    elif len(value) == PdqSignal.hex_length and sum_style:
        # `sha256sum` prints "<hex>  <file>"; PDQ tools print "<hex>,<quality>,<file>".
        return _Found(number, None, Problem.SHA256)
    elif len(value) == PdqSignal.hex_length:
        signal = PdqSignal
    else:
        return _Found(number, None, _LENGTH_PROBLEMS.get(len(value), Problem.WRONG_LENGTH))
    kind = ItemKind.IMAGE if signal is PdqSignal else ItemKind.FILE
    try:
        item = HashItem(kind=kind, hashes=((signal.name, signal.validate(value)),))
    except InvalidHash as error:
        return _Found(number, None, _problem_of(error))
    return _Found(number, item, None)
