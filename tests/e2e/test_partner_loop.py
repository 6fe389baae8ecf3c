"""The whole loop as an operator runs it: a partner is registered with ``reclaim partner add``,
``reclaim relay`` serves the feed, a person opens a case in ``reclaim console``, and the
partner's unchanged ``threatexchange`` client fetches the hashes and answers.

Every part is a real process or the real client; nothing is called in-process.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
from pathlib import Path

from threatexchange.exchanges.clients.stopncii import api as tx
from threatexchange.exchanges.impl.stop_ncii_api import StopNCIICredentials

from tests.commands import run_reclaim
from tests.e2e.console_process import ConsoleProcess, wait_for
from tests.samples import CODE, CREDENTIALS, PDQ


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def open_a_case(console: ConsoleProcess) -> tuple[str, str]:
    console.expect("[3] I'm not safe right now")
    console.converse(
        [
            ("1", "asking for money or more pictures?"),
            ("No", "How old were you"),
            ("18 or older", "on your phone or computer?"),
            ("yes", "StopNCII"),
            ("Make the codes", "paste it here"),
        ]
    )
    console.send(CODE)
    console.expect("pictures: 1, videos and other files: 1")
    console.send("1")
    found = CREDENTIALS.search(console.expect("write both down"))
    assert found
    return found.group(1), found.group(2)


def test_a_registered_partner_fetches_a_case_opened_in_the_console(tmp_path: Path) -> None:
    data = tmp_path / "data"
    port = free_port()
    env = {"RECLAIM_PARTNER_API_LISTEN": f"127.0.0.1:{port}"}
    console = ConsoleProcess(data)
    relay = ConsoleProcess(data, env=env, command="relay")
    try:
        number, _pin = open_a_case(console)
        shell = {**os.environ, "RECLAIM_DATA_DIR": str(data)}
        shell.pop("TELEGRAM_BOT_TOKEN", None)
        added = run_reclaim(
            "partner", "add", "Hotline", "--base-url", f"http://127.0.0.1:{port}/v1", env=shell
        )
        assert added.returncode == 0, added.stderr
        line = next(x for x in added.stdout.splitlines() if x.count(",") == 2)
        keys = StopNCIICredentials._from_str(line)  # exactly as TX_STOPNCII_KEYS is read
        client = tx.StopNCIIAPI(
            keys.subscription_key,
            keys.fetch_function_key,
            additional_function_keys={tx.StopNCIIEndpoint.SubmitFeedback: keys.fetch_function_key},
            base_url_override=keys.base_url_override,
        )

        def fetched() -> list[tx.StopNCIIHashRecord]:
            try:
                return [r for page in client.fetch_hashes_iter() for r in page.hashRecords]
            except OSError:
                return []  # the relay is still starting

        wait_for(lambda: any(r.hashValue == PDQ for r in fetched()), "the partner gets the PDQ")
        records = fetched()
        pdq = next(r for r in records if r.hashValue == PDQ)
        assert pdq.signalType is tx.StopNCIISignalType.ImagePDQ
        assert pdq.hashStatus is tx.StopNCIICaseStatus.Active
        assert list(pdq.caseNumbers.values()) == [tx.StopNCIICaseStatus.Active]
        assert number not in str(records)
        client.submit_feedback(
            tx.StopNCIISignalType.ImagePDQ, PDQ, tx.StopNCIICSPFeedbackValue.Blocked
        )
        assert console.close() == 0
        relay.proc.send_signal(signal.SIGTERM)
        assert relay.wait() == 0
    finally:
        for process in (console, relay):
            if process.proc.poll() is None:
                process.kill()
    for process in (console, relay):
        assert "Traceback" not in process.errors
    assert PDQ not in relay.errors
    with sqlite3.connect(data / "reclaim.sqlite3") as conn:
        assert conn.execute("SELECT partner, state FROM deliveries").fetchall() == [
            ("Hotline", "delivered")
        ]
        assert conn.execute("SELECT partner, value FROM case_feedback").fetchall() == [
            ("Hotline", "Blocked")
        ]
