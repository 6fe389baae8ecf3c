"""SIGTERM and SIGINT stop ``reclaim console`` and ``reclaim run`` cleanly, as real processes;
a start they refuse ends as cleanly, with one line.

Each bot is started with a marker in its environment, which every process it starts inherits
(the PIN workers, multiprocessing's resource tracker). After the signal, no process with that
marker may be left: that is how a worker left behind for ever would show.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.cases.ids import case_number_from_int
from tests.e2e.console_process import ConsoleProcess
from tests.e2e.telegram_process import BotProcess, Person
from tests.telegram_emulator import EmulatorThread

MARK = "RECLAIM_TEST_PROCESS_MARK"


def marked(mark: str) -> set[int]:
    """The live processes whose environment carries ``MARK=mark``."""
    wanted = f"{MARK}={mark}".encode()
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue  # gone, or not ours to read
        if wanted in environ.split(b"\0") and state != "Z":
            found.add(int(entry.name))
    return found


@pytest.fixture
def mark() -> Iterator[str]:
    """A marker for one test's processes; any left over are killed afterwards."""
    value = uuid.uuid4().hex
    yield value
    for pid in marked(value):
        os.kill(pid, signal.SIGKILL)


def start_with_workers(tmp_path: Path, mark: str, command: str) -> ConsoleProcess:
    """A bot that has checked a PIN, so its PIN worker processes are running."""
    bot = ConsoleProcess(tmp_path / "data", command=command, new_session=True, env={MARK: mark})
    bot.expect("Who is in the pictures or videos?")
    bot.send("/status")
    bot.expect("What's the case number?")
    bot.send(case_number_from_int(12345))
    bot.expect("And the PIN?")
    bot.send("123456")
    bot.expect("don't match a case")
    return bot


@pytest.mark.parametrize("command", ["console", "run"])
@pytest.mark.parametrize("how", ["SIGTERM to the bot", "SIGINT to its group (Ctrl-C)"])
def test_a_signal_stops_the_bot_and_everything_it_started(
    tmp_path: Path, mark: str, command: str, how: str
) -> None:
    bot = start_with_workers(tmp_path, mark, command)
    children = marked(mark) - {bot.proc.pid}
    assert children, "the PIN workers should be running"
    if how.startswith("SIGTERM"):
        bot.proc.send_signal(signal.SIGTERM)
    else:
        os.killpg(bot.proc.pid, signal.SIGINT)
    try:
        status = bot.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        bot.kill()
        pytest.fail(f"still running 10 s after {how}; stderr:\n{bot.errors}")
    assert status == 0, bot.errors
    assert "Traceback" not in bot.errors
    assert "leaked" not in bot.errors
    assert not still_running(mark, children), "left running after the bot stopped"


def still_running(mark: str, pids: set[int]) -> set[int]:
    """Those of ``pids`` still alive after a grace period for them to notice the bot is gone."""
    deadline = time.monotonic() + 5.0
    while (left := marked(mark) & pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def empty_secret(data: Path) -> tuple[dict[str, str], str]:
    """A secret file as a full disk left it."""
    (data / "secret.key").write_bytes(b"")
    return {}, f"the secret file {data / 'secret.key'} is empty"


def folder_database(data: Path) -> tuple[dict[str, str], str]:
    """A database path that is a folder (SQLite cannot open it)."""
    (data / "db").mkdir()
    return {"RECLAIM_DB": str(data / "db")}, f"cannot open the database {data / 'db'}: Is a"


@pytest.mark.parametrize("situation", [empty_secret, folder_database])
@pytest.mark.parametrize("command", ["console", "run"])
def test_a_refused_start_is_one_line_and_leaves_nothing_running(
    tmp_path: Path,
    mark: str,
    command: str,
    situation: Callable[[Path], tuple[dict[str, str], str]],
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    env, reason = situation(data)
    env.update({MARK: mark, "RECLAIM_LOG_LEVEL": "ERROR"})
    bot = ConsoleProcess(data, command=command, env=env)
    status = bot.wait()
    assert status == 2
    assert bot.errors.startswith(f"reclaim: {reason}")
    assert bot.errors.count("\n") == 1, bot.errors
    assert not still_running(mark, marked(mark))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_telegram_bot_and_its_workers(
    tmp_path: Path, mark: str, signum: signal.Signals
) -> None:
    with EmulatorThread() as emu:
        bot = BotProcess(emu, tmp_path / "data", **{MARK: mark})
        try:
            person = Person(emu, emu.add_user(first_name="Sam", language_code="en"))
            person.say("/status")
            person.expect("What's the case number?")
            person.say(case_number_from_int(12345))
            person.expect("And the PIN?")
            person.say("123456")
            person.expect("don't match a case")
            children = marked(mark) - {bot.proc.pid}
            assert children, "the PIN workers should be running"
            bot.proc.send_signal(signum)
            status = bot.proc.wait(timeout=15)
        finally:
            bot.kill()
    assert status == 0, bot.errors
    assert "Traceback" not in bot.errors
    assert not still_running(mark, children), "left running after the bot stopped"
