"""Plain data of the emulated Telegram world and the Bot API JSON shapes built from it.

What belongs here: the records the emulator keeps (users, chats, messages, calls, callback
queries, uploaded and served files, webhook deliveries), the fake clock, the `ApiError`
exception with the Bot API's error texts, and functions that turn records into the exact JSON
objects the Bot API sends (User, Chat, ChatMember, ChatFullInfo, File ids). Nothing here does
I/O or locking; `state.py` owns the mutable world.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

#: Seconds after which a message can no longer be deleted for everyone.
DELETE_WINDOW_SECONDS = 48 * 3600

# Error texts exactly as the Bot API words them.
ERR_NOT_FOUND = "Not Found"
ERR_UNAUTHORIZED = "Unauthorized"
ERR_CHAT_NOT_FOUND = "Bad Request: chat not found"
ERR_CHAT_ID_EMPTY = "Bad Request: chat_id is empty"
ERR_TEXT_EMPTY = "Bad Request: message text is empty"
ERR_TEXT_TOO_LONG = "Bad Request: message is too long"
ERR_PARSE_MODE = "Bad Request: unsupported parse_mode"
ERR_MARKUP_JSON = "Bad Request: can't parse reply keyboard markup JSON object"
ERR_MARKUP_OBJECT = "Bad Request: object expected as reply markup"
ERR_KEYBOARD_ROWS = (
    'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
)
ERR_BUTTON_OBJECT = (
    "Bad Request: can't parse inline keyboard button: InlineKeyboardButton must be an Object"
)
ERR_BUTTON_NO_TEXT = "Bad Request: can't parse inline keyboard button: Can't find field \"text\""
ERR_BUTTON_TEXT_TYPE = (
    'Bad Request: can\'t parse inline keyboard button: Field "text" must be of type String'
)
ERR_BUTTON_NO_ACTION = (
    "Bad Request: can't parse inline keyboard button: "
    "Text buttons are unallowed in the inline keyboard"
)
ERR_BUTTON_MANY_ACTIONS = (
    "Bad Request: can't parse inline keyboard button: exactly one of the optional fields "
    "must be used"
)
ERR_BUTTON_DATA = "Bad Request: BUTTON_DATA_INVALID"
ERR_MESSAGE_ID_EMPTY = "Bad Request: message_id is empty"
ERR_DELETE_NOT_FOUND = "Bad Request: message to delete not found"
ERR_DELETE_TOO_OLD = "Bad Request: message can't be deleted for everyone"
ERR_DELETE_FORBIDDEN = "Bad Request: message can't be deleted"
ERR_EDIT_NOT_FOUND = "Bad Request: message to edit not found"
ERR_EDIT_FORBIDDEN = "Bad Request: message can't be edited"
ERR_EDIT_NO_TEXT = "Bad Request: there is no text in the message to edit"
ERR_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
ERR_REPLY_NOT_FOUND = "Bad Request: message to be replied not found"
ERR_QUERY_INVALID = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
ERR_BLOCKED = "Forbidden: bot was blocked by the user"
ERR_WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
ERR_TERMINATED = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
ERR_CHAT_ACTION = "Bad Request: wrong parameter action in request"
ERR_FILE_ID = "Bad Request: invalid file_id"
ERR_LEAVE_PRIVATE = "Bad Request: can't leave private chats"


class ApiError(Exception):
    """A Bot API failure: becomes `{"ok": false, "error_code": ..., "description": ...}`."""

    def __init__(
        self, description: str, error_code: int = 400, parameters: JSON | None = None
    ) -> None:
        super().__init__(description)
        self.description = description
        self.error_code = error_code
        self.parameters = parameters

    def to_json(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def not_member_error(chat_type: str) -> ApiError:
    """The 403 the Bot API gives when the bot is not in a group, supergroup or channel."""
    return ApiError(f"Forbidden: bot is not a member of the {chat_type} chat", 403)


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        f"Too Many Requests: retry after {retry_after}", 429, {"retry_after": retry_after}
    )


class FakeClock:
    """Wall clock for message dates and ages: real time shifted by an adjustable offset."""

    def __init__(self, start: float | None = None) -> None:
        self._offset = 0.0 if start is None else start - time.time()

    def now(self) -> int:
        """Current Unix time in whole seconds, as the Bot API dates messages."""
        return int(time.time() + self._offset)

    def advance(self, seconds: float = 0.0, *, hours: float = 0.0) -> None:
        self._offset += seconds + hours * 3600

    def set(self, timestamp: float) -> None:
        self._offset = timestamp - time.time()


@dataclass
class FakeUser:
    """A Telegram account the test acts as."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False
    is_premium: bool | None = None

    def to_api(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name is not None:
            data["last_name"] = self.last_name
        if self.username is not None:
            data["username"] = self.username
        if self.language_code is not None:
            data["language_code"] = self.language_code
        if self.is_premium:
            data["is_premium"] = True
        return data


@dataclass
class FakeChat:
    """A chat the bot can see: private (id = user id), group, supergroup or channel."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    user: FakeUser | None = None
    #: The bot's own membership: member, administrator, left or kicked.
    bot_status: str = "member"
    #: Whether the bot may delete other people's messages here (as an administrator).
    bot_can_delete: bool = False
    members: list[FakeUser] = field(default_factory=list)
    menu_button: JSON | None = None
    #: The reply keyboard the user sees under the text field (the last one sent, until a
    #: message removes it).
    reply_keyboard: JSON | None = None

    @property
    def is_private(self) -> bool:
        return self.type == "private"

    @property
    def blocked(self) -> bool:
        """For private chats: the user has blocked the bot."""
        return self.is_private and self.bot_status == "kicked"

    def to_api(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type}
        if self.is_private and self.user is not None:
            data["first_name"] = self.user.first_name
            if self.user.last_name is not None:
                data["last_name"] = self.user.last_name
            if self.user.username is not None:
                data["username"] = self.user.username
            return data
        if self.title is not None:
            data["title"] = self.title
        if self.username is not None:
            data["username"] = self.username
        return data

    def to_full_api(self) -> JSON:
        """ChatFullInfo as getChat returns it."""
        data = self.to_api()
        data.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        if not self.is_private:
            data["permissions"] = {"can_send_messages": True}
        return data


def chat_member_json(user: FakeUser, status: str, *, can_delete: bool = False) -> JSON:
    """A ChatMember object of the given status, with every field its type requires."""
    if status == "administrator":
        rights = {
            "can_be_edited": False,
            "is_anonymous": False,
            "can_manage_chat": True,
            "can_delete_messages": can_delete,
            "can_manage_video_chats": False,
            "can_restrict_members": False,
            "can_promote_members": False,
            "can_change_info": False,
            "can_invite_users": True,
            "can_post_stories": False,
            "can_edit_stories": False,
            "can_delete_stories": False,
        }
        return {"status": status, "user": user.to_api(), **rights}
    if status == "kicked":
        return {"status": status, "user": user.to_api(), "until_date": 0}
    if status == "creator":
        return {"status": status, "user": user.to_api(), "is_anonymous": False}
    return {"status": status, "user": user.to_api()}


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    field_name: str
    filename: str | None
    content_type: str
    data: bytes


@dataclass
class StoredFile:
    """A file Telegram knows about (sent by a user), as getFile and downloads serve it."""

    file_id: str
    file_unique_id: str
    file_size: int
    file_path: str
    content: bytes


@dataclass
class StoredMessage:
    """One message in a chat, sent by the bot (`outgoing`) or by a user."""

    chat_id: int
    message_id: int
    date: int
    outgoing: bool
    data: JSON
    parse_mode: str | None = None
    raw_text: str | None = None
    deleted: bool = False
    deleted_at: int | None = None
    #: Earlier versions of `data`, oldest first.
    history: list[JSON] = field(default_factory=list)
    #: The reply keyboard (or `{"remove_keyboard": True}`) sent with this message; Telegram
    #: does not return it with the message, so it is kept here.
    reply_keyboard: JSON | None = None

    @property
    def text(self) -> str | None:
        value = self.data.get("text", self.data.get("caption"))
        return value if isinstance(value, str) else None

    @property
    def reply_markup(self) -> JSON | None:
        markup = self.data.get("reply_markup")
        return markup if isinstance(markup, dict) else None

    @property
    def buttons(self) -> list[list[JSON]]:
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard", [])
        return [list(row) for row in rows]

    @property
    def web_app_urls(self) -> list[str]:
        """The Mini App addresses of this message's reply keyboard buttons."""
        rows = (self.reply_keyboard or {}).get("keyboard", [])
        return [b["web_app"]["url"] for row in rows for b in row if "web_app" in b]

    @property
    def callback_data(self) -> list[str]:
        return [
            str(button["callback_data"])
            for row in self.buttons
            for button in row
            if "callback_data" in button
        ]


@dataclass
class ApiCall:
    """One HTTP request the bot made, with its decoded parameters and the answer it got."""

    index: int
    method: str
    params: JSON
    http_method: str
    content_type: str
    files: dict[str, UploadedFile] = field(default_factory=dict)
    status: int = 0
    response: JSON | None = None
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def description(self) -> str | None:
        if self.response is None:
            return None
        value = self.response.get("description")
        return value if isinstance(value, str) else None

    @property
    def result(self) -> Any:
        return None if self.response is None else self.response.get("result")


@dataclass
class CallbackQueryRecord:
    """A button press and whether the bot answered it."""

    id: str
    chat_id: int
    message_id: int
    data: str | None
    user: FakeUser
    date: int
    answered: bool = False
    answer: JSON | None = None


@dataclass
class WebhookDelivery:
    """One attempt to POST an update to the bot's webhook."""

    update_id: int
    url: str
    status: int | None
    error: str | None
    secret_token_sent: str | None


class IdSource:
    """Deterministic sources of ids that look like Telegram's."""

    def __init__(self, seed: str) -> None:
        self._seed = seed
        self._files = itertools.count(1)
        self._queries = itertools.count(1)

    def file_ids(self, kind_tag: int) -> tuple[str, str]:
        """A (file_id, file_unique_id) pair; file ids look like Telegram's base64url tokens."""
        n = next(self._files)
        digest = hashlib.sha256(f"{self._seed}:{n}".encode()).digest()
        file_id = base64.urlsafe_b64encode(bytes([kind_tag, 0, 0]) + digest + digest[:18])
        unique = base64.urlsafe_b64encode(b"\x01\x00" + digest[:9])
        return file_id.decode().rstrip("="), unique.decode().rstrip("=")

    def callback_query_id(self) -> str:
        n = next(self._queries)
        digest = hashlib.sha256(f"{self._seed}:q{n}".encode()).digest()
        return str(int.from_bytes(digest[:8], "big") >> 1)

    def chat_instance(self, chat_id: int) -> str:
        digest = hashlib.sha256(f"{self._seed}:c{chat_id}".encode()).digest()
        return str(-(int.from_bytes(digest[:8], "big") >> 1))


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of MessageEntity offsets."""
    return len(text.encode("utf-16-le")) // 2
