"""PDQ, computed the way the reference implementation does, from a full or reduced picture.

The reference PDQ (ThreatExchange ``pdqhashing.cpp``) turns the full-resolution luma into a
64x64 image with two passes of box filters ("Jarosz filters", window ``ceil(size / 128)``) and
then samples the centre of each of the 64x64 cells. Both steps are linear, so each of the 64x64
values is a fixed weighted sum of the full-resolution luma, with weights separable by axis.

Here those weights are computed directly (exactly as the box filters would spread them), which
has two uses:

- Given the full-resolution luma, the result equals the reference (up to float rounding).
- Given a reduced image whose pixels are the means of blocks of the full image (what JPEG
  draft decoding and box reduction produce), summing the weights over each block gives nearly
  the same 64x64 image without ever decoding all the pixels. This is where the speed comes from.

After that come the 16x16 DCT, the median threshold and the quality metric, as in the reference.
What belongs here: the numeric algorithm only. Decoding files is ``imaging.py``'s job.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt

__all__ = ["block_edges", "pdq_from_luma", "reverse_edges"]

_CELLS = 64
"""The reference reduces every picture to 64x64 before the DCT."""
_MIN_SIDE = 5
"""The reference gives an all-zero hash with quality 0 to pictures smaller than this."""
_FLAT_RANGE = 1.0
"""Below this spread of luma (on the 0-255 scale) across the 64x64 cells, a picture is blank."""

_DCT = np.sqrt(2.0 / _CELLS) * np.cos(
    (np.pi / (2.0 * _CELLS)) * np.outer(np.arange(1, 17), 2 * np.arange(_CELLS) + 1)
)
"""Rows 1..16 of the 64-point DCT-II matrix (row 0, the mean, is not used by PDQ)."""

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def block_edges(size: int, block: int) -> IntArray:
    """Edges of the blocks of ``block`` pixels covering ``size`` pixels; the last may be short.

    Args:
        size: number of full-resolution pixels along the axis.
        block: pixels per block (1 for full resolution).

    Returns:
        ``ceil(size / block) + 1`` increasing positions from 0 to ``size``.
    """
    edges = np.arange(0, size + block, block, dtype=np.int64)
    edges = edges[edges < size]
    return np.append(edges, size)


def reverse_edges(edges: IntArray) -> IntArray:
    """Edges of the same blocks seen from the other end of the axis (after a flip)."""
    return np.asarray(edges[-1] - edges[::-1], dtype=np.int64)


def pdq_from_luma(
    luma: npt.NDArray[np.floating], row_edges: IntArray, col_edges: IntArray
) -> tuple[str, int]:
    """Compute the PDQ hash of a picture from its (possibly block-averaged) luma.

    Args:
        luma: ``rows x cols`` luma values (0-255 scale, 0.299 R + 0.587 G + 0.114 B); pixel
            ``(i, j)`` is the mean over full-resolution rows ``row_edges[i]:row_edges[i+1]``
            and columns ``col_edges[j]:col_edges[j+1]``.
        row_edges: ``rows + 1`` block edges along the height, ending at the full height.
        col_edges: ``cols + 1`` block edges along the width, ending at the full width.

    Returns:
        The hash as 64 lowercase hex digits (ThreatExchange's format) and the quality, 0-100.
    """
    height, width = int(row_edges[-1]), int(col_edges[-1])
    if luma.shape != (len(row_edges) - 1, len(col_edges) - 1):
        raise ValueError("luma shape does not match the block edges")
    if height < _MIN_SIDE or width < _MIN_SIDE:
        return "0" * 64, 0
    row_weights = _block_weights(height, _edges_key(row_edges))
    col_weights = _block_weights(width, _edges_key(col_edges))
    cells = row_weights @ luma.astype(np.float64) @ col_weights.T
    if float(np.ptp(cells)) < _FLAT_RANGE:
        # A blank picture: the reference's bits would be float rounding noise. Return the
        # all-zero hash the reference gives pictures it cannot hash, so callers can tell.
        return "0" * 64, 0
    return _hash_of_cells(cells), _quality_of_cells(cells)


def _edges_key(edges: IntArray) -> tuple[int, ...]:
    return tuple(int(edge) for edge in edges)


@lru_cache(maxsize=32)
def _block_weights(size: int, edges: tuple[int, ...]) -> FloatArray:
    """``64 x blocks`` weights of each block in each sampled cell along one axis."""
    per_pixel = _pixel_weights(size)
    cumulative = np.concatenate([np.zeros((_CELLS, 1)), np.cumsum(per_pixel, axis=1)], axis=1)
    index = np.asarray(edges, dtype=np.int64)
    weights: FloatArray = cumulative[:, index[1:]] - cumulative[:, index[:-1]]
    weights.setflags(write=False)
    return weights


@lru_cache(maxsize=8)
def _pixel_weights(size: int) -> FloatArray:
    """``64 x size`` weights of each full-resolution pixel in each sampled cell along one axis.

    Row ``i`` is what two passes of the reference box filter make of a single sample taken at
    the centre of cell ``i``: ``e_s B B`` where ``B`` is the box filter matrix.
    """
    window = (size + 2 * _CELLS - 1) // (2 * _CELLS)
    half = (window + 2) // 2
    behind, ahead = window - half, half - 1  # the reference's window around each output

    def span(position: IntArray) -> tuple[IntArray, IntArray]:
        return np.maximum(position - behind, 0), np.minimum(position + ahead, size - 1)

    samples = ((np.arange(_CELLS) + 0.5) * size / _CELLS).astype(np.int64)
    first, last = span(samples)
    # Outputs of the first pass that feed each sample, and their weights.
    outputs = first[:, None] + np.arange(window)[None, :]
    inside = outputs <= last[:, None]
    outputs = np.minimum(outputs, size - 1)
    share = np.where(inside, 1.0 / (last - first + 1)[:, None], 0.0)
    low, high = span(outputs)
    amount = (share / (high - low + 1)).ravel()
    # Each first-pass output spreads its share evenly over its own window: a difference array.
    spread = np.zeros((_CELLS, size + 1))
    rows = np.repeat(np.arange(_CELLS), window)
    np.add.at(spread, (rows, low.ravel()), amount)
    np.add.at(spread, (rows, high.ravel() + 1), -amount)
    weights: FloatArray = np.cumsum(spread[:, :size], axis=1)
    return weights


def _hash_of_cells(cells: FloatArray) -> str:
    coefficients = (_DCT @ cells @ _DCT.T).ravel()
    # The reference's median (Torben's) is the 128th smallest of the 256 values.
    median = np.partition(coefficients, 127)[127]
    bits = coefficients > median
    # Bit k is coefficient k; the hex form starts with bit 255 (ThreatExchange's format).
    value = 0
    for bit in bits[::-1]:
        value = (value << 1) | int(bit)
    return f"{value:064x}"


def _quality_of_cells(cells: FloatArray) -> int:
    # Reference: int d = ((u - v) * 100) / 255, truncated toward zero, summed as absolute values.
    vertical = np.trunc((cells[:-1, :] - cells[1:, :]) * 100 / 255)
    horizontal = np.trunc((cells[:, :-1] - cells[:, 1:]) * 100 / 255)
    gradient = int(np.abs(vertical).sum() + np.abs(horizontal).sum())
    return min(100, gradient // 90)
