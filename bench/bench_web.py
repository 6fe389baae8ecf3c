"""Benchmark of the companion page's worker in headless Chromium against the Python companion.

Three measurements, side by side in one run, on files generated in a temporary folder:

1. **One 12-megapixel JPEG photo** (camera-like content, EXIF orientation 6): the worker's time
   per file (from posting the file to receiving its result, measured in the page), against
   ``bot.companion.hasher.hash_file`` on the same file in this process. Median of ``PHOTO_RUNS``,
   after a first file on a fresh page (printed too: the worker starts, its WebAssembly compiles).
2. **One 12-megapixel HEIC photo**, which Chromium cannot decode: the worker's libheif
   (``heic.js``) against the Python companion's pillow-heif, median of ``HEIC_RUNS`` after a
   first file that also loads libheif.
3. **MD5 of a large file** (``LARGE_BYTES``): the worker's throughput against ``hashlib.md5``
   reading the same file in 1 MiB chunks. Median of ``LARGE_RUNS``.

Beside them, the page's own JPEG decoder alone (``jpeg.js``, under Node when ``node`` is on the
PATH) on the same photo, and where the worker's time on the photo goes, stage by stage (the worker
reports it when asked: ``timing`` in its request), in ``STAGE_RUNS`` further runs; "messaging" is
the rest of the page's time (posting the file, the result coming back).

Run with ``python -m bench.bench_web`` (Chromium at /usr/bin/chromium or $RECLAIM_CHROMIUM).
Prints medians, ranges and ratios; nothing is asserted.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bot`` and ``tests`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pillow_heif

import bot.companion
from bot.companion.hasher import CHUNK_SIZE, FileHashes, hash_file
from tests import browser as chromium
from tests.companion.pictures import bits_apart, photo, save
from tests.companion.web.hashpage import hash_files, open_hash_page, serve

WEB_ROOT = Path(bot.companion.__file__).resolve().parent / "web"
PHOTO_SIZE = (4032, 3024)
PHOTO_RUNS = 7
LARGE_BYTES = 500 * 1024 * 1024
LARGE_RUNS = 3
HEIC_RUNS = 3
STAGE_RUNS = 7


def _spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.1f} (range {min(values):.1f}-{max(values):.1f})"


def _large_file(path: Path) -> Path:
    block = bytes(range(256)) * 4096  # 1 MiB
    with path.open("wb") as out:
        out.write(b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00")
        for _ in range(LARGE_BYTES >> 20):
            out.write(block)
    return path


_DECODE_TIMING = """
const [web, file, runs] = process.argv.slice(1);
const path = require("path");
const jpeg = require(path.resolve(web, "jpeg.js"));
const data = new Uint8Array(require("fs").readFileSync(file));
jpeg.decodeEighth(data); // warm up
const times = [];
for (let i = 0; i < Number(runs); i++) {
  const start = performance.now();
  jpeg.decodeEighth(data);
  times.push(performance.now() - start);
}
console.log(JSON.stringify(times));
"""


def _node_decode_ms(path: Path) -> list[float] | None:
    """jpeg.js's decodeEighth alone under Node, ``PHOTO_RUNS`` times; None without Node."""
    node = shutil.which("node")
    if node is None:
        return None
    command = [node, "-e", _DECODE_TIMING, str(WEB_ROOT), str(path), str(PHOTO_RUNS)]
    output = subprocess.run(command, capture_output=True, check=True, text=True).stdout
    return [float(value) for value in json.loads(output)]


def _hashlib_seconds(path: Path) -> float:
    start = time.perf_counter()
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb", buffering=0) as stream:
        while chunk := stream.read(CHUNK_SIZE):
            digest.update(chunk)
    return time.perf_counter() - start


async def _page_ms(page: Any, path: Path) -> tuple[float, dict[str, Any]]:
    (result,) = await hash_files(page, [path], timeout_ms=600_000)
    timings = await page.evaluate("window.timings")
    return float(timings[str(max(int(key) for key in timings))]), result


