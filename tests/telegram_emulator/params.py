"""Decoding Bot API request parameters and validating them as the Bot API does.

What belongs here: turning a query string, a JSON body, a form-encoded body or a
multipart body into one dict of typed values (the Bot API takes every parameter as a string in
form bodies; python-telegram-bot sends ints and bools JSON-encoded and objects such as
`reply_markup` as JSON text), and the validators for message text, parse modes, inline
keyboards, bot commands and command scopes. Everything raises `ApiError` with the real text.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from .model import (
    ERR_BUTTON_DATA,
    ERR_BUTTON_MANY_ACTIONS,
    ERR_BUTTON_NO_ACTION,
    ERR_BUTTON_NO_TEXT,
    ERR_BUTTON_OBJECT,
    ERR_BUTTON_TEXT_TYPE,
    ERR_CHAT_ID_EMPTY,
    ERR_KEYBOARD_ROWS,
    ERR_MARKUP_JSON,
    ERR_MARKUP_OBJECT,
    ERR_PARSE_MODE,
    ERR_TEXT_EMPTY,
    ERR_TEXT_TOO_LONG,
    JSON,
    ApiError,
)

MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64

INT_FIELDS = frozenset(
    {
        "message_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "message_thread_id",
        "reply_to_message_id",
        "cache_time",
        "max_connections",
        "duration",
    }
)
CHAT_ID_FIELDS = frozenset({"chat_id", "from_chat_id"})
BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "for_channels",
        "allow_paid_broadcast",
    }
)
#: JSON-serialized parameters and the text the Bot API answers when one cannot be read.
JSON_FIELDS: dict[str, str] = {
    "reply_markup": ERR_MARKUP_JSON,
    "allowed_updates": "Bad Request: can't parse allowed updates JSON object",
    "commands": "Bad Request: can't parse commands JSON object",
    "scope": "Bad Request: can't parse BotCommandScope JSON object",
    "message_ids": "Bad Request: can't parse message identifiers JSON object",
    "menu_button": "Bad Request: can't parse menu button JSON object",
    "entities": "Bad Request: can't parse entities JSON object",
    "caption_entities": "Bad Request: can't parse entities JSON object",
    "link_preview_options": "Bad Request: can't parse link preview options JSON object",
    "reply_parameters": "Bad Request: can't parse reply parameters JSON object",
}

_LEADING_INT = re.compile(r"-?\d+")


def parse_int(value: Any) -> int | None:
    """Reads an integer the lenient way the Bot API does: by its leading digits."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        match = _LEADING_INT.match(value)
        return int(match.group()) if match else None
    return None


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return str(value).strip().lower() in {"true", "1"}


def decode_params(raw: dict[str, Any]) -> JSON:
    """Types every known parameter; JSON text that fails to parse stays a string."""
    decoded: JSON = {}
    for name, value in raw.items():
        if name in CHAT_ID_FIELDS:
            decoded[name] = decode_chat_id(value)
        elif name in INT_FIELDS:
            number = parse_int(value)
            decoded[name] = value if number is None else number
        elif name in BOOL_FIELDS:
            decoded[name] = parse_bool(value)
        elif name in JSON_FIELDS and isinstance(value, str):
            try:
                decoded[name] = json.loads(value)
            except ValueError:
                decoded[name] = value
        else:
            decoded[name] = value
    return decoded


def decode_chat_id(value: Any) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith("@"):
        return text
    number = parse_int(text)
    return text if number is None or str(number) != text.strip() else number


def require_chat_id(params: JSON) -> int | str:
    value = params.get("chat_id")
    if value is None or value == "":
        raise ApiError(ERR_CHAT_ID_EMPTY)
    return value  # type: ignore[no-any-return]


