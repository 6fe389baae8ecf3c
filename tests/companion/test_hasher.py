"""Tests of bot.companion.hasher: one file in, hashes or a named failure out, never a crash."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from bot.companion import hasher
from bot.companion.hasher import Failure, FileHashes, FileKind, Note, hash_file, md5_of_stream
from bot.hashes.items import HashItem, ItemKind
from bot.hashes.signals import DHashSignal, Md5Signal, PdqSignal, PHashSignal
from tests.companion.pictures import bits_apart, photo, reference_pdq, save

MakeFile = Callable[[str, bytes], Path]


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def test_picture_gets_all_four_hashes(tmp_path: Path) -> None:
    path = save(photo(1200, 900, 1), tmp_path / "holiday.jpg", quality=88)
    result = hash_file(path)
    assert result.ok
    assert result.kind is FileKind.IMAGE
    assert result.path == str(path)
    assert result.md5 == _md5(path.read_bytes())
    assert result.pdq is not None
    assert PdqSignal.validate(result.pdq) == result.pdq
    assert result.phash is not None
    assert PHashSignal.validate(result.phash) == result.phash
    assert result.dhash is not None
    assert DHashSignal.validate(result.dhash) == result.dhash
    assert result.pdq_quality is not None
    assert result.pdq_quality >= 50
    assert result.note is None
    assert bits_apart(result.pdq, reference_pdq(path)[0]) <= 8
    assert result.item() == HashItem(
        kind=ItemKind.IMAGE,
        hashes=(
            ("pdq", result.pdq),
            ("md5", result.md5),
            ("phash", result.phash),
            ("dhash", result.dhash),
        ),
    )


def test_accepts_path_objects_and_strings(tmp_path: Path) -> None:
    path = save(photo(300, 200, 2), tmp_path / "a.png")
    assert hash_file(path) == hash_file(str(path))


def test_heic_picture(tmp_path: Path) -> None:
    path = save(photo(800, 600, 3), tmp_path / "IMG_0001.HEIC", quality=80)
    result = hash_file(path)
    assert result.kind is FileKind.IMAGE
    assert result.pdq is not None
    assert bits_apart(result.pdq, reference_pdq(path)[0]) <= 8


def test_fifty_megapixel_photo(tmp_path: Path) -> None:
    # Above what many tools accept by default; phones make pictures this big. Scaled up from
    # a smaller photo to keep the test quick; the smaller one is the expected fingerprint.
    small = photo(2048, 1536, 4)
    big = save(small.resize((8192, 6144), Image.Resampling.NEAREST), tmp_path / "big.jpg")
    result = hash_file(big)
    assert result.ok
    assert result.pdq is not None
    expected = hash_file(save(small, tmp_path / "small.jpg")).pdq
    assert expected is not None
    assert bits_apart(result.pdq, expected) <= 16


def test_picture_named_like_something_else(tmp_path: Path) -> None:
    path = save(photo(400, 300, 5), tmp_path / "download.bin", format="PNG")
    assert hash_file(path).kind is FileKind.IMAGE


def test_plain_picture_gets_a_note(tmp_path: Path) -> None:
    path = save(photo(900, 600, 6, soft=True), tmp_path / "soft.jpg")
    result = hash_file(path)
    assert result.ok
    assert result.note is Note.LOW_QUALITY
    assert result.pdq_quality is not None
    assert result.pdq_quality < 50
    assert result.pdq is not None
    item = result.item()
    assert item is not None
    assert item.kind is ItemKind.IMAGE


def test_blank_picture_keeps_only_its_md5(tmp_path: Path) -> None:
    path = save(Image.new("RGB", (640, 480), "white"), tmp_path / "white.png")
    result = hash_file(path)
    assert result.ok
    assert result.kind is FileKind.IMAGE
    assert result.note is Note.BLANK_PICTURE
    assert result.pdq is None
    assert result.item() == HashItem(ItemKind.FILE, (("md5", _md5(path.read_bytes())),))


@pytest.mark.parametrize(
    ("name", "head"),
    [
        ("clip.mp4", b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00"),
        ("clip.mov", b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00"),
        ("old.mov", b"\x00\x00\x10\x00moov\x00\x00\x00\x6cmvhd"),
        ("clip.webm", b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81"),
        ("clip.avi", b"RIFF\x00\x10\x00\x00AVI LIST"),
        ("clip.3gp", b"\x00\x00\x00\x18ftyp3gp4\x00\x00\x00\x00"),
        ("no_extension", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00"),
        ("mislabelled.jpg", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00"),
        ("strange.mkv", b"some container we do not know"),
    ],
)
def test_videos_get_md5_of_all_their_bytes(make_file: MakeFile, name: str, head: bytes) -> None:
    data = head + os.urandom(3 * hasher.CHUNK_SIZE + 12345)
    result = hash_file(make_file(name, data))
    assert result == FileHashes(path=result.path, kind=FileKind.VIDEO, md5=_md5(data))
    assert result.item() == HashItem(ItemKind.FILE, (("md5", _md5(data)),))


def test_other_file_gets_md5_and_a_label(make_file: MakeFile) -> None:
    data = b"my notes, nothing to see"
    result = hash_file(make_file("notes.txt", data))
    assert result == FileHashes(
        path=result.path, kind=FileKind.OTHER, md5=_md5(data), note=Note.NOT_MEDIA
    )
    assert result.ok


@pytest.mark.parametrize(
    ("name", "data", "failure"),
    [
        ("empty.jpg", b"", Failure.EMPTY),
        ("empty.mp4", b"", Failure.EMPTY),
        ("garbage.jpg", b"this was never a picture", Failure.DAMAGED),
        ("garbage.heic", b"\x00" * 500, Failure.DAMAGED),
        ("headless", b"\xff\xd8\xff\xe0" + b"\x00" * 100, Failure.DAMAGED),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x01" * 100, Failure.DAMAGED),
    ],
)
def test_unreadable_contents(make_file: MakeFile, name: str, data: bytes, failure: Failure) -> None:
    result = hash_file(make_file(name, data))
    assert result.error is failure
    assert (result.md5, result.pdq, result.item()) == (None, None, None)
    assert not result.ok


def test_truncated_picture(tmp_path: Path) -> None:
    data = save(photo(1000, 800, 7), tmp_path / "full.jpg", quality=90).read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) * 2 // 3])
    assert hash_file(cut).error is Failure.TRUNCATED


def test_decompression_bomb(make_file: MakeFile) -> None:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", 50_000, 50_000, 8, 2, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b""))
    result = hash_file(make_file("bomb.png", bomb))
    assert result.error is Failure.TOO_LARGE
    assert result.kind is FileKind.IMAGE


def test_missing_file(tmp_path: Path) -> None:
    result = hash_file(tmp_path / "nope.jpg")
    assert result.error is Failure.NOT_FOUND
    assert result.kind is FileKind.IMAGE  # from the name


def test_broken_symlink(tmp_path: Path) -> None:
    link = tmp_path / "link.mp4"
    link.symlink_to(tmp_path / "gone.mp4")
    result = hash_file(link)
    assert result.error is Failure.BROKEN_LINK
    assert result.kind is FileKind.VIDEO


def test_symlink_loop(tmp_path: Path) -> None:
    link = tmp_path / "loop.jpg"
    link.symlink_to(link)
    assert hash_file(link).error is Failure.BROKEN_LINK


def test_working_symlink_is_followed(tmp_path: Path) -> None:
    target = save(photo(300, 200, 8), tmp_path / "real.jpg")
    link = tmp_path / "shortcut.jpg"
    link.symlink_to(target)
    assert hash_file(link).md5 == hash_file(target).md5 is not None


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    assert hash_file(tmp_path).error is Failure.NOT_A_FILE


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
def test_named_pipe_is_refused_without_waiting(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.jpg"
    os.mkfifo(pipe)
    assert hash_file(pipe).error is Failure.NOT_A_FILE  # would hang if opened for reading


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests may run as root, where chmod does not stop reading: refuse the open itself.
    path = save(photo(200, 100, 9), tmp_path / "private.jpg")
    real_open = os.open

    def refuse(name: str, flags: int, *args: int) -> int:
        if os.fspath(name) == str(path):
            raise PermissionError(errno.EACCES, "Permission denied", name)
        return real_open(name, flags, *args)

    monkeypatch.setattr(os, "open", refuse)
    result = hash_file(path)
    assert result.error is Failure.PERMISSION_DENIED
    assert hash_file(tmp_path / "missing.jpg").error is Failure.NOT_FOUND


def test_read_error_in_the_middle(make_file: MakeFile, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_file("clip.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100)

    def failing_read(stream: object, chunk_size: int = 0) -> str:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(hasher, "md5_of_stream", failing_read)
    result = hash_file(path)
    assert result.error is Failure.READ_ERROR
    assert result.kind is FileKind.VIDEO


def test_running_out_of_memory_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = save(photo(300, 200, 10), tmp_path / "a.jpg")

    def exhausted(stream: object) -> object:
        raise MemoryError

    monkeypatch.setattr(hasher, "hash_image", exhausted)
    assert hash_file(path).error is Failure.TOO_LARGE


def test_large_picture_is_streamed_not_loaded_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hasher, "_IN_MEMORY_LIMIT", 1000)
    path = save(photo(640, 480, 11), tmp_path / "a.png")
    streamed = hash_file(path)
    monkeypatch.undo()
    assert streamed == hash_file(path)
    assert streamed.md5 == _md5(path.read_bytes())


def test_json_has_stable_keys(tmp_path: Path) -> None:
    path = save(photo(300, 200, 12), tmp_path / "a.jpg")
    result = hash_file(path)
    keys = ["path", "kind", "pdq", "pdq_quality", "md5", "phash", "dhash", "error", "note"]
    assert list(result.to_json()) == keys
    assert result.to_json()["kind"] == "image"
    failed = hash_file(tmp_path / "missing.mov").to_json()
    assert failed["error"] == "not_found"
    assert failed["kind"] == "video"
    assert failed["md5"] is None


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.JPG", FileKind.IMAGE),
        ("a.heic", FileKind.IMAGE),
        ("a.webp", FileKind.IMAGE),
        ("a.MOV", FileKind.VIDEO),
        ("dir.v2/clip.mkv", FileKind.VIDEO),
        ("a.pdf", FileKind.OTHER),
        ("jpg", FileKind.OTHER),
    ],
)
def test_kind_from_name(name: str, kind: FileKind) -> None:
    assert hasher.kind_from_name(name) is kind


@given(data=st.binary(max_size=5000), chunk=st.integers(1, 700))
@settings(max_examples=60)
def test_md5_of_stream_matches_hashlib(data: bytes, chunk: int) -> None:
    assert md5_of_stream(io.BytesIO(data), chunk_size=chunk) == _md5(data)
    assert Md5Signal.is_valid(md5_of_stream(io.BytesIO(data)))
