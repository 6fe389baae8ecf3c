"""Photo-like test pictures and the plain-way reference PDQ, shared by the companion tests."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pdqhash
from PIL import Image, ImageDraw, ImageFilter, ImageOps

ORIENTATION = 0x0112


def photo(width: int, height: int, seed: int = 0, *, soft: bool = False) -> Image.Image:
    """A photo-like RGB picture: smooth lighting, a few shapes, blur and sensor noise.

    Drawn small and scaled up, so even large pictures are quick to make.
    """
    rng = np.random.default_rng(seed)
    base_w, base_h = min(width, 640), min(height, 640)
    y, x = np.mgrid[0:base_h, 0:base_w].astype(np.float32)
    channels = []
    for _ in range(3):
        a, b, phase = rng.uniform(-1, 1, 3)
        wave = np.sin((a * x / base_w + b * y / base_h) * rng.uniform(2, 6) + phase)
        channels.append(120 + (25 if soft else 70) * wave + 30 * (y / base_h - 0.5))
    picture = Image.fromarray(np.clip(np.dstack(channels), 0, 255).astype(np.uint8))
    if not soft:
        draw = ImageDraw.Draw(picture)
        for _ in range(10):
            cx, cy = int(rng.integers(0, base_w)), int(rng.integers(0, base_h))
            radius = int(rng.integers(max(2, base_h // 20), max(3, base_h // 4)))
            colour = tuple(int(value) for value in rng.integers(0, 256, 3))
            box = [cx - radius, cy - radius // 2, cx + radius, cy + radius // 2]
            if rng.random() < 0.5:
                draw.ellipse(box, fill=colour)
            else:
                draw.rectangle(box, fill=colour)
        picture = picture.filter(ImageFilter.GaussianBlur(1.5))
    if (base_w, base_h) != (width, height):
        picture = picture.resize((width, height), Image.Resampling.BICUBIC)
    # Sensor noise, drawn for a 509x509 tile and repeated: cheap even for huge pictures.
    tile = rng.integers(-5, 6, (min(height, 509), min(width, 509), 1), dtype=np.int16)
    noise = np.tile(tile, (-(-height // tile.shape[0]), -(-width // tile.shape[1]), 1))
    pixels = np.asarray(picture, dtype=np.int16) + noise[:height, :width]
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def save(picture: Image.Image, path: Path, orientation: int = 1, **options: Any) -> Path:
    """Save ``picture`` to ``path`` (format from the suffix), with an EXIF orientation tag."""
    if orientation != 1:
        exif = Image.Exif()
        exif[ORIENTATION] = orientation
        options["exif"] = exif.tobytes()
    picture.save(path, **options)
    return path


def reference_pdq(source: Path | bytes) -> tuple[str, int]:
    """PDQ the plain way: full Pillow decode, EXIF orientation, ``pdqhash.compute``."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    with Image.open(stream) as opened:
        upright = ImageOps.exif_transpose(opened).convert("RGB")
    bits, quality = pdqhash.compute(np.asarray(upright))
    return f"{int(''.join(str(int(bit)) for bit in bits), 2):064x}", int(quality)


def bits_apart(a: str, b: str) -> int:
    """Hamming distance between two hex strings."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
