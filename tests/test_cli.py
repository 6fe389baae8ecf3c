"""The ``reclaim`` command run in-process: its small subcommands, and starting or refusing to."""

from __future__ import annotations

import asyncio
import io
import sqlite3
import stat
import sys
from pathlib import Path

import pytest

from bot.cases.keycheck import check_value
from bot.cases.store import CaseCredentials, CaseInfo, Store
from bot.cli import main
from bot.config import derive_key
from bot.hashes.items import HashItem, ItemKind

ITEM = HashItem(ItemKind.FILE, (("md5", "d41d8cd98f00b204e9800998ecf8427e"),))


def test_helplines_by_country(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["helplines", "gb"]) == 0
    out = capsys.readouterr().out
    assert "Revenge Porn Helpline" in out
    assert "Find A Helpline" in out
    assert "999" in out
    assert "CyberTipline" not in out


def test_i18n_check_passes_on_the_shipped_catalogs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["i18n", "check"]) == 0
    assert "en: complete" in capsys.readouterr().out


def test_diagram_prints_dot(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram"]) == 0
    assert capsys.readouterr().out.startswith("digraph reclaim {")


def test_unknown_subcommands_fail(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2


# Starting ``run`` and ``console``: in this process, on real files, input ending at once.


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with nothing configured, and a console whose input has ended."""
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "RECLAIM_SECRET", "RECLAIM_DB", "RECLAIM_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name in ("RECLAIM_LANGUAGE", "RECLAIM_LOG_LEVEL", "RECLAIM_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    return tmp_path


def start(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Run ``reclaim <argv>``; return its exit code and what it wrote on stderr."""
    capsys.readouterr()
    status = main(list(argv))
    sys.stdin = io.StringIO("")  # input ends at once for the next start too
    return status, capsys.readouterr().err


def assert_refused(status: int, err: str, reason: str) -> None:
    """One line, ``reclaim: ...``, exit code 2, and no traceback."""
    assert status == 2, err
    assert err.startswith("reclaim: "), err
    assert err.count("\n") == 1, err
    assert reason in err, err


@pytest.mark.parametrize("command", ["console", "run"])
def test_a_fresh_start_makes_a_private_data_directory_and_a_secret(
    home: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    status, err = start(capsys, command)
    assert status == 0, err
    data = home / "data"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "secret.key").stat().st_mode) == 0o600
    assert len((data / "secret.key").read_bytes()) == 64
    with sqlite3.connect(data / "reclaim.sqlite3") as db:
        stored = db.execute("SELECT value FROM key_check").fetchall()
    assert stored == [(check_value((data / "secret.key").read_bytes()),)]


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "secret.key is empty"), (b"abc\n", "secret.key is too short (3 of 32+ bytes)")],
)
@pytest.mark.parametrize("command", ["console", "run"])
def test_an_empty_or_short_secret_file_stops_the_start(
    home: Path, capsys: pytest.CaptureFixture[str], command: str, content: bytes, reason: str
) -> None:
    (home / "data").mkdir()
    (home / "data" / "secret.key").write_bytes(content)
    assert_refused(*start(capsys, command), reason)
    assert (home / "data" / "secret.key").read_bytes() == content


def test_an_unreadable_secret_file_stops_the_start(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / "data" / "secret.key").mkdir(parents=True)
    assert_refused(*start(capsys, "console"), "cannot read the secret file")


