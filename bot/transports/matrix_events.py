"""Pure translation between Matrix events and engine values, with no I/O.

What belongs here: deciding what a room event asks for (an engine event for the room, nothing,
a room to leave), which invites to accept, reading a typed number or command, and laying a
rendered message out as ``m.notice`` content (numbered options, an HTML body). What does not:
anything that talks to the homeserver, waits, logs or decides what to say; that is
``matrix.py`` and the engine.

Events are read from their raw JSON (``event.source`` in matrix-nio), the same shape whether
the room is encrypted (after decryption) or not. Media is recognised by its ``msgtype`` or event
type and nothing of it is read: not its body, not its ``mxc://`` address, not its file keys.

Rooms are never shared between people: a room with more than the person and the bot is a group,
and the engine answers a group with one line before the bot leaves.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.engine.events import (
    Choice,
    Command,
    Edited,
    Event,
    GroupChat,
    Media,
    MediaKind,
    Start,
    Text,
)
from bot.engine.states import COMMANDS
from bot.i18n import Rendered

DIRECT_MEMBERS = 2
"""A direct chat holds the person and the bot, no one else."""
HTML_FORMAT = "org.matrix.custom.html"
MAX_BODY = 32_000
"""Characters of a message body; a Matrix event may be 64 KiB in all, with its HTML twice."""

_MEDIA_TYPES: Mapping[str, MediaKind] = {
    "m.image": MediaKind.PHOTO,
    "m.video": MediaKind.VIDEO,
    "m.file": MediaKind.DOCUMENT,
    "m.audio": MediaKind.AUDIO,
    "m.location": MediaKind.LOCATION,
}
_TEXT_TYPES = frozenset({"m.text", "m.emote", "m.notice"})
_VOICE_KEYS = ("org.matrix.msc3245.voice", "m.voice")
_NUMBER = re.compile(r"^\s*(\d{1,3})[.)]?\s*$")
_COMMAND_PREFIXES = ("/", "!")
"""``!`` as well: some clients keep ``/word`` for themselves and refuse to send it."""


@dataclass(frozen=True, slots=True)
class ToEngine:
    """Hand ``event`` to the runtime for this room.

    Attributes:
        room_id: the room the event belongs to (the chat id the runtime is given).
        event: the engine event.
        incoming_ref: the incoming event's id, so the runtime can remember and redact it.
        leave_after: the bot leaves the room once the event is handled (``/forget``).
    """

    room_id: str
    event: Event
    incoming_ref: str | None = None
    leave_after: bool = False


@dataclass(frozen=True, slots=True)
class Gone:
    """The person left the direct chat: their conversation ends quietly and the bot leaves."""

    room_id: str


def message_action(
    room_id: str,
    source: Mapping[str, Any],
    *,
    bot_user_id: str,
    members: int,
    buttons: tuple[tuple[str, str], ...] = (),
) -> ToEngine | None:
    """What to do with one timeline event in a joined room (None: nothing at all).

    Args:
        room_id: the room.
        source: the event's JSON (decrypted, for an encrypted room).
        bot_user_id: the bot's own user id; its own events are ignored.
        members: people in the room, joined or invited, the bot included.
        buttons: the ``(choice, label)`` options last shown in this room, for typed numbers.
    """
    if source.get("sender") == bot_user_id or "state_key" in source:
        return None
    kind = media_kind(source)
    spoken = kind is not None or _text_body(source) is not None
    if not spoken:
        return None
    if members > DIRECT_MEMBERS:
        return ToEngine(room_id, GroupChat())
    ref = source.get("event_id")
    ref = ref if isinstance(ref, str) else None
    if kind is not None:
        return ToEngine(room_id, Media(kind), ref)
    if _is_edit(source):
        return ToEngine(room_id, Edited())
    text = _without_reply_fallback(_text_body(source) or "")
    command = parse_command(text)
    if command is not None:
        forget = isinstance(command, Command) and command.name == "forget"
        return ToEngine(room_id, command, ref, leave_after=forget)
    choice = numbered_choice(text, buttons)
    if choice is not None:
        return ToEngine(room_id, Choice(choice), ref)
    return ToEngine(room_id, Text(text), ref)


def membership_action(
    room_id: str, source: Mapping[str, Any], *, bot_user_id: str, members: int
) -> ToEngine | Gone | None:
    """A member event: someone else joining or invited makes the room a group; the person
    leaving a room where only the bot is left ends the conversation."""
    if source.get("type") != "m.room.member" or source.get("state_key") == bot_user_id:
        return None
    content = source.get("content")
    membership = content.get("membership") if isinstance(content, Mapping) else None
    if membership in ("join", "invite") and members > DIRECT_MEMBERS:
        return ToEngine(room_id, GroupChat())
    if membership in ("leave", "ban") and members <= 1:
        return Gone(room_id)
    return None


def media_kind(source: Mapping[str, Any]) -> MediaKind | None:
    """Which kind of non-text content an event carries, if any (never opened)."""
    event_type = source.get("type")
    if event_type == "m.sticker":
        return MediaKind.STICKER
    if event_type != "m.room.message":
        return None
    content = source.get("content")
    if not isinstance(content, Mapping):
        return None
    msgtype = content.get("msgtype")
    if not isinstance(msgtype, str):
        return None
    if msgtype == "m.audio" and any(key in content for key in _VOICE_KEYS):
        return MediaKind.VOICE
    if msgtype in _MEDIA_TYPES:
        return _MEDIA_TYPES[msgtype]
    if msgtype in _TEXT_TYPES:
        # A text message that carries a file anyway is still a file.
        return MediaKind.OTHER if "url" in content or "file" in content else None
    return MediaKind.OTHER


def _text_body(source: Mapping[str, Any]) -> str | None:
    if source.get("type") != "m.room.message":
        return None
    content = source.get("content")
    if not isinstance(content, Mapping) or content.get("msgtype") not in _TEXT_TYPES:
        return None
    body = content.get("body")
    return body if isinstance(body, str) else None


def _is_edit(source: Mapping[str, Any]) -> bool:
    content = source.get("content")
    relates = content.get("m.relates_to") if isinstance(content, Mapping) else None
    return isinstance(relates, Mapping) and relates.get("rel_type") == "m.replace"


def _without_reply_fallback(body: str) -> str:
    """A reply's body without the quoted lines clients put before it (``> <@someone> ...``)."""
    lines = body.split("\n")
    if not lines or not lines[0].startswith("> <"):
        return body
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    while index < len(lines) and not lines[index].strip():
        index += 1
    return "\n".join(lines[index:])


