"""The mutable emulated world and the ways a test inspects and waits on it.

What belongs here: `EmulatorState`, which holds users, chats, messages, the update queue,
recorded calls, callback queries, bot settings and injected faults behind one lock, and
notifies waiters in any thread or event loop when something changes. Query methods
(`calls_to`, `bot_messages`, `transcript`, ...) and waits (`wait_for_call`,
`wait_for_call_sync`, ...) live here too. Acting as users is in `users.py` and `media.py`;
answering Bot API methods is in `methods.py` and `settings.py`; HTTP is in `server.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from .model import (
    ERR_CHAT_NOT_FOUND,
    JSON,
    ApiCall,
    ApiError,
    CallbackQueryRecord,
    FakeChat,
    FakeClock,
    FakeUser,
    IdSource,
    StoredFile,
    StoredMessage,
    WebhookDelivery,
)
from .params import decode_chat_id

T = TypeVar("T")

#: What the Bot API delivers when allowed_updates is empty or was never given.
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


@dataclass
class Fault:
    """A failure injected for the next matching call."""

    kind: str  # "error", "drop" or "delay"
    error: ApiError | None = None
    delay: float = 0.0


class EmulatorState:
    """Everything the emulated Telegram knows, safe to touch from any thread."""

    def __init__(
        self,
        token: str = "123456789:AAHemulatorTOKENforTESTSonly0000000",
        *,
        bot_username: str = "reclaim_test_bot",
        bot_first_name: str = "Reclaim",
        privacy_mode: bool = True,
        clock: FakeClock | None = None,
        first_update_id: int = 700000001,
    ) -> None:
        self.token = token
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.bot = FakeUser(bot_id, bot_first_name, username=bot_username, is_bot=True)
        self.bot.language_code = None
        self.privacy_mode = privacy_mode
        self.clock = clock or FakeClock()
        self.ids = IdSource(token)
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._loop_thread: int | None = None
        self.closing = False

        self.users: dict[int, FakeUser] = {}
        self.chats: dict[int, FakeChat] = {}
        self._messages: dict[int, dict[int, StoredMessage]] = {}
        self._next_message_id: dict[int, int] = {}
        self._next_user_id = 100000001
        self._next_group_id = 4000000001
        self.files: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}

        self.pending_updates: deque[JSON] = deque()
        self.delivered_updates: list[JSON] = []
        self.dropped_updates: list[JSON] = []
        self._next_update_id = first_update_id
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self.poll_generation = 0

        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.webhook_max_connections = 40
        self.webhook_last_error: tuple[int, str] | None = None
        self.webhook_deliveries: list[WebhookDelivery] = []

        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.descriptions: dict[tuple[str, str], str] = {}
        self.default_menu_button: JSON = {"type": "default"}
        self.chat_actions: list[tuple[int, str]] = []
        self.calls: list[ApiCall] = []
        self._consumed: set[int] = set()
        self._faults: dict[str, deque[Fault]] = {}
        self.downloads: list[str] = []

    # -- locking and notification -------------------------------------------------------

    def _notify(self) -> None:
        """Wakes sync and async waiters after a change; call with the lock held."""
        self._cond.notify_all()
        for loop, event in list(self._waiters):
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that loop is closed
                self._waiters.discard((loop, event))

    async def wait_until(self, predicate: Callable[[], T | None], timeout: float) -> T | None:
        """Waits in the running loop until `predicate()` (run under the lock) is not None."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        waiter = (loop, asyncio.Event())
        with self._lock:
            self._waiters.add(waiter)
        try:
            while True:
                waiter[1].clear()
                with self._lock:
                    result = predicate()
                if result is not None:
                    return result
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter[1].wait(), remaining)
        finally:
            with self._lock:
                self._waiters.discard(waiter)

    def wait_until_sync(self, predicate: Callable[[], T | None], timeout: float) -> T | None:
        """Blocks this thread until `predicate()` is not None; never on the server's thread."""
        if self._loop_thread == threading.get_ident():
            raise RuntimeError("a blocking wait on the emulator's own thread would deadlock")
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = predicate()
                if result is not None:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)

    # -- users and chats ------------------------------------------------------------------

    def add_user(
        self,
        user_id: int | None = None,
        first_name: str = "Alex",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> FakeUser:
        """Creates a user and the private chat with the bot (chat id = user id)."""
        with self._lock:
            if user_id is None:
                user_id = self._next_user_id
                self._next_user_id += 1
            user = FakeUser(
                user_id,
                first_name,
                last_name=last_name,
                username=username,
                language_code=language_code,
            )
            self.users[user_id] = user
            self.chats[user_id] = FakeChat(user_id, "private", user=user, members=[user])
            self._notify()
            return user

    def add_group(
        self,
        title: str = "Test group",
        chat_type: str = "group",
        *,
        members: list[FakeUser] | None = None,
        username: str | None = None,
        bot_status: str = "left",
    ) -> FakeChat:
        """Creates a group, supergroup or channel; the bot is not in it until it is added."""
        if chat_type not in {"group", "supergroup", "channel"}:
            raise ValueError(f"not a group chat type: {chat_type}")
        with self._lock:
            serial = self._next_group_id
            self._next_group_id += 1
            chat_id = -serial if chat_type == "group" else -(1_000_000_000_000 + serial)
            chat = FakeChat(
                chat_id,
                chat_type,
                title=title,
                username=username,
                bot_status=bot_status,
                members=list(members or []),
            )
            self.chats[chat_id] = chat
            self._notify()
            return chat

    def chat(self, chat: int | FakeChat | FakeUser) -> FakeChat:
        """The chat a test refers to; an unknown positive id becomes a new user's chat."""
        with self._lock:
            chat_id = chat if isinstance(chat, int) else chat.id
            known = self.chats.get(chat_id)
            if known is not None:
                return known
            if chat_id > 0:
                self.add_user(chat_id, f"User{chat_id}")
                return self.chats[chat_id]
            raise KeyError(f"no chat {chat_id}; create it with add_group()")

    def resolve_chat(self, chat_id: int | str) -> FakeChat:
        """The chat a Bot API call names, or "chat not found"."""
        value = decode_chat_id(chat_id)
        if isinstance(value, str):
            wanted = value.lstrip("@").lower()
            for chat in self.chats.values():
                name = chat.username or (chat.user.username if chat.user else None)
                if name and name.lower() == wanted and not chat.is_private:
                    return chat
            raise ApiError(ERR_CHAT_NOT_FOUND)
        found = self.chats.get(value)
        if found is None:
            raise ApiError(ERR_CHAT_NOT_FOUND)
        return found

    # -- messages -------------------------------------------------------------------------

    def new_message_id(self, chat_id: int) -> int:
        next_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = next_id + 1
        return next_id

    def store_message(self, message: StoredMessage) -> StoredMessage:
        with self._lock:
            self._messages.setdefault(message.chat_id, {})[message.message_id] = message
            self._notify()
            return message

    def find_message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        with self._lock:
            return self._messages.get(chat_id, {}).get(message_id)

    def messages(
        self, chat: int | FakeChat | FakeUser, *, include_deleted: bool = True
    ) -> list[StoredMessage]:
        """Every message in a chat, user's and bot's, in order."""
        chat_id = chat if isinstance(chat, int) else chat.id
        with self._lock:
            stored = sorted(self._messages.get(chat_id, {}).values(), key=lambda m: m.message_id)
            return [m for m in stored if include_deleted or not m.deleted]

    def bot_messages(
        self, chat: int | FakeChat | FakeUser, *, include_deleted: bool = False
    ) -> list[StoredMessage]:
        """What the bot sent to a chat, current content after edits; deleted ones left out."""
        return [m for m in self.messages(chat, include_deleted=include_deleted) if m.outgoing]

    def last_bot_message(self, chat: int | FakeChat | FakeUser) -> StoredMessage:
        sent = self.bot_messages(chat, include_deleted=True)
        if not sent:
            raise AssertionError(f"the bot sent nothing to chat {chat}")
        return sent[-1]

    def deleted_messages(self, chat: int | FakeChat | FakeUser) -> list[StoredMessage]:
        return [m for m in self.messages(chat) if m.deleted]

    def transcript(self, chat: int | FakeChat | FakeUser) -> str:
        """A readable log of a chat, for assertion messages."""
        lines = []
        for message in self.messages(chat):
            who = "bot" if message.outgoing else "user"
            body = message.text
            if body is None:
                kinds = ("photo", "document", "video", "sticker", "voice", "audio", "web_app_data")
                body = next((f"<{k}>" for k in kinds if k in message.data), "<message>")
            buttons = [b["text"] for row in message.buttons for b in row]
            extra = f" {buttons}" if buttons else ""
            gone = " (deleted)" if message.deleted else ""
            lines.append(f"#{message.message_id} {who}: {body}{extra}{gone}")
        return "\n".join(lines)

    # -- updates --------------------------------------------------------------------------

    def enqueue_update(self, kind: str, payload: JSON, *, visible: bool = True) -> JSON:
        """Adds an update as Telegram would; filtered ones go to `dropped_updates`."""
        with self._lock:
            update = {"update_id": self._next_update_id, kind: payload}
            self._next_update_id += 1
            if visible and kind in self.allowed_updates:
                self.pending_updates.append(update)
            else:
                self.dropped_updates.append(update)
            self._notify()
            return update

    def confirm_updates(self, offset: int) -> None:
        with self._lock:
            while self.pending_updates and self.pending_updates[0]["update_id"] < offset:
                self.delivered_updates.append(self.pending_updates.popleft())

    def drop_pending_updates(self) -> None:
        with self._lock:
            self.dropped_updates.extend(self.pending_updates)
            self.pending_updates.clear()

    # -- calls ----------------------------------------------------------------------------

    def record_call(self, call: ApiCall) -> None:
        with self._lock:
            call.index = len(self.calls)
            self.calls.append(call)
            self._notify()

    def complete_call(self, call: ApiCall, status: int, response: JSON | None) -> None:
        with self._lock:
            call.status = status
            call.response = response
            self._notify()

    def calls_to(self, method: str) -> list[ApiCall]:
        wanted = method.lower()
        with self._lock:
            return [call for call in self.calls if call.method.lower() == wanted]

    def method_names(self) -> list[str]:
        """The methods called so far, in order."""
        with self._lock:
            return [call.method for call in self.calls]

    def _match_call(
        self, method: str, match: JSON, predicate: Callable[[ApiCall], bool] | None
    ) -> Callable[[], ApiCall | None]:
        wanted = method.lower()
        expected = {
            k: decode_chat_id(v) if k in {"chat_id", "from_chat_id"} else v
            for k, v in match.items()
        }

        def find() -> ApiCall | None:
            for call in self.calls:
                if call.index in self._consumed or call.method.lower() != wanted:
                    continue
                if call.status == 0:  # still being answered
                    continue
                if any(call.params.get(k) != v for k, v in expected.items()):
                    continue
                if predicate is not None and not predicate(call):
                    continue
                self._consumed.add(call.index)
                return call
            return None

        return find

    def _timeout_error(self, method: str, match: JSON, timeout: float) -> TimeoutError:
        recent = ", ".join(f"{c.method}{c.params}" for c in self.calls[-8:]) or "none"
        return TimeoutError(
            f"no {method} call matching {match} within {timeout}s; recent calls: {recent}"
        )

    async def wait_for_call(
        self,
        method: str,
        *,
        timeout: float = 5.0,
        predicate: Callable[[ApiCall], bool] | None = None,
        **match: Any,
    ) -> ApiCall:
        """The next answered call to `method` whose params match and that no earlier wait
        returned; raises TimeoutError listing the recent calls otherwise."""
        found = await self.wait_until(self._match_call(method, match, predicate), timeout)
        if found is None:
            raise self._timeout_error(method, match, timeout)
        return found

    def wait_for_call_sync(
        self,
        method: str,
        *,
        timeout: float = 5.0,
        predicate: Callable[[ApiCall], bool] | None = None,
        **match: Any,
    ) -> ApiCall:
        """Blocking `wait_for_call`, for tests whose emulator runs in a background thread."""
        found = self.wait_until_sync(self._match_call(method, match, predicate), timeout)
        if found is None:
            raise self._timeout_error(method, match, timeout)
        return found

    async def wait_for_bot_message(
        self, chat: int | FakeChat | FakeUser, *, timeout: float = 5.0
    ) -> StoredMessage:
        """The message created by the next successful sendMessage to `chat`."""
        chat_id = chat if isinstance(chat, int) else chat.id
        call = await self.wait_for_call(
            "sendMessage", chat_id=chat_id, timeout=timeout, predicate=lambda c: c.ok
        )
        found = self.find_message(chat_id, int(call.result["message_id"]))
        assert found is not None
        return found

    def wait_for_bot_message_sync(
        self, chat: int | FakeChat | FakeUser, *, timeout: float = 5.0
    ) -> StoredMessage:
        chat_id = chat if isinstance(chat, int) else chat.id
        call = self.wait_for_call_sync(
            "sendMessage", chat_id=chat_id, timeout=timeout, predicate=lambda c: c.ok
        )
        found = self.find_message(chat_id, int(call.result["message_id"]))
        assert found is not None
        return found

    async def wait_until_updates_consumed(self, timeout: float = 5.0) -> None:
        """Waits until the bot has confirmed (polling) or received (webhook) every update."""
        done = await self.wait_until(lambda: True if not self.pending_updates else None, timeout)
        if done is None:
            raise TimeoutError(f"{len(self.pending_updates)} updates still pending")

    # -- injected faults ------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        retry_after: int | None = None,
        *,
        error_code: int = 400,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Makes the next `times` calls to `method` ("*" for any) fail: with 429 and
        `retry_after` when given, else with `error_code` and `description`."""
        if retry_after is not None:
            error = ApiError(
                f"Too Many Requests: retry after {retry_after}",
                429,
                {"retry_after": retry_after},
            )
        else:
            error = ApiError(description or "Bad Request: injected failure", error_code)
        self._add_fault(method, Fault("error", error=error), times)

    def drop_next(self, method: str, *, times: int = 1) -> None:
        """Makes the next calls to `method` lose the connection without an answer."""
        self._add_fault(method, Fault("drop"), times)

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Makes the next calls to `method` take effect at once but answer only after
        `seconds`, so a client that times out never learns that they succeeded."""
        self._add_fault(method, Fault("delay", delay=seconds), times)

    def _add_fault(self, method: str, fault: Fault, times: int) -> None:
        with self._lock:
            self._faults.setdefault(method.lower(), deque()).extend([fault] * times)

    def take_fault(self, method: str) -> Fault | None:
        with self._lock:
            for key in (method.lower(), "*"):
                queue = self._faults.get(key)
                if queue:
                    return queue.popleft()
            return None
