"""SIGKILL while a case opens: every stored case was shown, and one paste never opens two.

The real console process on a real SQLite file is killed at seeded random moments after
"Open my case" was chosen, then started again, many times over. The person's view is the
process's output; the database file is then checked against it.
"""

from __future__ import annotations

import contextlib
import random
import re
import sqlite3
from pathlib import Path

from tests.e2e.console_process import ConsoleProcess
from tests.samples import CODE, CREDENTIALS

KILLS = 30
SEED = 20261202
NUMBER = re.compile(r"Case number: (\S+)")
ENV = {
    "RECLAIM_CASES_PER_CHAT_PER_DAY": "1000",
    "RECLAIM_CASES_PER_HOUR": "1000",
    "RECLAIM_FLOOD_LIMIT": "100000",
}


def test_a_kill_at_any_moment_never_hides_a_case_nor_doubles_one(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    data = tmp_path / "data"
    console = ConsoleProcess(data, env=ENV)
    console.expect("[3] I'm not safe right now")
    # What the person saw from each "open", including its re-showing after the restart.
    shown_per_open: list[set[str]] = []
    reshown = 0
    try:
        for _ in range(KILLS):
            console.send(CODE)
            console.expect("pictures: 1, videos and other files: 1")
            console.expect("[2]")
            before_open = len(console.output)
            console.send("1")
            # Killed before the opening finished: exactly the moments we want.
            with contextlib.suppress(AssertionError):
                console.expect("[4]", timeout=rng.uniform(0.0, 0.8))  # the menu after opening
            console.kill()
            after_open = console.output[before_open:]
            console = ConsoleProcess(data, env=ENV)
            console.expect("[2]")  # back at a question with buttons
            restarted = console.output
            shown_per_open.append(set(NUMBER.findall(after_open + restarted)))
            # a re-shown case shows the whole message again, PIN included
            for number in NUMBER.findall(restarted):
                assert CREDENTIALS.search(restarted), number
                reshown += 1
    finally:
        console.kill()
    with sqlite3.connect(data / "reclaim.sqlite3") as db:
        stored = [row[0] for row in db.execute("SELECT number FROM cases")]
    seen = set().union(*shown_per_open)
    assert set(stored) <= seen, "a case exists that nobody was shown"
    assert all(len(numbers) <= 1 for numbers in shown_per_open), "one paste showed two cases"
    assert len(stored) == len(set(stored)) <= KILLS
    assert stored, "no kill let a case open: the test proved nothing"
    assert reshown, "no kill fell inside an opening: the test proved nothing"
