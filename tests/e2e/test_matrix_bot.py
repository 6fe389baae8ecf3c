"""The bot on Matrix against a real Synapse, with a second matrix-nio client as the person.

One homeserver serves the module; each test starts its own bot account on it (the bot runs in
the test's event loop on a real store) and its own people. Whole conversations run in a plain
and in an encrypted direct chat; media is removed or asked to be removed and never downloaded;
a group room is left; a restart of the bot, and of the homeserver, resumes without replaying.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.cases.sessions import sessions_path
from bot.config import Settings
from bot.i18n import Catalogs
from tests.e2e import synapse as synapse_module
from tests.e2e.matrix_person import Person, bot_settings, running_bot
from tests.e2e.synapse import Registered, Synapse, free_port
from tests.e2e.telegram_process import BotProcess
from tests.e2e.telegram_process import Person as TelegramPerson
from tests.samples import CODE, CREDENTIALS, MD5, PDQ
from tests.telegram_emulator import EmulatorThread

CATALOGS = Catalogs.load()
GROUP_LINE = CATALOGS.text("en", "group.leaving")
GREETING = "Who is in the pictures or videos?"
REMOVE_ASK = CATALOGS.text("en", "matrix.media.remove")
_names = itertools.count(1)

#: Words typed or shown in tests that must never reach the logs.
PRIVATE: set[str] = {PDQ, MD5, "hello there", "an edit"}


@pytest.fixture(scope="module")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    why = synapse_module.missing_reason()
    if why is not None:
        pytest.skip(why)
    server = Synapse(tmp_path_factory.mktemp("synapse"), free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def register(synapse: Synapse, role: str) -> Registered:
    user = synapse.register(f"{role}{next(_names)}")
    PRIVATE.add(user.user_id)
    return user


def person_for(synapse: Synapse, tmp_path: Path) -> Person:
    who = register(synapse, "person")
    return Person(synapse, who, tmp_path / f"person-{who.user_id[1:].split(':')[0]}")


async def reach_code_prompt(person: Person, room: str) -> None:
    """From the greeting to "paste it here", by typed numbers and typed labels."""
    await person.expect(room, "Who is in the pictures or videos?")
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


async def test_a_whole_conversation_in_a_plain_direct_chat(
    synapse: Synapse, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot = register(synapse, "bot")
    async with (
        running_bot(bot_settings(synapse, bot, tmp_path / "data")),
        person_for(synapse, tmp_path) as person,
    ):
        room = await person.dm(bot.user_id)
        await person.joined(room, bot.user_id)
        greeting = await person.expect(room, "Who is in the pictures or videos?")
        assert greeting.content["msgtype"] == "m.notice"
        assert "1. It's me" in greeting.body
        assert "<ol><li>It&#x27;s me</li>" in greeting.content["formatted_body"]
        await reach_code_prompt(person, room)
        number, _ = await open_case(person, room)
        assert number
        before = len(person.said(room))
        await person.say(room, "/forget")
        await person.expect(room, CATALOGS.text("en", "forget.done"), after=before)
        await person.left(room, bot.user_id)
        # The bot's own messages before /forget were redacted.
        assert greeting.event_id in person.redacted
    logged = caplog.text
    assert logged
    leaks = [word for word in PRIVATE | {room} if word in logged]
    assert leaks == []


async def test_a_conversation_in_an_encrypted_direct_chat(synapse: Synapse, tmp_path: Path) -> None:
    bot = register(synapse, "bot")
    settings = bot_settings(synapse, bot, tmp_path / "data")
    async with running_bot(settings), person_for(synapse, tmp_path) as person:
        room = await person.dm(bot.user_id, encrypted=True)
        await person.joined(room, bot.user_id)
        await reach_code_prompt(person, room)
        await open_case(person, room)
    assert person.undecrypted == 0
    said = person.said(room)
    assert said
    assert all(notice.encrypted for notice in said)
    # The crypto store lives in the data directory, beside the login and the sync position.
    folder = settings.data_dir / "matrix"
    assert {p.name for p in folder.iterdir()} >= {"login.json", "sync-token"}
    assert any(p.suffix == ".db" for p in folder.iterdir())
    assert folder.stat().st_mode & 0o777 == 0o700


async def test_media_is_never_downloaded_and_the_person_is_asked_to_remove_it(
    synapse: Synapse, tmp_path: Path
) -> None:
    bot = register(synapse, "bot")
    async with (
        running_bot(bot_settings(synapse, bot, tmp_path / "data")),
        person_for(synapse, tmp_path) as person,
    ):
        room = await person.dm(bot.user_id)
        await person.expect(room, "Who is in the pictures or videos?")
        address = await person.upload(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
        for content in (
            {"msgtype": "m.image", "body": "me.png", "url": address, "info": {"w": 1, "h": 1}},
            {"msgtype": "m.video", "body": "me.mp4", "url": address},
            {"msgtype": "m.file", "body": "me.zip", "url": address},
        ):
            before = len(person.said(room))
            await person.send(room, content)
            await person.expect(room, CATALOGS.text("en", "media.refused"), after=before)
            await person.expect(room, REMOVE_ASK, after=before)
        before = len(person.said(room))
        await person.send(room, {"body": "hi", "url": address, "info": {}}, kind="m.sticker")
        await person.expect(room, REMOVE_ASK, after=before)
        # With the power to, the bot removes it itself and asks nothing.
        await person.let_bot_redact(room, bot.user_id)
        before = len(person.said(room))
        image = await person.send(room, {"msgtype": "m.image", "body": "a.png", "url": address})
        await person.expect(room, CATALOGS.text("en", "media.refused"), after=before)
        await person.wait(lambda: image in person.redacted)
        assert not any(REMOVE_ASK in n.body for n in person.said(room)[before:])
    assert synapse.requests_logged() > 0
    assert synapse.media_downloads() == []


async def test_a_group_room_is_left_with_one_line(synapse: Synapse, tmp_path: Path) -> None:
    bot = register(synapse, "bot")
    other = register(synapse, "friend")
    async with (
        running_bot(bot_settings(synapse, bot, tmp_path / "data")),
        person_for(synapse, tmp_path) as person,
    ):
        # An invite that is not a direct chat is declined.
        group = await person.group(bot.user_id, other.user_id)
        # A direct chat that gains a third member: one line, then the bot leaves.
        room = await person.dm(bot.user_id)
        await person.expect(room, "Who is in the pictures or videos?")
        await person.client.room_invite(room, other.user_id)
        await person.expect(room, GROUP_LINE)
        await person.left(room, bot.user_id)
        await person.left(group, bot.user_id)
        assert synapse.joined_rooms(bot.access_token) == set()


async def test_the_bot_leaves_when_the_person_does(synapse: Synapse, tmp_path: Path) -> None:
    bot = register(synapse, "bot")
    async with (
        running_bot(bot_settings(synapse, bot, tmp_path / "data")),
        person_for(synapse, tmp_path) as person,
    ):
        room = await person.dm(bot.user_id)
        await person.expect(room, GREETING)
        assert synapse.joined_rooms(bot.access_token) == {room}
        await person.client.room_leave(room)
        await until(lambda: not synapse.joined_rooms(bot.access_token))


async def test_a_fresh_login_does_not_answer_old_messages(synapse: Synapse, tmp_path: Path) -> None:
    bot = register(synapse, "bot")
    async with person_for(synapse, tmp_path) as person:
        room = await person.dm(bot.user_id)
        synapse.join(bot.access_token, room)
        await person.joined(room, bot.user_id)
        await person.say(room, "/start")
        async with running_bot(bot_settings(synapse, bot, tmp_path / "data")):
            await until((tmp_path / "data" / "matrix" / "sync-token").exists)
            await person.say(room, "/help")
            await person.wait(lambda: person.said(room))
            # Only the new message is answered: its one reply, and no greeting for /start.
            assert not any(GREETING in notice.body for notice in person.said(room))


async def test_a_restart_of_the_bot_resumes_without_replaying(
    synapse: Synapse, tmp_path: Path
) -> None:
    bot = register(synapse, "bot")
    settings = bot_settings(synapse, bot, tmp_path / "data")
    async with person_for(synapse, tmp_path) as person:
        async with running_bot(settings):
            room = await person.dm(bot.user_id, encrypted=True)
            await person.expect(room, "Who is in the pictures or videos?")
            before = len(person.said(room))
            await person.say(room, "1")
            await person.expect(room, "asking for money", after=before)
        answered = len(person.said(room))
        # Written while the bot is away: answered once after the restart, nothing before it.
        await person.say(room, "No")
        async with running_bot(settings):
            await person.expect(room, "How old", after=answered)
            await person.say(room, "18 or older")
            await person.expect(room, "on your phone or computer?", after=answered)
        bodies = [n.body for n in person.said(room)[answered:]]
        assert sum("How old" in body for body in bodies) == 1
        assert not any("Who is in the pictures" in body for body in bodies)
        assert person.undecrypted == 0


async def test_a_restart_of_the_homeserver_is_survived(
    synapse: Synapse, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.transports.matrix")
    bot = register(synapse, "bot")
    async with (
        running_bot(bot_settings(synapse, bot, tmp_path / "data")),
        person_for(synapse, tmp_path) as person,
    ):
        room = await person.dm(bot.user_id)
        await person.expect(room, "Who is in the pictures or videos?")
        synapse.stop()
        await until(lambda: "Matrix: sync failed" in caplog.text)
        synapse.start()
        before = len(person.said(room))
        await person.say(room, "1")
        await person.expect(room, "asking for money", after=before, timeout=90)
        assert "Matrix: syncing again after" in caplog.text
        assert sum(GREETING in n.body for n in person.said(room)) == 1


async def until(condition: Callable[[], bool], timeout: float = 90.0) -> None:
    """Wait for something the bot logs (a limit for a hung test, not a measure)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "not logged in time"
        await asyncio.sleep(0.1)


