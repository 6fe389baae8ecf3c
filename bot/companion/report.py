"""The words the companion shows: one line per file, a summary, and the hash code to paste.

Everything here is read by someone who may be scared or upset, maybe 13 years old: short,
plain, warm, and never blaming. "Fingerprint" is the plain word for a hash throughout.

What belongs here: turning results into text. What does not: hashing (``hasher.py``), what goes
into the code and how it is cut into parts (``codeplan.py``), the code format itself
(``bot.hashes.hashcode``), argument parsing (``cli.py``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence

from bot.companion.codeplan import ITEMS_PER_CASE, CodeContents, CodePart
from bot.companion.hasher import Failure, FileHashes, FileKind, Note

__all__ = [
    "ALL_FILES_FLAG",
    "contents_lines",
    "file_line",
    "json_line",
    "part_heading",
    "paste_instructions",
    "printable_path",
    "summary",
]

_CODE_WORDS = re.compile(r"#(?=end|reclaim)", re.IGNORECASE)

ALL_FILES_FLAG = "--all-files"
"""The option that puts files other than pictures and videos into the code too."""

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


def summary(
    results: Sequence[FileHashes],
    skipped_folders: int = 0,
    contents: CodeContents | None = None,
    named_again: int = 0,
) -> list[str]:
    """The closing lines: how many files have fingerprints, and what to do next.

    Args:
        results: every file's result.
        skipped_folders: subfolders left out because ``-r`` was not given.
        contents: what went into the code, to count the copies and files left out.
        named_again: files named more than once (each was hashed once).
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
    if named_again:
        files = "1 file was" if named_again == 1 else f"{named_again} files were"
        lines.append(f"{files} named more than once, so each was fingerprinted once.")
    if contents is not None and contents.copy_of:
        copies = len(contents.copy_of)
        files = "1 file is an exact copy" if copies == 1 else f"{copies} files are exact copies"
        lines.append(f"{files} of another one, so the code holds each only once.")
    if contents is not None and contents.left_out:
        left = len(contents.left_out)
        files = "1 file isn't" if left == 1 else f"{left} files aren't"
        lines.append(
            f"{files} a picture or video, so the code leaves it out. "
            f"Add {ALL_FILES_FLAG} to include such files too."
        )
    return lines


def contents_lines(results: Sequence[FileHashes], contents: CodeContents) -> dict[int, str]:
    """Lines for the files that are hashed but not in the code, by index of their result.

    Args:
        results: every file's result.
        contents: what went into the code.
    """
    lines: dict[int, str] = {}
    for index in contents.left_out:
        path = printable_path(results[index].path)
        lines[index] = f"note  {path}  not a picture or video, so it is left out of the code."
    for index, first in contents.copy_of.items():
        path, original = printable_path(results[index].path), printable_path(results[first].path)
        lines[index] = f"note  {path}  the same file as {original}, so the code holds it once."
    return lines


def paste_instructions(parts: Sequence[CodePart]) -> list[str]:
    """What to do with the code(s) printed after these lines.

    The words avoid the code's own markers, so pasting these lines along with the code is
    harmless.
    """
    if len(parts) == 1:
        return [
            "Copy the code below (all of its lines) and paste it into the chat.",
            "It holds only fingerprints, not your pictures.",
        ]
    cases = parts[0].cases
    if cases == 1:
        return [
            f"There are many files, so the code comes in {len(parts)} parts.",
            "Copy each part below (all of its lines) and send it as its own message.",
            "Send all the parts before you open the case: they all go into one case.",
            "They hold only fingerprints, not your pictures.",
        ]
    return [
        f"There are many files. One case holds up to {ITEMS_PER_CASE}, so they make {cases} cases.",
        "Copy each part below (all of its lines) and send it as its own message.",
        "Send the parts of case 1 and open that case. Then do the same for case 2, and so on.",
        "They hold only fingerprints, not your pictures.",
    ]


def part_heading(part: CodePart) -> str:
    """The line above one part, when there is more than one: which case and part it is."""
    if part.cases == 1:
        return f"Part {part.part} of {part.parts}:"
    if part.parts == 1:
        return f"Case {part.case} of {part.cases}:"
    return f"Case {part.case} of {part.cases}, part {part.part} of {part.parts}:"


def json_line(result: FileHashes) -> str:
    """One JSON object (one line) for ``--json`` output."""
    return json.dumps(result.to_json(), ensure_ascii=True, sort_keys=False)
