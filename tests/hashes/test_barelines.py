"""Tests of bot.hashes.barelines: reading pastes that hold no hash code block, line by line.

The lines are read through ``parse``, the entry point every caller uses, so these tests also pin
down that a paste without a block is read as bare lines.
"""

from __future__ import annotations

import re

import pytest

from bot.hashes.hashcode import LineProblem, Problem, parse
from bot.hashes.items import HashItem
from tests.hashes.samples import (
    DHASH,
    FULL,
    MD5,
    PDQ,
    PDQ2,
    PHASH,
    SHA1,
    SHA256,
    SHA512,
    file,
    image,
    problems_of,
)

BARE_CASES: list[tuple[str, str, list[HashItem], list[Problem]]] = [
    ("pdq alone", PDQ, [image()], []),
    ("pdq upper case", PDQ.upper(), [image()], []),
    ("md5 alone is a file", MD5, [file()], []),
    ("md5sum output", f"{MD5}  IMG_2024.jpg", [file()], []),
    ("md5sum binary mode", f"{MD5} *IMG 2024.jpg", [file()], []),
    ("macOS md5", f"MD5 (IMG_2024.jpg) = {MD5}", [file()], []),
    ("powershell md5", f"MD5   {MD5.upper()}   C:\\Users\\me\\a.jpg", [file()], []),
    ("md5 prefix", f"md5: {MD5}", [file()], []),
    ("pdq prefix", f"PDQ:{PDQ}", [image()], []),
    ("pdq-photo-hasher", f"{PDQ},100,/home/me/photo.jpg", [image()], []),
    ("pdq-photo-hasher details", f"hash={PDQ},norm=128,quality=93,filename=a.jpg", [image()], []),
    ("0x prefix", f"0x{PDQ}", [image()], []),
    ("several on one line", f"{PDQ} {MD5}, {PDQ2}", [image(), file(), image(PDQ2)], []),
    ("bulleted list", f"- {PDQ}\n* {MD5}\n1. {PDQ2}", [image(), file(), image(PDQ2)], []),
    ("sha256sum output", f"{SHA256}  photo.jpg", [], [Problem.SHA256]),
    ("sha256 prefix", f"sha256:{SHA256}", [], [Problem.SHA256]),
    ("sha-256 prefix", f"SHA-256: {SHA256}", [], [Problem.SHA256]),
    ("shasum --tag", f"SHA256 (photo.jpg) = {SHA256}", [], [Problem.SHA256]),
    ("openssl 3", f"SHA2-256(photo.jpg)= {SHA256}", [], [Problem.SHA256]),
    ("powershell sha256", f"SHA256  {SHA256.upper()}  C:\\a.jpg", [], [Problem.SHA256]),
    (
        "certutil",
        f"SHA256 hash of photo.jpg:\n{SHA256}\nCertUtil: -hashfile command completed successfully.",
        [],
        [Problem.SHA256, Problem.NOT_A_HASH],
    ),
    (
        "old certutil byte groups",
        "SHA256 hash of a.jpg:\n" + " ".join(re.findall("..", SHA256)),
        [],
        [Problem.SHA256],
    ),
    ("sha1 by length", SHA1, [], [Problem.SHA1]),
    ("sha1sum output", f"{SHA1}  a.jpg", [], [Problem.SHA1]),
    ("sha512 by length", SHA512, [], [Problem.SHA512]),
    ("sha512 prefix", f"sha512: {SHA512}", [], [Problem.SHA512]),
    ("short hex", PDQ[:50], [], [Problem.WRONG_LENGTH]),
    ("cut off hex", "3f2a9b0c1d", [], [Problem.WRONG_LENGTH]),
    ("phash alone", PHASH, [], [Problem.WRONG_LENGTH]),
    ("labelled short md5", "md5: 1234abcd", [], [Problem.WRONG_LENGTH]),
    ("pdq label with md5 length", f"pdq: {MD5}", [], [Problem.WRONG_LENGTH]),
    ("letter o for zero", PDQ[:20] + "o" + PDQ[21:], [], [Problem.NOT_HEX]),
    ("letter g", MD5[:-1] + "g", [], [Problem.NOT_HEX]),
    ("cyrillic a in a pdq", PDQ.replace("a", "\u0430", 1), [], [Problem.NOT_HEX]),
    ("cyrillic e in an md5", MD5.replace("e", "\u0435", 1), [], [Problem.NOT_HEX]),
    ("greek omicron for zero", PDQ.replace("0", "\u03bf", 1), [], [Problem.NOT_HEX]),
    ("cyrillic in a labelled md5", "md5: " + MD5.replace("e", "\u0435"), [], [Problem.NOT_HEX]),
    (
        "cyrillic in an item line",
        "i " + PDQ.replace("a", "\u0430") + f" {MD5}",
        [],
        [Problem.NOT_HEX],
    ),
    ("arabic-indic digit", MD5.replace("9", "\u0669", 1), [], [Problem.NOT_HEX]),
    ("bits not half set: sha-256", SHA256, [], [Problem.MAYBE_SHA256]),
    ("bits not half set in a list", f"- {PDQ}\n- {SHA256}", [image()], [Problem.MAYBE_SHA256]),
    ("bits not half set, labelled pdq", f"PDQ: {SHA256}", [image(SHA256)], []),
    ("bits not half set, from a pdq tool", f"{SHA256},93,/home/me/a.jpg", [image(SHA256)], []),
    ("bits not half set, tool details", f"hash={SHA256},norm=123,quality=9", [image(SHA256)], []),
    ("bits not half set, labelled sha256", f"sha256: {SHA256}", [], [Problem.SHA256]),
    ("flat pdq", "0" * 64, [], [Problem.FLAT_PDQ]),
    ("flat pdq upper", "F" * 64, [], [Problem.FLAT_PDQ]),
    ("prose", "hi, can you help me please", [], [Problem.NOT_A_HASH]),
    ("prose with short hex words", "I added a bead to my cafe", [], [Problem.NOT_A_HASH]),
    ("command line", "$ sha256sum photo.jpg", [], [Problem.NOT_A_HASH]),
    ("filename only", "IMG20240101123456.jpg", [], [Problem.NOT_A_HASH]),
    ("decoration lines are ignored", f"----\n{MD5}\n====", [file()], []),
    ("item line copied without its block", f"I {PDQ} {MD5} {PHASH} {DHASH}", [FULL], []),
    (
        "mixed",
        f"here:\n{PDQ}\n\n{SHA256}  b.jpg\n{MD5}\nthanks",
        [image(), file()],
        [Problem.NOT_A_HASH, Problem.SHA256, Problem.NOT_A_HASH],
    ),
]


@pytest.mark.parametrize(
    ("paste", "items", "problems"),
    [case[1:] for case in BARE_CASES],
    ids=[case[0] for case in BARE_CASES],
)
def test_bare_lines(paste: str, items: list[HashItem], problems: list[Problem]) -> None:
    result = parse(paste)
    assert result.items == tuple(items)
    assert problems_of(result) == problems
    assert not result.from_code


def test_bare_line_numbers_count_every_line_and_crlf() -> None:
    result = parse(f"hello\r\n\r\n{SHA1}\r\n{PDQ}\r\n{MD5[:-1]}x")
    assert result.problems == (
        LineProblem(1, Problem.NOT_A_HASH),
        LineProblem(3, Problem.SHA1),
        LineProblem(5, Problem.NOT_HEX),
    )
    assert result.items == (image(),)


def test_bare_lines_are_deduplicated_after_normalising() -> None:
    result = parse(f"{PDQ}\n{PDQ.upper()}\n  {PDQ}  \n{MD5}\nmd5: {MD5}")
    assert result.items == (image(), file())
    assert result.duplicates == 3
