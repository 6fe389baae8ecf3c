"""The Matrix calls the runtime makes: send a notice, redact an event, leave a room.

What belongs here: :class:`MatrixTransport`, the runtime's ``Transport`` for Matrix, and the
little it must remember in memory: the options last shown in each room (so a typed number picks
one; lost at a restart, when typing the label still works) and which incoming events were media
(so a media event the bot may not redact is answered with a request to remove it). What does
not: syncing, logging in, or mapping events (``matrix.py``, ``matrix_events.py``).

The transport's own lines (the request to remove a media message, the request to send an
unreadable message again) are in the language of the room's conversation, which the runtime
is asked for (``language``); the transport keeps no language of its own.

Encrypted rooms: before each send, the devices of the room's members that the bot has not seen
before are trusted (trust on first use), so the message is encrypted for them without anyone
verifying anything; matrix-nio keeps that trust, and the bot's own keys, in the crypto store.

Nothing here logs a room id, a user id or any text; failures are logged by type.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from nio import (
    RoomLeaveResponse,
    RoomRedactResponse,
    RoomSendResponse,
)
from nio.client.async_client import AsyncClient

from bot.i18n import Catalogs, Rendered
from bot.transports.matrix_events import notice_content, plain_notice

log = logging.getLogger(__name__)

NAME = "matrix"
REMEMBERED_ROOMS = 10_000
"""Rooms whose last options (and pending media) are kept in memory; the oldest are dropped."""
REMOVE_ASK = "matrix.media.remove"
_T = TypeVar("_T")
Language = Callable[[str], Awaitable[str | None]]
"""A room's conversation language (None: the default), e.g. ``Runtime.language`` for Matrix."""


class MatrixTransport:
    """Sends notices, redacts and leaves, for the runtime."""

    name = NAME

    def __init__(
        self, client: AsyncClient, catalogs: Catalogs, language: Language | None = None
    ) -> None:
        self.client = client
        self.catalogs = catalogs
        self._language = language
        self._buttons: OrderedDict[str, tuple[tuple[str, str], ...]] = OrderedDict()
        self._media: OrderedDict[str, set[str]] = OrderedDict()

    # --- what the router needs -----------------------------------------------------------------

    def buttons(self, room_id: str) -> tuple[tuple[str, str], ...]:
        """The ``(choice, label)`` options last shown in a room (for a typed number)."""
        return self._buttons.get(room_id, ())

    def media_arrived(self, room_id: str, event_id: str) -> None:
        """Note an incoming media event, so a failed removal asks the person to remove it."""
        _touch(self._media, room_id, set()).add(event_id)

    def forget_room(self, room_id: str) -> None:
        """Drop what is remembered about a room."""
        self._buttons.pop(room_id, None)
        self._media.pop(room_id, None)

    # --- the runtime's Transport ---------------------------------------------------------------

    async def send(self, chat_id: str, message: Rendered) -> str | None:
        """Send a message as an ``m.notice``; returns its event id for a later redaction."""
        if message.buttons:
            _touch(self._buttons, chat_id, message.buttons)
            self._buttons[chat_id] = message.buttons  # the newest options replace older ones
        return await self._send(chat_id, notice_content(message))

    async def delete(self, chat_id: str, ref: str) -> bool:
        """Redact an event: the bot's own, or the person's when the bot has the power.

        An incoming media event the bot may not redact is answered with a request to remove it
        for everyone (the engine has already said why).
        """
        media = self._media.get(chat_id, set())
        is_media = ref in media
        media.discard(ref)
        room = self.client.rooms.get(chat_id)
        if (
            is_media
            and room is not None
            and not room.power_levels.can_user_redact(self.client.user_id)
        ):
            await self.say(chat_id, REMOVE_ASK)
            return False
        try:
            answer = await self.client.room_redact(chat_id, ref)
        except Exception as exc:
            log.warning("Matrix: a redaction failed: %s", type(exc).__name__)
            return False
        if isinstance(answer, RoomRedactResponse):
            return True
        if is_media:
            await self.say(chat_id, REMOVE_ASK)
        return False

    async def leave(self, chat_id: str) -> None:
        """Leave the room and forget it (the person can no longer be reached there)."""
        self.forget_room(chat_id)
        left = await self.client.room_leave(chat_id)
        if not isinstance(left, RoomLeaveResponse):
            log.warning("Matrix: leaving a room failed: %s", type(left).__name__)
            return
        await self.client.room_forget(chat_id)

    async def say(self, room_id: str, msgid: str) -> str | None:
        """Send one of the transport's own lines, in the language of the room's conversation."""
        lang = await self._language(room_id) if self._language is not None else None
        return await self._send(room_id, plain_notice(self.catalogs.text(lang, msgid)))

    # --- sending -------------------------------------------------------------------------------

    async def _send(self, room_id: str, content: dict[str, Any]) -> str | None:
        room = self.client.rooms.get(room_id)
        if room is not None and room.encrypted:
            self.trust_new_devices(room_id)
        answer = await self.client.room_send(
            room_id, "m.room.message", content, ignore_unverified_devices=True
        )
        if isinstance(answer, RoomSendResponse):
            event_id: str = answer.event_id
            return event_id
        log.warning("Matrix: sending failed: %s", type(answer).__name__)
        return None

    def trust_new_devices(self, room_id: str) -> int:
        """Trust the devices of the room's members seen for the first time; returns how many."""
        room = self.client.rooms.get(room_id)
        if room is None or self.client.olm is None:
            return 0
        trusted = 0
        for user_id in room.users:
            if user_id == self.client.user_id:
                continue
            for device in self.client.device_store.active_user_devices(user_id):
                if not device.verified and not device.blacklisted and not device.ignored:
                    self.client.verify_device(device)
                    trusted += 1
        return trusted


def _touch(cache: OrderedDict[str, _T], key: str, default: _T) -> _T:
    """The entry for ``key`` (made from ``default`` if missing), now the most recent."""
    value = cache.setdefault(key, default)
    cache.move_to_end(key)
    while len(cache) > REMEMBERED_ROOMS:
        cache.popitem(last=False)
    return value
