"""One file -> its hashes: PDQ, MD5, pHash and dHash for pictures, MD5 for videos and others.

Every failure a file can have (missing, no permission, empty, damaged, far too large...) comes
back as a value in ``FileHashes.error``, never as an exception, so one bad file cannot stop a
batch. Files are only ever opened for reading; nothing is written and nothing leaves the device.

What belongs here: opening a file safely, telling pictures from videos, MD5, and turning the
result into a ``HashItem``. What does not: decoding pictures (``imaging.py``), folders and the
process pool (``batch.py``), words shown to people (``report.py``).
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO, Protocol

from bot.companion.imaging import (
    ImageDamagedError,
    ImageHashes,
    ImageTooLargeError,
    ImageTruncatedError,
    NotAnImageError,
    hash_image,
)
from bot.hashes.items import HashItem, ItemKind
from bot.hashes.signals import PdqSignal

__all__ = [
    "CHUNK_SIZE",
    "LOW_QUALITY",
    "Failure",
    "FileHashes",
    "FileKind",
    "Note",
    "ReadableInto",
    "hash_file",
    "kind_from_name",
    "md5_of_stream",
]

CHUNK_SIZE = 1 << 20
"""Bytes read at a time when streaming a file through MD5."""
LOW_QUALITY = 50
"""PDQ quality below which a picture is too plain to be matched reliably."""
_IN_MEMORY_LIMIT = 256 << 20
"""Pictures up to this size are read once and both hashed and decoded from memory."""
_SNIFF_SIZE = 16


def _extensions(names: str) -> frozenset[str]:
    return frozenset(names.split())


IMAGE_EXTENSIONS = _extensions(
    "jpg jpeg jpe jfif png apng webp gif bmp dib tif tiff heic heif hif avif"
)
VIDEO_EXTENSIONS = _extensions(
    "mp4 m4v mov qt webm mkv avi 3gp 3g2 wmv asf flv f4v mpg mpeg mpe m2v ts mts m2ts ogv vob divx"
)
_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
)
_QUICKTIME_BOXES = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})


class FileKind(StrEnum):
    """What a file turned out to be."""

    IMAGE = "image"
    VIDEO = "video"
    OTHER = "file"
    """Neither a picture nor a video we recognise: only its MD5 is made."""


class Failure(StrEnum):
    """Why a file has no hashes. Values are stable: they appear in ``--json`` output."""

    NOT_FOUND = "not_found"
    BROKEN_LINK = "broken_link"
    NOT_A_FILE = "not_a_file"
    """A folder, pipe, device or socket."""
    PERMISSION_DENIED = "permission_denied"
    EMPTY = "empty"
    DAMAGED = "damaged"
    TRUNCATED = "truncated"
    TOO_LARGE = "too_large"
    """Too many pixels to open safely (possibly a decompression bomb)."""
    READ_ERROR = "read_error"


class Note(StrEnum):
    """Something worth knowing about a file that was hashed."""

    LOW_QUALITY = "low_quality"
    """The picture is plain; its PDQ hash may not match copies reliably."""
    BLANK_PICTURE = "blank_picture"
    """The picture is one flat colour: it has no usable PDQ hash, only MD5."""
    NOT_MEDIA = "not_media"
    """Not a picture or video: only MD5."""


@dataclass(frozen=True, slots=True)
class FileHashes:
    """The outcome of hashing one file.

    Attributes:
        path: the path as given or found.
        kind: picture, video or other file (from the content, or the name if unreadable).
        md5: MD5 of the file's bytes.
        pdq: PDQ hash (pictures), None for blank pictures.
        pdq_quality: PDQ quality, 0-100 (pictures).
        phash: pHash (pictures).
        dhash: dHash (pictures).
        error: why there are no hashes, or None.
        note: something to tell the person about a hashed file, or None.
    """

    path: str
    kind: FileKind
    md5: str | None = None
    pdq: str | None = None
    pdq_quality: int | None = None
    phash: str | None = None
    dhash: str | None = None
    error: Failure | None = None
    note: Note | None = None

    @property
    def ok(self) -> bool:
        """True when the file was hashed."""
        return self.error is None

    def item(self) -> HashItem | None:
        """The hashes to put in a hash code, or None when the file failed."""
        if self.error is not None or self.md5 is None:
            return None
        if self.pdq is None:
            return HashItem(kind=ItemKind.FILE, hashes=(("md5", self.md5),))
        hashes = [("pdq", self.pdq), ("md5", self.md5)]
        hashes += [
            (name, value) for name, value in (("phash", self.phash), ("dhash", self.dhash)) if value
        ]
        return HashItem(kind=ItemKind.IMAGE, hashes=tuple(hashes), pdq_quality=self.pdq_quality)

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict with stable keys (``--json`` output)."""
        return {
            "path": self.path,
            "kind": str(self.kind),
            "pdq": self.pdq,
            "pdq_quality": self.pdq_quality,
            "md5": self.md5,
            "phash": self.phash,
            "dhash": self.dhash,
            "error": None if self.error is None else str(self.error),
            "note": None if self.note is None else str(self.note),
        }


def kind_from_name(path: str) -> FileKind:
    """Guess the kind of a file from its extension alone."""
    extension = os.path.splitext(path)[1].lower().lstrip(".")
    if extension in IMAGE_EXTENSIONS:
        return FileKind.IMAGE
    if extension in VIDEO_EXTENSIONS:
        return FileKind.VIDEO
    return FileKind.OTHER


class ReadableInto(Protocol):
    """A binary stream that can read into a caller's buffer (files opened in binary mode)."""

    def readinto(self, buffer: memoryview, /) -> int | None:
        """Read up to ``len(buffer)`` bytes into ``buffer``; return the count (0 at the end)."""
        ...


