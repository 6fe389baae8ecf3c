"""Picture bytes -> PDQ (with quality), pHash and dHash, decoding no more pixels than needed.

Decoding dominates the cost of hashing a photo. PDQ only looks at a 64x64 summary of the
picture, so a reduced picture whose pixels are means of blocks of the full one is enough (see
``pdq.py``): JPEGs are decoded directly at 1/2, 1/4 or 1/8 scale (``Image.draft``, which
skips most of the work), other formats are box-reduced after decoding. The reduction keeps at
least ``_MIN_REDUCED_SIDE`` pixels on the short side, so each of PDQ's 64x64 cells still spans
several pixels and the hash stays within a few bits of one computed on every pixel.

The EXIF orientation is applied (as ``ImageOps.exif_transpose`` does) before hashing, so a photo
hashes the same however the camera stored it. HEIC/HEIF is read through pillow-heif, which is
imported only when a file starts like one (an ISO media file): most runs never need it, and
every import adds to the time a person waits for ``reclaim hash`` to answer. pHash and dHash come
from ``perceptual.py`` for the same reason (no scipy).

What belongs here: reading a picture and computing its perceptual hashes. What does not: files,
MD5 and errors as users see them (``hasher.py``), the PDQ arithmetic (``pdq.py``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from PIL import Image, UnidentifiedImageError

from bot.companion.pdq import IntArray, block_edges, pdq_from_luma, reverse_edges
from bot.companion.perceptual import dhash, phash

__all__ = [
    "MAX_PIXELS",
    "ImageDamagedError",
    "ImageHashes",
    "ImageTooLargeError",
    "ImageTruncatedError",
    "NotAnImageError",
    "hash_image",
]

MAX_PIXELS = 210_000_000
"""Largest picture accepted: above today's 200-megapixel phone cameras. Pillow's own limit
(about 89 megapixels) would refuse real photos; anything bigger than this is refused as a
possible decompression bomb (a small file that expands to gigabytes of pixels)."""

_MIN_REDUCED_SIDE = 256
_RELIABLE_QUALITY = 50
"""From this PDQ quality up, a reduced decode gives (nearly) the same bits as a full one."""
_JPEG_SCALES = (8, 4, 2)
_ORIENTATION_TAG = 0x0112
_ISO_MEDIA_MARK = b"ftyp"
"""Bytes 4-8 of an ISO media file (HEIC, HEIF, AVIF; videos never reach this module)."""

_TRANSPOSES: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
"""EXIF orientation -> the transposition that shows the picture upright (as exif_transpose)."""

_AXES_AFTER: dict[int, tuple[tuple[int, bool], tuple[int, bool]]] = {
    1: ((0, False), (1, False)),
    2: ((0, False), (1, True)),
    3: ((0, True), (1, True)),
    4: ((0, True), (1, False)),
    5: ((1, False), (0, False)),
    6: ((1, False), (0, True)),
    7: ((1, True), (0, True)),
    8: ((1, True), (0, False)),
}
"""For each orientation, where the upright rows and columns come from in the stored picture:
(stored axis 0=rows 1=columns, reversed?) for the upright rows, then for the upright columns."""


class NotAnImageError(Exception):
    """The bytes are not a picture format we can read."""


class ImageDamagedError(Exception):
    """The file looks like a picture but could not be decoded."""


class ImageTruncatedError(ImageDamagedError):
    """The picture ends early (an incomplete download or copy)."""


class ImageTooLargeError(Exception):
    """The picture has more pixels than ``MAX_PIXELS`` (maybe a decompression bomb).

    Attributes:
        pixels: the pixel count the file claims, when known.
    """

    def __init__(self, pixels: int | None) -> None:
        super().__init__("picture too large to open safely")
        self.pixels = pixels


@dataclass(frozen=True, slots=True)
class ImageHashes:
    """The perceptual hashes of one picture.

    Attributes:
        pdq: 64 hex digits; all zeros for a blank picture.
        quality: PDQ quality, 0-100; below 50 the picture is too plain to match reliably.
        phash: 16 hex digits (``imagehash.phash``).
        dhash: 16 hex digits (``imagehash.dhash``).
        width: upright width in pixels.
        height: upright height in pixels.
    """

    pdq: str
    quality: int
    phash: str
    dhash: str
    width: int
    height: int


def hash_image(stream: BinaryIO) -> ImageHashes:
    """Decode a picture (first frame) and compute its perceptual hashes.

    Args:
        stream: a seekable binary stream positioned at the start of the file.

    Returns:
        The hashes.

    Raises:
        NotAnImageError: Pillow does not recognise the format.
        ImageTooLargeError: the picture has too many pixels to open safely.
        ImageTruncatedError: the file ends before the picture does.
        ImageDamagedError: any other decoding failure.
    """
    _register_heif_if_needed(stream)
    with _pixel_limit(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pillow warns about odd but readable files
        try:
            image = Image.open(stream)
        except Image.DecompressionBombError as error:
            raise ImageTooLargeError(None) from error
        except UnidentifiedImageError as error:
            raise NotAnImageError from error
        except Exception as error:  # a broken header can fail in many ways
            raise ImageDamagedError from error
        with image:
            hashes, exact = _hash_opened(image, exact=False)
        if exact or hashes.quality >= _RELIABLE_QUALITY:
            return hashes
        # A plain picture has small DCT coefficients, so the small differences a reduced
        # decode makes could flip bits: decode every pixel instead (rarely needed, slower).
        stream.seek(0)
        with Image.open(stream) as image:
            return _hash_opened(image, exact=True)[0]


def _register_heif_if_needed(stream: BinaryIO) -> None:
    head = stream.read(12)
    stream.seek(0)
    if head[4:8] == _ISO_MEDIA_MARK:
        import pillow_heif

        pillow_heif.register_heif_opener()


@contextmanager
def _pixel_limit() -> Iterator[None]:
    # Pillow reads its limit from a module global; raise it only while we decode.
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        yield
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def _hash_opened(image: Image.Image, *, exact: bool) -> tuple[ImageHashes, bool]:
    """Hash an opened picture; also says whether every pixel was used."""
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ImageTooLargeError(width * height)
    if width == 0 or height == 0:
        raise ImageDamagedError
    block = 1 if exact else _block_size(width, height)
    try:
        if image.format == "JPEG" and block > 1:
            image.draft("RGB", (width // min(block, 8), height // min(block, 8)))
        image.load()
    except Image.DecompressionBombError as error:
        raise ImageTooLargeError(width * height) from error
    except OSError as error:
        if "truncated" in str(error):
            raise ImageTruncatedError from error
        raise ImageDamagedError from error
    except Exception as error:
        raise ImageDamagedError from error
    # Read only after decoding: for some formats reading EXIF decodes the picture, and a
    # decoding error must not be swallowed as "no orientation".
    orientation = _orientation(image)
    try:
        return _hash_loaded(image, width, height, orientation, block), block == 1
    except (MemoryError, ImageTooLargeError):
        raise
    except Exception as error:
        raise ImageDamagedError from error


def _hash_loaded(
    image: Image.Image, width: int, height: int, orientation: int, block: int
) -> ImageHashes:
    # Edges of the decoded pixels in full-resolution coordinates (stored orientation).
    scale = _decoded_scale(image, width, height)
    row_edges, col_edges = block_edges(height, scale), block_edges(width, scale)
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    # Reduce the rest of the way (formats without draft decoding, or very large JPEGs).
    factor = max(1, block // scale)
    if factor > 1:
        rgb = rgb.reduce(factor)
        row_edges, col_edges = _merge_edges(row_edges, factor), _merge_edges(col_edges, factor)
    method = _TRANSPOSES.get(orientation)
    if method is not None:
        rgb = rgb.transpose(method)
    (row_axis, row_flip), (col_axis, col_flip) = _AXES_AFTER.get(orientation, _AXES_AFTER[1])
    stored = (row_edges, col_edges)
    upright_rows = reverse_edges(stored[row_axis]) if row_flip else stored[row_axis]
    upright_cols = reverse_edges(stored[col_axis]) if col_flip else stored[col_axis]

    pixels = np.asarray(rgb, dtype=np.float64)
    luma = pixels[..., 0] * 0.299 + pixels[..., 1] * 0.587 + pixels[..., 2] * 0.114
    pdq, quality = pdq_from_luma(luma, upright_rows, upright_cols)
    return ImageHashes(
        pdq=pdq,
        quality=quality,
        phash=phash(rgb),
        dhash=dhash(rgb),
        width=int(upright_cols[-1]),
        height=int(upright_rows[-1]),
    )


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_ORIENTATION_TAG, 1)
    except Exception:  # unreadable EXIF: show the picture as stored
        return 1
    return value if isinstance(value, int) and value in _AXES_AFTER else 1


def _block_size(width: int, height: int) -> int:
    """Largest power of two that keeps the short side at ``_MIN_REDUCED_SIDE`` pixels or more."""
    short = min(width, height)
    if short < 2 * _MIN_REDUCED_SIDE:
        return 1
    return 1 << int(math.log2(short // _MIN_REDUCED_SIDE))


def _decoded_scale(image: Image.Image, width: int, height: int) -> int:
    """How many full-resolution pixels each decoded pixel covers along each axis."""
    for scale in (1, *_JPEG_SCALES):
        if (-(-width // scale), -(-height // scale)) == image.size:
            return scale
    raise ImageDamagedError  # a decoder returned a size we cannot place


def _merge_edges(edges: IntArray, factor: int) -> IntArray:
    """Edges after ``Image.reduce(factor)``: every ``factor`` blocks become one."""
    merged = edges[:-1:factor]
    return np.append(merged, edges[-1])
