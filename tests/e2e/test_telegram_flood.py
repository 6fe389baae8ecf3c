"""The flood guard of the real bot process, at its default limit, against the Bot API emulator.

The shared bot of ``test_telegram_bot.py`` lifts the limit so that fast test people are not
slowed; here a bot of its own keeps it, and three albums of ten photos arrive at once.
"""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.i18n import Catalogs
from tests.e2e.telegram_process import BotProcess, Person
from tests.telegram_emulator import EmulatorThread

CATALOGS = Catalogs.load()
SLOW_DOWN = CATALOGS.text("en", "flood.slow_down")
STARTED = 15.0


def test_every_photo_of_three_albums_is_deleted_under_the_flood_limit(tmp_path: Path) -> None:
    limit = Settings().flood_limit
    with EmulatorThread() as emu:
        process = BotProcess(emu, tmp_path / "data", RECLAIM_FLOOD_LIMIT=str(limit))
        try:
            polling = emu.wait_until_sync(lambda: emu.calls_to("getUpdates") or None, STARTED)
            assert polling, process.errors
            person = Person(emu, emu.add_user(first_name="Robin"))
            emu.user_sends_command(person.user, "/start")
            person.question()
            sent = [
                emu.user_sends_photo(person.user, media_group_id=f"album{album}")["message"][
                    "message_id"
                ]
                for album in range(3)
                for _ in range(10)
            ]
            assert len(sent) > limit  # the albums do flood
            for message_id in sent:
                emu.wait_for_call_sync(
                    "deleteMessage", chat_id=person.chat, message_id=message_id, timeout=20
                )
            visible = [m for m in sent if not emu.find_message(person.chat, m).deleted]  # type: ignore[union-attr]
            assert visible == []
            # Each photo is deleted before anything is said about it, and one at a time: by now
            # the warning has been sent, if it was going to be.
            said = [m.text for m in emu.bot_messages(person.user)]
            assert said.count(SLOW_DOWN) == 1, emu.transcript(person.user)
            assert process.stop() == 0, process.errors
        finally:
            process.kill()
