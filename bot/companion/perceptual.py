"""pHash and dHash of a picture, bit for bit the same as imagehash's ``phash`` and ``dhash``.

Why not call imagehash: its pHash imports scipy for the DCT, which costs about 0.2 s of start-up
on every ``reclaim hash`` run, more than hashing a 12 MP photo takes. pHash only needs the 8x8
lowest frequencies of a 32x32 DCT-II, which is two small matrix products (``C @ X @ C.T`` with
``C`` the first 8 rows of scipy's unnormalised DCT-II matrix). Its bits are the coefficients
greater than their median. The products and scipy's FFT round differently in the last bits, so a
coefficient within ``_TIE_TOLERANCE`` of the median (a near tie, as in a flat picture where every
coefficient is nearly zero) could land on the other side: only then is scipy's DCT itself used,
so the bits always equal imagehash's. The test suite checks this on many pictures.

What belongs here: the two supplementary hashes. What does not: PDQ (``pdq.py``), decoding
(``imaging.py``).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt
from PIL import Image

__all__ = ["dhash", "phash"]

_HASH_SIZE = 8
_PHASH_SIDE = _HASH_SIZE * 4
"""imagehash's ``highfreq_factor`` of 4: the picture is shrunk to 32x32 before the DCT."""
_TIE_TOLERANCE = 1e-9
"""Relative to the largest coefficient. Float error is about 1e-15 of it (sums of 1,024
terms), so this is ample, and a real photo almost never comes this close to a tie."""

_FloatArray = npt.NDArray[np.float64]


@cache
def _dct_rows() -> _FloatArray:
    """The first 8 rows of the unnormalised DCT-II matrix for 32 samples (scipy's ``dct``)."""
    k = np.arange(_HASH_SIZE, dtype=np.float64)[:, None]
    n = np.arange(_PHASH_SIDE, dtype=np.float64)[None, :]
    rows: _FloatArray = 2.0 * np.cos(np.pi * k * (2.0 * n + 1.0) / (2.0 * _PHASH_SIDE))
    return rows


def phash(image: Image.Image) -> str:
    """The pHash of a picture as 16 hex digits, equal to ``str(imagehash.phash(image))``.

    Args:
        image: any Pillow picture (it is converted to grayscale, as imagehash does).
    """
    small = image.convert("L").resize((_PHASH_SIDE, _PHASH_SIDE), Image.Resampling.LANCZOS)
    pixels = np.asarray(small, dtype=np.float64)
    rows = _dct_rows()
    low: _FloatArray = rows @ pixels @ rows.T
    median = float(np.median(low))
    scale = max(1.0, float(np.abs(low).max()))
    if float(np.abs(low - median).min()) <= _TIE_TOLERANCE * scale:
        low = _scipy_low_frequencies(pixels)
        median = float(np.median(low))
    return _hex(low > median)


def _scipy_low_frequencies(pixels: _FloatArray) -> _FloatArray:
    # Imported only here: rare, and the import is what this module exists to avoid.
    import scipy.fftpack  # type: ignore[import-untyped]

    full: _FloatArray = scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=0), axis=1)
    return full[:_HASH_SIZE, :_HASH_SIZE]


def dhash(image: Image.Image) -> str:
    """The dHash of a picture as 16 hex digits, equal to ``str(imagehash.dhash(image))``.

    Args:
        image: any Pillow picture.
    """
    small = image.convert("L").resize((_HASH_SIZE + 1, _HASH_SIZE), Image.Resampling.LANCZOS)
    pixels = np.asarray(small)
    return _hex(pixels[:, 1:] > pixels[:, :-1])


def _hex(bits: npt.NDArray[np.bool_]) -> str:
    """Bits, row by row, as hex digits (imagehash's ``str`` of a hash)."""
    value = 0
    for bit in bits.flatten():
        value = (value << 1) | int(bit)
    return f"{value:0{(bits.size + 3) // 4}x}"
