"""The file sink: append-only JSON Lines a partner collects, one file per UTC day.

Belongs here: where a job's line goes (pure: ``export_path``, ``line``) and the thin writer that
appends it and syncs it to disk. Does not belong here: the document's shape (``document.py``),
SQL and retry timing.

Each job appends one line, the same document a webhook partner receives, to
``<folder>/YYYY-MM-DD.jsonl`` (the UTC day of the write). The folder is created readable by its
owner only (0700) and each file 0600; the partner's collector runs as that user or is given
the files by the operator. A line is flushed and fsynced before the job is marked delivered, so
a crash can lose no line; a crash between the write and the mark makes the job run again and
the file then holds the line twice, with the same ``idempotency_key``: collectors must keep the
first line per key.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from collections.abc import Callable
from pathlib import Path

from bot.relay.jobs import Job
from bot.relay.sinks import Outcome
from bot.relay.sinks.document import document, encode, reference_key

__all__ = ["JsonlSink", "export_path", "line"]


def export_path(folder: Path, now: float) -> Path:
    """The file a line written at ``now`` goes to."""
    day = dt.datetime.fromtimestamp(now, tz=dt.UTC).date().isoformat()
    return folder / f"{day}.jsonl"


def line(job: Job, key: bytes) -> bytes:
    """The line for ``job``, newline included."""
    return encode(document(job, key)) + b"\n"


def append_synced(path: Path, data: bytes) -> None:
    """Append ``data`` to ``path`` (created 0600 in a 0700 folder) and sync it to disk."""
    folder = path.parent
    if not folder.is_dir():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:  # the new file's name must survive a crash too
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class JsonlSink:
    """Appends jobs to one folder of daily JSON Lines files."""

    def __init__(
        self,
        name: str,
        folder: Path,
        server_secret: bytes,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._name = name
        self.folder = folder
        self._key = reference_key(server_secret)
        self._clock = clock

    @property
    def name(self) -> str:
        """The partner's public name."""
        return self._name

    async def deliver(self, job: Job) -> Outcome:
        """Append ``job``'s line to today's file, synced."""
        path = export_path(self.folder, self._clock())
        try:
            await asyncio.to_thread(append_synced, path, line(job, self._key))
        except OSError as exc:
            return Outcome(False, exc.strerror or type(exc).__name__)
        return Outcome(True)

    async def close(self) -> None:
        """Nothing stays open between lines."""