def md5_of_stream(stream: ReadableInto, chunk_size: int = CHUNK_SIZE) -> str:
    """MD5 of everything left in a binary stream, read in chunks into one reused buffer.

    Args:
        stream: an open binary stream (unbuffered is fastest).
        chunk_size: bytes per read.

    Returns:
        32 lowercase hex digits.
    """
    digest = hashlib.md5(usedforsecurity=False)
    buffer = bytearray(chunk_size)
    view = memoryview(buffer)
    while True:
        count = stream.readinto(view)
        if not count:
            break
        digest.update(view[:count])
    return digest.hexdigest()


def hash_file(path: str | os.PathLike[str]) -> FileHashes:
    """Hash one file. Never raises for problems with the file itself.

    Args:
        path: the file to hash.

    Returns:
        The hashes, or the reason there are none in ``error``.
    """
    name = os.fspath(path)
    guess = kind_from_name(name)
    try:
        raw = _open_for_reading(name)
    except _OpenError as failure:
        return FileHashes(path=name, kind=guess, error=failure.failure)
    try:
        with raw:
            return _hash_open_file(name, guess, raw)
    except MemoryError:
        return FileHashes(path=name, kind=guess, error=Failure.TOO_LARGE)
    except OSError:
        return FileHashes(path=name, kind=guess, error=Failure.READ_ERROR)


class _OpenError(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure)
        self.failure = failure


def _open_for_reading(name: str) -> io.FileIO:
    # O_NONBLOCK: opening a named pipe must not wait for a writer; it is refused just after.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(name, flags)
    except FileNotFoundError as error:
        broken = os.path.lexists(name)
        raise _OpenError(Failure.BROKEN_LINK if broken else Failure.NOT_FOUND) from error
    except PermissionError as error:
        raise _OpenError(Failure.PERMISSION_DENIED) from error
    except IsADirectoryError as error:
        raise _OpenError(Failure.NOT_A_FILE) from error
    except OSError as error:
        looped = os.path.islink(name)  # e.g. a link pointing to itself
        raise _OpenError(Failure.BROKEN_LINK if looped else Failure.READ_ERROR) from error
    try:
        regular = stat.S_ISREG(os.fstat(descriptor).st_mode)
    except OSError:
        regular = False
    if not regular:  # a folder, pipe, device or socket
        os.close(descriptor)
        raise _OpenError(Failure.NOT_A_FILE)
    return io.FileIO(descriptor, "rb", closefd=True)


def _hash_open_file(name: str, guess: FileKind, raw: io.FileIO) -> FileHashes:
    size = os.fstat(raw.fileno()).st_size
    head = raw.read(_SNIFF_SIZE) or b""
    if not head:
        return FileHashes(path=name, kind=guess, error=Failure.EMPTY)
    raw.seek(0)
    if _looks_like_video(head) or (guess is FileKind.VIDEO and not _looks_like_heif(head)):
        return FileHashes(path=name, kind=FileKind.VIDEO, md5=md5_of_stream(raw))

    if size <= _IN_MEMORY_LIMIT:
        data = raw.readall()
        md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
        stream: BinaryIO = io.BytesIO(data)
    else:
        md5 = md5_of_stream(raw)
        raw.seek(0)
        stream = io.BufferedReader(raw)
    try:
        image = hash_image(stream)
    except NotAnImageError:
        if guess is FileKind.IMAGE or _looks_like_image(head):  # a picture, but unreadable
            return FileHashes(path=name, kind=FileKind.IMAGE, error=Failure.DAMAGED)
        return FileHashes(path=name, kind=FileKind.OTHER, md5=md5, note=Note.NOT_MEDIA)
    except ImageTooLargeError:
        return FileHashes(path=name, kind=FileKind.IMAGE, error=Failure.TOO_LARGE)
    except ImageTruncatedError:
        return FileHashes(path=name, kind=FileKind.IMAGE, error=Failure.TRUNCATED)
    except ImageDamagedError:
        return FileHashes(path=name, kind=FileKind.IMAGE, error=Failure.DAMAGED)
    return _picture(name, md5, image)


def _picture(name: str, md5: str, image: ImageHashes) -> FileHashes:
    # One flat colour: an all-zero PDQ hash would match every other blank picture, so only
    # the exact-copy fingerprint is worth keeping.
    blank = not PdqSignal.is_valid(image.pdq)
    if blank:
        note: Note | None = Note.BLANK_PICTURE
    else:
        note = Note.LOW_QUALITY if image.quality < LOW_QUALITY else None
    return FileHashes(
        path=name,
        kind=FileKind.IMAGE,
        md5=md5,
        pdq=None if blank else image.pdq,
        pdq_quality=image.quality,
        phash=image.phash,
        dhash=image.dhash,
        note=note,
    )


def _looks_like_image(head: bytes) -> bool:
    """Recognise common picture formats from their first bytes."""
    return (
        head.startswith((b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"II*\x00", b"MM\x00*"))
        or (head.startswith(b"RIFF") and head[8:12] == b"WEBP")
        or _looks_like_heif(head)
    )


def _looks_like_heif(head: bytes) -> bool:
    return head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS


def _looks_like_video(head: bytes) -> bool:
    """Recognise common video containers from their first bytes."""
    if head[4:8] == b"ftyp":
        return head[8:12] not in _HEIF_BRANDS  # MP4, MOV, 3GP, M4V...
    return (
        head[4:8] in _QUICKTIME_BOXES
        or head.startswith(b"\x1a\x45\xdf\xa3")  # Matroska, WebM
        or (head.startswith(b"RIFF") and head[8:12] == b"AVI ")
        or head.startswith((b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3"))  # MPEG program/video
        or head.startswith(b"FLV")
        or head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11")  # ASF, WMV
        or head.startswith(b"OggS")
    )
