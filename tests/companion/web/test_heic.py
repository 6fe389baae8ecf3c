"""HEIC/HEIF pictures in real Chromium, which cannot decode them: libheif in the worker does.

Pictures are written by pillow-heif and hashed by the shipped worker. PDQ is compared with the
reference on pillow-heif's decode (the contract's tolerance), pHash and dHash with the Python
companion, MD5 with hashlib. libheif is the page's own file, fetched once, when the first HEIF
picture comes; where it cannot be fetched, the picture keeps its exact-copy fingerprint.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pillow_heif
from PIL import Image

from bot.companion.hasher import hash_file
from tests.browser import RequestLog
from tests.companion.pictures import bits_apart, photo, reference_pdq, save
from tests.companion.web.hashpage import hash_files, open_hash_page

LIBHEIF = "vendor/libheif-bundle.js"


def _heic(folder: Path) -> list[Path]:
    pillow_heif.register_heif_opener()
    return [
        save(photo(1600, 1200, seed=31), folder / "IMG_0001.HEIC", quality=80),
        # Stored turned (pillow-heif writes the EXIF turn as the file's rotation box).
        save(photo(900, 700, seed=32), folder / "IMG_0002.HEIC", 6, quality=80),
        save(photo(400, 300, seed=33).convert("L"), folder / "grey.heif", quality=85),
    ]


async def test_heic_hashes_agree_with_the_references(
    context: tuple[Any, RequestLog], static_site: str, tmp_path: Path
) -> None:
    ctx, log = context
    paths = _heic(tmp_path)
    page = await open_hash_page(ctx, static_site)
    warm_up = tmp_path / "first.txt"
    warm_up.write_bytes(b"the worker loads its helpers when it starts")
    await hash_files(page, [warm_up])
    loaded = log.mark()
    results = await hash_files(page, paths)
    for path, result in zip(paths, results, strict=True):
        python = hash_file(path)
        assert result["error"] is None, path.name
        assert result["note"] is None, path.name
        assert result["kind"] == "image"
        assert result["md5"] == hashlib.md5(path.read_bytes()).hexdigest()
        expected_pdq, expected_quality = reference_pdq(path)
        assert bits_apart(result["pdq"], expected_pdq) <= 10, path.name
        assert bits_apart(result["pdq"], python.pdq or "") <= 10, path.name
        assert abs(result["quality"] - expected_quality) <= 2, path.name
        assert bits_apart(result["phash"], python.phash or "") <= 4, path.name
        assert bits_apart(result["dhash"], python.dhash or "") <= 4, path.name
        with Image.open(path) as opened:  # pillow-heif's size: turned by the rotation box
            assert (result["width"], result["height"]) == opened.size, path.name
        print(path.name, "PDQ bits from the reference:", bits_apart(result["pdq"], expected_pdq))
    # libheif came from the page's own folder, once, with a plain GET.
    assert log.since(loaded) == [("GET", static_site + LIBHEIF, False)]


async def test_heic_keeps_its_md5_when_libheif_cannot_be_fetched(
    context: tuple[Any, RequestLog], static_site: str, tmp_path: Path
) -> None:
    ctx, _ = context
    pillow_heif.register_heif_opener()
    path = save(photo(320, 240, seed=34), tmp_path / "IMG_0003.HEIC", quality=80)
    page = await open_hash_page(ctx, static_site)
    await page.route(static_site + LIBHEIF, lambda route: route.abort())
    (result,) = await hash_files(page, [path])
    assert result["note"] == "heic_not_decoded"
    assert result["error"] is None
    assert result["md5"] == hashlib.md5(path.read_bytes()).hexdigest()
    assert result["pdq"] is None
