"""What a real bot process leaves on disk: the raw bytes of every file in its data directory.

After ``/forget`` no byte of the conversation may remain in the database, its WAL or its shared
memory file, both while the process runs and after it is killed without a chance to clean up.
And a full disk (a small tmpfs, filled) gets a kind reply, and the process keeps running.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.hashes import hashcode
from bot.hashes.items import HashItem, ItemKind
from tests.disk import full, small_filesystem
from tests.e2e.console_process import ConsoleProcess

PDQ = hashlib.sha256(b"distinctive picture at rest").hexdigest()
MD5 = hashlib.md5(b"distinctive video at rest").hexdigest()
CODE = hashcode.encode(
    [
        HashItem(ItemKind.IMAGE, (("pdq", PDQ), ("md5", hashlib.md5(PDQ.encode()).hexdigest()))),
        HashItem(ItemKind.FILE, (("md5", MD5),)),
    ]
)
MARKERS = (PDQ, MD5)
SORRY = "Sorry, something went wrong on our side. Nothing you sent before this is lost."


def on_disk(directory: Path) -> list[str]:
    """Which markers occur anywhere in the raw bytes of the files in ``directory``."""
    blobs = [path.read_bytes() for path in directory.rglob("*") if path.is_file()]
    return [m for m in MARKERS if any(m.encode() in blob for blob in blobs)]


@pytest.fixture
def console(tmp_path: Path) -> Iterator[ConsoleProcess]:
    process = ConsoleProcess(tmp_path / "data")
    yield process
    if process.proc.poll() is None:
        process.kill()


def paste_the_code(console: ConsoleProcess) -> None:
    console.expect("[3] I'm not safe right now")
    for answer in ("It's me", "No", "18 or older", "Yes"):  # routing comes before any case
        console.send(answer)
    console.send("/hash")
    console.expect("paste it here")
    for _ in range(4):  # every message rewrites the session: several versions of it
        console.send(CODE)
        console.expect("[1] Open my case")


def test_forget_leaves_no_byte_of_the_conversation_on_disk(
    console: ConsoleProcess, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    paste_the_code(console)
    assert on_disk(data) == list(MARKERS)  # the scan does see a stored session
    console.send("/forget")
    console.expect("I've erased this conversation")
    console.send("/help")  # one more round trip: the erasing is done before this reply
    console.expect("You're not alone")
    assert on_disk(data) == []  # while the process runs
    console.kill()
    assert on_disk(data) == []  # and after SIGKILL
    assert "Traceback" not in console.errors


def test_a_full_disk_gets_a_kind_reply_and_the_process_goes_on(tmp_path: Path) -> None:
    with small_filesystem(tmp_path / "disk") as disk:
        console = ConsoleProcess(disk / "data")
        try:
            console.expect("[3] I'm not safe right now")
            console.send("It's me")
            console.expect("asking for money or more pictures?")
            with full(disk):
                console.send("No")
                console.expect(SORRY)
                console.send("/help")
                console.expect(SORRY)
            console.send("No")  # room again: the conversation goes on where it was
            console.expect("How old were you in the pictures or videos?")
            assert console.close() == 0
            assert "Traceback" not in console.errors
            assert "the database failed: OperationalError" in console.errors
        finally:
            if console.proc.poll() is None:
                console.kill()
