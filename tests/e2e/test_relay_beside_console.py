"""``reclaim relay`` and ``reclaim console`` as two processes on one database at once.

The person opens a case and withdraws it in the console while the relay, in its own process,
dispatches both to a file partner; both write the same SQLite file (each waits for the other's
write lock, up to the busy timeout), and neither fails.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
from pathlib import Path

from tests.commands import run_reclaim
from tests.e2e.console_process import ConsoleProcess, wait_for
from tests.samples import CODE, CREDENTIALS, PDQ


def exported(folder: Path) -> list[dict[str, object]]:
    if not folder.is_dir():
        return []
    return [json.loads(line) for path in sorted(folder.iterdir()) for line in path.open()]


def test_the_relay_delivers_what_a_console_beside_it_opens_and_withdraws(tmp_path: Path) -> None:
    config = tmp_path / "reclaim.toml"
    folder = tmp_path / "exports"
    config.write_text(f'[[partners]]\nname = "Export"\nkind = "file"\npath = "{folder}"\n')
    env = {"RECLAIM_CONFIG": str(config)}
    console = ConsoleProcess(tmp_path / "data", env=env)
    relay = ConsoleProcess(tmp_path / "data", env=env, command="relay")
    try:
        console.expect("[3] I'm not safe right now")
        console.converse(
            [
                ("1", "asking for money or more pictures?"),
                ("Yes", "It is not your fault."),
                ("Under 18", "on your phone or computer?"),
                ("yes", "Take It Down is the right service"),
                ("Make the codes", "paste it here"),
            ]
        )
        console.send(CODE)
        console.expect("pictures: 1, videos and other files: 1")
        console.send("1")
        found = CREDENTIALS.search(console.expect("write both down"))
        assert found
        number, pin = found.groups()
        wait_for(lambda: len(exported(folder)) == 1, "the case reaches the export")
        status = run_reclaim("relay", "status", env={**relay_env(tmp_path), **env})
        assert "relay: running" in status.stdout, status.stderr
        assert "Export (file): 0 queued, 1 delivered, 0 dead" in status.stdout
        console.send("/withdraw")
        console.send("1")
        console.expect("What's the case number?")
        console.send(number)
        console.expect("And the PIN?")
        console.send(pin)
        console.expect(f"Case {number} is withdrawn")
        wait_for(lambda: len(exported(folder)) == 2, "the withdrawal reaches the export")
        assert console.close() == 0
        relay.proc.send_signal(signal.SIGTERM)
        assert relay.wait() == 0
    finally:
        for process in (console, relay):
            if process.proc.poll() is None:
                process.kill()
    events = [line["event"] for line in exported(folder)]
    assert events == ["case_opened", "case_withdrawn"]
    assert exported(folder)[0]["reference"] == exported(folder)[1]["reference"]
    assert all(number not in json.dumps(line) for line in exported(folder))
    for process in (console, relay):
        assert "Traceback" not in process.errors
        assert "database is locked" not in process.errors
    assert PDQ not in relay.errors
    with sqlite3.connect(tmp_path / "data" / "reclaim.sqlite3") as conn:
        assert conn.execute("SELECT partner, state FROM deliveries").fetchall() == [
            ("Export", "withdrawn")
        ]


def relay_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    env["RECLAIM_DATA_DIR"] = str(tmp_path / "data")
    return env