def test_a_short_environment_secret_stops_the_start(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECLAIM_SECRET", "too short")
    assert_refused(*start(capsys, "run"), "RECLAIM_SECRET is too short")


def test_a_lost_secret_is_reported_not_replaced(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert start(capsys, "console")[0] == 0
    (home / "data" / "secret.key").unlink()
    assert_refused(*start(capsys, "console"), "its secret file data/secret.key is missing")
    assert not (home / "data" / "secret.key").exists()


def test_a_changed_secret_is_refused(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECLAIM_SECRET", "first secret " + "x" * 32)
    assert start(capsys, "run")[0] == 0
    monkeypatch.setenv("RECLAIM_SECRET", "second secret " + "x" * 32)
    assert_refused(*start(capsys, "run"), "RECLAIM_SECRET is not the secret")
    monkeypatch.delenv("RECLAIM_SECRET")
    (home / "data" / "secret.key").write_text("a file secret, long enough to be one\n")
    assert_refused(*start(capsys, "console"), "the secret file data/secret.key is not the secret")


def test_the_secret_is_found_beside_a_database_in_another_folder(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = home / "kept"
    assert start(capsys, "console", "--db", str(kept / "cases.sqlite3"))[0] == 0
    secret = (kept / "secret.key").read_bytes()
    elsewhere = home / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    status, err = start(capsys, "console", "--db", str(kept / "cases.sqlite3"))
    assert status == 0, err
    assert not (elsewhere / "data").exists()
    assert (kept / "secret.key").read_bytes() == secret


async def open_a_case(database: Path, secret: bytes) -> CaseCredentials:
    """Open one case in ``database`` with ``secret``'s pepper, as the bot would."""
    pepper = derive_key(secret, "pin")
    async with await Store.open(database, pepper=pepper, scrypt_n=16) as store:
        return await store.open_case([ITEM], "stopncii", 1_764_000_000.0)


async def find_the_case(database: Path, secret: bytes, case: CaseCredentials) -> object:
    """Look the case up with its number and PIN."""
    pepper = derive_key(secret, "pin")
    async with await Store.open(database, pepper=pepper, scrypt_n=16) as store:
        return await store.lookup_case(case.number, case.pin, 1_764_000_001.0)


def test_a_database_from_before_the_key_check_keeps_its_cases(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = home / "data" / "reclaim.sqlite3"
    database.parent.mkdir()
    secret = b"an older secret, from before the key check"
    (home / "data" / "secret.key").write_bytes(secret)
    case = asyncio.run(open_a_case(database, secret))
    with sqlite3.connect(database) as db:
        db.execute("DELETE FROM key_check")  # what the older build left
    status, err = start(capsys, "console")
    assert status == 0, err
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT value FROM key_check").fetchall() == [(check_value(secret),)]
    assert isinstance(asyncio.run(find_the_case(database, secret, case)), CaseInfo)


@pytest.mark.parametrize(
    ("setting", "value", "reason"),
    [
        ("RECLAIM_LANGUAGE", "xx", "no messages in the default language 'xx' (RECLAIM_LANGUAGE)"),
        ("RECLAIM_LOG_LEVEL", "LOUD", "log level 'LOUD' is not one of"),
        ("RECLAIM_DATA_DIR", "a-file", "cannot use the data directory a-file: File exists"),
        ("RECLAIM_DB", "a-folder", "cannot open the database a-folder"),
        ("RECLAIM_CONFIG", "broken.toml", "broken.toml is not valid TOML"),
        ("RECLAIM_MAX_ITEMS", "lots", "RECLAIM_MAX_ITEMS: 'lots' is not a valid int"),
    ],
)
@pytest.mark.parametrize("command", ["console", "run"])
def test_bad_settings_get_one_clear_line(
    home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    setting: str,
    value: str,
    reason: str,
) -> None:
    (home / "a-file").write_text("")
    (home / "a-folder").mkdir()
    (home / "broken.toml").write_text("max_items = \n")
    monkeypatch.setenv(setting, value)
    assert_refused(*start(capsys, command), reason)


def test_a_database_from_a_newer_reclaim_is_refused(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert start(capsys, "console")[0] == 0
    with sqlite3.connect(home / "data" / "reclaim.sqlite3") as db:
        db.execute("INSERT INTO schema_version VALUES (999, '0999_future.sql')")
    assert_refused(*start(capsys, "run"), "is newer than this Reclaim knows")
