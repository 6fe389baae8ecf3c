"""The Bot API methods the emulator answers, with the Bot API's validation and error texts.

What belongs here: `BotApiMethods`, one `api_*` function per supported method taking the
decoded parameters and returning the `result` (or `Described`, a result with a
`description`), or raising `ApiError`. `METHODS` maps each Bot API method name to its function.
Bot settings methods are in `settings.py`; transport (HTTP, faults, webhook delivery) is in
`server.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import (
    DELETE_WINDOW_SECONDS,
    ERR_BLOCKED,
    ERR_CHAT_ACTION,
    ERR_DELETE_FORBIDDEN,
    ERR_DELETE_NOT_FOUND,
    ERR_DELETE_TOO_OLD,
    ERR_EDIT_FORBIDDEN,
    ERR_EDIT_NO_TEXT,
    ERR_EDIT_NOT_FOUND,
    ERR_FILE_ID,
    ERR_LEAVE_PRIVATE,
    ERR_MESSAGE_ID_EMPTY,
    ERR_NOT_MODIFIED,
    ERR_QUERY_INVALID,
    ERR_REPLY_NOT_FOUND,
    ERR_TERMINATED,
    ERR_WEBHOOK_ACTIVE,
    JSON,
    ApiError,
    FakeChat,
    StoredMessage,
    chat_member_json,
    not_member_error,
)
from .params import (
    check_parse_mode,
    check_reply_markup,
    check_text,
    json_param,
    parse_bool,
    parse_int,
    reply_keyboard,
    require_chat_id,
)
from .settings import SettingsMethods
from .state import DEFAULT_UPDATE_TYPES

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
ERR_EDIT_NO_ID = "Bad Request: message identifier is not specified"


@dataclass
class Described:
    """A successful result that also carries the Bot API's `description`."""

    result: Any
    description: str


