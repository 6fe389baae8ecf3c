"""pdq.js and perceptual.js on raw pixels under Node: the same bits as Python's references.

No browser and no decoder here, so every difference is the arithmetic's: PDQ must equal the
companion's ``pdq.py`` (and so ``pdqhash``), pHash and dHash must equal imagehash's, bit for
bit, on shapes that exercise both orders of Pillow's two resize passes, upscaling, tiny
pictures and strips that do not divide the height. Reduced first (as ``imaging.py`` does for
larger pictures), the reduced picture must equal Pillow's ``reduce`` of the stored picture,
turned upright, byte for byte, and its pHash and dHash the companion's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import imagehash
import numpy as np
import pdqhash
import pytest
from PIL import Image

from bot.companion.imaging import _TRANSPOSES
from bot.companion.pdq import block_edges, pdq_from_luma
from bot.companion.perceptual import dhash, phash
from tests.companion.pictures import photo
from tests.companion.web.conftest import WEB_ROOT

RUNNER = Path(__file__).with_name("hash_raw.js")

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None, reason="node is not installed (apt-get install nodejs)"
)


def _in_node(
    picture: Image.Image, tmp_path: Path, strip: int, *reduction: int, wasm: bool = True
) -> dict[str, object]:
    raw = tmp_path / "pixels.raw"
    raw.write_bytes(picture.tobytes())
    channels = len(picture.getbands())
    command = ["node", str(RUNNER), str(WEB_ROOT), str(raw), *map(str, picture.size)]
    extra = [str(channels), str(strip), *map(str, reduction)]
    env = {**os.environ, "RECLAIM_NO_WASM": "0" if wasm else "1"}
    output = subprocess.run([*command, *extra], capture_output=True, check=True, text=True, env=env)
    result: dict[str, object] = json.loads(output.stdout)
    return result


def _pdq_bits(pixels: np.ndarray) -> str:
    bits, _ = pdqhash.compute(pixels)
    return f"{int(''.join(str(int(bit)) for bit in bits), 2):064x}"


@pytest.mark.parametrize(
    ("width", "height", "strip"),
    [
        (640, 480, 100),
        (1001, 799, 37),
        (480, 640, 640),
        (50, 2000, 64),  # tall: Pillow shrinks vertically first
        (2000, 50, 7),
        (300, 700, 50),
        (33, 40, 3),
        (20, 90, 11),  # narrower than pHash's 32 columns
        (12, 10, 4),  # smaller than both: upscaled
        (4, 4, 1),  # smaller than PDQ's 5 pixels
        (3000, 2250, 250),
    ],
)
@pytest.mark.parametrize("wasm", [True, False], ids=["wasm", "js"])
def test_hashes_equal_the_references(
    width: int, height: int, strip: int, wasm: bool, tmp_path: Path
) -> None:
    """With resize.wat's horizontal pass, and with the JavaScript one used where it is missing."""
    picture = photo(width, height, seed=width * 7 + height)
    result = _in_node(picture, tmp_path, strip, wasm=wasm)
    pixels = np.asarray(picture)
    luma = pixels[..., 0] * 0.299 + pixels[..., 1] * 0.587 + pixels[..., 2] * 0.114
    expected = pdq_from_luma(luma, block_edges(height, 1), block_edges(width, 1))
    assert (result["hash"], result["quality"]) == expected
    if min(width, height) >= 5:
        assert result["hash"] == _pdq_bits(pixels)
    assert result["phash"] == str(imagehash.phash(picture))
    assert result["dhash"] == str(imagehash.dhash(picture))


@pytest.mark.parametrize("wasm", [True, False], ids=["wasm", "js"])
def test_the_webassembly_pass_is_used_where_webassembly_runs(wasm: bool) -> None:
    script = f"console.log(require({str(WEB_ROOT / 'resize.js')!r}).available)"
    if not wasm:
        script = "delete globalThis.WebAssembly; " + script
    output = subprocess.run(["node", "-e", script], capture_output=True, check=True, text=True)
    assert output.stdout.strip() == ("true" if wasm else "false")


def test_rgba_rows_are_read_by_their_first_three_channels(tmp_path: Path) -> None:
    picture = photo(321, 123, seed=5)
    alpha = Image.fromarray(np.full((123, 321), 77, dtype=np.uint8))
    rgba = picture.copy()
    rgba.putalpha(alpha)
    assert _in_node(rgba, tmp_path, 10) == _in_node(picture, tmp_path, 10)


def test_flat_picture_has_the_all_zero_hash(tmp_path: Path) -> None:
    result = _in_node(Image.new("RGB", (200, 100), (40, 90, 200)), tmp_path, 30)
    assert (result["hash"], result["quality"]) == ("0" * 64, 0)


@pytest.mark.parametrize(
    ("width", "height", "block"),
    [
        (64, 48, 8),  # whole blocks
        (67, 45, 8),  # partial last blocks on both axes
        (1030, 777, 2),
        (1029, 1031, 4),
        (300, 301, 16),
        (97, 33, 5),  # counts that are not powers of two: Pillow's rounding of the mean
        (50, 61, 3),
    ],
)
@pytest.mark.parametrize("orientation", range(1, 9))
def test_reduced_picture_equals_pillow_reduce(
    width: int, height: int, block: int, orientation: int, tmp_path: Path
) -> None:
    # Random pixels: every rounding of a mean is met, none is smoothed away.
    rng = np.random.default_rng(width * 31 + height + block * 7 + orientation)
    stored = Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))
    method = _TRANSPOSES.get(orientation)
    upright = stored if method is None else stored.transpose(method)
    result = _in_node(upright, tmp_path, 17, block, orientation)
    reduced = stored.reduce(block)
    if method is not None:
        reduced = reduced.transpose(method)
    assert result["reduced"] == np.asarray(reduced.convert("L")).flatten().tolist()
    assert (result["phash"], result["dhash"]) == (phash(reduced), dhash(reduced))
    assert result["again"] == {"hash": result["hash"], "quality": result["quality"]}
