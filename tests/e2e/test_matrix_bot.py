"""Conversations with the bot on Matrix against a real Synapse, a matrix-nio client as the person.

One homeserver serves the module; each test starts its own bot account on it (the bot runs in
the test's event loop on a real store) and its own people. Whole conversations run in a plain
and in an encrypted direct chat, a code is pasted in several parts, the page is linked, the
bot's own lines follow the conversation's language, and one failing event is skipped alone; a
group room is left; a person who leaves or removes the bot ends the conversation. Media:
``test_matrix_media.py``; restarts, homeserver failures and the ``reclaim run`` process:
``test_matrix_restarts.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from bot.companion.codeplan import code_parts
from bot.engine.events import Event, Text
from bot.hashes.items import HashItem, ItemKind
from bot.transports import matrix
from tests.e2e.matrix_talk import (
    CATALOGS,
    GREETING,
    PRIVATE,
    open_case,
    reach_code_prompt,
    register,
    stored_sessions,
    talking,
    until,
)
from tests.e2e.synapse import Synapse
from tests.samples import CREDENTIALS, MD5, PDQ

GROUP_LINE = CATALOGS.text("en", "group.leaving")
LOCKED = {
    "algorithm": "m.megolm.v1.aes-sha2",
    "ciphertext": "AwgAEhA",
    "sender_key": "c2VuZGVyIGtleSB0aGF0IG5vYm9keSBrbm93cw",
    "session_id": "c2Vzc2lvbiBub2JvZHkgc2hhcmVk",
    "device_id": "NOSUCHDEVICE",
}
"""An encrypted message whose key no one ever shared: the bot can't read it."""


