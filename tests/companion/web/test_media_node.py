"""media.js under Node: picture sizes from headers, cut-off pictures, WebP orientation, kinds.

The end-of-picture watcher is fed the bytes in chunks of several sizes (down to one byte), so a
marker split across two chunks is found as well as one inside a chunk.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from bot.companion.hasher import hash_file
from tests.companion.pictures import photo, save
from tests.companion.web.conftest import WEB_ROOT

RUNNER = Path(__file__).with_name("media_check.js")

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None, reason="node is not installed (apt-get install nodejs)"
)


def _check(paths: list[Path]) -> list[dict[str, object]]:
    command = ["node", str(RUNNER), str(WEB_ROOT), *map(str, paths)]
    output = subprocess.run(command, capture_output=True, check=True, text=True)
    answers: list[dict[str, object]] = json.loads(output.stdout)
    return answers


def test_sizes_and_ends_of_whole_and_cut_pictures(tmp_path: Path) -> None:
    picture = photo(333, 222, seed=1)
    whole = [
        save(picture, tmp_path / "a.jpg", quality=90),
        save(picture, tmp_path / "b.jpg", 6, quality=80, progressive=True),
        save(picture, tmp_path / "c.png"),
        save(picture, tmp_path / "d.webp", quality=80),
        save(picture, tmp_path / "e.webp", 8, lossless=True),
        save(picture.quantize(64), tmp_path / "f.gif"),
        save(picture, tmp_path / "g.bmp"),
    ]
    cut = []
    for path in whole[:3]:
        data = path.read_bytes()
        cut.append(tmp_path / f"cut-{path.name}")
        cut[-1].write_bytes(data[: len(data) * 2 // 3])
    answers = _check(whole + cut)
    for path, answer in zip(whole + cut, answers, strict=True):
        with Image.open(path) as opened:
            assert answer["size"] == {"width": opened.width, "height": opened.height}, path.name
    for path, answer in zip(whole, answers[: len(whole)], strict=True):
        assert answer["truncated"] == [False] * 6, path.name
    for path, answer in zip(cut, answers[len(whole) :], strict=True):
        assert answer["truncated"] == [True] * 6, path.name
    orientations = {
        path.name: answer["orientation"]
        for path, answer in zip(whole, answers[: len(whole)], strict=True)
    }
    assert orientations["e.webp"] == 8
    assert orientations["d.webp"] == 1


def test_a_picture_without_a_frame_is_not_called_cut_off(tmp_path: Path) -> None:
    headless = tmp_path / "headless.jpg"
    headless.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x01" * 100)
    assert [answer["truncated"] for answer in _check([headless, broken])] == [[False] * 6] * 2


@pytest.mark.parametrize(
    ("name", "head", "kind", "decode"),
    [
        ("clip.mp4", b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "video", False),
        ("IMG_1.HEIC", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "image", True),
        ("photo.jpg", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00", "video", False),
        ("strange.mkv", b"some container we do not know", "video", False),
        ("notes.txt", b"my notes, nothing to see", "other", False),
        ("noname", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image", True),
        ("old.bmp", b"BM" + b"\x00" * 30, "image", True),
        ("mystery", b"BM" + b"\x00" * 30, "other", True),
    ],
)
def test_kinds_from_names_and_first_bytes(
    tmp_path: Path, name: str, head: bytes, kind: str, decode: bool
) -> None:
    path = tmp_path / name
    path.write_bytes(head)
    (answer,) = _check([path])
    plan = answer["plan"]
    assert isinstance(plan, dict)
    assert (plan["kind"], plan["decode"]) == (kind, decode)


def test_cut_off_gif_and_webp_get_the_error_the_companion_gives(tmp_path: Path) -> None:
    """Pillow reads a GIF's first frame: cut inside its data it is truncated, cut after its
    data (the trailer missing) it is whole; a cut-off WebP is damaged."""
    picture = photo(160, 120, seed=2)
    gif = save(picture.quantize(64), tmp_path / "a.gif").read_bytes()
    frames = tmp_path / "two.gif"
    first = picture.quantize(64)
    first.save(frames, save_all=True, append_images=[picture.rotate(90).quantize(64)])
    two = frames.read_bytes()
    webp = save(picture, tmp_path / "b.webp", quality=80).read_bytes()
    lossless = save(picture, tmp_path / "c.webp", lossless=True).read_bytes()
    cases = {
        "in-data.gif": gif[: len(gif) // 2],
        "last-byte-of-data.gif": gif[:-3],
        "no-trailer.gif": gif[:-1],
        "no-end-block.gif": gif[:-2],
        "second-frame-cut.gif": two[: len(two) * 3 // 4],
        "cut.webp": webp[: len(webp) * 2 // 3],
        "cut-lossless.webp": lossless[:-5],
    }
    paths = []
    for name, data in cases.items():
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    answers = _check(paths)
    for path, answer in zip(paths, answers, strict=True):
        python = hash_file(path)
        expected = None if python.error is None else str(python.error)
        assert answer["error"] == [expected] * 6, path.name
    assert {a["error"][0] for a in answers} == {None, "truncated", "damaged"}
