"""Benchmark of the companion's hashing against the straightforward way of doing it.

Three measurements, side by side in one run, on files generated in a temporary folder:

1. **Whole process, six 12-megapixel JPEG photos** (camera-like content, EXIF orientation).
   "Naive" is a fresh ``python -c`` process that, for each file, decodes every pixel, applies
   the EXIF orientation, runs ``pdqhash.compute`` and imagehash's pHash and dHash on the full
   picture, and MD5. "Companion" is a fresh ``python -m bot hash --code`` process on the same
   six files. Start-up and imports count: that is what a person waits for. Both run
   ``WHOLE_RUNS`` times, alternately; the PDQ hashes of both sides are compared.
2. One such photo in this process: ``hash_file`` against the naive steps (no start-up).
3. A ~200 MB video-like file: ``hashlib.md5`` reading 1 MiB chunks versus ``hash_file``.

Run with ``python -m bench.bench_companion`` (or ``python bench/bench_companion.py``).
Prints medians, ranges and ratios; nothing is asserted.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import imagehash
import numpy as np
import pdqhash
from PIL import Image, ImageDraw, ImageFilter, ImageOps

if __package__ in (None, ""):  # run as a script: make ``bot`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.companion.hasher import hash_file

REPO = Path(__file__).resolve().parent.parent
PHOTO_SIZE = (4032, 3024)
PHOTO_COUNT = 6
ORIENTATIONS = (6, 1, 8, 3, 6, 1)
"""EXIF orientations of the six photos: phones mostly store pictures sideways (6)."""
VIDEO_BYTES = 200 * 1024 * 1024
WHOLE_RUNS = 5
PHOTO_RUNS = 7
VIDEO_RUNS = 3

NAIVE_SCRIPT = """
import hashlib, json, sys
import imagehash, numpy, pdqhash
from PIL import Image, ImageOps
out = []
for name in sys.argv[1:]:
    data = open(name, "rb").read()
    md5 = hashlib.md5(data).hexdigest()
    with Image.open(name) as opened:
        picture = ImageOps.exif_transpose(opened).convert("RGB")
    bits, quality = pdqhash.compute(numpy.asarray(picture))
    phash, dhash = str(imagehash.phash(picture)), str(imagehash.dhash(picture))
    out.append("%064x" % int("".join(str(int(bit)) for bit in bits), 2))
