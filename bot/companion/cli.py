"""``reclaim hash``: the command people run on their own device to fingerprint their files.

What belongs here: arguments, choosing the output form and the exit status. The help text is
the docstring of ``HashCommand``. Hashing, folders and wording live in the sibling modules.
"""

from __future__ import annotations

import argparse
import inspect
import sys
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
)

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
    def parser(cls) -> argparse.ArgumentParser:
        """The argument parser; its description is this class's docstring."""
        parser = argparse.ArgumentParser(
            prog=cls.prog,
            description=inspect.cleandoc(cls.__doc__ or ""),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
        parser.add_argument(
            "-r", "--recursive", action="store_true", help="also look inside subfolders"
        )
        output = parser.add_mutually_exclusive_group()
        output.add_argument(
            "--json", action="store_true", help="print one JSON object per file instead"
        )
        output.add_argument("--code", action="store_true", help="print only the code to paste")
        parser.add_argument(
            ALL_FILES_FLAG,
            action="store_true",
            help="also put files that are not pictures or videos in the code (MD5 only)",
        )
        parser.add_argument(
            "-j",
            "--jobs",
            type=_positive,
            default=None,
            metavar="N",
            help="hash N files at a time (default: one per processor core)",
        )
        return parser

    @classmethod
    def run(cls, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
        """Hash the files named in ``args`` and print the results.

        Returns:
            0 when every file was hashed, 1 when some could not be (or none were found).
        """
        found = collect(args.paths, recursive=args.recursive)
        progress = Progress(len(found.files), err)
        try:
            results = found.failures + hash_many(
                found.files, jobs=args.jobs, on_done=progress.advance
            )
        except KeyboardInterrupt:
            progress.close()
            err.write("\nStopped. Nothing was saved or sent.\n")
            return _EXIT_INTERRUPTED
        progress.close()

        if args.json:
            for result in results:
                out.write(json_line(result) + "\n")
        else:
            _write_code(results, found, args.all_files, out, err, code_only=args.code)
        all_ok = bool(results) and all(result.ok for result in results)
        return _EXIT_OK if all_ok else _EXIT_SOME_FAILED


def _write_code(
    results: list[FileHashes],
    found: Collected,
    all_files: bool,
    out: TextIO,
    err: TextIO,
    *,
    code_only: bool,
) -> None:
    """The file lines, the summary and the code; with ``code_only`` all but the code go to err."""
    contents = code_contents(results, all_files=all_files)
    special = contents_lines(results, contents)
    notes = err if code_only else out
    width = min(40, max((len(printable_path(result.path)) for result in results), default=0))
    for index, result in enumerate(results):
        if index in special:
            notes.write(special[index] + "\n")
        elif not code_only or not result.ok:
            notes.write(file_line(result, 0 if code_only else width) + "\n")
    if results and not code_only:
        out.write("\n")
    for line in summary(results, found.skipped_folders, contents, found.named_again):
        notes.write(line + "\n")
    parts = code_parts(contents.items)
    if not parts:
        return
    if code_only:
        out.write("\n\n".join(part.text for part in parts) + "\n")
        return
    out.write("\n")
    for line in paste_instructions(parts):
        out.write(line + "\n")
    for part in parts:
        out.write("\n")
        if len(parts) > 1:
            out.write(part_heading(part) + "\n")
        out.write(part.text + "\n")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def main(argv: list[str] | None = None) -> int:
    """Run ``reclaim hash`` with ``argv`` (default: the command line) and return the exit code."""
    args = HashCommand.parser().parse_args(argv)
    return HashCommand.run(args, sys.stdout, sys.stderr)
