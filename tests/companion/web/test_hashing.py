"""The page's worker, in real Chromium, against the Python references on the same files.

Pictures are generated (photo-like, see ``tests/companion/pictures.py``), set on a small test
page's file input and hashed by ``worker.js`` exactly as shipped. PDQ is compared with
``pdqhash`` on a full Pillow decode with EXIF orientation applied (the contract: every distance
at most 10 bits, median at most 2), MD5 with hashlib (exact), pHash and dHash with imagehash
with the Python companion (``hash_file``: on a picture box-reduced as ``imaging.py`` reduces
it) and, where it does not reduce, with imagehash on the full upright RGB picture, and kinds,
notes and errors with ``bot.companion.hasher``.
"""

from __future__ import annotations

import hashlib
import io
import os
import statistics
import struct
import zlib
from pathlib import Path
from typing import Any

import imagehash
import numpy as np
import pytest
from PIL import Image, ImageFilter, ImageOps

from bot.companion.hasher import FileHashes, hash_file
from tests.browser import RequestLog
from tests.companion.pictures import bits_apart, photo, reference_pdq, save
from tests.companion.web import memory
from tests.companion.web.hashpage import hash_files, open_hash_page


def _pictures(folder: Path) -> list[Path]:
    base = photo(800, 600, seed=11)
    paths = [
        save(base, folder / f"quality{quality}.jpg", quality=quality) for quality in (50, 75, 95)
    ]
    paths.append(save(base, folder / "subsampling444.jpg", quality=90, subsampling=0))
    paths.append(save(base, folder / "progressive.jpg", quality=85, progressive=True))
    paths.append(save(base, folder / "rgb.png"))
    paths.append(save(base.convert("L"), folder / "grey.png"))
    rgba = base.copy()
    gradient = np.linspace(96, 255, 800, dtype=np.float64)[None, :].repeat(600, axis=0)
    rgba.putalpha(Image.fromarray(gradient.astype(np.uint8)))
    paths.append(save(rgba, folder / "rgba.png"))
    paths.append(save(base.quantize(256), folder / "palette.png"))
    paths.append(save(base, folder / "lossy.webp", quality=80))
    paths.append(save(base, folder / "lossless.webp", lossless=True))
    paths.append(save(base.quantize(256), folder / "still.gif"))
    paths.append(save(photo(700, 500, seed=12, soft=True), folder / "soft.jpg", quality=90))
    for orientation in range(1, 9):
        paths.append(
            save(
                photo(640, 400, seed=20 + orientation),
                folder / f"exif{orientation}.jpg",
                orientation,
                quality=90,
            )
        )
    # Browsers turn JPEG and PNG by their EXIF orientation; Chromium leaves WebP as stored.
    for orientation in range(2, 9):
        paths.append(
            save(
                photo(320, 200, seed=40 + orientation),
                folder / f"exif{orientation}.webp",
                orientation,
                lossless=True,
            )
        )
    paths.append(save(photo(320, 200, seed=50), folder / "exif6.png", 6))
    paths.append(save(photo(320, 200, seed=51), folder / "exif7lossy.webp", 7, quality=85))
    paths.append(save(photo(4032, 3024, seed=3), folder / "camera.jpg", 6, quality=92))
    # Reduced by 2, 4 and 8 before pHash and dHash, with a partial last block on both axes,
    # stored turned: the partial blocks are where Pillow's reduce puts them, on the stored axes.
    paths.append(save(photo(1031, 777, seed=60), folder / "block2.png", 6))
    paths.append(save(photo(777, 1031, seed=61), folder / "block2flip.png", 2))
    # libwebp writes EXIF after the pixels: here past the first 512 KiB the worker reads first.
    paths.append(save(photo(1290, 1030, seed=62), folder / "block4.webp", 7, lossless=True))
    paths.append(save(photo(2061, 2100, seed=63), folder / "block8.png", 3))
    paths.append(save(photo(1290, 1030, seed=64), folder / "block4.jpg", 5, quality=90))
    return paths


def _lossless(name: str) -> bool:
    return name.endswith((".png", ".gif")) or (name.endswith(".webp") and "lossy" not in name)


def _upright_rgb(path: Path) -> Image.Image:
    with Image.open(path) as opened:
        return ImageOps.exif_transpose(opened).convert("RGB")


