"""Matrix transport (matrix-nio): log in, sync, hand each event to the runtime.

What belongs here: logging in (:func:`log_in`), the sync loop (:func:`sync_forever`) with its
back-off and saved position, the :class:`Router` that turns a sync's rooms into runtime calls
(through ``matrix_events.py``), and :func:`run_matrix`. What does not: sending, redacting and
leaving (``matrix_transport.py``), mapping events (``matrix_events.py``), the files kept in the
data directory (``matrix_state.py``), deciding what to say (the engine).

A restart never answers a message twice: the sync position is saved after the events before it
were handled, and the first sync after a fresh login (no saved position) only accepts waiting
invites, leaving old messages unanswered. Every run's first sync asks for the full state of the
rooms, so the bot knows which rooms are encrypted before it says anything there.

Sync errors and a homeserver that is away: the bot logs one line per try and tries again with
doubling pauses up to :data:`MAX_PAUSE`, from the saved position. One bad event (one that
can't be mapped, or whose handling fails) is logged by type and skipped; the others are handled.

Privacy: nothing here logs a room id, a user id or any text, and matrix-nio's own logs (which
name rooms and users) are silenced. Media is never downloaded: no ``mxc://`` address or
attachment key is ever read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar

import aiohttp
from nio import (
    InviteInfo,
    JoinResponse,
    LoginResponse,
    MegolmEvent,
    RoomInfo,
    SyncResponse,
    WhoamiResponse,
)
from nio.client.async_client import AsyncClient, AsyncClientConfig

from bot.config import ConfigError, Settings
from bot.engine.events import GroupChat, Media, Start
from bot.runtime import Runtime
from bot.transports.matrix_events import (
    Gone,
    ToEngine,
    accept_invite,
    membership_action,
    message_action,
)
from bot.transports.matrix_state import Login, StateDir
from bot.transports.matrix_transport import NAME, MatrixTransport

log = logging.getLogger(__name__)

POLL_MS = 30_000
"""How long one sync waits on the homeserver for something new."""
FIRST_PAUSE = 1.0
MAX_PAUSE = 60.0
"""The longest pause between sync tries while the homeserver is away."""
TIMELINE_LIMIT = 50
"""Events per room in one sync: more than a person sends while the bot restarts."""
SYNC_FILTER: dict[str, Any] = {
    "presence": {"types": []},
    "account_data": {"types": []},
    "room": {
        "timeline": {"limit": TIMELINE_LIMIT},
        "ephemeral": {"types": []},
        "account_data": {"types": []},
    },
}
UNREADABLE = "matrix.unreadable"
"""Said once per sync in a room where a message could not be decrypted."""
_T = TypeVar("_T")


class LoggedOutError(Exception):
    """The homeserver no longer accepts the bot's access token."""


def client_for(settings: Settings, state: StateDir) -> AsyncClient:
    """A matrix-nio client with end-to-end encryption and its store in the data directory."""
    if not (settings.matrix_homeserver and settings.matrix_user_id):
        raise ConfigError("MATRIX_HOMESERVER and MATRIX_USER_ID must both be set for Matrix")
    config = AsyncClientConfig(
        encryption_enabled=True,
        store_sync_tokens=False,
        max_timeouts=2,
        request_timeout=POLL_MS / 1000 + 30,
    )
    return AsyncClient(
        settings.matrix_homeserver,
        settings.matrix_user_id,
        store_path=str(state.ensure()),
        config=config,
    )


async def log_in(client: AsyncClient, settings: Settings, state: StateDir) -> None:
    """Log in as the saved device: with the environment's token, a saved one, or the password.

    Loads the crypto store of that device (made on the first login).

    Raises:
        ConfigError: no credential, or the homeserver refused it.
    """
    user = settings.matrix_user_id or ""
    saved = state.load_login(user)
    if settings.matrix_access_token:
        client.access_token = settings.matrix_access_token
        who = await client.whoami()
        if not isinstance(who, WhoamiResponse) or not who.device_id:
            raise ConfigError("Matrix refused MATRIX_ACCESS_TOKEN (or it has no device)")
        if who.user_id != user:
            raise ConfigError("MATRIX_ACCESS_TOKEN belongs to another account than MATRIX_USER_ID")
        client.restore_login(user, who.device_id, settings.matrix_access_token)
        state.save_login(Login(user, who.device_id))
        return
    if saved is not None and saved.access_token:
        client.restore_login(user, saved.device_id, saved.access_token)
        return
    if not settings.matrix_password:
        raise ConfigError("set MATRIX_ACCESS_TOKEN or MATRIX_PASSWORD for the Matrix account")
    if saved is not None:
        client.device_id = saved.device_id  # the same device, so its crypto store still fits
    answer = await client.login(settings.matrix_password, device_name=settings.matrix_device_name)
    if not isinstance(answer, LoginResponse):
        raise ConfigError(f"Matrix refused the login ({getattr(answer, 'status_code', '')})")
    state.save_login(Login(user, answer.device_id, answer.access_token))


