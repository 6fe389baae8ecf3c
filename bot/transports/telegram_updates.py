"""Pure translation between Bot API objects and engine values, with no I/O.

What belongs here: turning a ``telegram.Update`` into what the adapter should do with it
(an engine event for a chat, a button press to answer, a blocked bot to forget), the
``callback_data`` codec for buttons, and laying rendered messages out as Telegram messages
(parts of at most 4096 characters, keyboard rows). What does not: anything that calls the Bot
API, waits, logs or decides what to say; that is ``telegram.py`` and the engine.

Media is recognised by which field of the message is set, and nothing of it is read: not its
caption, not its file id, not its size.

The companion page, opened as a Mini App from a keyboard button, sends its code back with
``Telegram.WebApp.sendData``: a service message with ``web_app_data`` and no text. Its data
becomes exactly the event a pasted code gives (``Text``), so several sends (the parts of a
long code) add up like several pastes. Outside a private chat it is a group message like any
other. Its button text is never read (any client can put anything there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import CallbackQuery, ChatMemberUpdated, Message, MessageEntity, Update
from telegram.constants import ChatMemberStatus, ChatType

from bot.engine.events import (
    Command,
    Edited,
    Event,
    GroupChat,
    Media,
    MediaKind,
    Start,
    Text,
)

CALLBACK_VERSION = "1"
"""Bumped when the meaning of ``callback_data`` changes; older buttons then read as expired."""
CALLBACK_SEPARATOR = "|"
MAX_CALLBACK_BYTES = 64
MAX_TEXT_LENGTH = 4096
"""Telegram's limit for one message, in UTF-16 code units."""
EXPIRED_CHOICE = ""
"""What an undecodable button press becomes: a choice the engine never offers."""

_CHOICE = re.compile(r"^[A-Za-z0-9_:.\-]+$")

# Checked in this order: an animation also sets ``document``, a venue also sets ``location``.
_MEDIA_FIELDS: tuple[tuple[str, MediaKind], ...] = (
    ("animation", MediaKind.ANIMATION),
    ("photo", MediaKind.PHOTO),
    ("video", MediaKind.VIDEO),
    ("video_note", MediaKind.VIDEO_NOTE),
    ("document", MediaKind.DOCUMENT),
    ("sticker", MediaKind.STICKER),
    ("voice", MediaKind.VOICE),
    ("audio", MediaKind.AUDIO),
    ("contact", MediaKind.CONTACT),
    ("venue", MediaKind.VENUE),
    ("location", MediaKind.LOCATION),
    ("paid_media", MediaKind.OTHER),
    ("story", MediaKind.OTHER),
    ("poll", MediaKind.OTHER),
    ("dice", MediaKind.OTHER),
    ("game", MediaKind.OTHER),
    ("invoice", MediaKind.OTHER),
    ("checklist", MediaKind.OTHER),
    ("giveaway", MediaKind.OTHER),
)
_IN_CHAT = frozenset(
    {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}
)


# --- what an update asks for -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ToEngine:
    """Hand ``event`` to the runtime for this chat.

    Attributes:
        chat_id: the chat the event belongs to.
        event: the engine event.
        incoming_ref: the incoming message's id, so the runtime can remember and delete it.
    """

    chat_id: int
    event: Event
    incoming_ref: str | None = None


@dataclass(frozen=True, slots=True)
class Pressed:
    """A button press. Its query must always be answered.

    Attributes:
        query_id: the callback query to answer.
        chat_id: the private chat it came from, or None (not from a private chat we wrote in).
        message_id: the message the button was on, if known.
        choice: the decoded choice, or ``EXPIRED_CHOICE`` if the data was not ours.
        language: the client's language code, for the answer's words.
    """

    query_id: str
    chat_id: int | None
    message_id: int | None
    choice: str
    language: str | None

    @property
    def expired(self) -> bool:
        """The button's data could not be decoded (another version, or not ours)."""
        return self.choice == EXPIRED_CHOICE


@dataclass(frozen=True, slots=True)
class Blocked:
    """The person blocked the bot: their conversation ends quietly."""

    chat_id: int


Incoming = ToEngine | Pressed | Blocked | None


def incoming(update: Update) -> Incoming:
    """What to do with one update (None: nothing at all)."""
    if update.callback_query is not None:
        return _pressed(update.callback_query)
    if update.my_chat_member is not None:
        return _membership(update.my_chat_member)
    if update.message is not None:
        return _message(update.message, edited=False)
    if update.edited_message is not None:
        return _message(update.edited_message, edited=True)
    return None


def media_kind(message: Message) -> MediaKind | None:
    """Which kind of non-text content the message carries, if any (never opened)."""
    for name, kind in _MEDIA_FIELDS:
        if getattr(message, name, None):
            return kind
    return None


