"""Tests of bot.companion.batch: finding files in folders, the process pool, progress."""

from __future__ import annotations

import io
import multiprocessing
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bot.companion.batch import FILES_PER_WORKER, Progress, collect, hash_many, worker_count
from bot.companion.hasher import Failure, FileHashes, FileKind


def _tree(root: Path, names: list[str]) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(name.encode())


def _relative(paths: list[str], root: Path) -> list[str]:
    return [os.path.relpath(path, root) for path in paths]


def test_folder_without_recursion_takes_only_its_own_files(tmp_path: Path) -> None:
    _tree(tmp_path, ["b.jpg", "a.mp4", "sub/c.jpg", "sub/deeper/d.jpg", "other/e.png"])
    found = collect([str(tmp_path)], recursive=False)
    assert _relative(found.files, tmp_path) == ["a.mp4", "b.jpg"]
    assert found.skipped_folders == 2
    assert found.failures == []


def test_recursion_walks_every_subfolder_in_order(tmp_path: Path) -> None:
    _tree(tmp_path, ["b.jpg", "a.mp4", "sub/c.jpg", "sub/deeper/d.jpg", "other/e.png"])
    found = collect([str(tmp_path)], recursive=True)
    assert _relative(found.files, tmp_path) == [
        "a.mp4",
        "b.jpg",
        "other/e.png",
        "sub/c.jpg",
        "sub/deeper/d.jpg",
    ]
    assert found.skipped_folders == 0


def test_hidden_and_system_files_are_skipped_inside_folders(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        [
            "photo.jpg",
            ".DS_Store",
            "._photo.jpg",
            "Thumbs.db",
            "desktop.ini",
            ".hidden/secret.jpg",
            "__MACOSX/photo.jpg",
        ],
    )
    found = collect([str(tmp_path)], recursive=True)
    assert _relative(found.files, tmp_path) == ["photo.jpg"]


def test_files_named_directly_are_always_kept(tmp_path: Path) -> None:
    _tree(tmp_path, [".hidden.jpg"])
    missing = str(tmp_path / "missing.jpg")
    found = collect([str(tmp_path / ".hidden.jpg"), missing], recursive=False)
    assert found.files == [str(tmp_path / ".hidden.jpg"), missing]


def test_each_file_is_listed_once(tmp_path: Path) -> None:
    _tree(tmp_path, ["a.jpg", "b.jpg"])
    (tmp_path / "link.jpg").symlink_to(tmp_path / "a.jpg")
    paths = [str(tmp_path / "a.jpg"), str(tmp_path), str(tmp_path / "a.jpg")]
    found = collect(paths, recursive=False)
    assert _relative(found.files, tmp_path) == ["a.jpg", "b.jpg"]


def test_broken_links_inside_folders_are_kept_to_be_reported(tmp_path: Path) -> None:
    (tmp_path / "gone.jpg").symlink_to(tmp_path / "nowhere.jpg")
    found = collect([str(tmp_path)], recursive=False)
    assert _relative(found.files, tmp_path) == ["gone.jpg"]


def test_linked_folders_are_not_followed(tmp_path: Path) -> None:
    _tree(tmp_path, ["inside/a.jpg"])
    (tmp_path / "inside" / "loop").symlink_to(tmp_path)
    found = collect([str(tmp_path)], recursive=True)
    assert _relative(found.files, tmp_path) == ["inside/a.jpg"]


def test_unreadable_folder_is_a_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path, ["ok/a.jpg", "locked/b.jpg"])
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = collect([str(tmp_path)], recursive=True)
    assert _relative(found.files, tmp_path) == ["ok/a.jpg"]
    assert [(failure.path, failure.error) for failure in found.failures] == [
        (str(tmp_path / "locked"), Failure.PERMISSION_DENIED)
    ]


def fake_hash(path: str) -> FileHashes:
    """A cheap stand-in hasher (module level, so worker processes can use it)."""
    return FileHashes(path=path, kind=FileKind.OTHER, md5=f"{len(path):032x}")


