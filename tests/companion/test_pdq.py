"""Tests of bot.companion.pdq: the PDQ arithmetic against the reference ``pdqhash``."""

from __future__ import annotations

import itertools

import numpy as np
import pdqhash
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.companion.pdq import block_edges, pdq_from_luma, reverse_edges
from tests.companion.pictures import bits_apart, photo


def _reference(pixels: np.ndarray) -> tuple[str, int]:
    bits, quality = pdqhash.compute(np.ascontiguousarray(pixels))
    return f"{int(''.join(str(int(bit)) for bit in bits), 2):064x}", int(quality)


def _luma(pixels: np.ndarray) -> np.ndarray:
    rgb = pixels.astype(np.float64)
    return rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114


@pytest.mark.parametrize(
    ("width", "height"),
    [(640, 480), (480, 640), (1001, 751), (129, 2000), (64, 64), (65, 63), (300, 7), (5, 5)],
)
def test_full_resolution_matches_reference(width: int, height: int) -> None:
    pixels = np.asarray(photo(width, height, seed=width + height))
    expected, expected_quality = _reference(pixels)
    got, quality = pdq_from_luma(_luma(pixels), block_edges(height, 1), block_edges(width, 1))
    assert bits_apart(got, expected) <= 1  # float rounding may flip a coefficient at the median
    assert quality == expected_quality


def test_random_noise_matches_reference_exactly() -> None:
    pixels = np.random.default_rng(3).integers(0, 256, (333, 444, 3), dtype=np.uint8)
    expected, expected_quality = _reference(pixels)
    got, quality = pdq_from_luma(_luma(pixels), block_edges(333, 1), block_edges(444, 1))
    assert got == expected
    assert quality == expected_quality


def test_block_means_approximate_the_full_picture() -> None:
    pixels = np.asarray(photo(1600, 1200, seed=5))
    expected, _ = _reference(pixels)
    luma = _luma(pixels)
    for block in (2, 4, 8):
        means = luma.reshape(1200 // block, block, 1600 // block, block).mean(axis=(1, 3))
        got, _ = pdq_from_luma(means, block_edges(1200, block), block_edges(1600, block))
        assert bits_apart(got, expected) <= 4, block


def test_flipped_picture_with_uneven_blocks() -> None:
    # 1003 columns in blocks of 8: the short block is on the left once the picture is flipped.
    pixels = np.asarray(photo(1003, 600, seed=9))[:, ::-1]
    expected, _ = _reference(pixels)
    luma = _luma(pixels)
    columns = reverse_edges(block_edges(1003, 8))
    means = np.stack(
        [luma[:, start:end].mean(axis=1) for start, end in itertools.pairwise(columns)],
        axis=1,
    )
    means = means.reshape(150, 4, -1).mean(axis=1)
    got, _ = pdq_from_luma(means, block_edges(600, 4), columns)
    assert bits_apart(got, expected) <= 6


@pytest.mark.parametrize(("width", "height"), [(4, 100), (100, 4), (1, 1)])
def test_tiny_pictures_get_the_empty_hash(width: int, height: int) -> None:
    luma = np.full((height, width), 100.0)
    assert pdq_from_luma(luma, block_edges(height, 1), block_edges(width, 1)) == ("0" * 64, 0)


@pytest.mark.parametrize("level", [0.0, 37.5, 255.0])
def test_blank_picture_gets_the_empty_hash(level: float) -> None:
    luma = np.full((300, 400), level)
    luma[0, 0] += 0.3  # far below one luma level once spread over the cells
    assert pdq_from_luma(luma, block_edges(300, 1), block_edges(400, 1)) == ("0" * 64, 0)


def test_faint_but_real_content_is_not_blank() -> None:
    luma = np.tile(np.linspace(100, 104, 400), (300, 1))
    pdq, _ = pdq_from_luma(luma, block_edges(300, 1), block_edges(400, 1))
    assert pdq != "0" * 64


def test_shape_must_match_edges() -> None:
    with pytest.raises(ValueError, match="shape"):
        pdq_from_luma(np.zeros((10, 10)), block_edges(20, 2), block_edges(30, 2))


@given(size=st.integers(1, 5000), block=st.sampled_from([1, 2, 3, 4, 8, 16]))
@settings(max_examples=60)
def test_block_edges_cover_the_axis(size: int, block: int) -> None:
    edges = block_edges(size, block)
    assert edges[0] == 0
    assert edges[-1] == size
    assert len(edges) - 1 == -(-size // block)
    steps = np.diff(edges)
    assert (steps[:-1] == block).all()
    assert 0 < steps[-1] <= block
    flipped = reverse_edges(edges)
    assert flipped[0] == 0
    assert flipped[-1] == size
    assert (np.diff(flipped) == steps[::-1]).all()


@given(st.integers(5, 3000), st.integers(5, 3000), st.floats(0, 255))
@settings(max_examples=40, deadline=None)
def test_any_uniform_picture_is_blank(width: int, height: int, level: float) -> None:
    luma = np.full((-(-height // 8), -(-width // 8)), level)
    got = pdq_from_luma(luma, block_edges(height, 8), block_edges(width, 8))
    assert got == ("0" * 64, 0)