def json_param(params: JSON, name: str) -> Any:
    """A JSON-serialized parameter, or the Bot API's parse error if it was not valid JSON."""
    value = params.get(name)
    if isinstance(value, str):
        if value == "":
            return None
        raise ApiError(JSON_FIELDS.get(name, f"Bad Request: can't parse {name} JSON object"))
    return value


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text a user sees: HTML tags removed; other parse modes are left as they are."""
    if parse_mode is not None and parse_mode.lower() == "html":
        extractor = _TextExtractor()
        extractor.feed(text)
        extractor.close()
        return "".join(extractor.parts)
    return text


def check_parse_mode(parse_mode: Any) -> str | None:
    if parse_mode is None or parse_mode == "":
        return None
    if str(parse_mode).lower() not in {"html", "markdown", "markdownv2"}:
        raise ApiError(ERR_PARSE_MODE)
    return str(parse_mode)


def check_text(text: Any, parse_mode: str | None, *, empty_error: str = ERR_TEXT_EMPTY) -> str:
    """Validates message text and returns what the message will show."""
    if not isinstance(text, str) or not text.strip():
        raise ApiError(empty_error)
    shown = visible_text(text, parse_mode)
    if not shown.strip():
        raise ApiError(empty_error)
    if len(shown) > MAX_TEXT_LENGTH:
        raise ApiError(ERR_TEXT_TOO_LONG)
    return shown


_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def _check_url(url: Any) -> None:
    text = str(url)
    parts = urlsplit(text if "://" in text else "http://" + text)
    if parts.scheme.lower() not in {"http", "https", "tg", "ton"}:
        raise ApiError(
            f"Bad Request: inline keyboard button URL '{text}' is invalid: Unsupported URL protocol"
        )
    host = parts.hostname or ""
    if parts.scheme.lower() in {"http", "https"} and "." not in host and host != "localhost":
        raise ApiError(
            f"Bad Request: inline keyboard button URL '{text}' is invalid: Wrong HTTP URL"
        )


def check_button(button: Any) -> JSON:
    if not isinstance(button, dict):
        raise ApiError(ERR_BUTTON_OBJECT)
    if "text" not in button:
        raise ApiError(ERR_BUTTON_NO_TEXT)
    if not isinstance(button["text"], str):
        raise ApiError(ERR_BUTTON_TEXT_TYPE)
    # An empty callback_data counts as absent, as on Telegram.
    actions = [
        name for name in _BUTTON_ACTIONS if name in button and button[name] not in ("", None)
    ]
    if not actions:
        raise ApiError(ERR_BUTTON_NO_ACTION)
    if len(actions) > 1:
        raise ApiError(ERR_BUTTON_MANY_ACTIONS)
    if "callback_data" in actions:
        data = button["callback_data"]
        if not isinstance(data, str) or len(data.encode()) > MAX_CALLBACK_DATA_BYTES:
            raise ApiError(ERR_BUTTON_DATA)
    if "url" in actions:
        _check_url(button["url"])
    return {"text": button["text"], **{name: button[name] for name in actions}}


def check_reply_markup(params: JSON) -> JSON | None:
    """Validates `reply_markup`; returns it as the sent message will carry it (inline only).

    A reply keyboard (or its removal) is checked too, but Telegram does not return it with
    the message: `reply_keyboard` gives it.
    """
    markup = json_param(params, "reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(ERR_MARKUP_OBJECT)
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(ERR_KEYBOARD_ROWS)
        return {"inline_keyboard": [[check_button(button) for button in row] for row in rows]}
    if "keyboard" in markup:
        _check_reply_keyboard(markup)
        return None
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return None
    raise ApiError(ERR_MARKUP_OBJECT)


_KEYBOARD_BUTTON_ACTIONS = (
    "request_users",
    "request_chat",
    "request_contact",
    "request_location",
    "request_poll",
    "web_app",
)
_REPLY_KEYBOARD_OPTIONS = (
    "is_persistent",
    "resize_keyboard",
    "one_time_keyboard",
    "input_field_placeholder",
    "selective",
)


def _check_keyboard_button(button: Any) -> JSON:
    """A KeyboardButton: text, and at most one request_* or web_app (HTTPS only)."""
    if isinstance(button, str):
        return {"text": button}
    if not isinstance(button, dict):
        raise ApiError("Bad Request: can't parse keyboard button: KeyboardButton must be an Object")
    if not isinstance(button.get("text"), str) or not button["text"]:
        raise ApiError("Bad Request: can't parse keyboard button: Can't find field \"text\"")
    actions = [name for name in _KEYBOARD_BUTTON_ACTIONS if button.get(name) not in (None, False)]
    if len(actions) > 1:
        raise ApiError("Bad Request: can't parse keyboard button: too many fields")
    if "web_app" in actions:
        url = str((button["web_app"] or {}).get("url", ""))
        if urlsplit(url).scheme.lower() != "https":
            raise ApiError(
                f"Bad Request: keyboard button Web App URL '{url}' is invalid: "
                "Only HTTPS links are allowed"
            )
    return {"text": button["text"], **{name: button[name] for name in actions}}


def _check_reply_keyboard(markup: JSON) -> JSON:
    rows = markup["keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(
            'Bad Request: field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays'
        )
    checked: JSON = {"keyboard": [[_check_keyboard_button(b) for b in row] for row in rows]}
    checked.update({k: markup[k] for k in _REPLY_KEYBOARD_OPTIONS if k in markup})
    return checked


def reply_keyboard(params: JSON) -> JSON | None:
    """The reply keyboard a sendMessage shows (checked), `{"remove_keyboard": True}` if it
    takes the keyboard away, or None if it leaves the keyboard as it is."""
    markup = json_param(params, "reply_markup")
    if not isinstance(markup, dict):
        return None
    if "keyboard" in markup:
        return _check_reply_keyboard(markup)
    if markup.get("remove_keyboard"):
        return {"remove_keyboard": True}
    return None


_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")


def check_commands(params: JSON) -> list[JSON]:
    commands = json_param(params, "commands")
    if commands is None:
        commands = []
    if not isinstance(commands, list):
        raise ApiError('Bad Request: field "commands" must be an Array')
    if len(commands) > 100:
        raise ApiError("Bad Request: too many commands specified")
    result: list[JSON] = []
    for command in commands:
        if not isinstance(command, dict):
            raise ApiError("Bad Request: can't parse BotCommand: expected an Object")
        name = command.get("command")
        description = command.get("description")
        if not isinstance(name, str) or not _COMMAND.match(name.lstrip("/").lower()):
            raise ApiError("Bad Request: BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise ApiError("Bad Request: command description is empty")
        result.append({"command": name.lstrip("/").lower(), "description": description})
    return result


_SCOPES = {
    "default": (),
    "all_private_chats": (),
    "all_group_chats": (),
    "all_chat_administrators": (),
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}


def scope_key(params: JSON) -> str:
    """A canonical key for a BotCommandScope (absent means `default`)."""
    scope = json_param(params, "scope")
    if scope is None:
        return "default"
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
        raise ApiError("Bad Request: unsupported bot command scope type specified")
    needed = _SCOPES[str(scope["type"])]
    parts = [str(scope["type"])]
    for name in needed:
        if name not in scope:
            raise ApiError(f"Bad Request: {name} is empty")
        parts.append(str(decode_chat_id(scope[name]) if name == "chat_id" else scope[name]))
    return ":".join(parts)


_LANGUAGE = re.compile(r"^[a-z]{2}$")


def language_code(params: JSON) -> str:
    code = params.get("language_code") or ""
    if not isinstance(code, str) or (code and not _LANGUAGE.match(code)):
        raise ApiError("Bad Request: invalid language code specified")
    return code
