"""The Matrix transport's files in the data directory: whole, private, for one account."""

from __future__ import annotations

from pathlib import Path

from bot.transports.matrix_state import Login, StateDir

BOT = "@reclaim:example.org"


def test_the_login_is_kept_privately_and_only_for_its_account(tmp_path: Path) -> None:
    state = StateDir(tmp_path / "data")
    assert state.load_login(BOT) is None
    state.save_login(Login(BOT, "DEVICE", "token"))
    assert state.load_login(BOT) == Login(BOT, "DEVICE", "token")
    assert state.load_login("@other:example.org") is None
    assert state.path.stat().st_mode & 0o777 == 0o700
    assert (state.path / "login.json").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in state.path.iterdir()] == ["login.json"]


def test_a_token_from_the_environment_is_never_written(tmp_path: Path) -> None:
    state = StateDir(tmp_path)
    state.save_login(Login(BOT, "DEVICE"))
    assert "token" not in (state.path / "login.json").read_text()
    assert state.load_login(BOT) == Login(BOT, "DEVICE", "")


def test_a_refused_token_is_dropped_and_the_device_kept(tmp_path: Path) -> None:
    state = StateDir(tmp_path)
    state.save_login(Login(BOT, "DEVICE", "token"))
    state.forget_token()
    assert state.load_login(BOT) == Login(BOT, "DEVICE", "")


def test_a_damaged_login_file_reads_as_none(tmp_path: Path) -> None:
    state = StateDir(tmp_path)
    state.ensure()
    for text in ("{", "[]", '{"user_id": "@reclaim:example.org"}', ""):
        (state.path / "login.json").write_text(text)
        assert state.load_login(BOT) is None


def test_the_sync_position_survives_a_restart(tmp_path: Path) -> None:
    assert StateDir(tmp_path).load_sync_token() is None
    StateDir(tmp_path).save_sync_token("s72594_4483_1934")
    assert StateDir(tmp_path).load_sync_token() == "s72594_4483_1934"
    assert (tmp_path / "matrix" / "sync-token").stat().st_mode & 0o777 == 0o600


def test_a_loose_folder_is_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "matrix"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    StateDir(tmp_path).ensure()
    assert folder.stat().st_mode & 0o777 == 0o700
