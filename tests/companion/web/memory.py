"""The resident memory of the browser's processes, read from /proc (Linux only, no psutil).

What belongs here: finding the Chromium processes this test process started and sampling their
memory while something runs. What does not: the assertions (the tests).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


def _parents() -> dict[int, int]:
    parents = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
    return parents


def browser_processes() -> list[int]:
    """Every Chromium process descending from this one (through Playwright's driver)."""
    parents = _parents()
    mine = os.getpid()
    found = []
    for pid in parents:
        ancestor = parents.get(pid)
        while ancestor not in (None, 0, 1, mine):
            ancestor = parents.get(ancestor)
        if ancestor != mine:
            continue
        try:
            command = (PROC / str(pid) / "cmdline").read_bytes().split(b"\0")[0]
        except OSError:
            continue
        if b"chrom" in os.path.basename(command):
            found.append(pid)
    return found


def resident_bytes(pids: list[int]) -> int:
    """The sum of VmRSS over ``pids`` (processes that are gone count as 0)."""
    total = 0
    for pid in pids:
        try:
            status = (PROC / str(pid) / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


@dataclass
class Peak:
    """The highest total seen while sampling, in bytes."""

    bytes: int = 0


@contextmanager
def peak_resident(interval: float = 0.02) -> Iterator[Peak]:
    """Sample the browser's total resident memory until the block ends; keep the peak."""
    peak = Peak()
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak.bytes = max(peak.bytes, resident_bytes(browser_processes()))
            done.wait(interval)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        done.set()
        thread.join()