def parse_command(text: str) -> Event | None:
    """``/start PAYLOAD``, ``/name args`` (or ``!name``), or None for plain text.

    With ``!`` only the bot's own commands count, so ``!!`` or ``!wow`` stay text.
    """
    stripped = text.strip()
    if len(stripped) < 2 or stripped[0] not in _COMMAND_PREFIXES or stripped[1] in "/!":
        return None
    word, _, args = stripped[1:].partition(" ")
    name = word.split("@", 1)[0].split(":", 1)[0].lower()
    if not name.isascii() or not name.replace("_", "").isalnum():
        return None
    if stripped[0] == "!" and f"/{name}" not in COMMANDS and name != "help":
        return None
    if name == "start":
        return Start(args.strip())
    return Command(name, args.strip())


def numbered_choice(text: str, buttons: tuple[tuple[str, str], ...]) -> str | None:
    """The choice a typed number (``2``, ``2.``, ``2)``) picks among the last options shown."""
    match = _NUMBER.match(text)
    if match is None:
        return None
    number = int(match.group(1))
    return buttons[number - 1][0] if 1 <= number <= len(buttons) else None


def accept_invite(invite_state: Sequence[Mapping[str, Any]], bot_user_id: str) -> bool:
    """Whether to join a room the bot is invited to: only a direct chat, the inviter and the bot.

    The invite must mark the chat as direct (``is_direct``), and the room must hold no one else.
    """
    direct = False
    others: set[str] = set()
    for event in invite_state:
        if event.get("type") != "m.room.member":
            continue
        content = event.get("content")
        if not isinstance(content, Mapping):
            continue
        member = event.get("state_key")
        membership = content.get("membership")
        if member == bot_user_id:
            direct = membership == "invite" and content.get("is_direct") is True
        elif isinstance(member, str) and membership in ("join", "invite"):
            others.add(member)
    return direct and len(others) <= 1


# --- laying out messages -------------------------------------------------------------------


def notice_content(message: Rendered) -> dict[str, Any]:
    """A rendered message as ``m.notice`` content: the text, then numbered options and the page.

    The plain body is what any client shows; the HTML body keeps line breaks and lists the
    options so they read as a list, with the companion page as a link.
    """
    lines = [message.text]
    markup = [_html_lines(message.text)]
    if message.page is not None:
        address = message.page.entry()
        lines.append(f"{message.page_label}: {address}")
        link = html.escape(address, quote=True)
        markup.append(f'<a href="{link}">{html.escape(message.page_label)}</a>')
    if message.buttons:
        lines.append("")
        lines.extend(f"{n}. {label}" for n, (_, label) in enumerate(message.buttons, 1))
        items = "".join(f"<li>{html.escape(label)}</li>" for _, label in message.buttons)
        markup.append(f"<ol>{items}</ol>")
    return {
        "msgtype": "m.notice",
        "body": "\n".join(lines)[:MAX_BODY],
        "format": HTML_FORMAT,
        "formatted_body": "<br>".join(part for part in markup if part)[: MAX_BODY * 2],
    }


def plain_notice(text: str) -> dict[str, Any]:
    """A short ``m.notice`` of the transport's own (the line before leaving, a removal ask)."""
    return {
        "msgtype": "m.notice",
        "body": text,
        "format": HTML_FORMAT,
        "formatted_body": _html_lines(text),
    }


def _html_lines(text: str) -> str:
    return "<br>".join(html.escape(line) for line in text.split("\n"))
