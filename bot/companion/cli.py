"""``reclaim hash``: the command people run on their own device to fingerprint their files.

What belongs here: arguments, choosing the language, the output form and the exit status. The
help text is ``companion.help.*`` in the person's language (``--lang``, else the system's
locale), with the docstring of ``HashCommand`` as its English original.
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys
from collections.abc import Callable, Mapping
from typing import TextIO

from bot.companion.batch import Collected, Progress, collect, hash_many
from bot.companion.codeplan import code_contents, code_parts
from bot.companion.hasher import FileHashes
from bot.companion.report import (
    ALL_FILES_FLAG,
    contents_lines,
    file_line,
    json_line,
    part_heading,
    paste_instructions,
    printable_path,
    summary,
    translator,
)
from bot.i18n import Translator

__all__ = ["HashCommand", "main"]

_EXIT_OK = 0
_EXIT_SOME_FAILED = 1
_EXIT_INTERRUPTED = 130


class HashCommand:
    """Make fingerprints (hashes) of your pictures and videos, right here on this device.

    Give it files or folders. Each picture gets a PDQ fingerprint (the kind StopNCII uses)
    plus MD5, pHash and dHash; each video gets an MD5 fingerprint. Other files are left out
    of the code unless you add --all-files.

    Your files are only read: nothing is changed, copied or sent anywhere, and no internet
    connection is used. At the end you get a short code, from #reclaim1 to #end. Paste it
    into the chat with Reclaim. It holds only fingerprints, not your pictures.

    examples:
      reclaim hash photo.jpg
      reclaim hash -r Pictures/Private
      reclaim hash --json clip.mp4
    """

    prog = "reclaim hash"

    @classmethod
    def parser(cls, t: Translator | None = None) -> argparse.ArgumentParser:
        """The argument parser, with its help in the words of ``t`` (default: English)."""
        t = t or translator()
        examples = inspect.cleandoc(cls.__doc__ or "").split("examples:", 1)[1]
        parser = argparse.ArgumentParser(
            prog=cls.prog,
            description=f"{t('companion.help.description')}\n\n{t('companion.help.examples')}"
            + examples,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.add_argument("paths", nargs="+", metavar="PATH", help=t("companion.help.paths"))
        parser.add_argument(
            "-r", "--recursive", action="store_true", help=t("companion.help.recursive")
        )
        output = parser.add_mutually_exclusive_group()
        output.add_argument("--json", action="store_true", help=t("companion.help.json"))
        output.add_argument("--code", action="store_true", help=t("companion.help.code"))
        parser.add_argument(ALL_FILES_FLAG, action="store_true", help=t("companion.help.all_files"))
        parser.add_argument(
            "-j",
            "--jobs",
            type=_positive(t("companion.help.positive")),
            default=None,
            metavar="N",
            help=t("companion.help.jobs"),
        )
        parser.add_argument("--lang", metavar="LANG", help=t("companion.help.lang"))
        return parser

    @classmethod
    def run(
        cls, args: argparse.Namespace, out: TextIO, err: TextIO, t: Translator | None = None
    ) -> int:
        """Hash the files named in ``args`` and print the results.

        Returns:
            0 when every file was hashed, 1 when some could not be (or none were found).
        """
        t = t or translator(getattr(args, "lang", None))
        found = collect(args.paths, recursive=args.recursive)
        progress = Progress(len(found.files), err, t("companion.progress"))
        try:
            results = found.failures + hash_many(
                found.files, jobs=args.jobs, on_done=progress.advance
            )
        except KeyboardInterrupt:
            progress.close()
            err.write(f"\n{t('companion.stopped')}\n")
            return _EXIT_INTERRUPTED
        progress.close()

        if args.json:
            for result in results:
                out.write(json_line(result) + "\n")
        else:
            _write_code(results, found, args.all_files, out, err, t, code_only=args.code)
        all_ok = bool(results) and all(result.ok for result in results)
        return _EXIT_OK if all_ok else _EXIT_SOME_FAILED


def _write_code(
    results: list[FileHashes],
    found: Collected,
    all_files: bool,
    out: TextIO,
    err: TextIO,
    t: Translator,
    *,
    code_only: bool,
) -> None:
    """The file lines, the summary and the code; with ``code_only`` all but the code go to err."""
    contents = code_contents(results, all_files=all_files)
    special = contents_lines(results, contents, t)
    notes = err if code_only else out
    width = min(40, max((len(printable_path(result.path)) for result in results), default=0))
    for index, result in enumerate(results):
        if index in special:
            notes.write(special[index] + "\n")
        elif not code_only or not result.ok:
            notes.write(file_line(result, 0 if code_only else width, t) + "\n")
    if results and not code_only:
        out.write("\n")
    for line in summary(results, found.skipped_folders, contents, found.named_again, t):
        notes.write(line + "\n")
    parts = code_parts(contents.items)
    if not parts:
        return
    if code_only:
        out.write("\n\n".join(part.text for part in parts) + "\n")
        return
    out.write("\n")
    for line in paste_instructions(parts, t):
        out.write(line + "\n")
    for part in parts:
        out.write("\n")
        if len(parts) > 1:
            out.write(part_heading(part, t) + "\n")
        out.write(part.text + "\n")


def _positive(message: str) -> Callable[[str], int]:
    def positive(text: str) -> int:
        value = int(text)
        if value < 1:
            raise argparse.ArgumentTypeError(message)
        return value

    return positive


def language(argv: list[str], environ: Mapping[str, str]) -> str | None:
    """The language asked for: ``--lang`` on the command line, else the system's locale."""
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "").split(":")[0].split(".")[0]
        if value and value not in ("C", "POSIX"):
            return value
    return None


def main(argv: list[str] | None = None) -> int:
    """Run ``reclaim hash`` with ``argv`` (default: the command line) and return the exit code."""
    argv = sys.argv[1:] if argv is None else argv
    t = translator(language(argv, os.environ))
    args = HashCommand.parser(t).parse_args(argv)
    return HashCommand.run(args, sys.stdout, sys.stderr, t)
