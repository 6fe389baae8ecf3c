"""What goes into the hash code, and how it is cut into parts that fit the bot's cases.

Two decisions live here, both pure (results in, plan out):

1. **Contents.** Pictures and videos go in by default. Other files (a ``notes.txt`` in the
   folder) go in only when asked for (``--all-files``): fingerprints of documents are rarely
   what someone means to report, and each one takes a place in a case. An identical file is in
   the code once, and the plan says which file each left-out copy repeats, so it can be told.

2. **Cases and parts.** The bot holds up to ``ITEMS_PER_CASE`` items in one case (its
   ``max_items`` setting, 30 by default) and one code must fit in one chat message, which at most
   ``ITEMS_PER_PART`` items do: a full picture item, with its PDQ quality, takes at most 141
   characters, so 25 make about 3,550 and 30 about 4,260, over Telegram's 4,096 (characters in a
   message, bytes in a Mini App's ``sendData``; a code is ASCII, so both are the same). So
   items are first grouped into cases of 30, and each case is cut into the fewest
   parts of nearly equal size. Every part of a case can then be pasted into the same waiting case
   (the bot adds a part to the case being prepared), and a batch of up to 30 files is always one
   case. Cutting into plain parts of 25 does not have this property: 60 files make 25 + 25 + 10,
   and the last two parts (35 items) cannot share a case, so 60 files would need three cases.

What does not belong here: the words (``report.py``) and the code format (``bot.hashes``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.companion.hasher import FileHashes, FileKind
from bot.hashes.hashcode import encode
from bot.hashes.items import HashItem

__all__ = [
    "ITEMS_PER_CASE",
    "ITEMS_PER_PART",
    "CodeContents",
    "CodePart",
    "code_contents",
    "code_parts",
]

ITEMS_PER_CASE = 30
"""Items one case holds: the bot's default ``max_items`` (``bot.config.Settings``)."""
ITEMS_PER_PART = 25
"""Items per code, so that each code fits in one chat message (Telegram: 4,096 characters)."""


@dataclass(frozen=True, slots=True)
class CodeContents:
    """Which results go into the code.

    Attributes:
        items: the items, each identical file once, in the order of the results.
        copy_of: for a result left out as a copy, the index of the first identical result.
        left_out: indexes of results left out because they are not pictures or videos.
    """

    items: tuple[HashItem, ...]
    copy_of: dict[int, int]
    left_out: frozenset[int]


def code_contents(results: Sequence[FileHashes], *, all_files: bool = False) -> CodeContents:
    """Choose the items of the code from the results of a batch.

    Args:
        results: every file's result, in the order shown.
        all_files: also include files that are neither pictures nor videos.
    """
    items: list[HashItem] = []
    first: dict[HashItem, int] = {}
    copy_of: dict[int, int] = {}
    left_out: set[int] = set()
    for index, result in enumerate(results):
        item = result.item()
        if item is None:
            continue
        if result.kind is FileKind.OTHER and not all_files:
            left_out.add(index)
        elif item in first:
            copy_of[index] = first[item]
        else:
            first[item] = index
            items.append(item)
    return CodeContents(items=tuple(items), copy_of=copy_of, left_out=frozenset(left_out))


@dataclass(frozen=True, slots=True)
class CodePart:
    """One code to send as one message.

    Attributes:
        case: which case it belongs to, from 1.
        cases: how many cases the batch needs.
        part: which part of its case it is, from 1.
        parts: how many parts its case has.
        count: items in this part.
        text: the code itself.
    """

    case: int
    cases: int
    part: int
    parts: int
    count: int
    text: str


def code_parts(
    items: Sequence[HashItem],
    per_case: int = ITEMS_PER_CASE,
    per_part: int = ITEMS_PER_PART,
) -> list[CodePart]:
    """Cut the items into cases of ``per_case``, and each case into even parts of ``per_part``.

    Args:
        items: the items of the code.
        per_case: items one case holds.
        per_part: items one message holds.

    Returns:
        The parts, case by case.
    """
    groups = [items[start : start + per_case] for start in range(0, len(items), per_case)]
    parts: list[CodePart] = []
    for case, group in enumerate(groups, start=1):
        count = -(-len(group) // per_part)
        sizes = [len(group) // count + (index < len(group) % count) for index in range(count)]
        start = 0
        for part, size in enumerate(sizes, start=1):
            chunk = group[start : start + size]
            start += size
            parts.append(CodePart(case, len(groups), part, count, size, encode(chunk)))
    return parts
