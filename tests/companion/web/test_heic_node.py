"""heic.js under Node with the vendored libheif: the same pixels pillow-heif gives ``reclaim hash``.

HEIC files are written by pillow-heif (its own libheif and x265), decoded by the page's code and
compared with pillow-heif's decode, which is what ``bot/companion/imaging.py`` hashes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pillow_heif
import pytest
from PIL import Image

from tests.companion.pictures import photo, save
from tests.companion.web.conftest import WEB_ROOT

RUNNER = Path(__file__).with_name("heic_check.js")

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None, reason="node is not installed (apt-get install nodejs)"
)


def _decode(paths: list[Path]) -> list[dict[str, object]]:
    command = ["node", str(RUNNER), str(WEB_ROOT), *map(str, paths)]
    output = subprocess.run(command, capture_output=True, check=True, text=True, timeout=120)
    answers: list[dict[str, object]] = json.loads(output.stdout)
    return answers


def _pillow(path: Path) -> np.ndarray:
    pillow_heif.register_heif_opener()
    with Image.open(path) as opened:
        return np.asarray(opened.convert("RGB"), dtype=np.int16)


def test_pixels_are_pillow_heifs(tmp_path: Path) -> None:
    picture = photo(640, 480, seed=5)
    with_alpha = picture.copy()
    with_alpha.putalpha(Image.linear_gradient("L").resize(picture.size))
    paths = [
        save(picture, tmp_path / "plain.heic", quality=80),
        # pillow-heif stores an EXIF turn as the file's own rotation, which libheif applies.
        save(photo(480, 360, seed=6), tmp_path / "turned.heic", 6, quality=80),
        save(with_alpha, tmp_path / "alpha.heic", quality=80),
        save(picture.convert("L"), tmp_path / "grey.heic", quality=80),
    ]
    answers = _decode(paths)
    for path, answer in zip(paths, answers, strict=True):
        expected = _pillow(path)
        height, width = expected.shape[:2]
        assert answer == {"width": width, "height": height, "opaque": True}, path.name
        got = np.frombuffer(path.with_name(path.name + ".rgb").read_bytes(), dtype=np.uint8)
        difference = np.abs(got.reshape(height, width, 3).astype(np.int16) - expected)
        print(path.name, "largest", int(difference.max()), "mean", float(difference.mean()))
        # libheif and libde265 on both sides (pillow-heif's build is a patch release ahead); the
        # conversion to RGB may round a level apart here and there.
        assert int(difference.max()) <= 4, path.name
        assert float(difference.mean()) < 0.1, path.name


def test_what_libheif_cannot_read_is_no_picture(tmp_path: Path) -> None:
    broken = tmp_path / "broken.heic"
    broken.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + os.urandom(5000))
    whole = save(photo(320, 240, seed=7), tmp_path / "whole.heic", quality=80).read_bytes()
    cut = tmp_path / "cut.heic"
    cut.write_bytes(whole[: len(whole) // 2])
    assert _decode([broken, cut]) == [{"answer": None}, {"answer": None}]
