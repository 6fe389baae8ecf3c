"""Benchmark of the companion's hashing against the straightforward way of doing it.

Two measurements, side by side in one run, on files generated in a temporary folder:

1. A realistic 12-megapixel JPEG photo. "Naive" decodes every pixel, applies the EXIF
   orientation and runs ``pdqhash.compute`` on the full picture, plus MD5 and imagehash's pHash
   and dHash on the full picture. "Companion" is ``hash_file``. The PDQ hashes of both are
   compared (they must stay within a few bits).
2. A ~200 MB video-like file: ``hashlib.md5`` reading 1 MiB chunks versus ``hash_file``.

Run with ``python -m bench.bench_companion`` (or ``python bench/bench_companion.py``).
Prints medians and ratios; nothing is asserted.
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import imagehash
import numpy as np
import pdqhash
from PIL import Image, ImageDraw, ImageFilter, ImageOps

if __package__ in (None, ""):  # run as a script: make ``bot`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.companion.hasher import hash_file

PHOTO_SIZE = (4032, 3024)
VIDEO_BYTES = 200 * 1024 * 1024
PHOTO_RUNS = 7
VIDEO_RUNS = 3


def make_photo(path: Path, size: tuple[int, int], seed: int = 7) -> None:
    """Write a photo-like JPEG: smooth lighting, shapes, blur and sensor noise."""
    width, height = size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    channels = []
    for _ in range(3):
        a, b, phase = rng.uniform(-1, 1, 3)
        wave = np.sin((a * x / width + b * y / height) * rng.uniform(2, 6) + phase)
        channels.append(120 + 70 * wave + 30 * (y / height - 0.5))
    picture = Image.fromarray(np.clip(np.dstack(channels), 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(picture)
    for _ in range(14):
        cx, cy = int(rng.integers(0, width)), int(rng.integers(0, height))
        radius = int(rng.integers(height // 20, height // 4))
        colour = tuple(int(value) for value in rng.integers(0, 256, 3))
        draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=colour)
    picture = picture.filter(ImageFilter.GaussianBlur(6))
    noise = rng.normal(0, 4, (height, width, 1)).astype(np.float32)
    pixels = np.clip(np.asarray(picture, dtype=np.float32) + noise, 0, 255).astype(np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways, as phones do
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
) -> tuple[float, float]:
    """Median wall times, in seconds, of two functions run alternately (fair under load)."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for function, bucket in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            function()
            bucket.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def main() -> None:
    """Generate the files, time both ways side by side and print the ratios."""
    with tempfile.TemporaryDirectory(prefix="reclaim-bench-") as folder:
        photo = Path(folder) / "photo.jpg"
        video = Path(folder) / "video.mp4"
        make_photo(photo, PHOTO_SIZE)

        ours = hash_file(photo)  # also warms up imports and caches
        reference = naive_photo(photo)
        assert ours.pdq is not None, ours
        distance = (int(ours.pdq, 16) ^ int(reference, 16)).bit_count()
        naive_time, ours_time = timed_pair(
            lambda: naive_photo(photo), lambda: hash_file(photo), PHOTO_RUNS
        )
        megapixels = PHOTO_SIZE[0] * PHOTO_SIZE[1] / 1e6
        size_mb = photo.stat().st_size / 1e6
        print(f"photo: {megapixels:.1f} MP JPEG, {size_mb:.1f} MB, EXIF-rotated")
        print(f"  naive (full decode + pdqhash + pHash + dHash + MD5): {naive_time * 1000:7.1f} ms")
        print(f"  companion hash_file (all four hashes):               {ours_time * 1000:7.1f} ms")
        print(f"  speed-up: {naive_time / ours_time:.1f}x   PDQ distance to naive: {distance} bits")

        # Written after the photo runs so that flushing it to disk does not disturb them.
        make_video(video, VIDEO_BYTES)
        baseline_md5(video)  # warm the page cache for both
        base_time, video_time = timed_pair(
            lambda: baseline_md5(video), lambda: hash_file(video), VIDEO_RUNS
        )
        mib = VIDEO_BYTES / (1 << 20)
        print(f"video: {mib:.0f} MiB")
        print(f"  hashlib.md5, 1 MiB reads: {mib / base_time:7.0f} MiB/s")
        print(f"  companion hash_file:      {mib / video_time:7.0f} MiB/s")
        print(f"  throughput ratio: {base_time / video_time:.2f} (companion / hashlib)")
        assert hash_file(video).md5 == baseline_md5(video)


if __name__ == "__main__":
    main()