def crashing_hash(path: str) -> FileHashes:
    """Kills its worker process on one file, like a decoder crash on a hostile file."""
    if path.endswith("crash"):
        os._exit(70)
    return fake_hash(path)


@pytest.mark.parametrize("jobs", [1, 2])
def test_results_come_back_in_order(jobs: int) -> None:
    files = [f"/x/{'y' * count}" for count in range(12)]
    done: list[None] = []
    results = hash_many(files, jobs=jobs, on_done=lambda: done.append(None), hasher=fake_hash)
    assert [result.path for result in results] == files
    assert results == [fake_hash(path) for path in files]
    assert len(done) == len(files)


def pid_hash(path: str) -> FileHashes:
    """Records which process hashed the file, in place of its MD5."""
    return FileHashes(path=path, kind=FileKind.OTHER, md5=f"{os.getpid():032x}")


@pytest.mark.parametrize(
    ("files", "jobs", "cores", "expected"),
    [
        (1, None, 8, 1),
        (6, None, 8, 1),  # six photos: starting workers would cost more than it saves
        (FILES_PER_WORKER - 1, None, 8, 1),
        (2 * FILES_PER_WORKER, None, 8, 2),
        (1000, None, 8, 8),
        (1000, None, 1, 1),
        (6, 3, 8, 3),  # asked for explicitly: obeyed
        (2, 4, 8, 2),  # never more workers than files
        (0, None, 8, 1),
    ],
)
def test_worker_count(files: int, jobs: int | None, cores: int, expected: int) -> None:
    assert worker_count(files, jobs, cores) == expected


def test_small_batch_is_hashed_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    results = hash_many([f"/photo{number}" for number in range(6)], hasher=pid_hash)
    assert {result.md5 for result in results} == {f"{os.getpid():032x}"}


def test_big_batch_uses_worker_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    files = [f"/photo{number}" for number in range(2 * FILES_PER_WORKER)]
    results = hash_many(files, hasher=pid_hash)
    assert [result.path for result in results] == files
    assert f"{os.getpid():032x}" not in {result.md5 for result in results}


def test_empty_batch() -> None:
    assert hash_many([], jobs=2, hasher=fake_hash) == []


def test_crashed_worker_does_not_stop_the_batch() -> None:
    files = ["/a", "/b", "/crash", "/c", "/d"]
    results = hash_many(files, jobs=2, hasher=crashing_hash)
    assert [result.path for result in results] == files
    crashed = results[2]
    assert crashed.error is Failure.DAMAGED
    for result in results[:2] + results[3:]:
        assert result == fake_hash(result.path)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal() -> None:
    stream = _Terminal()
    progress = Progress(4, stream)
    for _ in range(4):
        progress.advance()
    progress.close()
    text = stream.getvalue()
    assert "1/4" in text
    assert "4/4" in text
    assert "#" * 24 in text
    assert text.endswith("\r")


@pytest.mark.parametrize(("stream", "total"), [(io.StringIO(), 5), (_Terminal(), 1)])
def test_no_progress_bar_when_not_useful(stream: io.StringIO, total: int) -> None:
    progress = Progress(total, stream)
    progress.advance()
    progress.close()
    assert stream.getvalue() == ""


_calls: Any = None


def counting_hash(path: str) -> FileHashes:
    """Counts its calls in shared memory (seen by worker processes started with fork)."""
    with _calls.get_lock():
        _calls.value += 1
    time.sleep(0.01)
    return fake_hash(path)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the pool forks on Linux")
def test_interrupt_stops_without_finishing_the_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        sys.modules[__name__], "_calls", multiprocessing.get_context("fork").Value("i", 0)
    )
    files = [f"/f{number}" for number in range(200)]
    done: list[None] = []

    def on_done() -> None:
        done.append(None)
        if len(done) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        hash_many(files, jobs=2, on_done=on_done, hasher=counting_hash)
    assert len(done) == 3
    assert _calls.value < 20  # the rest of the batch was dropped, not waited for