class Router:
    """Hands a sync's events to the runtime; one failing event is logged by type and skipped."""

    def __init__(self, runtime: Runtime, transport: MatrixTransport) -> None:
        self.runtime = runtime
        self.transport = transport
        self.client = transport.client
        self._greet: set[str] = set()
        """Rooms joined but not yet seen in a sync: greeted once their state is known."""

    async def on_sync(self, response: SyncResponse, *, skip_timeline: bool = False) -> None:
        """Handle one sync: invites, every joined room's events (rooms concurrently), and the
        rooms the bot is no longer in."""
        await asyncio.gather(
            *(
                _logged("an invite", self._invited(room_id, invite))
                for room_id, invite in response.rooms.invite.items()
            )
        )
        if skip_timeline:
            return
        await asyncio.gather(
            *(self._room(room_id, info) for room_id, info in response.rooms.join.items())
        )
        for room_id in response.rooms.leave:
            # Left, kicked or banned: nothing of the conversation is kept.
            self.transport.forget_room(room_id)
            await _logged("a room left", self.runtime.drop(NAME, room_id))

    async def _invited(self, room_id: str, invite: InviteInfo) -> None:
        # matrix-nio moves a member event's content out of its source: put it back.
        state = [
            {**event.source, "content": getattr(event, "content", None)}
            for event in invite.invite_state
            if isinstance(getattr(event, "source", None), dict)
        ]
        if not accept_invite(state, self.client.user_id):
            log.info("Matrix: an invite to a room that is not a direct chat was declined")
            await self.client.room_leave(room_id)
            return
        joined = await self.client.join(room_id)
        if isinstance(joined, JoinResponse):
            self._greet.add(room_id)
        else:
            log.warning("Matrix: joining a direct chat failed: %s", type(joined).__name__)

    async def _room(self, room_id: str, info: RoomInfo) -> None:
        room = self.client.rooms.get(room_id)
        members = room.member_count if room is not None else 0
        if room_id in self._greet:
            self._greet.discard(room_id)
            if members <= 2:
                await _logged("a greeting", self._to_engine(ToEngine(room_id, Start())))
        unreadable = False
        for event in info.timeline.events:
            if isinstance(event, MegolmEvent):
                if event.sender != self.client.user_id and not unreadable and members <= 2:
                    unreadable = True
                    log.info("Matrix: an encrypted message could not be read")
                    await _logged("a key request", self.client.request_room_key(event))
                    await _logged("a notice", self.transport.say(room_id, UNREADABLE))
                continue
            source: Mapping[str, Any] = getattr(event, "source", {}) or {}
            try:
                action = _action(room_id, source, self.client.user_id, members, self.transport)
            except Exception as exc:  # an event of a shape no one foresaw: skip it alone
                log.warning("Matrix: an event failed: %s", type(exc).__name__)
                continue
            if action is None:
                continue
            await _logged("an event", self._act(action))
            if isinstance(action, Gone) or (
                isinstance(action, ToEngine) and isinstance(action.event, GroupChat)
            ):
                return  # the bot has left: the room's other events are not for it

    async def _act(self, action: ToEngine | Gone) -> None:
        if isinstance(action, Gone):
            await self.runtime.drop(NAME, action.room_id)
            await self.transport.leave(action.room_id)
            return
        await self._to_engine(action)

    async def _to_engine(self, todo: ToEngine) -> None:
        if isinstance(todo.event, Media) and todo.incoming_ref is not None:
            self.transport.media_arrived(todo.room_id, todo.incoming_ref)
        await self.runtime.handle(self.transport, todo.room_id, todo.event, todo.incoming_ref)
        if todo.leave_after:
            await self.transport.leave(todo.room_id)


def _action(
    room_id: str,
    source: Mapping[str, Any],
    bot_user_id: str,
    members: int,
    transport: MatrixTransport,
) -> ToEngine | Gone | None:
    if source.get("type") == "m.room.member":
        return membership_action(room_id, source, bot_user_id=bot_user_id, members=members)
    return message_action(
        room_id,
        source,
        bot_user_id=bot_user_id,
        members=members,
        buttons=transport.buttons(room_id),
    )


