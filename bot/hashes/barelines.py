"""Bare hash lines: reading a paste that holds no hash code block, one line at a time.

People paste what their hashing tools print: ``md5sum`` and ``sha256sum`` (``<hex>  <file>``),
macOS ``md5``, ``shasum --tag`` and ``openssl dgst`` (``MD5 (photo.jpg) = <hex>``), PowerShell's
``Get-FileHash``, ``certutil`` (a label line, then the hash, maybe as spaced byte pairs), PDQ
tools (``<hex>,<quality>,<file>``), or hashes with a label (``md5: <hex>``, ``PDQ:<hex>``).
PDQ and MD5 hashes are accepted; other hashes (SHA-1, SHA-256, SHA-512) are named, by label or by
length, so the bot can explain what went wrong. A line copied out of a hash code (``i <pdq>
[q<quality>] <md5> ...``) is read as the item it holds.

What belongs here: finding the hash values on a line, the labels that name them, and judging
each value. What does not: the block format and choosing between blocks and bare lines
(``hashcode.py``, whose ``parse`` is the entry point), the item grammar (``_grammar.py``) and
single hash rules (``signals.py``). Pure code: no I/O, no logging.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.hashes._grammar import (
    TOKEN_RE,
    Found,
    MalformedError,
    Problem,
    Token,
    make_item,
    problem_of,
    read_items,
)
from bot.hashes.items import HashItem, ItemKind
from bot.hashes.signals import InvalidHash, Md5Signal, PdqSignal, Signal

__all__ = ["parse_lines"]

_SHA_NAME_RE = re.compile(r"\bsha[-_ ]?(?:2[-_])?(1|224|256|384|512)")
_BSD_TAG_RE = re.compile(r"([a-z0-9]+)\s*\((.*)\)\s*=\s*(\S+)")
"""``MD5 (photo.jpg) = <hex>`` from macOS ``md5``, ``shasum --tag`` and ``openssl dgst``."""
_BYTE_GROUPS_RE = re.compile(r"(?:[0-9a-f]{2}[ :]){7,}[0-9a-f]{2}")
"""Hex bytes separated by spaces or colons, as older ``certutil`` prints them."""
_SUM_STYLE_RE = re.compile(r"[0-9a-f]+\s+\*?\S")
"""``<hex>  <file>``: the output of ``md5sum``, ``sha256sum`` and friends."""
_PDQ_TOOL_RE = re.compile(r"(?:hash=)?([0-9a-f]{64}),(?:norm=)?\d+,")
"""``<hex>,<quality>,<file>`` and ``hash=<hex>,norm=<bits>,...`` from the reference PDQ tools."""
_ITEM_LINE_RE = re.compile(r"[im]\s+[0-9a-f]")
_PIECE_SPLIT_RE = re.compile(r"[\W_]+")
"""Pieces are runs of letters and digits of any script, so that a look-alike letter (a Cyrillic
``а`` for ``a``) stays inside the hash it was typed in and is named as not hex."""
_HEX_CHARS = frozenset("0123456789abcdef")

_LABELS: dict[str, str] = {
    label + suffix: label
    for label in ("md5", "pdq", "sha1", "sha256", "sha512")
    for suffix in ("", "sum")
}
"""Words that name the hash next to them (``sha256sum`` names SHA-256, like ``sha256``)."""
_LABEL_PROBLEMS = {"sha1": Problem.SHA1, "sha256": Problem.SHA256, "sha512": Problem.SHA512}
_LENGTH_PROBLEMS: dict[int, Problem] = {40: Problem.SHA1, 128: Problem.SHA512}


def parse_lines(lines: list[str]) -> Iterator[Found]:
    """Read every line of a paste on its own.

    Args:
        lines: the paste, NFKC-normalised, lower case, split into lines.

    Yields:
        The items and problems found, in line order; a line of text is ``NOT_A_HASH`` and blank
        lines or lines of decoration yield nothing.
    """
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
            yield Found(pending_line, None, Problem.NOT_A_HASH)
        if entries is None and next_label is None and any(char.isalnum() for char in line):
            yield Found(number, None, Problem.NOT_A_HASH)
        yield from found or ()
        for label, value, sum_style in entries or ():
            yield _judge(number, label, value, sum_style=sum_style)
        pending_label, pending_line = next_label, number
    if pending_label is not None:
        yield Found(pending_line, None, Problem.NOT_A_HASH)


def _item_line(number: int, line: str) -> list[Found] | None:
    """Read a line copied out of a hash code (``i <pdq> <md5> ...``) without the block around."""
    tokens = [Token(match.group(), number) for match in TOKEN_RE.finditer(line)]
    try:
        parsed = read_items(tokens)
    except MalformedError:
        return None
    return [make_item(item) for item in parsed]


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
    tool = _PDQ_TOOL_RE.match(line)
    if tool is not None:
        return [("pdq", tool.group(1), False)], None
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


def _judge(number: int, label: str | None, value: str, *, sum_style: bool) -> Found:
    if label in _LABEL_PROBLEMS:
        return Found(number, None, _LABEL_PROBLEMS[label])
    if not _HEX_CHARS.issuperset(value):
        return Found(number, None, Problem.NOT_HEX)
    signal: type[Signal]
    if label == "md5":
        signal = Md5Signal
    elif label == "pdq":
        signal = PdqSignal
    elif len(value) == Md5Signal.hex_length:
        signal = Md5Signal
    elif len(value) == PdqSignal.hex_length and sum_style:
        # `sha256sum` prints "<hex>  <file>"; PDQ tools print "<hex>,<quality>,<file>".
        return Found(number, None, Problem.SHA256)
    elif len(value) == PdqSignal.hex_length:
        signal = PdqSignal
    else:
        return Found(number, None, _LENGTH_PROBLEMS.get(len(value), Problem.WRONG_LENGTH))
    kind = ItemKind.IMAGE if signal is PdqSignal else ItemKind.FILE
    try:
        valid = signal.validate(value)
    except InvalidHash as error:
        return Found(number, None, problem_of(error))
    if signal is PdqSignal and label is None and not PdqSignal.half_set(valid):
        # Nothing says this is a PDQ, and its bits say it is not one from a real picture.
        return Found(number, None, Problem.MAYBE_SHA256)
    return Found(number, HashItem(kind=kind, hashes=((signal.name, valid),)), None)