async def test_hashes_agree_with_the_references(
    context: tuple[Any, RequestLog], static_site: str, tmp_path: Path
) -> None:
    ctx, _ = context
    paths = _pictures(tmp_path)
    page = await open_hash_page(ctx, static_site)
    results = await hash_files(page, paths)
    pdq_distances = []
    companion: dict[str, tuple[int, int]] = {}
    full: dict[str, tuple[int, int]] = {}
    for path, result in zip(paths, results, strict=True):
        assert result["error"] is None, path.name
        assert result["kind"] == "image"
        assert result["md5"] == hashlib.md5(path.read_bytes()).hexdigest(), path.name
        expected_pdq, expected_quality = reference_pdq(path)
        pdq_distances.append(bits_apart(result["pdq"], expected_pdq))
        assert abs(result["quality"] - expected_quality) <= 2, path.name
        upright = _upright_rgb(path)
        assert (result["width"], result["height"]) == upright.size
        python = hash_file(path)
        companion[path.name] = (
            bits_apart(result["phash"], python.phash or ""),
            bits_apart(result["dhash"], python.dhash or ""),
        )
        if min(upright.size) < 512:  # no reduction: imagehash on the whole upright picture
            full[path.name] = (
                bits_apart(result["phash"], str(imagehash.phash(upright))),
                bits_apart(result["dhash"], str(imagehash.dhash(upright))),
            )
    print("PDQ distances:", dict(zip((p.name for p in paths), pdq_distances, strict=True)))
    print("pHash, dHash distances from the Python companion:", companion)
    print("pHash, dHash distances from imagehash (whole picture):", full)
    assert max(pdq_distances) <= 10
    assert statistics.median(pdq_distances) <= 2
    # Large JPEGs are decoded by the worker itself at 1/8 scale, as the Python companion decodes
    # them: the same hashes, bit for bit.
    for path, result in zip(paths, results, strict=True):
        if path.name == "camera.jpg":
            python = hash_file(path)
            assert (result["pdq"], result["quality"]) == (python.pdq, python.pdq_quality)
            assert (result["phash"], result["dhash"]) == (python.phash, python.dhash)
    assert {name for name in companion if name.startswith("block")} - set(full) == {
        "block2.png",
        "block2flip.png",
        "block4.webp",
        "block8.png",
        "block4.jpg",
    }
    # Lossless formats give the browser and Pillow the same pixels, and the reduction and the
    # shrinking follow Pillow's integer arithmetic, so there the bits must be the same.
    for name, distances in companion.items():
        if _lossless(name):
            assert distances == (0, 0), name
            assert full.get(name, (0, 0)) == (0, 0), name
    # JPEGs: the Python companion decodes large ones at 1/2, 1/4 or 1/8 scale (libjpeg's DCT
    # scaling), which a browser cannot, so its reduced picture differs by a level here and there;
    # a bit of 64 here and there (0-1 measured). Small ones are decoded whole by both.
    for name, distances in companion.items():
        if not _lossless(name):
            assert max(distances) <= 4, name
            assert max(full.get(name, (0, 0))) <= 4, name


async def test_a_plain_picture_has_phash_and_dhash_from_every_pixel(
    context: tuple[Any, RequestLog], static_site: str, tmp_path: Path
) -> None:
    ctx, _ = context
    picture = photo(1200, 900, 3, soft=True).filter(ImageFilter.GaussianBlur(60))
    path = save(picture, tmp_path / "plain.png")
    python = hash_file(path)
    assert python.pdq_quality is not None
    assert python.pdq_quality < 50
    # Made from the picture reduced by 2 (its block), both would come out otherwise.
    reduced = picture.reduce(2)
    assert str(imagehash.phash(reduced)) != python.phash
    assert str(imagehash.dhash(reduced)) != python.dhash
    page = await open_hash_page(ctx, static_site)
    (result,) = await hash_files(page, [path])
    assert result["note"] == "low_quality"
    assert (result["phash"], result["dhash"]) == (python.phash, python.dhash)
    assert (result["phash"], result["dhash"]) == (
        str(imagehash.phash(picture)),
        str(imagehash.dhash(picture)),
    )


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = struct.pack(">I", zlib.crc32(kind + body))
    return struct.pack(">I", len(body)) + kind + body + crc


def _bomb() -> bytes:
    header = struct.pack(">IIBBBBB", 50_000, 50_000, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b""))


def _jpeg(picture: Image.Image, **options: Any) -> bytes:
    out = io.BytesIO()
    picture.save(out, "JPEG", **options)
    return out.getvalue()


