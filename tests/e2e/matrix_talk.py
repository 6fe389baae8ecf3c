"""The steps and checks the Matrix end-to-end tests share.

What belongs here: registering accounts on the test Synapse, a bot and a person greeted in a
direct chat (:func:`talking`), the person's way through the conversation (to the paste prompt,
opening a case), the words that must never be logged, and small waits and reads of the bot's
files. What does not: the person's client and the bot
(``matrix_person.py``), the homeserver (``synapse.py``), the tests themselves.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.cases.sessions import sessions_path
from bot.config import Settings
from bot.i18n import Catalogs
from bot.runtime import Runtime
from tests.e2e.matrix_person import Notice, Person, bot_settings, running_bot
from tests.e2e.synapse import Registered, Synapse
from tests.samples import CODE, CREDENTIALS, MD5, PDQ

CATALOGS = Catalogs.load()
GREETING = "Who is in the pictures or videos?"
_names = itertools.count(1)

#: Words typed or shown in tests that must never reach the logs.
PRIVATE: set[str] = {PDQ, MD5, "hello there", "an edit"}


def register(synapse: Synapse, role: str) -> Registered:
    user = synapse.register(f"{role}{next(_names)}")
    PRIVATE.add(user.user_id)
    return user


def person_for(synapse: Synapse, tmp_path: Path) -> Person:
    who = register(synapse, "person")
    return Person(synapse, who, tmp_path / f"person-{who.user_id[1:].split(':')[0]}")


@dataclass
class Talk:
    """A bot running on the test homeserver and a person greeted by it in a direct chat."""

    bot: Registered
    settings: Settings
    runtime: Runtime
    person: Person
    room: str
    greeting: Notice


@asynccontextmanager
async def talking(
    synapse: Synapse, tmp_path: Path, *, encrypted: bool = False, **changes: Any
) -> AsyncIterator[Talk]:
    """A new bot account running until the block ends, and a new person whose direct chat with
    it (``encrypted`` from the start, or not) has been greeted.

    ``changes`` replace fields of the bot's :func:`bot_settings` (its data directory is
    ``tmp_path / "data"``).
    """
    bot = register(synapse, "bot")
    settings = replace(bot_settings(synapse, bot, tmp_path / "data"), **changes)
    async with running_bot(settings) as runtime, person_for(synapse, tmp_path) as person:
        room = await person.dm(bot.user_id, encrypted=encrypted)
        greeting = await person.expect(room, GREETING)
        yield Talk(bot, settings, runtime, person, room, greeting)


async def reach_code_prompt(person: Person, room: str) -> None:
    """From the greeting to "paste it here", by typed numbers and typed labels."""
    await person.expect(room, GREETING)
    steps = [
        ("1", "asking for money or more pictures?"),
        ("2", "How old"),
        ("18 or older", "on your phone or computer?"),
        ("yes", "StopNCII"),
        ("Make the codes", "paste it here"),
    ]
    for typed, reply in steps:
        before = len(person.said(room))
        await person.say(room, typed)
        await person.expect(room, reply, after=before)


async def open_case(person: Person, room: str) -> tuple[str, str]:
    before = len(person.said(room))
    await person.say(room, CODE)
    await person.expect(room, "pictures: 1, videos and other files: 1", after=before)
    before = len(person.said(room))
    await person.say(room, "Open my case")
    found = CREDENTIALS.search((await person.expect(room, "Case number:", before)).body)
    assert found
    PRIVATE.update(found.groups())
    return found.group(1), found.group(2)


async def until(condition: Callable[[], bool], timeout: float = 90.0) -> None:
    """Wait for something the bot logs (a limit for a hung test, not a measure)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "not logged in time"
        await asyncio.sleep(0.1)


def stored_sessions(data_dir: Path) -> int:
    with sqlite3.connect(sessions_path(data_dir / "reclaim.sqlite3")) as conn:
        count: int = conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
        return count
