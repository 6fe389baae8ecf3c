"""Many files: finding them in folders and hashing them on every core of the device.

What belongs here: expanding the paths a person gave into files, the process pool, and the
progress bar. What does not: hashing one file (``hasher.py``) and the words of the summary
(``report.py``). Uses no network: the pool talks to its workers over pipes.

A small batch is hashed in this process. A 12 MP photo takes about 25 ms to hash, while starting
worker processes and sending results back costs about as much as hashing a few photos (far more
where workers are fresh interpreters: macOS, Windows). So by default a worker is started only for
every ``FILES_PER_WORKER`` files; ``jobs`` given explicitly is obeyed. Workers also keep one
damaged file from stopping a big batch; in a small batch a decoder crash would stop the run, and
running it again shows which file it was.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import TextIO

from bot.companion.hasher import Failure, FileHashes, FileKind, hash_file, kind_from_name

__all__ = ["FILES_PER_WORKER", "Collected", "Progress", "collect", "hash_many", "worker_count"]

FILES_PER_WORKER = 8
"""With the default ``jobs``, one worker process per this many files (fewer: this process)."""

_JUNK_NAMES = frozenset({"thumbs.db", "desktop.ini", "icon\r", "__macosx", "$recycle.bin"})
"""Files and folders that operating systems create by themselves; skipped inside folders."""


@dataclass(slots=True)
class Collected:
    """The files found for a list of paths.

    Attributes:
        files: files to hash, in a stable order, each once.
        failures: folders that could not be listed.
        skipped_folders: subfolders left out because recursion was off.
        named_again: paths that named a file already listed (reported, not hashed twice).
    """

    files: list[str] = field(default_factory=list)
    failures: list[FileHashes] = field(default_factory=list)
    skipped_folders: int = 0
    named_again: int = 0


def collect(paths: Sequence[str], *, recursive: bool) -> Collected:
    """Expand paths into files: files are kept, folders are listed (subfolders if recursive).

    Hidden files and system files inside folders are skipped; paths named directly are always
    kept (missing ones too, so that they are reported). Each file is listed once.

    Args:
        paths: files and folders, as the person typed them.
        recursive: also look inside subfolders.

    Returns:
        The files, the folders that could not be read, the number of skipped subfolders and
        of paths that named a file again.
    """
    found = Collected()
    seen: set[str] = set()

    def add(path: str) -> None:
        key = os.path.realpath(path) if os.path.exists(path) else path
        if key in seen:
            found.named_again += 1
        else:
            seen.add(key)
            found.files.append(path)

    for path in paths:
        if os.path.isdir(path):
            _walk(path, recursive=recursive, add=add, found=found)
        else:
            add(path)
    return found


def _walk(folder: str, *, recursive: bool, add: Callable[[str], None], found: Collected) -> None:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except PermissionError:
        found.failures.append(_folder_failure(folder, Failure.PERMISSION_DENIED))
        return
    except OSError:
        found.failures.append(_folder_failure(folder, Failure.READ_ERROR))
        return
    for entry in entries:
        if entry.name.startswith(".") or entry.name.lower() in _JUNK_NAMES:
            continue
        try:
            is_folder = entry.is_dir()
            linked = entry.is_symlink()
        except OSError:
            is_folder = linked = False
        if is_folder and linked:
            continue  # a shortcut to a folder: following it could loop forever
        if not is_folder:
            add(entry.path)
        elif recursive:
            _walk(entry.path, recursive=recursive, add=add, found=found)
        else:
            found.skipped_folders += 1


def _folder_failure(folder: str, failure: Failure) -> FileHashes:
    return FileHashes(path=folder, kind=FileKind.OTHER, error=failure)


class Progress:
    """A one-line progress bar on a terminal; silent when the stream is not a terminal."""

    def __init__(self, total: int, stream: TextIO | None = None, word: str = "Hashing") -> None:
        self._stream = sys.stderr if stream is None else stream
        self._total = total
        self._word = word
        self._done = 0
        self._shown = total > 1 and _is_terminal(self._stream)

    def advance(self) -> None:
        """Count one more file and redraw."""
        self._done += 1
        if self._shown:
            width = 24
            filled = width * self._done // self._total
            bar = "#" * filled + "-" * (width - filled)
            self._stream.write(f"\r{self._word} [{bar}] {self._done}/{self._total}")
            self._stream.flush()

    def close(self) -> None:
        """Erase the bar so the summary starts on a clean line."""
        if self._shown and self._done:
            self._stream.write("\r" + " " * 60 + "\r")
            self._stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def hash_many(
    files: Sequence[str],
    *,
    jobs: int | None = None,
    on_done: Callable[[], None] | None = None,
    hasher: Callable[[str], FileHashes] = hash_file,
) -> list[FileHashes]:
    """Hash files, in parallel when there are several, returning results in the same order.

    Args:
        files: paths of files.
        jobs: worker processes; default: see ``worker_count``. 1 hashes in this process.
        on_done: called once per finished file (for progress).
        hasher: the function applied to each file (a module-level function, for the pool).

    Returns:
        One result per file, in order.
    """
    notify = on_done or (lambda: None)
    workers = worker_count(len(files), jobs)
    if workers <= 1:
        results = []
        for path in files:
            results.append(hasher(path))
            notify()
        return results

    slots: list[FileHashes | None] = [None] * len(files)
    context = _pool_context()
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_ignore_interrupts
    )
    try:
        futures = {pool.submit(hasher, path): index for index, path in enumerate(files)}
        for future in as_completed(futures):
            index = futures[future]
            try:
                slots[index] = future.result()
            except BrokenProcessPool:
                slots[index] = None  # retried alone below
            notify()
    except BaseException:
        # Ctrl-C: drop the files not started yet instead of waiting for the whole batch.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    # A worker that died (for example a decoder crash on a hostile file) breaks the whole pool.
    # Retry the files it took down one by one, each in its own process.
    for index, result in enumerate(slots):
        if result is None:
            slots[index] = _hash_alone(files[index], hasher, context)
    return [result for result in slots if result is not None]


def worker_count(files: int, jobs: int | None = None, cores: int | None = None) -> int:
    """How many worker processes to hash ``files`` files with; 1 means this process alone.

    Args:
        files: how many files there are.
        jobs: the number asked for, or None for the default: one per core, but no more than
            one per ``FILES_PER_WORKER`` files, so small batches start no process at all.
        cores: processor cores (default: this device's).
    """
    if jobs is not None:
        return max(1, min(jobs, files))
    available = cores or os.cpu_count() or 1
    return max(1, min(available, files // FILES_PER_WORKER))


def _ignore_interrupts() -> None:
    # Ctrl-C reaches every process of the terminal; only the main one should react to it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _hash_alone(
    path: str,
    hasher: Callable[[str], FileHashes],
    context: multiprocessing.context.BaseContext,
) -> FileHashes:
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            return pool.submit(hasher, path).result()
    except BrokenProcessPool:
        return FileHashes(path=path, kind=kind_from_name(path), error=Failure.DAMAGED)


def _pool_context() -> multiprocessing.context.BaseContext:
    # "fork" starts workers fastest and needs no socket (forkserver uses a Unix socket);
    # elsewhere (macOS, Windows) "spawn" is the safe choice.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")
