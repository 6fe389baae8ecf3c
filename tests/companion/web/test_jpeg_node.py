"""jpeg.js and jpeg-hash.js under Node: the 1/8-scale decode equals Pillow's draft decode.

Pillow's ``draft`` asks libjpeg for 1/8 scale, as ``bot.companion.imaging`` does for large JPEGs;
jpeg.js must give the same pixels (measured: identical, every pixel of every case) for baseline
and progressive files, every subsampling, grey pictures, restart intervals and odd sizes, and
leave files it does not handle to the browser (null). On large pictures, the hashes jpeg-hash.js
makes must be the Python companion's, bit for bit, whatever the EXIF orientation. Each case runs
twice: with jpeg-scan.wat's WebAssembly loop and with the JavaScript loop used where it is missing.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from bot.companion.imaging import hash_image
from tests.companion.pictures import bits_apart, photo, save
from tests.companion.web.conftest import WEB_ROOT

RUNNER = Path(__file__).with_name("jpeg_check.js")

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None, reason="node is not installed (apt-get install nodejs)"
)


@pytest.fixture(params=[True, False], ids=["wasm", "js"])
def wasm(request: pytest.FixtureRequest) -> bool:
    """Whether jpeg-scan.js may use its WebAssembly loop."""
    use: bool = request.param
    return use


def _check(paths: list[Path], wasm: bool) -> list[dict[str, Any]]:
    command = ["node", str(RUNNER), str(WEB_ROOT), *map(str, paths)]
    env = {**os.environ, "RECLAIM_NO_WASM": "0" if wasm else "1"}
    output = subprocess.run(command, capture_output=True, check=True, text=True, env=env)
    answers: list[dict[str, Any]] = json.loads(output.stdout)
    return answers


def _pillow_eighth(path: Path) -> np.ndarray[Any, Any]:
    with Image.open(path) as image:
        image.draft("RGB", (image.width // 8, image.height // 8))
        return np.asarray(image)


def _decoded(answer: dict[str, Any]) -> np.ndarray[Any, Any]:
    pixels = np.frombuffer(base64.b64decode(answer["pixels"]), np.uint8)
    shape = (answer["height"], answer["width"])
    return pixels.reshape(shape if answer["channels"] == 1 else (*shape, 3))


def _as_440(path: Path) -> Path:
    """A 4:2:2 JPEG (16x8 MCUs) relabelled 4:4:0 (8x16): sizes that are multiples of 16 keep
    the same number of blocks, so the file stays decodable (its pixels scrambled)."""
    data = bytearray(path.read_bytes())
    frame = data.index(b"\xff\xc0") if b"\xff\xc0" in data else data.index(b"\xff\xc2")
    luma = frame + 4 + 6 + 1
    assert data[luma] == 0x21
    data[luma] = 0x12
    out = path.with_name("s440-" + path.name)
    out.write_bytes(bytes(data))
    return out


def test_the_eighth_scale_decode_is_pillow_s(tmp_path: Path, wasm: bool) -> None:
    picture = photo(701, 533, seed=2)
    paths = []
    for progressive in (False, True):
        kind = "p" if progressive else "b"
        for subsampling in (0, 1, 2, "4:1:1"):
            name = f"{kind}-{str(subsampling).replace(':', '')}.jpg"
            options = {"subsampling": subsampling, "progressive": progressive}
            paths.append(save(picture, tmp_path / name, quality=90, **options))
        paths.append(
            save(
                picture.convert("L"),
                tmp_path / f"{kind}-grey.jpg",
                quality=90,
                progressive=progressive,
            )
        )
        paths.append(
            save(
                picture,
                tmp_path / f"{kind}-rst.jpg",
                quality=80,
                subsampling=2,
                progressive=progressive,
                restart_marker_blocks=5,
            )
        )
        paths.append(
            save(
                picture.convert("L"),
                tmp_path / f"{kind}-grey-rst.jpg",
                quality=80,
                progressive=progressive,
                restart_marker_rows=1,
            )
        )
        square = save(
            photo(320, 256, seed=3),
            tmp_path / f"{kind}-422.jpg",
            quality=95,
            subsampling=1,
            progressive=progressive,
        )
        paths.append(_as_440(square))
    paths.append(save(photo(37, 9, seed=4), tmp_path / "tiny.jpg", quality=95, subsampling=2))
    paths.append(save(photo(333, 219, seed=5), tmp_path / "odd.jpg", 6, quality=60))
    paths.append(save(photo(1033, 771, seed=6), tmp_path / "flat.jpg", quality=20))
    # Noise at quality 100: many blocks have all 63 AC coefficients (no end of block), so the
    # decoder's skipping of several coefficients a lookup must stop exactly at a block's end.
    noise = Image.fromarray(np.random.default_rng(7).integers(0, 256, (240, 320, 3), np.uint8))
    for subsampling in (0, 2):
        paths.append(
            save(noise, tmp_path / f"noise-{subsampling}.jpg", quality=100, subsampling=subsampling)
        )
    answers = _check(paths, wasm)
    for path, answer in zip(paths, answers, strict=True):
        assert answer["decoded"] is not None, path.name
        ours, pillow = _decoded(answer["decoded"]), _pillow_eighth(path)
        assert ours.shape == pillow.shape, path.name
        assert np.array_equal(ours, pillow), path.name


def test_files_it_does_not_handle_are_left_to_the_browser(tmp_path: Path, wasm: bool) -> None:
    picture = photo(400, 300, seed=7)
    whole = save(picture, tmp_path / "whole.jpg", quality=90)
    data = whole.read_bytes()
    cases = {
        "cmyk.jpg": None,
        "cut.jpg": data[: len(data) * 2 // 3],
        "cut-header.jpg": data[:300],
        # Arithmetic coding and 12-bit samples, as the frame marker says.
        "arithmetic.jpg": data.replace(b"\xff\xc0", b"\xff\xc9", 1),
        "twelve-bit.jpg": data.replace(b"\xff\xc0\x00\x11\x08", b"\xff\xc0\x00\x11\x0c", 1),
        "not-jpeg.jpg": b"this was never a picture",
    }
    paths = []
    for name, content in cases.items():
        path = tmp_path / name
        if content is None:
            picture.convert("CMYK").save(path, quality=90)
        else:
            path.write_bytes(content)
        paths.append(path)
    answers = _check([whole, *paths], wasm)
    assert answers[0]["decoded"] is not None
    for path, answer in zip(paths, answers[1:], strict=True):
        assert answer == {"decoded": None, "hashes": None}, path.name


def test_large_pictures_hash_as_the_python_companion_hashes_them(
    tmp_path: Path, wasm: bool
) -> None:
    paths = [
        save(photo(3000, 2100, seed=5), tmp_path / "turned3.jpg", 3, quality=85, progressive=True),
        save(photo(2050, 2300, seed=6), tmp_path / "turned8.jpg", 8, quality=90, subsampling=1),
        save(photo(2100, 2060, seed=7), tmp_path / "turned6.jpg", 6, quality=92),
        save(photo(2049, 2111, seed=8), tmp_path / "turned7.jpg", 7, quality=90, subsampling=0),
        save(photo(2100, 2049, seed=9).convert("L"), tmp_path / "grey2.jpg", 2, quality=90),
        # Block 16: decoded at 1/8, then reduced by 2 as Pillow's reduce does.
        save(photo(4100, 4097, seed=10), tmp_path / "block16.jpg", 5, quality=80),
    ]
    answers = _check(paths, wasm)
    for path, answer in zip(paths, answers, strict=True):
        with path.open("rb") as stream:
            python = hash_image(stream)
        hashes = answer["hashes"]
        assert hashes is not None, path.name
        assert bits_apart(hashes["pdq"]["hash"], python.pdq) == 0, path.name
        assert hashes["pdq"]["quality"] == python.quality, path.name
        assert hashes["perceptual"] == {"phash": python.phash, "dhash": python.dhash}, path.name
        assert (hashes["width"], hashes["height"]) == (python.width, python.height), path.name


@pytest.mark.parametrize("wasm", [True, False], ids=["wasm", "js"])
def test_the_webassembly_loop_is_used_where_webassembly_runs(wasm: bool) -> None:
    script = f"console.log(require({str(WEB_ROOT / 'jpeg-scan.js')!r}).usesWasm)"
    if not wasm:
        script = "delete globalThis.WebAssembly; " + script
    command = ["node", "-e", script]
    output = subprocess.run(command, capture_output=True, check=True, text=True)
    assert output.stdout.strip() == ("true" if wasm else "false")


def test_webassembly_unstuffs_a_scan_as_javascript_does(tmp_path: Path) -> None:
    """jpeg-scan.wat's ``unstuff`` makes the words, restart interval ends and marker position
    that jpeg-scan.js's own loop makes: on stuffed 0xFF bytes (noise at quality 100), restart
    markers every few blocks, and a file whose last scan byte sits just before its end."""
    noise = Image.fromarray(np.random.default_rng(8).integers(0, 256, (96, 128, 3), np.uint8))
    paths = [
        save(noise, tmp_path / "noise.jpg", quality=100),
        save(photo(301, 203, seed=9), tmp_path / "rst.jpg", quality=85, restart_marker_blocks=3),
        save(photo(64, 48, seed=10), tmp_path / "small.jpg", quality=70),
    ]
    runner = Path(__file__).with_name("unstuff_check.js")
    answers = {}
    for wasm in (True, False):
        env = {**os.environ, "RECLAIM_NO_WASM": "0" if wasm else "1"}
        command = ["node", str(runner), str(WEB_ROOT), *map(str, paths)]
        output = subprocess.run(command, capture_output=True, check=True, text=True, env=env)
        answers[wasm] = json.loads(output.stdout)
    for path, made, expected in zip(paths, answers[True], answers[False], strict=True):
        assert made["inWasm"], path.name
        assert not expected["inWasm"], path.name
        assert len(expected["ends"]) > (1 if path.name == "rst.jpg" else 0), path.name
        made.pop("inWasm")
        expected.pop("inWasm")
        assert made == expected, path.name


_SAME_DECODE = r"""
const [web, small, large] = process.argv.slice(1);
const fs = require("fs");
const path = require("path");
const jpeg = require(path.resolve(web, "jpeg.js"));
const a = jpeg.decodeEighth(new Uint8Array(fs.readFileSync(small)));
const b = jpeg.decodeEighth(new Uint8Array(fs.readFileSync(large)));
const same = a !== null && b !== null && a.width === b.width && a.height === b.height &&
  a.pixels.length === b.pixels.length && a.pixels.every((value, i) => value === b.pixels[i]);
console.log(JSON.stringify({ same, width: b && b.width }));
"""


def test_a_jpeg_over_32_mb_decodes_as_its_small_twin(tmp_path: Path) -> None:
    """Past 32 MB the file is not copied into WebAssembly memory and JavaScript takes the
    byte stuffing out (jpeg-wasm.js's COPY_BYTES): the decode is the same. The large twin is
    the same picture with 33 MB of comment segments after its start marker."""
    small = save(photo(2048, 1536, seed=12), tmp_path / "small.jpg", quality=90)
    data = small.read_bytes()
    comment = b"\xff\xfe\xff\xff" + bytes(0xFFFD)  # COM, the longest a segment can be
    padding = comment * (33 * 1024 * 1024 // len(comment) + 1)
    large = tmp_path / "large.jpg"
    large.write_bytes(data[:2] + padding + data[2:])
    assert large.stat().st_size > 32 * 1024 * 1024
    command = ["node", "-e", _SAME_DECODE, str(WEB_ROOT), str(small), str(large)]
    output = subprocess.run(command, capture_output=True, check=True, text=True, timeout=120)
    assert json.loads(output.stdout) == {"same": True, "width": 256}
