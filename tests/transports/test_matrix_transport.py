"""The Matrix transport's own lines, on a stand-in client: in the conversation's language.

The runtime is real (its store on a temp file); the homeserver is a stand-in that records what
would be sent, so these tests need no Synapse (the end-to-end ones do).
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from nio import MatrixRoom, RoomRedactError, RoomSendResponse

from bot.engine.events import Command, Start, Text
from bot.i18n import Catalogs
from bot.runtime import Runtime
from bot.transports.matrix import UNREADABLE
from bot.transports.matrix_transport import NAME, REMOVE_ASK, MatrixTransport
from tests.conftest import RecordingTransport

BOT = "@reclaim:localhost"
ROOM = "!a-direct-chat:localhost"


class StandInClient:
    """What ``MatrixTransport`` uses of matrix-nio's client, recording the sent contents."""

    def __init__(self) -> None:
        self.user_id = BOT
        self.olm = None
        self.rooms = {ROOM: MatrixRoom(ROOM, BOT)}  # default power levels: the bot can't redact
        self.sent: list[dict[str, Any]] = []

    async def room_send(self, room_id: str, kind: str, content: dict[str, Any], **_: Any) -> Any:
        self.sent.append(content)
        return RoomSendResponse(f"$sent{len(self.sent)}", room_id)

    async def room_redact(self, room_id: str, event_id: str) -> Any:
        return RoomRedactError("not allowed")


async def in_german(runtime: Runtime) -> None:
    """A conversation in the room, switched to German by ``/language``."""
    recorder = RecordingTransport(name=NAME)
    for event in (Start(), Command("language"), Text("Deutsch")):
        await runtime.handle(recorder, ROOM, event)
    assert await runtime.language(NAME, ROOM) == "de"


def transport_for(runtime: Runtime) -> tuple[MatrixTransport, StandInClient]:
    client = StandInClient()
    transport = MatrixTransport(
        client,  # type: ignore[arg-type]
        runtime.catalogs,
        lambda room_id: runtime.language(NAME, room_id),
    )
    return transport, client


async def test_an_unreadable_message_is_asked_for_again_in_the_conversations_language(
    runtime: Runtime, catalogs: Catalogs
) -> None:
    await in_german(runtime)
    transport, client = transport_for(runtime)
    await transport.say(ROOM, UNREADABLE)
    assert [c["body"] for c in client.sent] == [catalogs.text("de", UNREADABLE)]
    assert catalogs.text("de", UNREADABLE) != catalogs.text("en", UNREADABLE)


async def test_the_removal_ask_is_in_the_conversations_language(
    runtime: Runtime, catalogs: Catalogs
) -> None:
    await in_german(runtime)
    transport, client = transport_for(runtime)
    transport.media_arrived(ROOM, "$picture")
    assert not await transport.delete(ROOM, "$picture")
    assert [c["body"] for c in client.sent] == [catalogs.text("de", REMOVE_ASK)]
    assert catalogs.text("de", REMOVE_ASK) != catalogs.text("en", REMOVE_ASK)


async def test_a_room_without_a_conversation_gets_the_default_language(
    runtime: Runtime, catalogs: Catalogs
) -> None:
    transport, client = transport_for(runtime)
    await transport.say(ROOM, UNREADABLE)
    assert [c["body"] for c in client.sent] == [catalogs.text("en", UNREADABLE)]


async def test_a_failing_database_still_lets_the_line_through_in_the_default_language(
    runtime: Runtime, catalogs: Catalogs, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unreadable(key: str, now: float) -> str | None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(runtime.store, "load_session", unreadable)
    transport, client = transport_for(runtime)
    await transport.say(ROOM, UNREADABLE)
    assert [c["body"] for c in client.sent] == [catalogs.text("en", UNREADABLE)]
