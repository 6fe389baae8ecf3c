"""Tests of bot.companion.imaging: our PDQ against ``pdqhash.compute`` on a full decode.

The corpus is generated here: photo-like pictures in many sizes and formats, JPEG at several
qualities, alpha, grayscale, palette, CMYK, progressive, every EXIF orientation and HEIC.
Every distance must be at most 8 bits and the median at most 2.
"""

from __future__ import annotations

import functools
import io
import statistics
import struct
import zlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import imagehash
import numpy as np
import pytest
from PIL import Image, ImageOps

from bot.companion import imaging
from bot.companion.imaging import (
    ImageDamagedError,
    ImageTooLargeError,
    ImageTruncatedError,
    NotAnImageError,
    hash_image,
)
from tests.companion.pictures import bits_apart, photo, reference_pdq, save


def _png_header(width: int, height: int) -> bytes:
    """A valid PNG header claiming ``width`` x ``height`` pixels, with almost no pixel data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
    )


def _rgba(width: int, height: int, seed: int) -> Image.Image:
    picture = photo(width, height, seed).convert("RGBA")
    alpha = np.tile(np.linspace(0, 255, width, dtype=np.uint8), (height, 1))
    picture.putalpha(Image.fromarray(alpha))
    return picture


CASES: dict[str, tuple[Callable[[], Image.Image], str, dict[str, Any]]] = {
    "jpeg 12MP q92": (lambda: photo(4032, 3024, 1), "jpg", {"quality": 92}),
    "jpeg 6MP q85 rotated": (lambda: photo(3000, 2000, 2), "jpg", {"quality": 85, "o": 6}),
    "jpeg 1080p q75": (lambda: photo(1920, 1080, 3), "jpg", {"quality": 75}),
    "jpeg 2MP q95": (lambda: photo(1600, 1200, 4), "jpg", {"quality": 95}),
    "jpeg 720p q60": (lambda: photo(1280, 720, 5), "jpg", {"quality": 60}),
    "jpeg odd q40": (lambda: photo(1023, 767, 6), "jpg", {"quality": 40}),
    "jpeg 800x600": (lambda: photo(800, 600, 7), "jpg", {"quality": 85}),
    "jpeg portrait": (lambda: photo(600, 900, 8), "jpg", {"quality": 85}),
    "jpeg small": (lambda: photo(333, 251, 9), "jpg", {"quality": 85}),
    "jpeg tiny": (lambda: photo(48, 40, 10), "jpg", {"quality": 90}),
    "jpeg progressive": (
        lambda: photo(2000, 1500, 11),
        "jpg",
        {"quality": 85, "progressive": True},
    ),
    "jpeg 4:4:4": (lambda: photo(1600, 1200, 12), "jpg", {"quality": 90, "subsampling": 0}),
    "jpeg grayscale": (lambda: photo(1200, 900, 13).convert("L"), "jpg", {"quality": 85}),
    "jpeg cmyk": (lambda: photo(1000, 800, 14).convert("CMYK"), "jpg", {"quality": 85}),
    "png": (lambda: photo(1200, 900, 15), "png", {}),
    "png rgba": (lambda: _rgba(800, 600, 16), "png", {}),
    "png grayscale": (lambda: photo(1024, 768, 17).convert("L"), "png", {}),
    "png palette": (lambda: photo(900, 600, 18).quantize(64), "png", {}),
    "png rotated": (lambda: photo(700, 500, 19), "png", {"o": 8}),
    "webp": (lambda: photo(1600, 1200, 20), "webp", {"quality": 80}),
    "webp lossless": (lambda: photo(640, 480, 21), "webp", {"lossless": True}),
    "gif": (lambda: photo(640, 480, 22).quantize(128), "gif", {}),
    "bmp": (lambda: photo(800, 600, 23), "bmp", {}),
    "tiff": (lambda: photo(800, 600, 24), "tiff", {}),
    "heic": (lambda: photo(1280, 960, 25), "heic", {"quality": 80}),
    "heic small": (lambda: photo(500, 400, 26), "heic", {"quality": 60}),
    "heic rotated": (lambda: photo(640, 480, 27), "heic", {"quality": 70, "o": 6}),
    **{
        f"jpeg orientation {o}": (functools.partial(photo, 1001, 751, 30 + o), "jpg", {"o": o})
        for o in range(2, 9)
    },
}


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], tuple[int, int, int]]:
    """Make a case's file once; return (our PDQ's distance to reference, our and its quality)."""
    folder = tmp_path_factory.mktemp("corpus")

    @cache
    def measure(name: str) -> tuple[int, int, int]:
        build, suffix, options = CASES[name]
        options = dict(options)
        orientation = options.pop("o", 1)
        path = save(build(), folder / f"{name.replace(' ', '_')}.{suffix}", orientation, **options)
        expected, expected_quality = reference_pdq(path)
        with path.open("rb") as stream:
            got = hash_image(stream)
        return bits_apart(got.pdq, expected), got.quality, expected_quality

    return measure


@pytest.mark.parametrize("name", list(CASES))
def test_pdq_matches_reference(name: str, corpus: Callable[[str], tuple[int, int, int]]) -> None:
    distance, quality, expected_quality = corpus(name)
    assert distance <= 8
    assert abs(quality - expected_quality) <= 3


def test_median_distance_over_the_corpus(corpus: Callable[[str], tuple[int, int, int]]) -> None:
    distances = [corpus(name)[0] for name in CASES]
    assert statistics.median(distances) <= 2
    assert max(distances) <= 8


def test_orientation_makes_stored_and_upright_pictures_agree(tmp_path: Path) -> None:
    upright = photo(900, 600, 40)
    plain = save(upright, tmp_path / "upright.jpg", quality=90)
    expected = _hash(plain)
    # What a phone does: store the pixels sideways and record how to turn them upright.
    sideways = upright.transpose(Image.Transpose.ROTATE_90)
    stored = save(sideways, tmp_path / "stored.jpg", orientation=6, quality=90)
    got = _hash(stored)
    assert (got.width, got.height) == (900, 600)
    assert bits_apart(got.pdq, expected.pdq) <= 8
    ignoring_exif = _hash(save(sideways, tmp_path / "no_exif.jpg", quality=90))
    assert bits_apart(ignoring_exif.pdq, expected.pdq) > 60  # orientation really was applied


def test_supplementary_hashes_match_imagehash_on_full_picture(tmp_path: Path) -> None:
    path = save(photo(3000, 2000, 41), tmp_path / "big.jpg", orientation=3, quality=88)
    with Image.open(path) as opened:
        full = ImageOps.exif_transpose(opened).convert("RGB")
    got = _hash(path)
    assert bits_apart(got.phash, str(imagehash.phash(full))) <= 4
    assert bits_apart(got.dhash, str(imagehash.dhash(full))) <= 4
    assert len(got.phash) == len(got.dhash) == 16


def test_gif_uses_the_first_frame(tmp_path: Path) -> None:
    first, second = photo(320, 240, 42).quantize(64), photo(320, 240, 43).quantize(64)
    path = tmp_path / "anim.gif"
    first.save(path, save_all=True, append_images=[second], duration=100, loop=0)
    got = _hash(path)
    only_first = _hash(save(first, tmp_path / "first.gif"))
    only_second = _hash(save(second, tmp_path / "second.gif"))
    assert bits_apart(got.pdq, only_first.pdq) <= 2
    assert bits_apart(got.pdq, only_second.pdq) > 60


def test_plain_picture_is_hashed_from_every_pixel(tmp_path: Path) -> None:
    path = save(photo(2400, 1800, 44, soft=True), tmp_path / "soft.jpg", quality=85)
    expected, expected_quality = reference_pdq(path)
    got = _hash(path)
    assert expected_quality < 50
    assert got.quality == expected_quality
    assert bits_apart(got.pdq, expected) <= 2


def test_blank_picture_has_the_empty_pdq(tmp_path: Path) -> None:
    path = save(Image.new("RGB", (1200, 800), (90, 140, 200)), tmp_path / "blank.jpg")
    got = _hash(path)
    assert got.pdq == "0" * 64
    assert got.quality == 0


def test_pillow_limit_is_raised_only_while_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)  # Pillow would refuse this photo
    path = save(photo(1000, 800, 45), tmp_path / "photo.png")
    assert _hash(path).width == 1000
    assert Image.MAX_IMAGE_PIXELS == 100_000


def test_too_many_pixels_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imaging, "MAX_PIXELS", 500_000)
    path = save(photo(1000, 800, 46), tmp_path / "photo.jpg")
    with pytest.raises(ImageTooLargeError) as caught:
        _hash(path)
    assert caught.value.pixels == 800_000


def test_decompression_bomb_is_refused_before_decoding() -> None:
    # A PNG header that claims 100000 x 100000 pixels (10 gigapixels) with no real data.
    data = _png_header(100_000, 100_000)
    with pytest.raises(ImageTooLargeError):
        hash_image(io.BytesIO(data))


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"hello, this is text", NotAnImageError),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 40, NotAnImageError),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 30, NotAnImageError),
        (_png_header(64, 64), ImageDamagedError),
    ],
    ids=["text", "jpeg start then zeros", "png signature then zeros", "png without pixels"],
)
def test_unreadable_bytes(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        hash_image(io.BytesIO(data))


def test_truncated_jpeg(tmp_path: Path) -> None:
    data = save(photo(800, 600, 47), tmp_path / "photo.jpg", quality=90).read_bytes()
    with pytest.raises(ImageTruncatedError):
        hash_image(io.BytesIO(data[: len(data) // 2]))


def test_corrupt_png_data(tmp_path: Path) -> None:
    data = bytearray(save(photo(400, 300, 48), tmp_path / "photo.png").read_bytes())
    data[200:260] = b"\x00" * 60  # inside the compressed pixels
    with pytest.raises(ImageDamagedError):
        hash_image(io.BytesIO(bytes(data)))


def _hash(path: Path) -> imaging.ImageHashes:
    with path.open("rb") as stream:
        return hash_image(stream)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_table_matches_pillow_transpose(orientation: int) -> None:
    # Label every stored pixel with its position, turn it upright the way Pillow does, and
    # check that the table says where each upright row and column came from.
    height, width = 3, 5
    stored = np.arange(height * width, dtype=np.int32).reshape(height, width)
    picture = Image.fromarray(stored, mode="I")
    method = imaging._TRANSPOSES.get(orientation)
    upright = np.asarray(picture if method is None else picture.transpose(method))
    (row_axis, row_flip), (col_axis, col_flip) = imaging._AXES_AFTER[orientation]
    sizes = (height, width)
    assert upright.shape == (sizes[row_axis], sizes[col_axis])
    for i in range(upright.shape[0]):
        for j in range(upright.shape[1]):
            position = [0, 0]
            position[row_axis] = sizes[row_axis] - 1 - i if row_flip else i
            position[col_axis] = sizes[col_axis] - 1 - j if col_flip else j
            assert upright[i, j] == stored[position[0], position[1]]
