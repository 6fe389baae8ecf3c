"""Sample hash values and items shared by the hash code and bare line tests."""

from __future__ import annotations

from bot.hashes.hashcode import ParseResult, Problem
from bot.hashes.items import HashItem, ItemKind

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
PDQ2 = "9c3f0a1e5b7d2c4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e4"
MD5 = "d41d8cd98f00b204e9800998ecf8427e"
MD5_2 = "0cc175b9c0f1b6a831c399e269772661"
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
SHA512 = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce" * 2
PHASH = "95a1c3e7d0f2b4a6"
DHASH = "8c8c8e9e9c8c0c1c"


def image(pdq: str = PDQ, md5: str | None = None) -> HashItem:
    """A picture item with a PDQ hash and, if given, an MD5 hash."""
    hashes = [("pdq", pdq)] + ([("md5", md5)] if md5 else [])
    return HashItem(kind=ItemKind.IMAGE, hashes=tuple(hashes))


def file(md5: str = MD5) -> HashItem:
    """A file (video) item."""
    return HashItem(kind=ItemKind.FILE, hashes=(("md5", md5),))


FULL = HashItem(
    kind=ItemKind.IMAGE, hashes=(("pdq", PDQ), ("md5", MD5), ("phash", PHASH), ("dhash", DHASH))
)


def problems_of(result: ParseResult) -> list[Problem]:
    """Just the problems of a parse result, without their line numbers."""
    return [problem.problem for problem in result.problems]
