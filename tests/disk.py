"""A real full disk for tests: a small tmpfs mounted for the test, and a file that fills it.

Mounting needs the right to mount (root or CAP_SYS_ADMIN, as in the project's containers);
without it the tests that need a full disk are skipped and say why.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

FILLER = ".filler"


@contextlib.contextmanager
def small_filesystem(path: Path, size: str = "4m") -> Iterator[Path]:
    """Mount a tmpfs of ``size`` at ``path`` for the duration; skip the test if not allowed."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a small filesystem: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(path: Path) -> None:
    """Fill the filesystem at ``path`` to the last byte."""
    with open(path / FILLER, "ab", buffering=0) as handle:
        for size in (1 << 16, 1 << 12, 1 << 9, 1):
            with contextlib.suppress(OSError):
                while True:
                    handle.write(b"\0" * size)


def free(path: Path) -> None:
    """Give the space back."""
    os.unlink(path / FILLER)


@contextlib.contextmanager
def full(path: Path) -> Iterator[None]:
    """The filesystem at ``path`` is full inside the block and has room again after it."""
    fill(path)
    try:
        yield
    finally:
        free(path)
