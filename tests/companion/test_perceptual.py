"""Tests of bot.companion.perceptual: pHash and dHash bit for bit equal to imagehash's.

imagehash (with scipy) is the reference. The pictures cover photo-like content of many sizes and
modes, noise, and the degenerate pictures (flat, striped, two-tone) whose DCT coefficients tie
at the median, where only scipy's own rounding gives imagehash's bits.
"""

from __future__ import annotations

from collections.abc import Iterator

import imagehash
import numpy as np
import pytest
from PIL import Image

from bot.companion import perceptual
from tests.companion.pictures import photo


def _photos() -> Iterator[Image.Image]:
    rng = np.random.default_rng(11)
    for seed in range(80):
        width, height = (int(value) for value in rng.integers(9, 700, 2))
        picture = photo(width, height, seed, soft=seed % 3 == 0)
        yield picture.convert(("RGB", "L", "RGBA", "P")[seed % 4])


def _degenerate() -> Iterator[Image.Image]:
    rng = np.random.default_rng(12)
    for seed in range(60):
        width, height = (int(value) for value in rng.integers(1, 300, 2))
        level = int(rng.integers(0, 256))
        pixels = np.full((height, width), level, dtype=np.uint8)
        if seed % 3 == 1:
            pixels[: height // 2] = 255 - level  # two-tone: mirror symmetry, many zero terms
        elif seed % 3 == 2:
            pixels[:, ::2] = 255 - level  # stripes
        yield Image.fromarray(pixels)
    for _ in range(40):
        yield Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))


def test_phash_and_dhash_equal_imagehash_on_photos() -> None:
    for picture in _photos():
        assert perceptual.phash(picture) == str(imagehash.phash(picture))
        assert perceptual.dhash(picture) == str(imagehash.dhash(picture))


def test_phash_equals_imagehash_where_coefficients_tie() -> None:
    for picture in _degenerate():
        assert perceptual.phash(picture) == str(imagehash.phash(picture))
        assert perceptual.dhash(picture) == str(imagehash.dhash(picture))


def test_photos_need_no_scipy(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(pixels: object) -> object:
        raise AssertionError("scipy's DCT was used for a photo")

    monkeypatch.setattr(perceptual, "_scipy_low_frequencies", refused)
    for picture in _photos():
        perceptual.phash(picture)


def test_a_flat_picture_is_decided_by_scipy(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[object] = []
    original = perceptual._scipy_low_frequencies

    def recorded(pixels: np.ndarray) -> np.ndarray:
        used.append(pixels)
        return original(pixels)

    monkeypatch.setattr(perceptual, "_scipy_low_frequencies", recorded)
    flat = Image.new("L", (64, 48), 128)
    assert perceptual.phash(flat) == str(imagehash.phash(flat))
    assert len(used) == 1


def test_hex_is_sixteen_digits_with_leading_zeros() -> None:
    black = Image.new("L", (40, 40), 0)
    assert perceptual.dhash(black) == "0000000000000000" == str(imagehash.dhash(black))
