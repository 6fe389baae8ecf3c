"""The words the companion shows: one line per file, a summary, and the hash code to paste.

Everything here is read by someone who may be scared or upset, maybe 13 years old: short,
plain, warm, and never blaming. "Fingerprint" is the plain word for a hash throughout.

What belongs here: turning results into text. What does not: hashing (``hasher.py``), the code
format itself (``bot.hashes.hashcode``), argument parsing (``cli.py``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence

from bot.companion.hasher import Failure, FileHashes, FileKind, Note
from bot.hashes.hashcode import encode
from bot.hashes.items import HashItem

__all__ = [
    "ITEMS_PER_CODE",
    "code_blocks",
    "file_line",
    "json_line",
    "paste_instructions",
    "printable_path",
    "summary",
    "unique_items",
]

_CODE_WORDS = re.compile(r"#(?=end|reclaim)", re.IGNORECASE)

ITEMS_PER_CODE = 25
"""Items per hash code, so that each code fits in one chat message (Telegram: 4,096 chars)."""

_FAILURES: dict[Failure, str] = {
    Failure.NOT_FOUND: "couldn't find this file. Please check the name.",
    Failure.BROKEN_LINK: "this is a shortcut to a file that isn't there any more.",
    Failure.NOT_A_FILE: "this isn't a normal file, so it was skipped.",
    Failure.PERMISSION_DENIED: "this device didn't let us open it (no permission).",
    Failure.EMPTY: "this file is empty, so there is nothing to fingerprint.",
    Failure.DAMAGED: "this picture seems to be damaged, so it couldn't be read.",
    Failure.TRUNCATED: "this picture is incomplete. Maybe it didn't finish downloading?",
    Failure.TOO_LARGE: "this picture is far too big to open safely, so it was skipped.",
    Failure.READ_ERROR: "something went wrong while reading this file. Please try again.",
}

_KINDS: dict[FileKind, str] = {
    FileKind.IMAGE: "picture",
    FileKind.VIDEO: "video",
    FileKind.OTHER: "file",
}


def file_line(result: FileHashes, width: int = 0) -> str:
    """One line about one file: ``ok``, ``note`` or ``skip``, the path, and what happened.

    Args:
        result: the file's result.
        width: pad the path to this many characters, to line files up.
    """
    path = printable_path(result.path).ljust(width)
    if result.error is not None:
        return f"skip  {path}  {_FAILURES[result.error]}"
    if result.note is Note.LOW_QUALITY:
        return (
            f"note  {path}  picture, but very plain (quality {result.pdq_quality} of 100), "
            "so its fingerprint may not find copies well."
        )
    if result.note is Note.BLANK_PICTURE:
        return (
            f"note  {path}  picture that is all one colour: it only gets an exact-copy fingerprint."
        )
    if result.note is Note.NOT_MEDIA:
        return f"note  {path}  not a picture or video: it only gets an exact-copy fingerprint."
    return f"ok    {path}  {_KINDS[result.kind]}"


def printable_path(path: str) -> str:
    """A path safe to print on one line next to a hash code.

    Control characters and undecodable bytes are shown as ``?``, and a name containing
    ``#end`` or ``#reclaim`` is spaced out so a pasted summary cannot confuse the code reader.
    """
    text = path.encode("utf-8", "replace").decode("utf-8")
    text = "".join("?" if unicodedata.category(char).startswith("C") else char for char in text)
    return _CODE_WORDS.sub("# ", unicodedata.normalize("NFKC", text))


def summary(results: Sequence[FileHashes], skipped_folders: int = 0) -> list[str]:
    """The closing lines: how many files have fingerprints, and what to do next.

    Args:
        results: every file's result.
        skipped_folders: subfolders left out because ``-r`` was not given.
    """
    lines: list[str] = []
    done = sum(result.ok for result in results)
    failed = len(results) - done
    if not results:
        lines.append("No files were found there.")
    elif failed == 0:
        everything = (
            f"all {done} files have fingerprints" if done > 1 else "your file has its fingerprint"
        )
        lines.append(f"Done: {everything}.")
    elif done == 0:
        lines.append("No fingerprints could be made. The lines above say why.")
    else:
        lines.append(
            f"Done: {done} of {len(results)} files have fingerprints. "
            f"{failed} couldn't be used (see above)."
        )
    if skipped_folders:
        if skipped_folders == 1:
            lines.append("1 folder inside was skipped. Add -r to include it too.")
        else:
            lines.append(
                f"{skipped_folders} folders inside were skipped. Add -r to include them too."
            )
    return lines


def unique_items(results: Sequence[FileHashes]) -> list[HashItem]:
    """The items of the files that were hashed, each identical file once."""
    items: list[HashItem] = []
    for result in results:
        item = result.item()
        if item is not None and item not in items:
            items.append(item)
    return items


def code_blocks(items: Sequence[HashItem]) -> list[str]:
    """Hash codes for the items, split so that each fits in one chat message."""
    return [
        encode(items[start : start + ITEMS_PER_CODE])
        for start in range(0, len(items), ITEMS_PER_CODE)
    ]


def paste_instructions(parts: int) -> list[str]:
    """What to do with the code(s) printed after these lines.

    The words avoid the code's own markers, so pasting these lines along with the code is
    harmless.
    """
    if parts == 1:
        return [
            "Copy the code below (all of its lines) and paste it into the chat.",
            "It holds only fingerprints, not your pictures.",
        ]
    return [
        f"There are many files, so the code comes in {parts} parts.",
        "Copy each part below (all of its lines) and send it as its own message.",
        "They hold only fingerprints, not your pictures.",
    ]


def json_line(result: FileHashes) -> str:
    """One JSON object (one line) for ``--json`` output."""
    return json.dumps(result.to_json(), ensure_ascii=True, sort_keys=False)
