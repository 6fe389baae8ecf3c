"""How many bits the companion's PDQ sets, on generated pictures: ``python -m bench.pdq_bits``.

The bot asks whether a bare 64-hex line is a SHA-256 when its bits are not exactly half set
(``PdqSignal.half_set``). This prints the set bits and quality for noise, smooth, gradient,
shape and two-tone pictures, so the claim can be checked again. Figures only, no assertions.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

from bot.companion.imaging import hash_image


def _pictures() -> dict[str, Image.Image]:
    rng = np.random.default_rng(7)
    pictures: dict[str, Image.Image] = {}
    for n in range(8):
        pictures[f"noise{n}"] = Image.fromarray(rng.integers(0, 256, (300, 400, 3), np.uint8))
    for n in range(6):
        walk = rng.normal(size=(30, 40, 3)).cumsum(0).cumsum(1)
        walk = (walk - walk.min()) / (np.ptp(walk) + 1e-9) * 255
        small = Image.fromarray(walk.astype(np.uint8))
        pictures[f"smooth{n}"] = small.resize((800, 600), Image.Resampling.BICUBIC)
    ramp = np.linspace(0, 255, 640)
    pictures["gradient"] = Image.fromarray(np.tile(ramp, (480, 1)).astype(np.uint8))
    squares = np.indices((480, 640)).sum(0) // 40 % 2 * 255
    pictures["checkerboard"] = Image.fromarray(squares.astype(np.uint8))
    for n in range(5):
        shapes = Image.new("RGB", (640, 480), tuple(int(c) for c in rng.integers(0, 256, 3)))
        draw = ImageDraw.Draw(shapes)
        for _ in range(int(rng.integers(1, 6))):
            x, y = int(rng.integers(0, 600)), int(rng.integers(0, 440))
            fill = tuple(int(c) for c in rng.integers(0, 256, 3))
            draw.rectangle([x, y, x + int(rng.integers(10, 200)), y + 100], fill=fill)
        pictures[f"shapes{n}"] = shapes
    halves = Image.new("L", (640, 480), 100)
    ImageDraw.Draw(halves).rectangle([0, 0, 320, 480], fill=200)
    pictures["two halves"] = halves
    return pictures


def main() -> None:
    """Print the set bits of each picture's PDQ."""
    half = 0
    pictures = _pictures()
    for name, picture in pictures.items():
        data = io.BytesIO()
        picture.save(data, "PNG")
        data.seek(0)
        hashes = hash_image(data)
        bits = int(hashes.pdq, 16).bit_count()
        half += bits == 128
        print(f"{name:14} set bits {bits:3}  quality {hashes.quality:3}")
    print(f"exactly 128 set bits: {half} of {len(pictures)}")


if __name__ == "__main__":
    main()
