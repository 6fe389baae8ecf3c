"""Tests of what a fresh ``reclaim hash`` process loads: only what the files need.

Start-up is most of the wait for a photo or two, so hashing a JPEG must not import scipy,
imagehash or pillow-heif, and must start no worker process; a HEIC file must still be read
(pillow-heif is then imported on demand). Each test runs ``python -m bot hash`` for real.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.hashes.hashcode import parse
from tests.companion.pictures import photo, save

REPO = Path(__file__).resolve().parents[2]

_PROBE = """
import json, sys
from multiprocessing.process import BaseProcess
started = []
original_start = BaseProcess.start
def start(process):
    started.append(process.name)
    original_start(process)
BaseProcess.start = start
from bot.cli import main
status = main(["hash", "--code", *sys.argv[1:]])
loaded = sorted({name.split(".")[0] for name in sys.modules})
print(json.dumps({"status": status, "loaded": loaded, "started": started}), file=sys.stderr)
"""
"""Runs ``reclaim hash --code``; reports on its last stderr line what it imported and started."""

_HEAVY = {"scipy", "imagehash", "pillow_heif"}


def _hash_in_fresh_process(*paths: Path) -> tuple[str, dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *map(str, paths)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        cwd=REPO,
        timeout=120,
        check=True,
    )
    report: dict[str, object] = json.loads(done.stderr.splitlines()[-1])
    return done.stdout, report


def test_a_few_jpegs_load_nothing_heavy(tmp_path: Path) -> None:
    photos = [
        save(photo(1600, 1200, seed), tmp_path / f"IMG_{seed}.jpg", 6, quality=85)
        for seed in range(3)
    ]
    out, report = _hash_in_fresh_process(*photos)
    assert report["status"] == 0
    assert len(parse(out).items) == 3
    loaded = report["loaded"]
    assert isinstance(loaded, list)
    assert _HEAVY.isdisjoint(loaded), _HEAVY.intersection(loaded)
    assert report["started"] == []  # no worker process for three files


def test_heic_is_read_in_a_fresh_process(tmp_path: Path) -> None:
    path = save(photo(640, 480, 5), tmp_path / "IMG_5.heic", quality=80)
    out, report = _hash_in_fresh_process(path)
    assert report["status"] == 0
    assert [item.kind.value for item in parse(out).items] == ["image"]
    loaded = report["loaded"]
    assert isinstance(loaded, list)
    assert "pillow_heif" in loaded
