"""The console bot as a real process on a real SQLite file: whole journeys, restarts, privacy."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from bot.cases.sessions import sessions_path
from bot.hashes import hashcode
from bot.hashes.items import HashItem, ItemKind
from tests.e2e.console_process import ROOT, ConsoleProcess
from tests.samples import CODE, CREDENTIALS, MD5, PDQ


@pytest.fixture
def console(tmp_path: Path) -> ConsoleProcess:
    process = ConsoleProcess(tmp_path / "data")
    yield process  # type: ignore[misc]
    if process.proc.poll() is None:
        process.kill()


def test_start_to_case_to_status_to_withdraw_to_forget(
    console: ConsoleProcess, tmp_path: Path
) -> None:
    console.expect("Please don't send them here.")
    console.expect("[3] I'm not safe right now")
    for line, reply in [
        ("1", "asking for money or more pictures?"),
        ("Yes", "It is not your fault."),
        ("Under 18", "on your phone or computer?"),
        ("yes", "Take It Down is the right service: takeitdown.ncmec.org"),
        ("Make the codes", "paste it here"),
    ]:
        console.send(line)
        console.expect(reply)
    console.send(CODE)
    console.expect("pictures: 1, videos and other files: 1")
    console.send("1")
    chunk = console.expect("write both down")
    found = CREDENTIALS.search(chunk)
    assert found, chunk
    number, pin = found.groups()
    console.send("/status")
    console.expect("What's the case number?")
    console.send(number.lower().replace("-", " "))
    console.expect("And the PIN?")
    console.send(pin)
    status = console.expect("Sent anywhere: no.")
    assert f"Case {number}" in status
    assert "State: open" in status
    console.send("/withdraw")
    console.send("1")
    console.send(number)
    console.send(pin)
    console.expect(f"Case {number} is withdrawn")
    console.send("/forget")
    console.expect("I've erased this conversation")
    assert console.close() == 0

    db = tmp_path / "data" / "reclaim.sqlite3"
    with sqlite3.connect(sessions_path(db)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone() == (0,)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT state FROM cases").fetchall() == [("withdrawn",)]
    secret = tmp_path / "data" / "secret.key"
    assert secret.stat().st_mode & 0o777 == 0o600
    # Logs (DEBUG here) name events and states, never what was typed.
    for private in (number, pin, PDQ, MD5, "Make the codes"):
        assert private not in console.errors
    assert "event" in console.errors


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  photo.jpg", "SHA-256"),
        ("ab" * 20, "SHA-1"),
        ("ab" * 25, "wrong length"),
        ("my photos are somewhere", "doesn't look like a code"),
        ("please help", "none of this is your fault"),
        (CODE.replace("#end", "#nd"), "cut off"),
        (CODE[:-2] + ("00" if not CODE.endswith("00") else "11"), "changed while it was copied"),
    ],
)
def test_bad_pastes_are_explained_and_the_bot_carries_on(
    console: ConsoleProcess, line: str, answer: str
) -> None:
    console.expect("[3] I'm not safe right now")
    console.send("/hash")
    console.expect("paste it here")
    for part in line.splitlines():
        console.send(part)
    console.expect(answer)
    console.send(CODE)
    # kept, while the routing questions come first
    console.expect("I've kept these codes here")
    assert console.close() == 0


def test_a_killed_process_resumes_where_it_was(tmp_path: Path) -> None:
    first = ConsoleProcess(tmp_path / "data")
    first.expect("[3] I'm not safe right now")
    first.send("2")
    first.expect("asking for money")
    first.send("No")
    first.expect("How old was the person")
    first.kill()

    second = ConsoleProcess(tmp_path / "data")
    second.expect("Welcome back. Nothing was lost")
    second.expect("How old was the person")
    second.send("18 or older")
    second.expect("phone or computer that you (or they) can use?")
    second.send("1")
    second.expect("please do the next steps together with them")
    assert second.close() == 0


def test_cases_are_whole_or_absent_after_kills(tmp_path: Path) -> None:
    """Kill the bot repeatedly while it opens cases; every stored case is complete."""
    data = tmp_path / "data"
    for round_ in range(4):
        # Scripted input is far faster than a person: lift the flood and case limits here.
        limits = {"RECLAIM_FLOOD_LIMIT": "10000", "RECLAIM_CASES_PER_CHAT_PER_DAY": "1000"}
        console = ConsoleProcess(data, env=limits)
        # After a kill the bot says welcome back, or first shows a case that was opening.
        console.expect("[3] I'm not safe right now" if round_ == 0 else "\n\n")
        if round_ == 0:  # a case is opened once the routing questions are answered
            for answer in ("It's me", "No", "18 or older", "Yes"):
                console.send(answer)
        console.send("/hash")
        for n in range(6):
            item = HashItem(ItemKind.FILE, (("md5", f"{round_:02x}{n:030x}"),))
            console.send(hashcode.encode([item]))
            console.send("Open my case")
            console.send("/hash")
        for _ in range(round_):  # let some cases finish, then kill in the middle of the next
            console.expect("Case number:", timeout=30)
        console.expect("Opening your case", timeout=30)
        console.kill()
    with sqlite3.connect(data / "reclaim.sqlite3") as conn:
        cases = conn.execute("SELECT id FROM cases").fetchall()
        assert cases, "no case was opened before the kills"
        for (case_id,) in cases:
            hashes = conn.execute("SELECT COUNT(*) FROM case_hashes WHERE case_id = ?", (case_id,))
            outbox = conn.execute("SELECT COUNT(*) FROM outbox WHERE case_id = ?", (case_id,))
            assert hashes.fetchone()[0] == 1
            assert outbox.fetchone()[0] == 1
        orphans = conn.execute(
            "SELECT COUNT(*) FROM case_hashes WHERE case_id NOT IN (SELECT id FROM cases)"
        ).fetchone()[0]
        assert orphans == 0


def test_run_without_a_platform_starts_the_console(tmp_path: Path) -> None:
    """What `make run` starts on a fresh machine: the console, on an embedded SQLite file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env["RECLAIM_DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input="/help\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Hi, I'm Reclaim.")
    assert "You're not alone, and this is not your fault." in done.stdout
    assert "starting the console" in done.stderr
    assert (tmp_path / "data" / "reclaim.sqlite3").is_file()


def test_the_whole_output_of_reclaim_hash_is_one_paste(tmp_path: Path) -> None:
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    for n in range(3):
        Image.effect_noise((120, 90), 40 + 20 * n).convert("RGB").save(pictures / f"p{n}.png")
    (pictures / "clip.mp4").write_bytes(b"not really a video")
    hashed = subprocess.run(
        [sys.executable, "-m", "bot", "hash", str(pictures)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    assert "Copy the code below" in hashed.stdout
    console = ConsoleProcess(tmp_path / "data")
    try:
        console.expect("[3] I'm not safe right now")
        for answer in ("It's me", "No", "18 or older", "Yes"):  # routing comes before any case
            console.send(answer)
        console.send("/hash")
        console.expect("paste it here")
        for line in hashed.stdout.splitlines():
            console.send(line)
        reply = console.expect("[1] Open my case")
        assert "pictures: 3, videos and other files: 1" in reply
        assert "Line" not in reply  # no line of the output was turned down
        console.send("2")  # and the next line is an answer again: "Cancel"
        console.expect("Start again")
        assert console.close() == 0
    finally:
        if console.proc.poll() is None:
            console.kill()