print(json.dumps(out))
"""
"""The naive pipeline as its own program; prints the PDQ hashes as a JSON list."""


def make_photo(path: Path, size: tuple[int, int], seed: int = 7, orientation: int = 6) -> None:
    """Write a camera-like JPEG: smooth lighting, shapes, blur, sensor noise and camera EXIF.

    Drawn at a quarter of the size and scaled up (as a lens softens detail), so six 12 MP
    photos take seconds, not minutes, to make.
    """
    width, height = size
    small_w, small_h = width // 4, height // 4
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:small_h, 0:small_w].astype(np.float32)
    channels = []
    for _ in range(3):
        a, b, phase = rng.uniform(-1, 1, 3)
        wave = np.sin((a * x / small_w + b * y / small_h) * rng.uniform(2, 6) + phase)
        channels.append(120 + 70 * wave + 30 * (y / small_h - 0.5))
    picture = Image.fromarray(np.clip(np.dstack(channels), 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(picture)
    for _ in range(14):
        cx, cy = int(rng.integers(0, small_w)), int(rng.integers(0, small_h))
        radius = int(rng.integers(small_h // 20, small_h // 4))
        colour = tuple(int(value) for value in rng.integers(0, 256, 3))
        draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=colour)
    picture = picture.filter(ImageFilter.GaussianBlur(2)).resize(size, Image.Resampling.BICUBIC)
    # Sensor noise from one tile, repeated: cheap at 12 MP and still different in every block.
    tile = rng.normal(0, 4, (509, 509, 1)).astype(np.float32)
    noise = np.tile(tile, (-(-height // 509), -(-width // 509), 1))[:height, :width]
    pixels = np.clip(np.asarray(picture, dtype=np.float32) + noise, 0, 255).astype(np.uint8)
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif[0x0132] = "2026:01:02 03:04:05"  # DateTime
    exif[0x0112] = orientation
    Image.fromarray(pixels).save(path, "JPEG", quality=90, exif=exif.tobytes())


def make_video(path: Path, size: int) -> None:
    """Write ``size`` bytes that start like an MP4 file."""
    chunk = np.random.default_rng(1).integers(0, 256, 1 << 20, dtype=np.uint8).tobytes()
    with open(path, "wb") as handle:
        handle.write(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
        written = 24
        while written < size:
            part = chunk[: size - written]
            handle.write(part)
            written += len(part)


def naive_photo(path: Path) -> str:
    """Every hash the straightforward way: full decode, full-size PDQ, pHash, dHash, MD5."""
    data = path.read_bytes()
    hashlib.md5(data, usedforsecurity=False).hexdigest()
    with Image.open(path) as opened:
        picture = ImageOps.exif_transpose(opened).convert("RGB")
    bits, _quality = pdqhash.compute(np.asarray(picture))
    imagehash.phash(picture)
    imagehash.dhash(picture)
    return f"{int(''.join(str(int(bit)) for bit in bits), 2):064x}"


def baseline_md5(path: Path) -> str:
    """``hashlib.md5`` over 1 MiB reads: the reference throughput for videos."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def timed_pair(
    first: Callable[[], object], second: Callable[[], object], runs: int
) -> tuple[list[float], list[float]]:
    """Wall times, in seconds, of two functions run alternately (fair under load)."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for function, bucket in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            function()
            bucket.append(time.perf_counter() - start)
    return times


def _run(command: Sequence[str]) -> str:
    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, check=True, timeout=600
    )
    return done.stdout


def naive_command(photos: Sequence[Path]) -> list[str]:
    """The naive pipeline in a fresh interpreter."""
    return [sys.executable, "-c", NAIVE_SCRIPT, *map(str, photos)]


def companion_command(photos: Sequence[Path], output: str = "--code") -> list[str]:
    """``reclaim hash --code`` (or another output form) in a fresh interpreter."""
    return [sys.executable, "-m", "bot", "hash", output, *map(str, photos)]


def _ms(times: Sequence[float]) -> str:
    return (
        f"median {statistics.median(times) * 1000:7.0f} ms"
        f"  ({min(times) * 1000:.0f}..{max(times) * 1000:.0f} over {len(times)} runs)"
    )


def whole_process(folder: Path) -> None:
    """Time both pipelines as fresh processes on six 12 MP photos and print the ratio."""
    photos = [folder / f"IMG_{number:04}.jpg" for number in range(1, PHOTO_COUNT + 1)]
    for number, (path, orientation) in enumerate(zip(photos, ORIENTATIONS, strict=True)):
        make_photo(path, PHOTO_SIZE, seed=100 + number, orientation=orientation)
    reference: list[str] = json.loads(_run(naive_command(photos)))
    lines = _run(companion_command(photos, "--json")).splitlines()
    ours = [json.loads(line)["pdq"] for line in lines]
    _run(companion_command(photos))  # warm the page cache and bytecode for both
    naive, companion = timed_pair(
        lambda: _run(naive_command(photos)), lambda: _run(companion_command(photos)), WHOLE_RUNS
    )
    distances = [
        (int(a, 16) ^ int(b, 16)).bit_count() for a, b in zip(ours, reference, strict=True)
    ]
    _report(
        f"whole process: {PHOTO_COUNT} x 12 MP JPEG, EXIF orientations {ORIENTATIONS}",
        ("naive `python -c` (full decode, pdqhash, pHash, dHash, MD5)", naive),
        ("companion `python -m bot hash --code`", companion),
        f"PDQ bits apart per photo: {distances}",
    )


def in_process(folder: Path) -> None:
    """Time one photo in this process: ``hash_file`` against the naive steps."""
    photo = folder / "photo.jpg"
    make_photo(photo, PHOTO_SIZE)
    ours = hash_file(photo)  # also warms up imports and caches
    reference = naive_photo(photo)
    assert ours.pdq is not None, ours
    distance = (int(ours.pdq, 16) ^ int(reference, 16)).bit_count()
    naive, companion = timed_pair(lambda: naive_photo(photo), lambda: hash_file(photo), PHOTO_RUNS)
    _report(
        "in process: one 12 MP JPEG, EXIF-rotated",
        ("naive steps", naive),
        ("companion hash_file", companion),
        f"PDQ distance to naive: {distance} bits",
    )


def _report(
    title: str,
    naive: tuple[str, Sequence[float]],
    companion: tuple[str, Sequence[float]],
    detail: str,
) -> None:
    """Print two timings under a title, and the speed-up of the second over the first."""
    width = max(len(naive[0]), len(companion[0])) + 1
    print(title)
    for label, times in (naive, companion):
        print(f"  {label + ':':<{width}} {_ms(times)}")
    ratio = statistics.median(naive[1]) / statistics.median(companion[1])
    print(f"  speed-up: {ratio:.1f}x   {detail}")


def video(folder: Path) -> None:
    """MD5 throughput of ``hash_file`` on a large video against plain ``hashlib``."""
    path = folder / "video.mp4"
    make_video(path, VIDEO_BYTES)
    baseline_md5(path)  # warm the page cache for both
    base, ours = timed_pair(lambda: baseline_md5(path), lambda: hash_file(path), VIDEO_RUNS)
    mib = VIDEO_BYTES / (1 << 20)
    print(f"video: {mib:.0f} MiB")
    print(f"  hashlib.md5, 1 MiB reads: {mib / statistics.median(base):7.0f} MiB/s")
    print(f"  companion hash_file:      {mib / statistics.median(ours):7.0f} MiB/s")
    ratio = statistics.median(base) / statistics.median(ours)
    print(f"  throughput ratio: {ratio:.2f} (companion / hashlib)")
    assert hash_file(path).md5 == baseline_md5(path)


def main() -> None:
    """Generate the files, time each pair side by side and print the figures."""
    with tempfile.TemporaryDirectory(prefix="reclaim-bench-") as name:
        folder = Path(name)
        whole_process(folder)
        in_process(folder)
        # Written last so that flushing it to disk does not disturb the photo runs.
        video(folder)


if __name__ == "__main__":
    main()
