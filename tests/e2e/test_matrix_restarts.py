"""The bot on Matrix across restarts and failures, and as the ``reclaim run`` process.

A fresh login answers no old message; a restart of the bot resumes without replaying; a
restart of the homeserver is survived; ``reclaim run`` serves Matrix (beside Telegram too),
logs nothing private, and refuses wrong credentials with one line.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from tests.e2e import synapse as synapse_module
from tests.e2e.matrix_person import bot_settings, running_bot
from tests.e2e.matrix_talk import (
    GREETING,
    PRIVATE,
    person_for,
    register,
    talking,
    until,
)
from tests.e2e.synapse import Synapse, free_port
from tests.e2e.telegram_process import BotProcess
from tests.e2e.telegram_process import Person as TelegramPerson
from tests.telegram_emulator import EmulatorThread


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
            await person.expect(room, GREETING)
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
    async with talking(synapse, tmp_path) as talk:
        person, room = talk.person, talk.room
        synapse.stop()
        await until(lambda: "Matrix: sync failed" in caplog.text)
        synapse.start()
        before = len(person.said(room))
        await person.say(room, "1")
        await person.expect(room, "asking for money", after=before, timeout=90)
        assert "Matrix: syncing again after" in caplog.text
        assert sum(GREETING in n.body for n in person.said(room)) == 1


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
            await person.expect(room, GREETING, timeout=60)
            before = len(person.said(room))
            await person.say(room, "hello there")
            await person.expect(room, GREETING, after=before)
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