class BotApiMethods(SettingsMethods):
    """Answers Bot API methods against the emulated world."""

    #: Seconds (fake clock) within which a callback query can still be answered.
    callback_answer_timeout: float = 15.0

    def _webhook_changed(self) -> None:
        """Called after setWebhook/deleteWebhook; the server starts or stops delivery."""

    # -- shared checks --------------------------------------------------------------------

    def _writable_chat(self, params: JSON) -> FakeChat:
        chat = self.resolve_chat(require_chat_id(params))
        if chat.blocked:
            raise ApiError(ERR_BLOCKED, 403)
        if not chat.is_private:
            if chat.bot_status == "kicked":
                raise ApiError(f"Forbidden: bot was kicked from the {chat.type} chat", 403)
            if chat.bot_status == "left":
                raise not_member_error(chat.type)
            if chat.type == "channel" and chat.bot_status != "administrator":
                raise ApiError("Bad Request: need administrator rights in the channel chat")
        return chat

    def _message_id(self, params: JSON, missing: str) -> int:
        message_id = parse_int(params.get("message_id"))
        if message_id is None or message_id == 0:
            raise ApiError(missing)
        return message_id

    def _reply_target(self, chat: FakeChat, params: JSON) -> JSON | None:
        reply = json_param(params, "reply_parameters")
        target_id = parse_int(params.get("reply_to_message_id"))
        allow = parse_bool(params.get("allow_sending_without_reply", False))
        if isinstance(reply, dict):
            target_id = parse_int(reply.get("message_id"))
            allow = parse_bool(reply.get("allow_sending_without_reply", allow))
        if not target_id:
            return None
        target = self.find_message(chat.id, target_id)
        if target is None or target.deleted:
            if allow:
                return None
            raise ApiError(ERR_REPLY_NOT_FOUND)
        return {k: v for k, v in target.data.items() if k != "reply_to_message"}

    def _editable(self, params: JSON) -> tuple[FakeChat, StoredMessage]:
        if params.get("inline_message_id"):
            raise ApiError("Bad Request: MESSAGE_ID_INVALID")
        chat = self._writable_chat(params)
        message_id = self._message_id(params, ERR_EDIT_NO_ID)
        stored = self.find_message(chat.id, message_id)
        if stored is None or stored.deleted:
            raise ApiError(ERR_EDIT_NOT_FOUND)
        if not stored.outgoing:
            raise ApiError(ERR_EDIT_FORBIDDEN)
        return chat, stored

    def _deletion_error(self, chat: FakeChat, stored: StoredMessage) -> str | None:
        old = self.clock.now() - stored.date >= DELETE_WINDOW_SECONDS
        if chat.is_private:
            return ERR_DELETE_TOO_OLD if old else None
        if chat.bot_status == "administrator" and chat.bot_can_delete:
            return None
        if not stored.outgoing:
            return ERR_DELETE_FORBIDDEN
        return ERR_DELETE_TOO_OLD if old else None

    # -- bot identity and lifecycle -------------------------------------------------------

    def api_get_me(self, params: JSON) -> Any:
        return {
            **self.bot.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def api_log_out(self, params: JSON) -> Any:
        return True

    def api_close(self, params: JSON) -> Any:
        return True

    # -- updates --------------------------------------------------------------------------

    async def api_get_updates(self, params: JSON) -> Any:
        if self.webhook_url:
            raise ApiError(ERR_WEBHOOK_ACTIVE, 409)
        offset = parse_int(params.get("offset")) or 0
        limit = min(max(parse_int(params.get("limit")) or 100, 1), 100)
        timeout = max(parse_int(params.get("timeout")) or 0, 0)
        allowed = json_param(params, "allowed_updates")
        with self._lock:
            if isinstance(allowed, list):
                self.allowed_updates = frozenset(map(str, allowed)) or DEFAULT_UPDATE_TYPES
            if offset < 0:
                keep = list(self.pending_updates)[offset:]
                self.dropped_updates.extend(
                    list(self.pending_updates)[: len(self.pending_updates) - len(keep)]
                )
                self.pending_updates.clear()
                self.pending_updates.extend(keep)
            elif offset > 0:
                self.confirm_updates(offset)
            self.poll_generation += 1
            generation = self.poll_generation
            self._notify()

        def ready() -> list[JSON] | str | None:
            if self.poll_generation != generation:
                return "terminated"
            if self.closing or self.webhook_url:
                return []
            if self.pending_updates:
                return list(self.pending_updates)[:limit]
            return None

        if timeout > 0:
            result = await self.wait_until(ready, timeout)
        else:
            with self._lock:
                result = ready()
        if result == "terminated":
            raise ApiError(ERR_TERMINATED, 409)
        return result or []

    def api_set_webhook(self, params: JSON) -> Any:
        url = str(params.get("url") or "")
        if not url:
            return self.api_delete_webhook(params)
        if not url.startswith(("http://", "https://")):
            raise ApiError("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and secret != "":
            allowed_chars = secret.replace("_", "").replace("-", "")
            if len(secret) > 256 or not (allowed_chars.isascii() and allowed_chars.isalnum()):
                raise ApiError("Bad Request: secret token contains unallowed characters")
        allowed = json_param(params, "allowed_updates")
        with self._lock:
            if parse_bool(params.get("drop_pending_updates", False)):
                self.drop_pending_updates()
            if isinstance(allowed, list):
                self.allowed_updates = frozenset(map(str, allowed)) or DEFAULT_UPDATE_TYPES
            self.webhook_url = url
            self.webhook_secret = secret or None
            self.webhook_max_connections = parse_int(params.get("max_connections")) or 40
            self.webhook_last_error = None
            self._notify()
        self._webhook_changed()
        return Described(True, "Webhook was set")

    def api_delete_webhook(self, params: JSON) -> Any:
        with self._lock:
            had = bool(self.webhook_url)
            if parse_bool(params.get("drop_pending_updates", False)):
                self.drop_pending_updates()
            self.webhook_url = ""
            self.webhook_secret = None
            self._notify()
        self._webhook_changed()
        return Described(True, "Webhook was deleted" if had else "Webhook is already deleted")

    def api_get_webhook_info(self, params: JSON) -> Any:
        with self._lock:
            info: JSON = {
                "url": self.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self.pending_updates),
            }
            if self.webhook_url:
                info["max_connections"] = self.webhook_max_connections
                info["ip_address"] = "127.0.0.1"
                if self.allowed_updates != DEFAULT_UPDATE_TYPES:
                    info["allowed_updates"] = sorted(self.allowed_updates)
            if self.webhook_last_error is not None:
                info["last_error_date"], info["last_error_message"] = self.webhook_last_error
            return info

    # -- messages -------------------------------------------------------------------------

    def api_send_message(self, params: JSON) -> Any:
        parse_mode = check_parse_mode(params.get("parse_mode"))
        shown = check_text(params.get("text"), parse_mode)
        with self._lock:
            chat = self._writable_chat(params)
            markup = check_reply_markup(params)
            keyboard = reply_keyboard(params)
            reply = self._reply_target(chat, params)
            message_id = self.new_message_id(chat.id)
            data: JSON = {
                "message_id": message_id,
                "from": self.bot.to_api(),
                "chat": chat.to_api(),
                "date": self.clock.now(),
                "text": shown,
            }
            entities = json_param(params, "entities")
            if isinstance(entities, list) and entities:
                data["entities"] = entities
            if reply is not None:
                data["reply_to_message"] = reply
            if markup is not None:
                data["reply_markup"] = markup
            stored = StoredMessage(
                chat.id, message_id, data["date"], True, data, parse_mode, params.get("text")
            )
            if keyboard is not None:
                stored.reply_keyboard = keyboard
                chat.reply_keyboard = None if keyboard.get("remove_keyboard") else keyboard
            self.store_message(stored)
            return data

    def api_edit_message_text(self, params: JSON) -> Any:
        parse_mode = check_parse_mode(params.get("parse_mode"))
        shown = check_text(params.get("text"), parse_mode)
        with self._lock:
            _, stored = self._editable(params)
            if "text" not in stored.data:
                raise ApiError(ERR_EDIT_NO_TEXT)
            markup = check_reply_markup(params)
            entities = json_param(params, "entities") or None
            if (
                shown == stored.data["text"]
                and markup == stored.reply_markup
                and entities == stored.data.get("entities")
            ):
                raise ApiError(ERR_NOT_MODIFIED)
            data = {k: v for k, v in stored.data.items() if k not in {"reply_markup", "entities"}}
            data.update(text=shown, edit_date=self.clock.now())
            if entities:
                data["entities"] = entities
            if markup is not None:
                data["reply_markup"] = markup
            stored.history.append(stored.data)
            stored.data, stored.parse_mode, stored.raw_text = data, parse_mode, params["text"]
            self._notify()
            return data

    def api_edit_message_reply_markup(self, params: JSON) -> Any:
        with self._lock:
            _, stored = self._editable(params)
            markup = check_reply_markup(params)
            if markup == stored.reply_markup:
                raise ApiError(ERR_NOT_MODIFIED)
            data = {k: v for k, v in stored.data.items() if k != "reply_markup"}
            data["edit_date"] = self.clock.now()
            if markup is not None:
                data["reply_markup"] = markup
            stored.history.append(stored.data)
            stored.data = data
            self._notify()
            return data

    def api_delete_message(self, params: JSON) -> Any:
        with self._lock:
            chat = self.resolve_chat(require_chat_id(params))
            message_id = self._message_id(params, ERR_MESSAGE_ID_EMPTY)
            stored = self.find_message(chat.id, message_id)
            if stored is None or stored.deleted:
                raise ApiError(ERR_DELETE_NOT_FOUND)
            error = self._deletion_error(chat, stored)
            if error is not None:
                raise ApiError(error)
            stored.deleted, stored.deleted_at = True, self.clock.now()
            self._notify()
            return True

    def api_delete_messages(self, params: JSON) -> Any:
        with self._lock:
            chat = self.resolve_chat(require_chat_id(params))
            ids = json_param(params, "message_ids")
            if not isinstance(ids, list) or not ids:
                raise ApiError("Bad Request: message identifiers are not specified")
            if len(ids) > 100:
                raise ApiError("Bad Request: too many message identifiers specified")
            found = []
            for raw_id in ids:
                stored = self.find_message(chat.id, parse_int(raw_id) or 0)
                if stored is None or stored.deleted:
                    continue  # missing messages are skipped, as documented
                error = self._deletion_error(chat, stored)
                if error is not None:
                    raise ApiError(error)
                found.append(stored)
            for stored in found:
                stored.deleted, stored.deleted_at = True, self.clock.now()
            self._notify()
            return True

    def api_answer_callback_query(self, params: JSON) -> Any:
        with self._lock:
            record = self.callback_queries.get(str(params.get("callback_query_id") or ""))
            expired = (
                record is not None and self.clock.now() - record.date > self.callback_answer_timeout
            )
            if record is None or record.answered or expired:
                raise ApiError(ERR_QUERY_INVALID)
            text = params.get("text")
            if isinstance(text, str) and len(text) > 200:
                raise ApiError("Bad Request: MESSAGE_TOO_LONG")
            record.answered = True
            record.answer = {
                k: params[k] for k in ("text", "show_alert", "url", "cache_time") if k in params
            }
            self._notify()
            return True

    def api_send_chat_action(self, params: JSON) -> Any:
        with self._lock:
            action = params.get("action")
            chat = self._writable_chat(params)
            if action not in CHAT_ACTIONS:
                raise ApiError(ERR_CHAT_ACTION)
            self.chat_actions.append((chat.id, str(action)))
            self._notify()
            return True

    # -- chats ----------------------------------------------------------------------------

    def api_leave_chat(self, params: JSON) -> Any:
        with self._lock:
            chat = self.resolve_chat(require_chat_id(params))
            if chat.is_private:
                raise ApiError(ERR_LEAVE_PRIVATE)
            if chat.bot_status in {"left", "kicked"}:
                raise not_member_error(chat.type)
            old = chat_member_json(self.bot, chat.bot_status, can_delete=chat.bot_can_delete)
            chat.bot_status = "left"
            self.enqueue_update(
                "my_chat_member",
                {
                    "chat": chat.to_api(),
                    "from": self.bot.to_api(),
                    "date": self.clock.now(),
                    "old_chat_member": old,
                    "new_chat_member": chat_member_json(self.bot, "left"),
                },
            )
            return True

    def api_get_chat(self, params: JSON) -> Any:
        with self._lock:
            return self.resolve_chat(require_chat_id(params)).to_full_api()

    def api_get_file(self, params: JSON) -> Any:
        with self._lock:
            stored = self.files.get(str(params.get("file_id") or ""))
            if stored is None:
                raise ApiError(ERR_FILE_ID)
            return {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": stored.file_size,
                "file_path": stored.file_path,
            }


#: Bot API method name -> BotApiMethods function name.
METHODS: dict[str, str] = {
    "getMe": "api_get_me",
    "logOut": "api_log_out",
    "close": "api_close",
    "getUpdates": "api_get_updates",
    "setWebhook": "api_set_webhook",
    "deleteWebhook": "api_delete_webhook",
    "getWebhookInfo": "api_get_webhook_info",
    "sendMessage": "api_send_message",
    "editMessageText": "api_edit_message_text",
    "editMessageReplyMarkup": "api_edit_message_reply_markup",
    "deleteMessage": "api_delete_message",
    "deleteMessages": "api_delete_messages",
    "answerCallbackQuery": "api_answer_callback_query",
    "sendChatAction": "api_send_chat_action",
    "leaveChat": "api_leave_chat",
    "getChat": "api_get_chat",
    "getFile": "api_get_file",
    "setMyCommands": "api_set_my_commands",
    "getMyCommands": "api_get_my_commands",
    "deleteMyCommands": "api_delete_my_commands",
    "setMyDescription": "api_set_my_description",
    "getMyDescription": "api_get_my_description",
    "setMyShortDescription": "api_set_my_short_description",
    "getMyShortDescription": "api_get_my_short_description",
    "setMyName": "api_set_my_name",
    "getMyName": "api_get_my_name",
    "setChatMenuButton": "api_set_chat_menu_button",
    "getChatMenuButton": "api_get_chat_menu_button",
}
