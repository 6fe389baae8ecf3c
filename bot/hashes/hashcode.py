"""The hash code: the text block the companion prints and the bot reads back from a chat.

A hash code looks like this (one item per file; long items wrap onto an indented line)::

    #reclaim1 2
    i 9c3f...64 hex digits (PDQ)... q87
      d41d8cd98f00b204e9800998ecf8427e 95a1c3e7d0f2b4a6 8c8c8e9e9c8c0c1c
    m 0cc175b9c0f1b6a831c399e269772661
    #end 5e1c0a7b

- ``#reclaim1`` names the format version; the number after it counts the items.
- ``i`` is a picture: PDQ, MD5, pHash, dHash (a missing hash is written ``-``; trailing missing
  hashes are left out). ``m`` is any other file (a video): the MD5 of its bytes only. Item marks
  are letters that are not hex digits, so a mark can never be mistaken for a piece of a hash.
- ``q87`` after a picture's PDQ is its PDQ quality score (0-100), which partners use to judge a
  match. It is optional: companions before it wrote none, and their codes read as before. At most
  four characters, it keeps the PDQ's line within 72 columns (``i``, the PDQ and ``q100`` make
  71), so a picture still takes two lines and 25 of them fit one chat message.
- ``#end`` is followed by the CRC-32 of the canonical form: every token from ``#reclaim1`` to the
  last hash, lowercase, joined by single spaces. A truncated or altered paste is detected.

Reading is forgiving because the text travels through terminals, phones and chat apps: tokens are
separated by any whitespace (so re-wrapping does not matter), case is ignored (phones capitalise),
hex split in the middle by a hard line wrap is joined again, punctuation around the block
(code fences, quotes) and chat text before and after it are ignored, and several blocks in one
paste are all read. Invisible characters are left out first, and a paste holding direction
controls is refused (``_characters.py``). Without a block, each line is read on its own
(``barelines.py``): PDQ and MD5 hashes from common tools are accepted and other hashes (SHA-1,
SHA-256, SHA-512) are named, so the bot can explain what went wrong.

What belongs here: writing items as a block, reading blocks back, and ``parse``, the entry point
that chooses between blocks and bare lines and gathers the results. What does not: reading bare
lines (``barelines.py``), the item grammar and ``Problem`` shared by both (``_grammar.py``,
re-exported here), single hash rules (``signals.py``) and the item types (``items.py``). Pure
code: no I/O, no logging.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bot.hashes import _characters
from bot.hashes._grammar import (
    LAYOUTS,
    MARKS,
    TOKEN_RE,
    Found,
    MalformedError,
    ParsedItem,
    Problem,
    Token,
    make_item,
    quality_token,
    read_items,
)
from bot.hashes.barelines import parse_lines
from bot.hashes.items import HashItem
from bot.hashes.signals import PdqSignal

__all__ = ["CODE_VERSION", "LineProblem", "ParseResult", "Problem", "encode", "parse"]

CODE_VERSION: int = 1
"""The version written after ``#reclaim``; other versions are refused as UNKNOWN_VERSION."""

_START = "#reclaim"
_END = "#end"
_MISSING = "-"
_LINE_WIDTH = 72
"""Lines of an encoded block stay this short so narrow terminals do not wrap them."""


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
        removed: how many invisible characters (zero-width, soft hyphens, NUL) were left out
            before reading, so the person can be told.
    """

    items: tuple[HashItem, ...]
    problems: tuple[LineProblem, ...]
    from_code: bool
    duplicates: int
    removed: int = 0


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
            (PDQ for a picture, MD5 for a file), has an invalid value, or has a PDQ quality
            that is not 0-100 or without a PDQ.
    """
    encoded = [(MARKS[item.kind], _item_fields(item)) for item in items]
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
    layout = LAYOUTS[item.kind]
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
    if item.pdq_quality is not None and layout[0] is not PdqSignal:
        raise ValueError(f"a {item.kind} item has no PDQ to give a quality for")
    return _with_quality(fields, item.pdq_quality)


def _with_quality(fields: list[str], quality: int | None) -> list[str]:
    """The fields as written: trailing missing hashes left out, the quality after the PDQ."""
    fields = list(fields)
    while fields and fields[-1] == _MISSING:
        fields.pop()
    if quality is not None:
        fields.insert(1, quality_token(quality))
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
    checked = _characters.check(text)
    text = unicodedata.normalize("NFKC", checked.text)
    if not text.strip():
        empty = (LineProblem(1, Problem.EMPTY),)
        return ParseResult(
            items=(), problems=empty, from_code=False, duplicates=0, removed=checked.removed
        )
    lines = text.lower().splitlines()
    tokens = [
        Token(match.group(), number)
        for number, line in enumerate(lines, start=1)
        for match in TOKEN_RE.finditer(line)
    ]
    from_code = any(token.text.startswith(_START) or token.text == _END for token in tokens)
    if checked.direction_line is not None:
        refused = (LineProblem(checked.direction_line, Problem.DIRECTION_CONTROL),)
        return ParseResult(items=(), problems=refused, from_code=from_code, duplicates=0)
    found = list(_parse_blocks(tokens) if from_code else parse_lines(lines))

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
        items=tuple(items),
        problems=tuple(problems),
        from_code=from_code,
        duplicates=duplicates,
        removed=checked.removed,
    )


def _is_start(token: Token) -> bool:
    return token.text.startswith(_START)


def _parse_blocks(tokens: list[Token]) -> Iterator[Found]:
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.text == _END:
            # An end without its beginning: the top of the block was not pasted.
            yield Found(token.line, None, Problem.TRUNCATED)
            index += 2 if _has_checksum_after(tokens, index) else 1
            continue
        if not _is_start(token):
            index += 1  # chat text around the block
            continue
        end = index + 1
        while end < len(tokens) and not (_is_start(tokens[end]) or tokens[end].text == _END):
            end += 1
        if end == len(tokens) or _is_start(tokens[end]):
            yield Found(token.line, None, Problem.TRUNCATED)
            index = end
            continue
        checksum: str | None = None
        after = end + 1
        if after < len(tokens) and not _is_start(tokens[after]) and tokens[after].text != _END:
            checksum = tokens[after].text
            after += 1
        if token.text != f"{_START}{CODE_VERSION}":
            yield Found(token.line, None, Problem.UNKNOWN_VERSION)
        else:
            yield from _parse_block(token, tokens[index + 1 : end], checksum)
        index = after


def _has_checksum_after(tokens: list[Token], index: int) -> bool:
    return index + 1 < len(tokens) and bool(_CHECKSUM_RE.fullmatch(tokens[index + 1].text))


def _parse_block(start: Token, body: list[Token], checksum: str | None) -> Iterator[Found]:
    damaged = Found(start.line, None, Problem.BAD_CHECKSUM)
    if not body or not body[0].text.isdigit() or checksum is None:
        yield damaged
        return
    try:
        parsed = read_items(body[1:])
    except MalformedError:
        yield damaged
        return
    canonical = [start.text, body[0].text]
    for item in parsed:
        canonical += [MARKS[item.kind], *_canonical_fields(item)]
    if _checksum(canonical) != checksum or body[0].text != str(len(parsed)):
        yield damaged
        return
    for item in parsed:
        yield make_item(item)


def _canonical_fields(item: ParsedItem) -> list[str]:
    return _with_quality([_MISSING if v is None else v for v in item.values], item.quality)