def _message(message: Message, *, edited: bool) -> Incoming:
    chat = message.chat
    kind = media_kind(message)
    if chat.type != ChatType.PRIVATE:
        # Service messages (someone joined, the title changed) are not spoken to the bot; the
        # join itself arrives as my_chat_member.
        spoken = message.text is not None or message.caption is not None
        if edited or not (spoken or kind is not None or message.web_app_data is not None):
            return None
        return ToEngine(chat.id, GroupChat())
    ref = str(message.message_id)
    if kind is not None:
        return ToEngine(chat.id, Media(kind), ref)
    if message.web_app_data is not None and not edited:
        return ToEngine(chat.id, Text(message.web_app_data.data), ref)
    if message.text is None:
        return None  # a service message in a private chat (pinned, shared...): nothing to say
    if edited:
        # The original message was remembered when it arrived.
        return ToEngine(chat.id, Edited())
    if message.forward_origin is None:
        command = _command(message)
        if command is not None:
            return ToEngine(chat.id, command, ref)
    return ToEngine(chat.id, Text(message.text), ref)


def _command(message: Message) -> Event | None:
    text = message.text or ""
    first = message.entities[0] if message.entities else None
    if first is None or first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return None
    # A command is ASCII, so its UTF-16 length is its length in characters.
    word, args = text[: first.length], text[first.length :].strip()
    name = word[1:].split("@", 1)[0].lower()
    if name == "start":
        hint = message.from_user.language_code if message.from_user else None
        return Start(args, locale_hint=hint)
    return Command(name, args)


def _pressed(query: CallbackQuery) -> Pressed:
    language = query.from_user.language_code if query.from_user else None
    message = query.message
    chat_id = None
    message_id = None
    if message is not None and message.chat.type == ChatType.PRIVATE:
        chat_id, message_id = message.chat.id, message.message_id
    choice = decode_choice(query.data)
    return Pressed(
        query.id,
        chat_id,
        message_id,
        EXPIRED_CHOICE if choice is None else choice,
        language,
    )


def _membership(change: ChatMemberUpdated) -> Incoming:
    chat = change.chat
    new = change.new_chat_member.status
    if chat.type == ChatType.PRIVATE:
        return Blocked(chat.id) if new == ChatMemberStatus.BANNED else None
    joined = new in _IN_CHAT and change.old_chat_member.status not in _IN_CHAT
    return ToEngine(chat.id, GroupChat()) if joined else None


# --- callback_data -----------------------------------------------------------------------------


def encode_choice(choice: str) -> str:
    """The ``callback_data`` of a button offering ``choice``: ``"1|<choice>"``.

    Raises:
        ValueError: the choice is empty, has characters outside ``A-Za-z0-9_:.-`` or does not
            fit Telegram's 64 bytes.
    """
    data = f"{CALLBACK_VERSION}{CALLBACK_SEPARATOR}{choice}"
    if not _CHOICE.match(choice) or len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError("this choice can't be carried by a Telegram button")
    return data


def decode_choice(data: str | None) -> str | None:
    """The choice a button carried, or None if the data is not a current, valid one.

    Data that is not even valid text (a lone UTF-16 surrogate, which JSON can carry) was never
    written by us: it is read like any other foreign button, never raised.
    """
    if not data or len(data.encode("utf-8", "surrogatepass")) > MAX_CALLBACK_BYTES:
        return None
    version, separator, choice = data.partition(CALLBACK_SEPARATOR)
    if version != CALLBACK_VERSION or not separator or not _CHOICE.match(choice):
        return None
    return choice


# --- laying out messages -------------------------------------------------------------------------


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT_LENGTH) -> list[str]:
    """Cut a message into parts of at most ``limit``, at line ends where possible.

    Blank parts are dropped: Telegram refuses empty messages.
    """
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if utf16_length(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        rest = line
        while utf16_length(rest) > limit:
            head = _prefix_within(rest, limit)
            parts.append(head)
            rest = rest[len(head) :]
        current = rest
    parts.append(current)
    return [part for part in parts if part.strip()]


def _prefix_within(line: str, limit: int) -> str:
    """The longest prefix of ``line`` that fits ``limit`` UTF-16 units, cut after a space
    when one is near the end."""
    size = 0
    end = 0
    for index, char in enumerate(line):
        size += 2 if ord(char) > 0xFFFF else 1
        if size > limit:
            break
        end = index + 1
    space = line.rfind(" ", 0, end)
    return line[: space + 1] if space > end // 2 else line[:end]


WIDE_KEYBOARD = 5
"""From this many buttons on, short labels go two to a row so long lists stay on screen."""
SHORT_LABEL = 20


def keyboard_rows(buttons: tuple[tuple[str, str], ...]) -> list[list[tuple[str, str]]]:
    """Arrange ``(callback_data, label)`` pairs in rows: one per row, two when many are short."""
    pairs = list(buttons)
    if len(pairs) < WIDE_KEYBOARD or any(len(label) > SHORT_LABEL for _, label in pairs):
        return [[pair] for pair in pairs]
    return [pairs[i : i + 2] for i in range(0, len(pairs), 2)]