async def test_reclaim_run_serves_matrix_and_logs_nothing_private(
    synapse: Synapse, tmp_path: Path
) -> None:
    bot = register(synapse, "bot")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "RECLAIM_", "MATRIX_"))
    }
    env.update(
        RECLAIM_DATA_DIR=str(tmp_path / "data"),
        RECLAIM_LOG_LEVEL="DEBUG",
        RECLAIM_FLOOD_LIMIT="10000",
        MATRIX_HOMESERVER=synapse.url,
        MATRIX_USER_ID=bot.user_id,
        MATRIX_ACCESS_TOKEN=bot.access_token,
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=synapse_module.ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with person_for(synapse, tmp_path) as person:
            room = await person.dm(bot.user_id, encrypted=True)
            await person.expect(room, "Who is in the pictures or videos?", timeout=60)
            before = len(person.said(room))
            await person.say(room, "hello there")
            await person.expect(room, "Who is in the pictures or videos?", after=before)
        process.send_signal(signal.SIGTERM)
        _, errors = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, errors.decode()
    logged = errors.decode()
    assert "Matrix: logged in" in logged
    leaks = [word for word in PRIVATE | {room, bot.access_token} if word in logged]
    assert leaks == []


async def test_a_message_that_cannot_be_decrypted_is_asked_for_again(
    synapse: Synapse, tmp_path: Path
) -> None:
    bot = register(synapse, "bot")
    async with (
        running_bot(bot_settings(synapse, bot, tmp_path / "data")),
        person_for(synapse, tmp_path) as person,
    ):
        room = await person.dm(bot.user_id)
        await person.expect(room, GREETING)
        locked = {
            "algorithm": "m.megolm.v1.aes-sha2",
            "ciphertext": "AwgAEhA",
            "sender_key": "c2VuZGVyIGtleSB0aGF0IG5vYm9keSBrbm93cw",
            "session_id": "c2Vzc2lvbiBub2JvZHkgc2hhcmVk",
            "device_id": "NOSUCHDEVICE",
        }
        before = len(person.said(room))
        await person.send(room, locked, kind="m.room.encrypted")
        await person.expect(room, CATALOGS.text("en", "matrix.unreadable"), after=before)
        # The bot carries on.
        before = len(person.said(room))
        await person.say(room, "1")
        await person.expect(room, "asking for money", after=before)


async def test_telegram_and_matrix_run_together_in_one_process(
    synapse: Synapse, tmp_path: Path
) -> None:
    bot = register(synapse, "bot")
    with EmulatorThread() as emu:
        process = BotProcess(
            emu,
            tmp_path / "data",
            MATRIX_HOMESERVER=synapse.url,
            MATRIX_USER_ID=bot.user_id,
            MATRIX_ACCESS_TOKEN=bot.access_token,
        )
        try:
            async with person_for(synapse, tmp_path) as person:
                room = await person.dm(bot.user_id)
                await person.expect(room, GREETING, timeout=60)
                someone = TelegramPerson(emu, emu.add_user(first_name="Robin"), timeout=30)

                def on_telegram() -> None:
                    emu.user_sends_command(someone.user, "/start")
                    someone.expect(GREETING)

                await asyncio.to_thread(on_telegram)
                # Still answering on Matrix after Telegram spoke.
                before = len(person.said(room))
                await person.say(room, "1")
                await person.expect(room, "asking for money", after=before)
            assert await asyncio.to_thread(process.stop) == 0, process.errors
        finally:
            process.kill()
    assert "Matrix: stopping" in process.errors


def stored_sessions(data_dir: Path) -> int:
    with sqlite3.connect(sessions_path(data_dir / "reclaim.sqlite3")) as conn:
        count: int = conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
        return count


async def test_a_kicked_bot_keeps_nothing_of_the_conversation(
    synapse: Synapse, tmp_path: Path
) -> None:
    bot = register(synapse, "bot")
    data = tmp_path / "data"
    async with (
        running_bot(bot_settings(synapse, bot, data)),
        person_for(synapse, tmp_path) as person,
    ):
        room = await person.dm(bot.user_id)
        await person.expect(room, GREETING)
        assert stored_sessions(data) == 1
        await person.client.room_kick(room, bot.user_id)
        await until(lambda: stored_sessions(data) == 0)


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({"MATRIX_PASSWORD": "not the password"}, "reclaim: Matrix refused the login"),
        ({"MATRIX_ACCESS_TOKEN": "syt_not_a_token"}, "reclaim: Matrix refused MATRIX_ACCESS_TOKEN"),
        ({}, "reclaim: set MATRIX_ACCESS_TOKEN or MATRIX_PASSWORD"),
    ],
)
def test_refused_credentials_stop_reclaim_run_with_one_line(
    synapse: Synapse, tmp_path: Path, settings: dict[str, str], said: str
) -> None:
    bot = register(synapse, "bot")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "RECLAIM_", "MATRIX_"))
    }
    env.update(
        RECLAIM_DATA_DIR=str(tmp_path / "data"),
        MATRIX_HOMESERVER=synapse.url,
        MATRIX_USER_ID=bot.user_id,
        **settings,
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=synapse_module.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(said), done.stderr
    assert "Traceback" not in done.stderr


async def test_an_unreachable_homeserver_at_start_up_is_tried_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.transports.matrix")
    settings = Settings(
        data_dir=tmp_path / "data",
        matrix_homeserver=f"http://127.0.0.1:{free_port()}",
        matrix_user_id="@reclaim:localhost",
        matrix_password="unused",
    )
    async with running_bot(settings):
        await until(lambda: "Matrix: can't reach the homeserver" in caplog.text)
    assert "Matrix: stopping" in caplog.text
