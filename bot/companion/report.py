"""The words the companion shows: one line per file, a summary, and the hash code to paste.

Everything here is read by someone who may be scared or upset, maybe 13 years old: short,
plain, warm, and never blaming. "Fingerprint" is the plain word for a hash throughout.

The words come from the message catalogs (``companion.*``, and the page's ``web.*`` where the
page says the same), in the language ``reclaim hash --lang`` or the system's locale picks.
Every function takes the :class:`~bot.i18n.Translator` to use (default: English).

What belongs here: turning results into text. What does not: hashing (``hasher.py``), what goes
into the code and how it is cut into parts (``codeplan.py``), the code format itself
(``bot.hashes.hashcode``), argument parsing (``cli.py``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from functools import cache

from bot.companion.codeplan import ITEMS_PER_CASE, CodeContents, CodePart
from bot.companion.hasher import Failure, FileHashes, FileKind, Note
from bot.i18n import Catalogs, Translator

__all__ = [
    "ALL_FILES_FLAG",
    "contents_lines",
    "file_line",
    "json_line",
    "part_heading",
    "paste_instructions",
    "printable_path",
    "summary",
    "translator",
]

_CODE_WORDS = re.compile(r"#(?=end|reclaim)", re.IGNORECASE)

ALL_FILES_FLAG = "--all-files"
"""The option that puts files other than pictures and videos into the code too."""

_FAILURES: dict[Failure, str] = {
    Failure.NOT_FOUND: "companion.error.not_found",
    Failure.BROKEN_LINK: "companion.error.broken_link",
    Failure.NOT_A_FILE: "companion.error.not_a_file",
    Failure.PERMISSION_DENIED: "companion.error.permission_denied",
    Failure.EMPTY: "web.error.empty",
    Failure.DAMAGED: "web.error.damaged",
    Failure.TRUNCATED: "web.error.truncated",
    Failure.TOO_LARGE: "web.error.too_large",
    Failure.READ_ERROR: "web.error.read_error",
}

_KINDS: dict[FileKind, str] = {
    FileKind.IMAGE: "companion.kind.image",
    FileKind.VIDEO: "companion.kind.video",
    FileKind.OTHER: "companion.kind.other",
}


@cache
def _english() -> Translator:
    return Catalogs.load(only=()).translator("en")


def translator(lang: str | None = None) -> Translator:
    """The companion's words in ``lang`` (a locale code such as ``pt-BR``; None: English)."""
    if not lang:
        return _english()
    catalogs = Catalogs.load()
    return catalogs.translator(catalogs.negotiate([lang]))


def _tag(t: Translator, msgid: str) -> str:
    """The column word in front of a file line, padded so the paths line up."""
    width = max(len(t(m)) for m in ("companion.tag.ok", "companion.tag.note", "companion.tag.skip"))
    return t(msgid).ljust(width)


def file_line(result: FileHashes, width: int = 0, t: Translator | None = None) -> str:
    """One line about one file: ``ok``, ``note`` or ``skip``, the path, and what happened.

    Args:
        result: the file's result.
        width: pad the path to this many characters, to line files up.
        t: the words to use.
    """
    t = t or _english()
    path = printable_path(result.path).ljust(width)
    if result.error is not None:
        return f"{_tag(t, 'companion.tag.skip')}  {path}  {t(_FAILURES[result.error])}"
    note = _tag(t, "companion.tag.note")
    if result.note is Note.LOW_QUALITY:
        return f"{note}  {path}  {t('web.file.low_quality', quality=result.pdq_quality or 0)}"
    if result.note is Note.BLANK_PICTURE:
        return f"{note}  {path}  {t('web.file.blank')}"
    if result.note is Note.NOT_MEDIA:
        return f"{note}  {path}  {t('web.file.not_media')}"
    return f"{_tag(t, 'companion.tag.ok')}  {path}  {t(_KINDS[result.kind])}"


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
    t: Translator | None = None,
) -> list[str]:
    """The closing lines: how many files have fingerprints, and what to do next.

    Args:
        results: every file's result.
        skipped_folders: subfolders left out because ``-r`` was not given.
        contents: what went into the code, to count the copies and files left out.
        named_again: files named more than once (each was hashed once).
        t: the words to use.
    """
    t = t or _english()
    lines: list[str] = []
    done = sum(result.ok for result in results)
    failed = len(results) - done
    if not results:
        lines.append(t("companion.none_found"))
    elif failed == 0:
        lines.append(t("web.summary.all", count=done) if done > 1 else t("web.summary.one"))
    elif done == 0:
        lines.append(t("web.summary.none"))
    else:
        lines.append(t("web.summary.some", done=done, total=len(results), failed=failed))
    if skipped_folders:
        lines.append(t("companion.skipped_folders", count=skipped_folders))
    if named_again:
        lines.append(t("companion.named_again", count=named_again))
    if contents is not None and contents.copy_of:
        copies = len(contents.copy_of)
        lines.append(t("web.summary.copies", count=copies) if copies > 1 else t("web.summary.copy"))
    if contents is not None and contents.left_out:
        lines.append(t("companion.left_out", count=len(contents.left_out), flag=ALL_FILES_FLAG))
    return lines


def contents_lines(
    results: Sequence[FileHashes], contents: CodeContents, t: Translator | None = None
) -> dict[int, str]:
    """Lines for the files that are hashed but not in the code, by index of their result.

    Args:
        results: every file's result.
        contents: what went into the code.
        t: the words to use.
    """
    t = t or _english()
    note = _tag(t, "companion.tag.note")
    lines: dict[int, str] = {}
    for index in contents.left_out:
        path = printable_path(results[index].path)
        lines[index] = f"{note}  {path}  {t('web.file.left_out')}"
    for index, first in contents.copy_of.items():
        path, original = printable_path(results[index].path), printable_path(results[first].path)
        lines[index] = f"{note}  {path}  {t('web.file.copy_of', name=original)}"
    return lines


def paste_instructions(parts: Sequence[CodePart], t: Translator | None = None) -> list[str]:
    """What to do with the code(s) printed after these lines.

    The words avoid the code's own markers, so pasting these lines along with the code is
    harmless.
    """
    t = t or _english()
    if len(parts) == 1:
        return [t("web.paste.one"), t("web.paste.one_only")]
    cases = parts[0].cases
    if cases == 1:
        return [
            t("web.paste.parts", parts=len(parts)),
            t("web.paste.each"),
            t("web.paste.same_case"),
            t("web.paste.parts_only"),
        ]
    return [
        t("web.paste.cases", max=ITEMS_PER_CASE, cases=cases),
        t("web.paste.each"),
        t("web.paste.case_order"),
        t("web.paste.parts_only"),
    ]


def part_heading(part: CodePart, t: Translator | None = None) -> str:
    """The line above one part, when there is more than one: which case and part it is."""
    t = t or _english()
    if part.cases == 1:
        return t("web.part", part=part.part, parts=part.parts)
    if part.parts == 1:
        return t("web.case", case=part.case, cases=part.cases)
    return t("web.case_part", case=part.case, cases=part.cases, part=part.part, parts=part.parts)


def json_line(result: FileHashes) -> str:
    """One JSON object (one line) for ``--json`` output."""
    return json.dumps(result.to_json(), ensure_ascii=True, sort_keys=False)
