"""The secret file beside the database, and the private data directory that holds it."""

from __future__ import annotations

import errno
import logging
import os
import stat
from pathlib import Path

import pytest

from bot import secretfile
from bot.relay.runner import lock_path, state_path
from bot.secretfile import (
    SecretError,
    configured_secret,
    create_secret,
    load_secret,
    prepare_directory,
    read_secret,
)

DB = "reclaim.sqlite3"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_secret_is_random_private_and_written_whole(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    first = create_secret(path)
    assert len(first) == 64
    assert path.read_bytes() == first
    assert mode(path) == 0o600
    assert os.listdir(tmp_path) == ["secret.key"]  # no temporary file left
    assert read_secret(path) == first
    assert create_secret(tmp_path / "other.key") != first


def test_a_secret_already_written_by_another_start_wins(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    existing = create_secret(path)
    assert create_secret(path) == existing
    assert os.listdir(tmp_path) == ["secret.key"]


def test_a_full_disk_leaves_no_secret_file_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(secretfile.os, "fsync", full)
    with pytest.raises(SecretError, match=r"cannot write the secret file .*: No space left"):
        create_secret(tmp_path / "secret.key")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "is empty"),
        (b" \n", "is empty"),
        (b"0123456789abcdef\n", r"is too short \(16 of 32\+"),
    ],
)
def test_an_empty_or_short_secret_file_is_refused(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "secret.key"
    path.write_bytes(content)
    with pytest.raises(SecretError, match=rf"the secret file .*secret.key {problem}"):
        read_secret(path)


def test_an_unreadable_secret_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.key").mkdir()
    with pytest.raises(SecretError, match=r"cannot read the secret file .*: Is a directory"):
        read_secret(tmp_path / "secret.key")


def test_a_missing_secret_file_is_none(tmp_path: Path) -> None:
    assert read_secret(tmp_path / "secret.key") is None


def test_the_environment_secret_must_be_long() -> None:
    assert configured_secret({"RECLAIM_SECRET": "x" * 40}) == b"x" * 40
    assert configured_secret({}) is None
    with pytest.raises(SecretError, match="RECLAIM_SECRET is too short"):
        configured_secret({"RECLAIM_SECRET": "short"})


def test_a_new_data_directory_is_private(tmp_path: Path) -> None:
    directory = tmp_path / "deep" / "data"
    prepare_directory(directory, DB)
    assert mode(directory) == 0o700


def test_loose_files_of_a_reclaim_directory_are_tightened(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    directory = tmp_path / "data"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    for name in ("secret.key", DB, f"{DB}-wal"):
        (directory / name).write_bytes(b"x")
        (directory / name).chmod(0o644)
    with caplog.at_level(logging.WARNING):
        prepare_directory(directory, DB)
    assert mode(directory) == 0o700
    assert {name: mode(directory / name) for name in os.listdir(directory)} == {
        "secret.key": 0o600,
        DB: 0o600,
        f"{DB}-wal": 0o600,
    }
    assert "could be read by other users (mode 644); now 600" in caplog.text


def test_every_file_and_folder_reclaim_makes_counts_as_its_own(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Sessions file, relay lock and state, JSON Lines exports, the Matrix store."""
    directory = tmp_path / "data"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    files = (DB, "reclaim.sessions.sqlite3", "reclaim.sessions.sqlite3-wal")
    files += (lock_path(directory / DB).name, state_path(directory / DB).name)
    for name in files:
        (directory / name).write_bytes(b"x")
        (directory / name).chmod(0o644)
    (directory / "exports").mkdir()
    (directory / "matrix").mkdir()
    with caplog.at_level(logging.WARNING):
        prepare_directory(directory, DB)
    assert mode(directory) == 0o700
    assert {name: mode(directory / name) for name in files} == dict.fromkeys(files, 0o600)
    assert "can be read by other users" not in caplog.text


def test_a_shared_directory_is_reported_not_changed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "notes.txt").write_text("someone else's")
    tmp_path.chmod(0o755)
    with caplog.at_level(logging.WARNING):
        prepare_directory(tmp_path, DB)
    assert mode(tmp_path) == 0o755
    assert f"the data directory {tmp_path} can be read by other users (mode 755)" in caplog.text


def test_a_data_directory_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("")
    with pytest.raises(SecretError, match=r"cannot use the data directory .*data: File exists"):
        prepare_directory(tmp_path / "data", DB)


async def test_the_secret_is_made_once_and_kept_beside_the_database(tmp_path: Path) -> None:
    database = tmp_path / "elsewhere" / DB
    first = await load_secret(database, {})
    assert (tmp_path / "elsewhere" / "secret.key").read_bytes() == first
    assert await load_secret(database, {}) == first


async def test_a_lost_secret_is_not_replaced(tmp_path: Path) -> None:
    database = tmp_path / DB
    await load_secret(database, {})
    (tmp_path / "secret.key").unlink()
    with pytest.raises(SecretError, match=r"has been used, but its secret file .* is missing"):
        await load_secret(database, {})
    assert not (tmp_path / "secret.key").exists()


async def test_a_replaced_secret_is_refused(tmp_path: Path) -> None:
    database = tmp_path / DB
    await load_secret(database, {"RECLAIM_SECRET": "a" * 40})
    with pytest.raises(SecretError, match=r"RECLAIM_SECRET is not the secret .* was made with"):
        await load_secret(database, {"RECLAIM_SECRET": "b" * 40})
    with pytest.raises(SecretError, match="has been used, but its secret file"):
        await load_secret(database, {})