async def _side_by_side(
    page: Any, path: Path, runs: int, label: str
) -> tuple[dict[str, Any], FileHashes]:
    """``runs`` times the page, then the Python companion, on ``path``; prints both and the
    ratio of their medians, and returns the last results."""
    page_ms, python_ms = [], []
    result: dict[str, Any] = {}
    python = hash_file(path)
    for _ in range(runs):
        elapsed, result = await _page_ms(page, path)
        page_ms.append(elapsed)
        start = time.perf_counter()
        python = hash_file(path)
        python_ms.append((time.perf_counter() - start) * 1000)
    print(f"{label}, page (worker) ms: {_spread(page_ms)}")
    print(f"{label}, Python companion ms: {_spread(python_ms)}")
    each = ", ".join(
        f"{ours:.0f}/{theirs:.0f}" for ours, theirs in zip(page_ms, python_ms, strict=True)
    )
    print(f"  each run, page/Python ms: {each}")
    ratio = statistics.median(page_ms) / statistics.median(python_ms)
    print(f"  page / Python: {ratio:.2f}x")
    return result, python


async def _stages(page: Any, path: Path) -> None:
    """Median milliseconds of each stage of the worker's work on ``path``, over ``STAGE_RUNS``."""
    await page.evaluate("window.timing = true")
    runs: list[dict[str, float]] = []
    for _ in range(STAGE_RUNS):
        elapsed, _ = await _page_ms(page, path)
        stages = await page.evaluate("window.stages")
        latest = stages[str(max(int(key) for key in stages))]
        stage = {name: float(ms) for name, ms in latest.items()}
        stage["messaging"] = elapsed - sum(stage.values())
        runs.append(stage)
    await page.evaluate("window.timing = false")
    print(f"  where the page's time goes (worker stages, ms, {STAGE_RUNS} runs):")
    for name in runs[0]:
        print(f"    {name}: {_spread([run.get(name, 0.0) for run in runs])}")


def _bits_apart(result: dict[str, Any], python: FileHashes, names: tuple[str, ...]) -> None:
    for name in names:
        ours, theirs = result.get(name), getattr(python, name)
        if ours and theirs:
            apart = bits_apart(ours, theirs)
            print(f"  {name} bits apart (page vs Python companion): {apart}")


async def _heic(page: Any, folder: Path) -> None:
    """A 12 MP HEIC photo: Chromium cannot decode it, so the worker's libheif does (loaded, and
    compiled, with the first one), against the Python companion's pillow-heif."""
    pillow_heif.register_heif_opener()
    path = save(photo(*PHOTO_SIZE, seed=5), folder / "IMG_0001.HEIC", quality=80)
    first, _ = await _page_ms(page, path)
    print(f"12 MP HEIC, the first one (loads libheif): {first:.0f} ms")
    result, python = await _side_by_side(page, path, HEIC_RUNS, "12 MP HEIC")
    _bits_apart(result, python, ("pdq",))


async def _run(folder: Path) -> None:
    picture = save(photo(*PHOTO_SIZE, seed=3), folder / "camera.jpg", 6, quality=92)
    large = _large_file(folder / "large.mp4")
    with serve(WEB_ROOT) as site, tempfile.TemporaryDirectory():
        async with chromium.launched() as browser:
            page = await open_hash_page(await browser.new_context(), site)
            first, _ = await _page_ms(page, picture)  # the worker starts and compiles
            print(f"12 MP JPEG, the first one on a fresh page (worker starts): {first:.0f} ms")
            result, python = await _side_by_side(page, picture, PHOTO_RUNS, "12 MP JPEG")
            decode_ms = _node_decode_ms(picture)
            if decode_ms is not None:
                print(f"  the page's JPEG decoder alone (Node) ms: {_spread(decode_ms)}")
            await _stages(page, picture)
            _bits_apart(result, python, ("pdq", "phash", "dhash"))

            await _heic(page, folder)

            size_mb = large.stat().st_size / 1e6
            page_rate, python_rate = [], []
            for _ in range(LARGE_RUNS):
                elapsed, result = await _page_ms(page, large)
                page_rate.append(size_mb / (elapsed / 1000))
                python_rate.append(size_mb / _hashlib_seconds(large))
            print(f"MD5 of {size_mb:.0f} MB, page MB/s: {_spread(page_rate)}")
            print(f"MD5 of {size_mb:.0f} MB, hashlib MB/s: {_spread(python_rate)}")
            share = statistics.median(page_rate) / statistics.median(python_rate)
            print(f"  page / hashlib: {share:.0%}")


def main() -> None:
    """Print the figures."""
    reason = chromium.missing_reason()
    if reason is not None:
        print(f"skipped: {reason}")
        return
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(_run(Path(folder)))


if __name__ == "__main__":
    main()