def _cases() -> dict[str, bytes]:
    whole = _jpeg(photo(1000, 800, 7), quality=90)
    # Large enough for the worker's own 1/8-scale JPEG decoding (jpeg.js).
    large = _jpeg(photo(2100, 2048, 8), quality=85)
    gif = _saved(photo(300, 200, 4).quantize(64), "GIF")
    return {
        "plain.jpg": _jpeg(photo(640, 480, 1), quality=90),
        "low.png": _png(photo(640, 480, 2, soft=True).filter(ImageFilter.GaussianBlur(40))),
        "white.png": _png(Image.new("RGB", (640, 480), "white")),
        "notes.txt": b"my notes, nothing to see",
        "empty.jpg": b"",
        "empty.mp4": b"",
        "cut.jpg": whole[: len(whole) * 2 // 3],
        "cut-large.jpg": large[: len(large) * 2 // 3],
        "low-large.jpg": _jpeg(
            photo(2048, 2100, 2, soft=True).filter(ImageFilter.GaussianBlur(80)), quality=90
        ),
        "cut.png": _png(photo(600, 400, 3))[:20_000],
        "cut.gif": gif[: len(gif) // 2],  # Pillow: truncated
        "no-trailer.gif": gif[:-1],  # Pillow: whole
        # Pillow: damaged
        "cut.webp": _saved(photo(600, 400, 5), "WEBP", quality=80)[:15_000],
        "clip.mp4": b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00" + os.urandom(300_000),
        "old.mov": b"\x00\x00\x10\x00moov\x00\x00\x00\x6cmvhd" + os.urandom(1000),
        "clip.webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81" + os.urandom(1000),
        "mislabelled.jpg": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00" + os.urandom(1000),
        "strange.mkv": b"some container we do not know",
        "garbage.jpg": b"this was never a picture",
        "garbage.heic": b"\x00" * 500,
        "headless": b"\xff\xd8\xff\xe0" + b"\x00" * 100,
        "broken.png": b"\x89PNG\r\n\x1a\n" + b"\x01" * 100,
        "bomb.png": _bomb(),
    }


def _png(picture: Image.Image) -> bytes:
    return _saved(picture, "PNG")


def _saved(picture: Image.Image, kind: str, **options: object) -> bytes:
    out = io.BytesIO()
    picture.save(out, kind, **options)
    return out.getvalue()


_KIND = {"image": "image", "video": "video", "file": "other"}
_NOTE = {
    None: None,
    "low_quality": "low_quality",
    "blank_picture": "blank",
    "not_media": "not_media",
}


def _expected(python: FileHashes) -> dict[str, object]:
    """What the worker must answer for a file ``hash_file`` answered ``python`` for."""
    return {
        "kind": _KIND[str(python.kind)],
        "md5": python.md5,
        "pdq": python.pdq,
        "note": _NOTE[None if python.note is None else str(python.note)],
        "error": None if python.error is None else str(python.error),
    }


async def test_kinds_notes_and_errors_agree_with_the_companion(
    context: tuple[Any, RequestLog], static_site: str, tmp_path: Path
) -> None:
    ctx, _ = context
    paths = []
    for name, data in _cases().items():
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(path)
    page = await open_hash_page(ctx, static_site)
    results = await hash_files(page, paths)
    seen = set()
    for path, result in zip(paths, results, strict=True):
        python = hash_file(path)
        expected = _expected(python)
        got = {key: result[key] for key in expected}
        if expected["pdq"] is not None:
            assert bits_apart(got.pop("pdq"), expected.pop("pdq")) <= 10, path.name
        assert got == expected, path.name
        if python.pdq_quality is not None and python.note is not None:
            assert (result["quality"] < 50) == (python.pdq_quality < 50), path.name
        seen.add((expected["kind"], expected["note"], expected["error"]))
    # The cases cover every answer the page can get from a readable file, save HEIC.
    assert {note for _, note, _ in seen} == {None, "low_quality", "blank", "not_media"}
    assert {error for _, _, error in seen} == {None, "empty", "truncated", "damaged", "too_large"}


async def test_heic_the_browser_cannot_decode_keeps_its_md5(
    context: tuple[Any, RequestLog], static_site: str, tmp_path: Path
) -> None:
    ctx, _ = context
    data = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + os.urandom(5000)
    path = tmp_path / "IMG_0001.HEIC"
    path.write_bytes(data)
    page = await open_hash_page(ctx, static_site)
    (result,) = await hash_files(page, [path])
    assert result["kind"] == "image"
    assert result["note"] == "heic_not_decoded"
    assert result["error"] is None
    assert result["md5"] == hashlib.md5(data).hexdigest()
    assert result["pdq"] is None


async def test_hashing_makes_no_request_but_for_the_page_own_files(
    context: tuple[Any, RequestLog], static_site: str, tmp_path: Path
) -> None:
    ctx, log = context
    start = log.mark()
    page = await open_hash_page(ctx, static_site)
    warm_up = tmp_path / "first.txt"
    warm_up.write_bytes(b"the worker loads its helpers when it starts")
    await hash_files(page, [warm_up])
    during = log.mark()
    paths = [save(photo(900, 700, 4), tmp_path / "a.jpg", 6, quality=90)]
    paths.append(tmp_path / "clip.mp4")
    paths[-1].write_bytes(b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00" + os.urandom(3 << 20))
    results = await hash_files(page, paths)
    assert all(result["md5"] for result in results)
    for method, url, has_body in log.since(start):
        assert (method, has_body) == ("GET", False), url
        assert url.startswith(static_site), url
    # The worker fetched its helpers when it started; hashing itself asks for nothing.
    assert log.since(during) == []
    fetched = {url.removeprefix(static_site) for _, url, _ in log.since(start)}
    helpers = {
        "worker.js",
        "pdq.js",
        "perceptual.js",
        "resize-wasm.js",
        "resize.js",
        "media.js",
        "jpeg-scan-wasm.js",
        "jpeg-wasm.js",
        "jpeg-scan.js",
        "jpeg.js",
        "jpeg-hash.js",
    }
    assert helpers <= fetched


async def test_progress_is_reported_in_order_and_sparingly(
    context: tuple[Any, RequestLog], static_site: str, tmp_path: Path
) -> None:
    ctx, _ = context
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00" + os.urandom(64 << 20))
    page = await open_hash_page(ctx, static_site)
    (result,) = await hash_files(page, [path])
    assert result["md5"] == hashlib.md5(path.read_bytes()).hexdigest()
    fractions = await page.evaluate("window.progress[0] || []")
    assert fractions == sorted(fractions)
    assert all(0 <= fraction <= 1 for fraction in fractions)
    # At most one message per 250 ms, never one per 1 MiB chunk read.
    assert 0 < len(fractions) < 64


def _video(path: Path, size: int) -> Path:
    block = os.urandom(1 << 20)
    with path.open("wb") as out:
        out.write(b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00")
        for _ in range(size >> 20):
            out.write(block)
    return path


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
async def test_memory_does_not_grow_with_the_file(
    context: tuple[Any, RequestLog], static_site: str, tmp_path: Path
) -> None:
    ctx, _ = context
    small, large = (
        _video(tmp_path / "small.mp4", 20 << 20),
        _video(tmp_path / "large.mp4", 200 << 20),
    )
    page = await open_hash_page(ctx, static_site)
    await hash_files(page, [_video(tmp_path / "warm.mp4", 1 << 20)])  # the worker is running
    assert memory.browser_processes(), "no Chromium process found under this test"
    with memory.peak_resident() as small_peak:
        (small_result,) = await hash_files(page, [small])
    with memory.peak_resident() as large_peak:
        (large_result,) = await hash_files(page, [large])
    for path, result in ((small, small_result), (large, large_result)):
        with path.open("rb") as stream:
            assert result["md5"] == hashlib.file_digest(stream, "md5").hexdigest()
    growth = large_peak.bytes - small_peak.bytes
    print(
        f"peak RSS: 20 MB file {small_peak.bytes >> 20} MiB,",
        f"200 MB file {large_peak.bytes >> 20} MiB",
    )
    # Holding the file would add 180 MB; streaming it adds no more than a few chunks.
    assert growth < 60 << 20


async def test_a_file_gone_before_it_is_read_is_a_read_error(
    context: tuple[Any, RequestLog], static_site: str, tmp_path: Path
) -> None:
    ctx, _ = context
    # Keeps the worker busy for far longer than the few milliseconds until the unlink below.
    first = _video(tmp_path / "first.mp4", 128 << 20)
    gone = save(photo(300, 200, 9), tmp_path / "gone.jpg", quality=90)
    after = tmp_path / "after.txt"
    after.write_bytes(b"still hashed")
    page = await open_hash_page(ctx, static_site)
    await page.set_input_files("#files", [str(first), str(gone), str(after)])
    gone.unlink()  # the browser only holds a reference: the bytes are read when hashed
    await page.wait_for_function(
        "() => Object.keys(window.results).length >= 3", timeout=60_000, polling=100
    )
    results = await page.evaluate("window.results")
    assert results["0"]["md5"] is not None
    assert results["1"]["error"] == "read_error"
    assert results["1"]["md5"] is None
    assert results["2"]["md5"] == hashlib.md5(b"still hashed").hexdigest()


async def test_the_bench_can_ask_where_the_time_went(
    context: tuple[Any, RequestLog], static_site: str, tmp_path: Path
) -> None:
    """With ``timing`` in the request, the result message also says how long each stage took;
    without it there is no such field, and the result is the same either way."""
    ctx, _ = context
    # Short side 2048 or more: decoded from its DC coefficients (jpeg-hash.js), stage by stage.
    path = save(photo(2400, 2100, seed=70), tmp_path / "large.jpg", 6, quality=90)
    page = await open_hash_page(ctx, static_site)
    (plain,) = await hash_files(page, [path])
    assert await page.evaluate("window.stages") == {}
    await page.evaluate("window.timing = true")
    (timed,) = await hash_files(page, [path])
    assert timed == plain
    stages = (await page.evaluate("window.stages"))["1"]
    expected = {"read", "md5", "markers and tables", "unstuffing", "scan", "colours", "hash rows"}
    assert expected <= set(stages)
    assert all(ms >= 0 for ms in stages.values())
