"""Acting as Telegram users: the updates people cause, shaped exactly as the Bot API sends them.

What belongs here: `UserActions`, the part of the emulator a test drives to make users send
text, commands, contacts, locations, venues and forwards, edit their messages, press inline
buttons, send data from a Mini App opened from a keyboard button, block the bot, and add the
bot to groups, supergroups and channels (files are sent through `media.py`). Each action
stores the message, queues the update (respecting privacy mode, membership and
allowed_updates) and returns the update as JSON.
"""

from __future__ import annotations

from .model import (
    JSON,
    CallbackQueryRecord,
    FakeChat,
    FakeUser,
    StoredMessage,
    chat_member_json,
    utf16_len,
)
from .state import EmulatorState

ChatRef = int | FakeChat | FakeUser
MAX_WEB_APP_DATA_BYTES = 4096
"""The most `Telegram.WebApp.sendData` sends."""


class UserActions(EmulatorState):
    """User-side actions; every method is safe to call from any thread."""

    # -- building blocks ------------------------------------------------------------------

    def _actor(self, chat: FakeChat, user: FakeUser | None) -> FakeUser:
        if user is not None:
            if user.id not in self.users:
                self.users[user.id] = user
            if user not in chat.members:
                chat.members.append(user)
            return user
        if chat.is_private and chat.user is not None:
            return chat.user
        if chat.members:
            return chat.members[0]
        member = self.add_user(first_name="Member")
        chat.members.append(member)
        return member

    def _visible_to_bot(self, chat: FakeChat, fields: JSON) -> bool:
        if chat.is_private:
            return True
        if chat.bot_status not in {"member", "administrator", "creator"}:
            return False
        if chat.type == "channel":
            return chat.bot_status in {"administrator", "creator"}
        if not self.privacy_mode or chat.bot_status != "member":
            return True
        body = fields.get("text", fields.get("caption", ""))
        reply = fields.get("reply_to_message") or {}
        replied_to_bot = (reply.get("from") or {}).get("id") == self.bot.id
        return str(body).startswith("/") or replied_to_bot

    def _unblock_if_needed(self, chat: FakeChat, user: FakeUser) -> None:
        if chat.blocked:
            self._change_bot_status(chat, user, "member")

    def _change_bot_status(self, chat: FakeChat, by: FakeUser, status: str) -> JSON:
        old = chat_member_json(self.bot, chat.bot_status, can_delete=chat.bot_can_delete)
        chat.bot_status = status
        new = chat_member_json(self.bot, status, can_delete=chat.bot_can_delete)
        payload = {
            "chat": chat.to_api(),
            "from": by.to_api(),
            "date": self.clock.now(),
            "old_chat_member": old,
            "new_chat_member": new,
        }
        return self.enqueue_update("my_chat_member", payload)

    def _user_message(
        self,
        chat_ref: ChatRef,
        fields: JSON,
        *,
        user: FakeUser | None = None,
        reply_to: int | None = None,
        force_visible: bool = False,
    ) -> JSON:
        with self._lock:
            chat = self.chat(chat_ref)
            sender = self._actor(chat, user)
            self._unblock_if_needed(chat, sender)
            message_id = self.new_message_id(chat.id)
            data: JSON = {"message_id": message_id}
            if chat.type == "channel":
                data["sender_chat"] = chat.to_api()
            else:
                data["from"] = sender.to_api()
            data.update(chat=chat.to_api(), date=self.clock.now())
            if reply_to is not None:
                target = self.find_message(chat.id, reply_to)
                if target is None:
                    raise KeyError(f"no message {reply_to} in chat {chat.id} to reply to")
                data["reply_to_message"] = {
                    k: v for k, v in target.data.items() if k != "reply_to_message"
                }
            data.update(fields)
            self.store_message(StoredMessage(chat.id, message_id, data["date"], False, data))
            kind = "channel_post" if chat.type == "channel" else "message"
            visible = force_visible or self._visible_to_bot(chat, data)
            return self.enqueue_update(kind, data, visible=visible)

    # -- text -----------------------------------------------------------------------------

    def user_sends_text(
        self,
        chat: ChatRef,
        text: str,
        *,
        user: FakeUser | None = None,
        reply_to: int | None = None,
        entities: list[JSON] | None = None,
    ) -> JSON:
        """A text message; a leading /command gets its bot_command entity automatically."""
        fields: JSON = {"text": text}
        if entities is None and text.startswith("/"):
            command = text.split(maxsplit=1)[0] if text.strip() else text
            entities = [{"offset": 0, "length": utf16_len(command), "type": "bot_command"}]
        if entities:
            fields["entities"] = entities
        return self._user_message(chat, fields, user=user, reply_to=reply_to)

    def user_sends_command(
        self,
        chat: ChatRef,
        command: str,
        payload: str | None = None,
        *,
        user: FakeUser | None = None,
        mention_bot: bool = False,
    ) -> JSON:
        """`/command [payload]`, e.g. ("/start", "deep-link-payload")."""
        command = command if command.startswith("/") else "/" + command
        if mention_bot:
            command = f"{command}@{self.bot.username}"
        text = command if payload is None else f"{command} {payload}"
        return self.user_sends_text(chat, text, user=user)

    # -- other message kinds --------------------------------------------------------------

    def user_sends_contact(
        self,
        chat: ChatRef,
        phone_number: str = "+15555550123",
        first_name: str = "Sam",
        *,
        last_name: str | None = None,
        contact_user_id: int | None = None,
        user: FakeUser | None = None,
    ) -> JSON:
        contact: JSON = {"phone_number": phone_number, "first_name": first_name}
        if last_name is not None:
            contact["last_name"] = last_name
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        return self._user_message(chat, {"contact": contact}, user=user)

    def user_sends_location(
        self,
        chat: ChatRef,
        latitude: float = 52.52,
        longitude: float = 13.405,
        *,
        live_period: int | None = None,
        user: FakeUser | None = None,
    ) -> JSON:
        location: JSON = {"latitude": latitude, "longitude": longitude}
        if live_period is not None:
            location["live_period"] = live_period
        return self._user_message(chat, {"location": location}, user=user)

    def user_sends_venue(
        self,
        chat: ChatRef,
        latitude: float = 52.52,
        longitude: float = 13.405,
        title: str = "Cafe",
        address: str = "1 Main Street",
        *,
        user: FakeUser | None = None,
    ) -> JSON:
        """A venue: Telegram sets both `venue` and, for compatibility, `location`."""
        location = {"latitude": latitude, "longitude": longitude}
        venue = {"location": location, "title": title, "address": address}
        return self._user_message(chat, {"venue": venue, "location": location}, user=user)

    def user_forwards(
        self,
        chat: ChatRef,
        text: str = "forwarded text",
        *,
        origin: str = "user",
        origin_user: FakeUser | None = None,
        origin_name: str = "Hidden Sender",
        origin_title: str = "Some Channel",
        original_date: int | None = None,
        user: FakeUser | None = None,
    ) -> JSON:
        """A forwarded text message; `origin` is user, hidden_user, chat or channel."""
        date = original_date if original_date is not None else self.clock.now() - 3600
        forward: JSON = {"type": origin, "date": date}
        if origin == "user":
            source = origin_user or FakeUser(777000001, "Original", username="original_sender")
            forward["sender_user"] = source.to_api()
        elif origin == "hidden_user":
            forward["sender_user_name"] = origin_name
        elif origin == "chat":
            forward["sender_chat"] = {
                "id": -1000000000777,
                "type": "supergroup",
                "title": origin_title,
            }
        elif origin == "channel":
            forward["chat"] = {"id": -1000000000778, "type": "channel", "title": origin_title}
            forward["message_id"] = 42
        else:
            raise ValueError(f"unknown forward origin {origin!r}")
        return self._user_message(chat, {"forward_origin": forward, "text": text}, user=user)

    def user_edits_message(self, chat: ChatRef, message_id: int, text: str) -> JSON:
        """The user edits their text (or caption); the bot gets `edited_message`."""
        with self._lock:
            target = self.chat(chat)
            stored = self.find_message(target.id, message_id)
            if stored is None or stored.outgoing or stored.deleted:
                raise KeyError(f"no user message {message_id} in chat {target.id}")
            stored.history.append(dict(stored.data))
            field = "caption" if "caption" in stored.data or "text" not in stored.data else "text"
            stored.data = {**stored.data, field: text, "edit_date": self.clock.now()}
            stored.data.pop("entities" if field == "text" else "caption_entities", None)
            kind = "edited_channel_post" if target.type == "channel" else "edited_message"
            return self.enqueue_update(
                kind, stored.data, visible=self._visible_to_bot(target, stored.data)
            )

    # -- Mini Apps ------------------------------------------------------------------------

    def user_sends_web_app_data(
        self, chat: ChatRef, data: str, *, button_text: str | None = None
    ) -> JSON:
        """A Mini App opened from a reply keyboard button calls `Telegram.WebApp.sendData`.

        Only a keyboard button's Mini App can send data, only in a private chat, and at most
        4096 bytes; the bot gets a service message with `web_app_data` (`data` and the
        button's text) and no `text`. `button_text` defaults to the text of the web_app
        button the chat's keyboard shows; with no such keyboard, nothing can be sent.
        """
        with self._lock:
            target = self.chat(chat)
            if not target.is_private:
                raise ValueError("only a private chat's keyboard can open a Mini App")
            if len(data.encode("utf-8")) > MAX_WEB_APP_DATA_BYTES:
                raise ValueError("sendData takes at most 4096 bytes")
            rows = (target.reply_keyboard or {}).get("keyboard", [])
            texts = [b["text"] for row in rows for b in row if "web_app" in b]
            if not texts:
                raise KeyError(f"chat {target.id} shows no keyboard button with a Mini App")
            text = texts[0] if button_text is None else button_text
            fields: JSON = {"web_app_data": {"data": data, "button_text": text}}
            return self._user_message(target, fields)

    # -- buttons --------------------------------------------------------------------------

    def user_presses_button(
        self,
        chat: ChatRef,
        message_id: int,
        callback_data: str,
        *,
        user: FakeUser | None = None,
        check_button: bool = True,
    ) -> JSON:
        """A press on an inline button of a bot message; the query is tracked until answered."""
        with self._lock:
            target = self.chat(chat)
            stored = self.find_message(target.id, message_id)
            if stored is None or not stored.outgoing or stored.deleted:
                raise KeyError(f"no bot message {message_id} in chat {target.id} to press on")
            if check_button and callback_data not in stored.callback_data:
                raise KeyError(
                    f"message {message_id} has no button with callback_data {callback_data!r}; "
                    f"it has {stored.callback_data}"
                )
            presser = self._actor(target, user)
            query_id = self.ids.callback_query_id()
            now = self.clock.now()
            record = CallbackQueryRecord(
                query_id, target.id, message_id, callback_data, presser, now
            )
            self.callback_queries[query_id] = record
            payload = {
                "id": query_id,
                "from": presser.to_api(),
                "message": stored.data,
                "chat_instance": self.ids.chat_instance(target.id),
                "data": callback_data,
            }
            return self.enqueue_update("callback_query", payload)

    def callback_answered(self, query_id: str) -> bool:
        with self._lock:
            return self.callback_queries[query_id].answered

    def unanswered_callback_queries(self) -> list[CallbackQueryRecord]:
        with self._lock:
            return [q for q in self.callback_queries.values() if not q.answered]

    # -- membership -----------------------------------------------------------------------

    def user_blocks_bot(self, chat: ChatRef) -> JSON:
        """The user blocks the bot: a my_chat_member update, then 403 on every send."""
        with self._lock:
            target = self.chat(chat)
            if not target.is_private or target.user is None:
                raise ValueError("only a private chat's user can block the bot")
            return self._change_bot_status(target, target.user, "kicked")

    def user_unblocks_bot(self, chat: ChatRef) -> JSON:
        with self._lock:
            target = self.chat(chat)
            if target.user is None:
                raise ValueError("only a private chat's user can unblock the bot")
            return self._change_bot_status(target, target.user, "member")

    def bot_added_to_group(
        self,
        title: str = "Test group",
        chat_type: str = "group",
        *,
        by: FakeUser | None = None,
        as_admin: bool = False,
        can_delete_messages: bool = False,
        username: str | None = None,
    ) -> FakeChat:
        """Someone adds the bot to a new group, supergroup or channel: my_chat_member, and
        in groups the `new_chat_members` service message."""
        with self._lock:
            adder = by or self.add_user(first_name="Admin")
            chat = self.add_group(title, chat_type, members=[adder], username=username)
            chat.bot_can_delete = can_delete_messages
            status = "administrator" if as_admin or chat_type == "channel" else "member"
            self._change_bot_status(chat, adder, status)
            if chat_type != "channel":
                self._user_message(
                    chat, {"new_chat_members": [self.bot.to_api()]}, user=adder, force_visible=True
                )
            return chat

    def bot_removed_from_group(self, chat: ChatRef, *, by: FakeUser | None = None) -> JSON:
        with self._lock:
            target = self.chat(chat)
            return self._change_bot_status(target, self._actor(target, by), "left")