async def test_a_whole_conversation_in_a_plain_direct_chat(
    synapse: Synapse, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with talking(synapse, tmp_path) as talk:
        person, room, greeting = talk.person, talk.room, talk.greeting
        assert greeting.content["msgtype"] == "m.notice"
        assert "1. It's me" in greeting.body
        assert "<ol><li>It&#x27;s me</li>" in greeting.content["formatted_body"]
        await reach_code_prompt(person, room)
        number, _ = await open_case(person, room)
        assert number
        assert stored_sessions(talk.settings.data_dir) == 1
        before = len(person.said(room))
        await person.say(room, "/forget")
        await person.expect(room, CATALOGS.text("en", "forget.done"), after=before)
        assert stored_sessions(talk.settings.data_dir) == 0  # erased before the bot said so
        await person.left(room, talk.bot.user_id)
        # The bot's own messages before /forget were redacted.
        assert greeting.event_id in person.redacted
    logged = caplog.text
    assert logged
    leaks = [word for word in PRIVATE | {room} if word in logged]
    assert leaks == []


async def test_a_conversation_in_an_encrypted_direct_chat(synapse: Synapse, tmp_path: Path) -> None:
    async with talking(synapse, tmp_path, encrypted=True) as talk:
        person, room = talk.person, talk.room
        await reach_code_prompt(person, room)
        await open_case(person, room)
    assert person.undecrypted == 0
    said = person.said(room)
    assert said
    assert all(notice.encrypted for notice in said)
    # The crypto store lives in the data directory, beside the login and the sync position.
    folder = talk.settings.data_dir / "matrix"
    assert {p.name for p in folder.iterdir()} >= {"login.json", "sync-token"}
    assert any(p.suffix == ".db" for p in folder.iterdir())
    assert folder.stat().st_mode & 0o777 == 0o700


async def test_a_group_room_is_left_with_one_line(synapse: Synapse, tmp_path: Path) -> None:
    other = register(synapse, "friend")
    async with talking(synapse, tmp_path) as talk:
        person, room, bot = talk.person, talk.room, talk.bot
        # An invite that is not a direct chat is declined.
        group = await person.group(bot.user_id, other.user_id)
        # A direct chat that gains a third member: one line, then the bot leaves.
        await person.client.room_invite(room, other.user_id)
        await person.expect(room, GROUP_LINE)
        await person.left(room, bot.user_id)
        await person.left(group, bot.user_id)
        assert synapse.joined_rooms(bot.access_token) == set()


async def test_the_bot_leaves_when_the_person_does(synapse: Synapse, tmp_path: Path) -> None:
    async with talking(synapse, tmp_path) as talk:
        token = talk.bot.access_token
        assert synapse.joined_rooms(token) == {talk.room}
        await talk.person.client.room_leave(talk.room)
        await until(lambda: not synapse.joined_rooms(token))


async def test_a_message_that_cannot_be_decrypted_is_asked_for_again(
    synapse: Synapse, tmp_path: Path
) -> None:
    async with talking(synapse, tmp_path) as talk:
        person, room = talk.person, talk.room
        before = len(person.said(room))
        await person.send(room, LOCKED, kind="m.room.encrypted")
        await person.expect(room, CATALOGS.text("en", "matrix.unreadable"), after=before)
        # The bot carries on.
        before = len(person.said(room))
        await person.say(room, "1")
        await person.expect(room, "asking for money", after=before)


async def test_a_kicked_bot_keeps_nothing_of_the_conversation(
    synapse: Synapse, tmp_path: Path
) -> None:
    async with talking(synapse, tmp_path) as talk:
        data = talk.settings.data_dir
        assert stored_sessions(data) == 1
        await talk.person.client.room_kick(talk.room, talk.bot.user_id)
        await until(lambda: stored_sessions(data) == 0)


async def test_the_bots_own_lines_come_in_the_conversations_language(
    synapse: Synapse, tmp_path: Path
) -> None:
    async with talking(synapse, tmp_path) as talk:
        person, room = talk.person, talk.room
        for typed in ("/language", "Deutsch"):
            before = len(person.said(room))
            await person.say(room, typed)
            await person.wait(lambda before=before: len(person.said(room)) > before)
        assert await talk.runtime.language("matrix", room) == "de"
        before = len(person.said(room))
        await person.send(room, LOCKED, kind="m.room.encrypted")
        await person.expect(room, CATALOGS.text("de", "matrix.unreadable"), after=before)
        address = await person.upload(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
        before = len(person.said(room))
        await person.send(room, {"msgtype": "m.image", "body": "ich.png", "url": address})
        await person.expect(room, CATALOGS.text("de", "media.refused"), after=before)
        await person.expect(room, CATALOGS.text("de", "matrix.media.remove"), after=before)
    assert not any(
        CATALOGS.text("en", msgid) in notice.body
        for notice in person.said(room)
        for msgid in ("matrix.unreadable", "matrix.media.remove")
    )


async def test_a_code_pasted_in_several_messages_opens_one_case(
    synapse: Synapse, tmp_path: Path
) -> None:
    items = [
        HashItem(ItemKind.IMAGE, (("pdq", PDQ), ("md5", MD5))),
        HashItem(ItemKind.IMAGE, (("pdq", "a5" * 32), ("md5", "3" * 32))),
        HashItem(ItemKind.FILE, (("md5", "2" * 32),)),
    ]
    parts = code_parts(items, per_part=1)
    assert len(parts) == 3
    async with talking(synapse, tmp_path, encrypted=True) as talk:
        person, room = talk.person, talk.room
        await reach_code_prompt(person, room)
        for part in parts:
            before = len(person.said(room))
            await person.say(room, part.text)
            await person.wait(lambda before=before: len(person.said(room)) > before)
        await person.expect(room, "pictures: 2, videos and other files: 1", after=before)
        before = len(person.said(room))
        await person.say(room, "Open my case")
        opened = await person.expect(room, "Case number:", after=before)
        found = CREDENTIALS.search(opened.body)
        assert found
        PRIVATE.update(found.groups())
    assert sum("Case number:" in notice.body for notice in person.said(room)) == 1


async def test_one_failing_event_does_not_stop_the_bot(
    synapse: Synapse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event the router can't map, and one whose handling raises: each is skipped alone."""
    async with talking(synapse, tmp_path) as talk:
        person, room, runtime = talk.person, talk.room, talk.runtime
        real_action, real_handle = matrix._action, runtime.handle

        def action(room_id: str, source: Mapping[str, Any], *args: Any) -> Any:
            if source.get("content", {}).get("body") == "unmappable":
                raise KeyError("an event of a shape no one foresaw")
            return real_action(room_id, source, *args)

        async def handle(transport: Any, chat_id: str, event: Event, *args: Any) -> None:
            if isinstance(event, Text) and event.text == "unhandled":
                raise ValueError("a bug in handling one event")
            await real_handle(transport, chat_id, event, *args)

        monkeypatch.setattr(matrix, "_action", action)
        monkeypatch.setattr(runtime, "handle", handle)
        for bad in ("unmappable", "unhandled"):
            before = len(person.said(room))
            await person.say(room, bad)
            await person.say(room, "1")
            await person.expect(room, "asking for money", after=before)
            # Back to the first question for the next round.
            before = len(person.said(room))
            await person.say(room, "/cancel")
            await person.expect(room, GREETING, after=before)


async def test_the_companion_page_is_linked_with_a_public_address(
    synapse: Synapse, tmp_path: Path
) -> None:
    public = "https://reclaim.example.org/"
    async with talking(synapse, tmp_path, public_url=public) as talk:
        person, room = talk.person, talk.room
        await reach_code_prompt(person, room)
    address = "https://reclaim.example.org/companion/?lang=en"
    linked = [notice for notice in person.said(room) if address in notice.body]
    assert linked, [notice.body for notice in person.said(room)]
    assert f'<a href="{address}">' in linked[-1].content["formatted_body"]
