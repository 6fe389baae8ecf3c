"""A person on Matrix for the end-to-end tests: a second matrix-nio client, and the bot beside it.

``Person`` logs in to the test Synapse with its own device (and crypto store, for encrypted
rooms), opens a direct chat with the bot the way Element does (``is_direct``, optionally
encrypted from the start), sends messages and waits for the bot's notices. ``running_bot`` runs
:func:`bot.transports.matrix.run_matrix` in the test's event loop on a real store, until the
block ends.

What belongs here: the person's client and the waits a conversation needs. What does not: the
homeserver (``synapse.py``), the assertions (the tests).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nio import (
    MegolmEvent,
    RoomCreateResponse,
    RoomMessageNotice,
    RoomSendResponse,
    SyncResponse,
    UploadResponse,
)
from nio.client.async_client import AsyncClient, AsyncClientConfig

from bot.cases.store import Store
from bot.config import Settings, derive_key
from bot.data import load_helplines
from bot.i18n import Catalogs
from bot.runtime import Runtime
from bot.transports.matrix import run_matrix
from tests.conftest import FAST_SCRYPT_N, TEST_SECRET
from tests.e2e.synapse import Registered, Synapse

WAIT = 20.0
"""How long a step of a conversation may take before the test gives up (not a measure)."""


@dataclass
class Notice:
    """A notice the bot sent: its event id and plain body."""

    event_id: str
    body: str
    content: dict[str, Any] = field(default_factory=dict)
    encrypted: bool = False


class Person:
    """One person's client: their DM rooms with the bot, and what the bot said there."""

    def __init__(self, synapse: Synapse, who: Registered, store: Path) -> None:
        store.mkdir(parents=True, exist_ok=True)
        self.who = who
        self.client = AsyncClient(
            synapse.url,
            who.user_id,
            store_path=str(store),
            config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False),
        )
        self.notices: dict[str, list[Notice]] = {}
        self.undecrypted = 0
        self.redacted: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    async def __aenter__(self) -> Person:
        answer = await self.client.login(self.who.password, device_name="person")
        assert not hasattr(answer, "status_code"), answer
        self._task = asyncio.create_task(self._sync())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.client.close()

    async def _sync(self) -> None:
        since: str | None = None
        while True:
            response = await self.client.sync(timeout=1000, since=since)
            if not isinstance(response, SyncResponse):
                await asyncio.sleep(0.2)
                continue
            since = response.next_batch
            await self._keys()
            for room_id, info in response.rooms.join.items():
                for event in info.timeline.events:
                    self._record(room_id, event)
            self._changed.set()

    async def _keys(self) -> None:
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        if self.client.should_query_keys:
            await self.client.keys_query()
        if self.client.should_claim_keys:
            await self.client.keys_claim(self.client.get_users_for_key_claiming())
        await self.client.send_to_device_messages()

    def _record(self, room_id: str, event: Any) -> None:
        source = getattr(event, "source", {}) or {}
        if source.get("type") == "m.room.redaction" and isinstance(source.get("redacts"), str):
            self.redacted.add(source["redacts"])
        if isinstance(event, MegolmEvent):
            self.undecrypted += 1
        elif isinstance(event, RoomMessageNotice) and event.sender != self.who.user_id:
            self.notices.setdefault(room_id, []).append(
                Notice(
                    event.event_id,
                    event.body,
                    dict(source.get("content", {})),
                    encrypted=bool(getattr(event, "decrypted", False)),
                )
            )

    async def wait(self, condition: Callable[[], Any], timeout: float = WAIT) -> Any:
        """Wait until ``condition()`` is truthy after a sync; returns its value."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = condition()
            if value:
                return value
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError("the bot did not answer in time")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    async def dm(self, bot_user_id: str, *, encrypted: bool = False) -> str:
        """Open a direct chat with the bot, as Element does; returns the room id."""
        state = []
        if encrypted:
            state.append(
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            )
        answer = await self.client.room_create(
            is_direct=True, invite=[bot_user_id], initial_state=state
        )
        assert isinstance(answer, RoomCreateResponse), answer
        return str(answer.room_id)

    async def group(self, *invite: str) -> str:
        """A room with several people (the bot among them)."""
        answer = await self.client.room_create(invite=list(invite))
        assert isinstance(answer, RoomCreateResponse), answer
        return str(answer.room_id)

    async def say(self, room_id: str, text: str) -> str:
        """Send a text message; returns its event id."""
        return await self.send(room_id, {"msgtype": "m.text", "body": text})

    async def send(
        self, room_id: str, content: dict[str, Any], kind: str = "m.room.message"
    ) -> str:
        """Send any event content (trusting the bot's devices, as a person would on first use)."""
        room = self.client.rooms.get(room_id)
        if room is not None and room.encrypted:
            await self.wait(lambda: self._trust(room_id))
        answer = await self.client.room_send(room_id, kind, content, ignore_unverified_devices=True)
        assert isinstance(answer, RoomSendResponse), answer
        return str(answer.event_id)

    def _trust(self, room_id: str) -> bool:
        room = self.client.rooms[room_id]
        devices = [
            device
            for user in room.users
            if user != self.who.user_id
            for device in self.client.device_store.active_user_devices(user)
        ]
        for device in devices:
            if not device.verified:
                self.client.verify_device(device)
        return bool(devices)

    async def upload(self, data: bytes, mime: str = "image/png") -> str:
        """Upload media to the homeserver; returns its mxc:// address."""
        answer, _ = await self.client.upload(lambda *_: data, content_type=mime, filesize=len(data))
        assert isinstance(answer, UploadResponse), answer
        return str(answer.content_uri)

    async def let_bot_redact(self, room_id: str, bot_user_id: str) -> None:
        """Give the bot the power to remove other people's messages in the room."""
        levels = await self.client.room_get_state_event(room_id, "m.room.power_levels")
        content = dict(levels.content)
        users = dict(content.get("users", {}))
        users[bot_user_id] = max(50, int(content.get("redact", 50)))
        content["users"] = users
        answer = await self.client.room_put_state(room_id, "m.room.power_levels", content)
        assert hasattr(answer, "event_id"), answer
        await self.wait(
            lambda: self.client.rooms[room_id].power_levels.can_user_redact(bot_user_id)
        )

    def said(self, room_id: str) -> list[Notice]:
        """The bot's notices in a room so far."""
        return self.notices.get(room_id, [])

    async def expect(
        self, room_id: str, words: str, after: int = 0, timeout: float = WAIT
    ) -> Notice:
        """Wait for a notice (the ``after``-th or later) that contains ``words``."""

        def found() -> Notice | None:
            for notice in self.said(room_id)[after:]:
                if words in notice.body:
                    return notice
            return None

        notice: Notice = await self.wait(found, timeout)
        return notice

    async def joined(self, room_id: str, user_id: str) -> bool:
        """Wait until ``user_id`` has joined the room."""

        def there() -> bool:
            room = self.client.rooms.get(room_id)
            return room is not None and user_id in room.users and user_id not in room.invited_users

        await self.wait(there)
        return True

    async def left(self, room_id: str, user_id: str) -> bool:
        """Wait until ``user_id`` is no longer in the room."""

        def gone() -> bool:
            room = self.client.rooms.get(room_id)
            return room is not None and user_id not in room.users

        await self.wait(gone)
        return True


def bot_settings(synapse: Synapse, bot: Registered, data_dir: Path) -> Settings:
    """Settings for the bot on the test homeserver (password login, fast everything)."""
    return Settings(
        data_dir=data_dir,
        flood_limit=10_000,
        matrix_homeserver=synapse.url,
        matrix_user_id=bot.user_id,
        matrix_password=bot.password,
    )


@asynccontextmanager
async def running_bot(settings: Settings) -> AsyncIterator[Runtime]:
    """The bot on Matrix in this event loop, on a real store in its data directory."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = await Store.open(
        settings.data_dir / "reclaim.sqlite3",
        pepper=derive_key(TEST_SECRET, "pin"),
        scrypt_n=FAST_SCRYPT_N,
    )
    runtime = Runtime(
        store,
        Catalogs.load(),
        secret=TEST_SECRET,
        settings=replace(settings),
        helplines=load_helplines(),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(run_matrix(runtime, settings, stop))
    try:
        yield runtime
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, 30)
        finally:
            await store.close()