async def _logged(what: str, work: Awaitable[object]) -> None:
    """Run one piece of work; a failure is logged by its type only and goes no further."""
    try:
        await work
    except Exception as exc:
        log.warning("Matrix: %s failed: %s", what, type(exc).__name__)


async def maintain_keys(client: AsyncClient) -> None:
    """Upload, query and claim encryption keys, and send queued to-device messages."""
    if client.olm is None:
        return
    if client.should_upload_keys:
        await client.keys_upload()
    if client.should_query_keys:
        await client.keys_query()
    if client.should_claim_keys:
        await client.keys_claim(client.get_users_for_key_claiming())
    await client.send_to_device_messages()


async def _until(stop: asyncio.Event, work: Awaitable[_T]) -> _T | None:
    """``work``'s result, or None if ``stop`` is set first (the work is then cancelled)."""
    task = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        done, _ = await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if task in done:
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    return None


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def sync_pause(tries: int, first: float = FIRST_PAUSE) -> float:
    """Seconds to wait after ``tries`` failed syncs in a row: doubling, at most MAX_PAUSE."""
    doublings: int = min(max(tries, 1) - 1, 32)
    return min(MAX_PAUSE, first * float(2**doublings))


async def sync_forever(
    client: AsyncClient,
    router: Router,
    state: StateDir,
    stop: asyncio.Event,
    *,
    first_pause: float = FIRST_PAUSE,
    poll_ms: int = POLL_MS,
) -> None:
    """Sync until ``stop`` is set, saving the position after each handled sync.

    Raises:
        LoggedOutError: the homeserver refused the access token.
    """
    token = state.load_sync_token()
    fresh = token is None
    full_state = True
    tries = 0
    while not stop.is_set():
        try:
            response = await _until(
                stop,
                client.sync(
                    timeout=0 if full_state else poll_ms,
                    sync_filter=SYNC_FILTER,
                    since=token,
                    full_state=full_state or None,
                ),
            )
        except Exception as exc:
            response = exc
        if response is None:
            return
        if not isinstance(response, SyncResponse):
            if getattr(response, "status_code", None) == "M_UNKNOWN_TOKEN":
                raise LoggedOutError
            tries += 1
            wait = sync_pause(tries, first_pause)
            log.warning(
                "Matrix: sync failed (%s, try %d); trying again in %g s",
                type(response).__name__,
                tries,
                wait,
            )
            await _pause(stop, wait)
            continue
        if tries:
            log.info("Matrix: syncing again after %d failed tries", tries)
        tries = 0
        await _logged("key upkeep", maintain_keys(client))
        await router.on_sync(response, skip_timeline=fresh)
        await _logged("key upkeep", maintain_keys(client))
        token = response.next_batch
        state.save_sync_token(token)
        fresh = full_state = False


async def run_matrix(runtime: Runtime, settings: Settings, stop: asyncio.Event) -> None:
    """Run the bot on Matrix until ``stop`` is set.

    Raises:
        ConfigError: settings missing, or the homeserver refused the credentials.
    """
    _quiet_library_logs()
    state = StateDir(settings.data_dir)
    client = client_for(settings, state)
    try:
        for attempt in range(2):
            if not await _logged_in(client, settings, state, stop):
                log.info("Matrix: stopping")
                return
            transport = MatrixTransport(
                client, runtime.catalogs, lambda room_id: runtime.language(NAME, room_id)
            )
            log.info("Matrix: logged in; syncing")
            try:
                await sync_forever(client, Router(runtime, transport), state, stop)
                break
            except LoggedOutError:
                state.forget_token()
                if attempt or not settings.matrix_password:
                    raise ConfigError("Matrix refused the access token") from None
                log.warning("Matrix: the access token was refused; logging in again")
        log.info("Matrix: stopping")
    finally:
        await client.close()  # type: ignore[no-untyped-call]


async def _logged_in(
    client: AsyncClient, settings: Settings, state: StateDir, stop: asyncio.Event
) -> bool:
    """Log in, trying again with growing pauses while the homeserver can't be reached.

    Returns:
        True once logged in; False if ``stop`` was set first.
    """
    tries = 0
    while not stop.is_set():
        try:
            await _until(stop, log_in(client, settings, state))
            return not stop.is_set()
        except (OSError, aiohttp.ClientError, TimeoutError) as exc:
            tries += 1
            wait = sync_pause(tries)
            log.warning(
                "Matrix: can't reach the homeserver (%s, try %d); trying again in %g s",
                type(exc).__name__,
                tries,
                wait,
            )
            await _pause(stop, wait)
    return False


def _quiet_library_logs() -> None:
    """matrix-nio logs room ids, user ids and event ids; keep its logs out of ours."""
    for name in ("nio", "peewee"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
