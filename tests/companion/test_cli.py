"""Tests of ``reclaim hash`` (bot.companion.cli): output forms, exit status, privacy."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.companion import cli, report
from bot.companion.cli import HashCommand, main
from bot.companion.codeplan import ITEMS_PER_CASE
from bot.companion.hasher import Failure, FileHashes, FileKind
from bot.hashes.hashcode import parse
from bot.hashes.items import ItemKind
from tests.companion.pictures import photo, save

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder like a person's: two photos, a video, notes, and a few problem files."""
    root = tmp_path / "Private"
    root.mkdir()
    save(photo(900, 600, 1), root / "beach.jpg", quality=88)
    save(photo(640, 480, 2), root / "mirror.png")
    (root / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(50_000))
    (root / "notes.txt").write_bytes(b"nothing here")
    (root / "empty.jpg").write_bytes(b"")
    (root / "gone.jpg").symlink_to(root / "nowhere.jpg")
    (root / "old").mkdir()
    save(photo(320, 240, 3), root / "old" / "older.webp")
    return root


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_human_output_lists_files_summary_and_code(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = _run(capsys, str(folder))
    assert status == 1  # two files could not be used
    lines = out.splitlines()
    by_name = {
        Path(line.split()[1]).name: line for line in lines if line[:4] in ("ok  ", "note", "skip")
    }
    assert by_name["beach.jpg"].startswith("ok ")
    assert by_name["beach.jpg"].endswith("picture")
    assert by_name["clip.mp4"].endswith("video")
    assert by_name["notes.txt"].startswith("note")
    assert "not a picture or video, so it is left out of the code" in by_name["notes.txt"]
    assert by_name["empty.jpg"].startswith("skip")
    assert "empty" in by_name["empty.jpg"]
    assert "shortcut" in by_name["gone.jpg"]
    assert "Done: 4 of 6 files have fingerprints. 2 couldn't be used (see above)." in lines
    assert "1 folder inside was skipped. Add -r to include it too." in lines
    assert (
        "Files that aren't pictures or videos, left out of the code: 1. "
        "Add --all-files to include such files too."
    ) in lines
    result = parse(out)
    assert result.from_code
    assert result.problems == ()
    assert [item.kind for item in result.items] == [
        ItemKind.IMAGE,  # beach.jpg
        ItemKind.FILE,  # clip.mp4
        ItemKind.IMAGE,  # mirror.png
    ]


def test_other_files_go_in_the_code_only_when_asked(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes_md5 = hashlib.md5(b"nothing here").hexdigest()
    _, out, _ = _run(capsys, str(folder))
    assert notes_md5 not in {item.get("md5") for item in parse(out).items}
    _, out, _ = _run(capsys, "--all-files", str(folder))
    items = parse(out).items
    assert [item.kind for item in items] == [
        ItemKind.IMAGE,  # beach.jpg
        ItemKind.FILE,  # clip.mp4
        ItemKind.IMAGE,  # mirror.png
        ItemKind.FILE,  # notes.txt
    ]
    assert items[3].get("md5") == notes_md5
    assert "so the code leaves it out" not in out
    assert "only gets an exact-copy fingerprint" in out


def test_all_good_exits_zero(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, str(folder / "beach.jpg"), str(folder / "clip.mp4"))
    assert status == 0
    assert "Done: all 2 files have fingerprints." in out.splitlines()
    status, out, _ = _run(capsys, str(folder / "beach.jpg"))
    assert status == 0
    assert "Done: your file has its fingerprint." in out.splitlines()


def test_recursive(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "-r", str(folder))
    assert "older.webp" in out
    assert "skipped" not in out
    assert len(parse(out).items) == 4  # notes.txt is left out


def test_json_output(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, "--json", str(folder / "beach.jpg"), str(folder / "missing.mov"))
    assert status == 1
    objects = [json.loads(line) for line in out.splitlines()]
    assert [Path(item["path"]).name for item in objects] == ["beach.jpg", "missing.mov"]
    keys = {"path", "kind", "pdq", "pdq_quality", "md5", "phash", "dhash", "error"}
    assert all(keys <= set(item) for item in objects)
    photo_json, missing = objects
    assert photo_json["kind"] == "image"
    assert photo_json["error"] is None
    assert len(photo_json["pdq"]) == 64
    assert isinstance(photo_json["pdq_quality"], int)
    assert photo_json["md5"] == hashlib.md5((folder / "beach.jpg").read_bytes()).hexdigest()
    assert missing["error"] == "not_found"
    assert missing["md5"] is None


def test_code_only_output(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(capsys, "--code", str(folder))
    assert status == 1
    assert out.startswith("#reclaim1 3\n")
    assert out.rstrip("\n").splitlines()[-1].startswith("#end ")
    assert len(parse(out).items) == 3
    assert "empty" in err  # problems still shown, on stderr
    assert "Done: 4 of 6" in err
    assert "notes.txt  not a picture or video, so it is left out of the code." in err


def test_code_only_with_nothing_hashed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(capsys, "--code", str(tmp_path / "missing.jpg"))
    assert (status, out) == (1, "")
    assert "couldn't find this file" in err


def test_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, str(tmp_path))
    assert status == 1
    assert "No files were found there." in out
    assert "#reclaim" not in out


def test_identical_files_are_in_the_code_once(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = folder / "copy of beach.jpg"
    copy.write_bytes((folder / "beach.jpg").read_bytes())
    _, out, _ = _run(capsys, str(folder / "beach.jpg"), str(copy))
    assert len(parse(out).items) == 1
    lines = out.splitlines()
    assert f"note  {copy}  the same file as {folder / 'beach.jpg'}, so the code holds it once." in (
        line.rstrip() for line in lines
    )
    assert "1 file is an exact copy of another one, so the code holds each only once." in lines


def test_a_file_named_twice_is_reported(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    beach = str(folder / "beach.jpg")
    status, out, _ = _run(capsys, beach, beach, str(folder))
    assert status == 1  # the folder holds files that cannot be used
    assert "2 files were named more than once, so each was fingerprinted once." in out
    status, out, _ = _run(capsys, beach, beach)
    assert status == 0
    assert "1 file was named more than once, so it was fingerprinted once." in out.splitlines()


def test_many_files_come_in_parts_that_each_fit_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for number in range(ITEMS_PER_CASE + 7):
        (tmp_path / f"note{number:02}.txt").write_text(f"note {number}")
    _, out, _ = _run(capsys, "--jobs", "2", "--all-files", str(tmp_path))
    headings = [line for line in out.splitlines() if line.startswith("Case ")]
    assert headings == ["Case 1 of 2, part 1 of 2:", "Case 1 of 2, part 2 of 2:", "Case 2 of 2:"]
    assert "so they make 2 cases" in out
    blocks = out.split("\nCase ")[1:]
    assert all(len(block) < 4096 for block in blocks)
    assert [len(parse(block).items) for block in blocks] == [15, 15, 7]
    assert len(parse(out).items) == ITEMS_PER_CASE + 7


def test_paths_with_control_characters_cannot_forge_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = tmp_path / "evil\n#end 00000000\r.txt"
    name.write_bytes(b"data")
    _, out, _ = _run(capsys, "--all-files", str(name))
    assert "evil?# end 00000000?.txt" in out
    assert parse(out).problems == ()


def test_interrupted(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "hash_many", interrupted)
    status, out, err = _run(capsys, str(folder))
    assert status == 130
    assert out == ""
    assert "Stopped. Nothing was saved or sent." in err


@pytest.mark.parametrize("argv", [[], ["--json", "--code", "x"], ["--jobs", "0", "x"]])
def test_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2


def test_help_is_the_command_docstring(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: reclaim hash")
    assert HashCommand.__doc__ is not None
    assert HashCommand.__doc__.splitlines()[0] in out
    assert "no internet" in out


def test_every_failure_has_short_plain_words() -> None:
    for failure in Failure:
        line = report.file_line(FileHashes(path="x.jpg", kind=FileKind.IMAGE, error=failure))
        text = line.split("x.jpg", 1)[1].strip()
        assert 10 < len(text) < 80, failure
        assert text.isascii()
        assert not {"invalid", "error", "failed", "illegal", "bad", "should"} & set(text.split())


def test_no_network_even_with_worker_processes(
    folder: Path, capsys: pytest.CaptureFixture[str], no_network: list[tuple[Any, ...]]
) -> None:
    status, out, _ = _run(capsys, "-r", "--jobs", "2", "--all-files", str(folder))
    assert status == 1
    assert len(parse(out).items) == 5
    assert no_network == []


def test_the_guard_really_blocks(no_network: list[tuple[Any, ...]]) -> None:
    with pytest.raises(OSError, match="blocked"):
        socket.socket()
    assert no_network


def _snapshot(root: Path) -> dict[str, tuple[int, str]]:
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            files[str(path)] = (path.stat().st_mtime_ns, hashlib.md5(path.read_bytes()).hexdigest())
        else:
            files[str(path)] = (0, "")
    return files


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_watching: list[list[str]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    # Every open() and os.open() in this process raises an "open" audit event.
    if event == "open" and _watching and isinstance(args[2], int) and args[2] & _WRITE_FLAGS:
        _watching[-1].append(str(args[0]))


sys.addaudithook(_audit)  # hooks cannot be removed; this one only records while armed


def test_nothing_is_written_anywhere(
    folder: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scratch = tmp_path / "tmp"
    workdir = tmp_path / "cwd"
    scratch.mkdir()
    workdir.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.chdir(workdir)
    _run(capsys, "-r", "--jobs", "1", str(folder))  # warm up: first imports may cache bytecode
    before = _snapshot(tmp_path)
    writes: list[str] = []
    _watching.append(writes)
    try:
        _run(capsys, "-r", "--jobs", "1", str(folder))
    finally:
        _watching.remove(writes)
    _run(capsys, "-r", "--jobs", "2", "--json", str(folder))
    assert writes == []
    assert _snapshot(tmp_path) == before


def test_the_write_watch_really_watches(tmp_path: Path) -> None:
    writes: list[str] = []
    _watching.append(writes)
    try:
        (tmp_path / "x").write_bytes(b"x")
    finally:
        _watching.remove(writes)
    assert writes == [str(tmp_path / "x")]


def test_python_dash_m_runs_the_command(folder: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "bot.companion", "--code", str(folder / "beach.jpg")],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(parse(done.stdout).items) == 1


def test_blank_picture_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = save(Image.new("RGB", (300, 200), "black"), tmp_path / "black.png")
    status, out, _ = _run(capsys, str(path))
    assert status == 0
    assert "all one colour" in out
    assert parse(out).items[0].kind is ItemKind.FILE
