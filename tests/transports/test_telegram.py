"""Telegram updates to engine events, and the callback_data codec: pure, on Bot API JSON."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from telegram import Update

from bot.config import ConfigError, Settings
from bot.engine import prompts
from bot.engine.events import (
    Command,
    Edited,
    GroupChat,
    Media,
    MediaKind,
    Start,
    Text,
)
from bot.transports.telegram import file_url_for, webhook_for
from bot.transports.telegram_logging import REDACTED, PrivateRecords
from bot.transports.telegram_updates import (
    EXPIRED_CHOICE,
    MAX_TEXT_LENGTH,
    Blocked,
    Pressed,
    ToEngine,
    decode_choice,
    encode_choice,
    incoming,
    keyboard_rows,
    split_text,
    utf16_length,
)
from tests.samples import CODE

USER = {"id": 5001, "is_bot": False, "first_name": "Sam", "language_code": "fr"}
PRIVATE = {"id": 5001, "type": "private", "first_name": "Sam"}
GROUP = {"id": -4001, "type": "group", "title": "Friends"}
CHANNEL = {"id": -1004002, "type": "channel", "title": "News"}
BOT = {"id": 123456789, "is_bot": True, "first_name": "Reclaim", "username": "reclaim_bot"}
FILE = {"file_id": "AgACAgIAAxkBAAIB", "file_unique_id": "AQADAgAT", "file_size": 2048}


def update(kind: str = "message", **fields: Any) -> Update:
    """A realistic update; ``fields`` are merged into the message (or other payload)."""
    chat = fields.pop("chat", PRIVATE)
    payload: dict[str, Any] = {"message_id": 77, "date": 1_764_000_000, "chat": chat}
    if chat.get("type") != "channel":
        payload["from"] = USER
    payload.update(fields)
    parsed = Update.de_json({"update_id": 9, kind: payload}, None)
    assert parsed is not None
    return parsed


def command(text: str, **fields: Any) -> Update:
    word = text.split(" ", 1)[0]
    entities = [{"type": "bot_command", "offset": 0, "length": len(word)}]
    return update(text=text, entities=entities, **fields)


def membership(chat: dict[str, Any], old: str, new: str) -> Update:
    payload = {
        "chat": chat,
        "from": USER,
        "date": 1_764_000_000,
        "old_chat_member": member(old),
        "new_chat_member": member(new),
    }
    parsed = Update.de_json({"update_id": 10, "my_chat_member": payload}, None)
    assert parsed is not None
    return parsed


def member(status: str) -> dict[str, Any]:
    """A ChatMember of the bot with the fields its status requires."""
    member: dict[str, Any] = {"user": BOT, "status": status}
    if status == "administrator":
        member.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=False,
            can_manage_video_chats=False,
            can_restrict_members=False,
            can_promote_members=False,
            can_change_info=False,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
        )
    if status == "kicked":
        member["until_date"] = 0
    return member


def press(data: str | None, chat: dict[str, Any] | None = PRIVATE) -> Update:
    query: dict[str, Any] = {"id": "4242", "from": USER, "chat_instance": "-77"}
    if data is not None:
        query["data"] = data
    if chat is not None:
        query["message"] = {
            "message_id": 12,
            "date": 1_764_000_000,
            "chat": chat,
            "from": BOT,
            "text": "Who is in the pictures or videos?",
        }
    else:
        query["inline_message_id"] = "AAAA"
    parsed = Update.de_json({"update_id": 11, "callback_query": query}, None)
    assert parsed is not None
    return parsed


# --- callback_data -----------------------------------------------------------------------------


def _engine_choices() -> set[str]:
    found = {b.choice for _, buttons in prompts._STATIC.values() for b in buttons}
    found |= {b.choice for b in prompts._AGE_BUTTONS}
    return found | {"country:GB", "country:other", "lang:pt_BR", "lang:en"}


def test_every_engine_choice_round_trips() -> None:
    choices = _engine_choices()
    assert len(choices) > 15
    for choice in choices:
        data = encode_choice(choice)
        assert data.startswith("1|")
        assert len(data.encode()) <= 64
        assert decode_choice(data) == choice


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "me",  # no version
        "0|me",  # another version
        "2|me",
        "1|",
        "1|me|more",
        "1|m e",
        "1|café",
        "1|" + "x" * 63,  # over 64 bytes
        "1|<script>",
        "1|\ud800",  # a lone surrogate: JSON can carry it, UTF-8 can't
        "1|m\udfffe",
        "\udc00",
    ],
)
def test_foreign_or_damaged_data_does_not_decode(data: str | None) -> None:
    assert decode_choice(data) is None


def test_choices_that_cannot_be_buttons_are_refused() -> None:
    assert decode_choice(encode_choice("x" * 62)) == "x" * 62
    for bad in ("", "x" * 63, "two words", "é"):
        with pytest.raises(ValueError, match="can't be carried"):
            encode_choice(bad)


# --- messages ----------------------------------------------------------------------------------


def test_text_is_text_with_its_message_id() -> None:
    assert incoming(update(text="hello")) == ToEngine(5001, Text("hello"), "77")


def test_start_carries_the_deep_link_payload_and_the_app_language() -> None:
    assert incoming(command("/start fr-c_GB-r_code_1")) == ToEngine(
        5001, Start("fr-c_GB-r_code_1", locale_hint="fr"), "77"
    )
    assert incoming(command("/start")) == ToEngine(5001, Start("", locale_hint="fr"), "77")


@pytest.mark.parametrize(
    ("text", "event"),
    [
        ("/help", Command("help")),
        ("/HELP", Command("help")),
        ("/help@reclaim_bot", Command("help")),
        ("/status ABCD-EFGH", Command("status", "ABCD-EFGH")),
        ("/forget", Command("forget")),
    ],
)
def test_commands(text: str, event: Command) -> None:
    assert incoming(command(text)) == ToEngine(5001, event, "77")


def test_a_slash_without_a_command_entity_is_text() -> None:
    assert incoming(update(text="/ not a command")) == ToEngine(5001, Text("/ not a command"), "77")


def test_forwarded_text_is_text_even_when_it_looks_like_a_command() -> None:
    origin = {"type": "hidden_user", "date": 1_763_000_000, "sender_user_name": "Someone"}
    forwarded = command("/forget", forward_origin=origin)
    assert incoming(forwarded) == ToEngine(5001, Text("/forget"), "77")


PHOTO = [{**FILE, "width": 90, "height": 67}, {**FILE, "width": 1280, "height": 960}]
MEDIA: list[tuple[dict[str, Any], MediaKind]] = [
    ({"photo": PHOTO, "caption": "look"}, MediaKind.PHOTO),
    ({"video": {**FILE, "width": 1, "height": 1, "duration": 2}}, MediaKind.VIDEO),
    ({"document": {**FILE, "file_name": "a.pdf"}}, MediaKind.DOCUMENT),
    (
        {
            "animation": {**FILE, "width": 1, "height": 1, "duration": 2},
            "document": {**FILE, "file_name": "a.gif.mp4"},
        },
        MediaKind.ANIMATION,
    ),
    (
        {
            "sticker": {
                **FILE,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        },
        MediaKind.STICKER,
    ),
    ({"voice": {**FILE, "duration": 3}}, MediaKind.VOICE),
    ({"video_note": {**FILE, "length": 384, "duration": 5}}, MediaKind.VIDEO_NOTE),
    ({"audio": {**FILE, "duration": 180}}, MediaKind.AUDIO),
    ({"contact": {"phone_number": "+15555550123", "first_name": "Sam"}}, MediaKind.CONTACT),
    ({"location": {"latitude": 52.5, "longitude": 13.4}}, MediaKind.LOCATION),
    (
        {
            "venue": {
                "location": {"latitude": 52.5, "longitude": 13.4},
                "title": "Cafe",
                "address": "1 Main Street",
            },
            "location": {"latitude": 52.5, "longitude": 13.4},
        },
        MediaKind.VENUE,
    ),
    ({"dice": {"emoji": "🎲", "value": 3}}, MediaKind.OTHER),
    (
        {
            "poll": {
                "id": "1",
                "question": "?",
                "options": [{"persistent_id": "o1", "text": "a", "voter_count": 0}],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
                "allows_revoting": False,
                "members_only": False,
            }
        },
        MediaKind.OTHER,
    ),
    ({"story": {"chat": CHANNEL, "id": 3}}, MediaKind.OTHER),
]


@pytest.mark.parametrize(
    ("fields", "kind"), MEDIA, ids=[k.value + str(i) for i, (_, k) in enumerate(MEDIA)]
)
def test_media_kinds(fields: dict[str, Any], kind: MediaKind) -> None:
    assert incoming(update(**fields)) == ToEngine(5001, Media(kind), "77")


def test_forwarded_and_edited_media_are_media_and_can_be_deleted() -> None:
    origin = {"type": "hidden_user", "date": 1_763_000_000, "sender_user_name": "Someone"}
    forwarded = update(photo=PHOTO, forward_origin=origin)
    assert incoming(forwarded) == ToEngine(5001, Media(MediaKind.PHOTO), "77")
    edited = update("edited_message", photo=PHOTO, caption="new", edit_date=1_764_000_100)
    assert incoming(edited) == ToEngine(5001, Media(MediaKind.PHOTO), "77")


def test_edited_text_is_an_edit_of_a_message_already_remembered() -> None:
    edited = update("edited_message", text="changed", edit_date=1_764_000_100)
    assert incoming(edited) == ToEngine(5001, Edited())


def test_service_messages_in_private_chats_are_ignored() -> None:
    pinned = {"message_id": 3, "date": 1_764_000_000, "chat": PRIVATE, "text": "x"}
    assert incoming(update(pinned_message=pinned)) is None
    assert incoming(update(write_access_allowed={})) is None


def test_mini_app_data_is_the_event_a_paste_gives() -> None:
    data = {"data": CODE, "button_text": "Make the fingerprints here"}
    pasted = incoming(update(text=CODE))
    sent = incoming(update(web_app_data=data))
    assert sent == ToEngine(5001, Text(CODE), "77")
    assert sent == pasted


def test_mini_app_data_is_taken_as_it_is_whatever_the_button_says() -> None:
    data = {"data": "anything at all", "button_text": "/start"}
    assert incoming(update(web_app_data=data)) == ToEngine(5001, Text("anything at all"), "77")


def test_mini_app_data_outside_a_private_chat_is_a_group_message() -> None:
    data = {"data": CODE, "button_text": "Make the fingerprints here"}
    assert incoming(update(chat=GROUP, web_app_data=data)) == ToEngine(-4001, GroupChat())
    supergroup = {"id": -1004003, "type": "supergroup", "title": "Big"}
    assert incoming(update(chat=supergroup, web_app_data=data)) == ToEngine(-1004003, GroupChat())


# --- groups, channels, blocking ----------------------------------------------------------------


def test_any_group_message_is_a_group_chat() -> None:
    assert incoming(command("/start@reclaim_bot", chat=GROUP)) == ToEngine(-4001, GroupChat())
    assert incoming(update(chat=GROUP, photo=PHOTO)) == ToEngine(-4001, GroupChat())


def test_group_service_messages_and_edits_are_ignored() -> None:
    assert incoming(update(chat=GROUP, new_chat_members=[BOT])) is None
    assert incoming(update("edited_message", chat=GROUP, text="x", edit_date=1)) is None


@pytest.mark.parametrize(
    ("chat", "old", "new", "expected"),
    [
        (GROUP, "left", "member", ToEngine(-4001, GroupChat())),
        (
            {**GROUP, "type": "supergroup"},
            "left",
            "administrator",
            ToEngine(-4001, GroupChat()),
        ),
        (CHANNEL, "left", "administrator", ToEngine(-1004002, GroupChat())),
        (GROUP, "member", "left", None),
        (GROUP, "member", "administrator", None),
        (PRIVATE, "member", "kicked", Blocked(5001)),
        (PRIVATE, "kicked", "member", None),
    ],
)
def test_membership_changes(chat: dict[str, Any], old: str, new: str, expected: object) -> None:
    assert incoming(membership(chat, old, new)) == expected


# --- button presses ----------------------------------------------------------------------------


def test_a_press_names_its_chat_message_and_choice() -> None:
    assert incoming(press("1|me")) == Pressed("4242", 5001, 12, "me", "fr")


def test_a_press_with_foreign_data_is_expired() -> None:
    pressed = incoming(press("0|me"))
    assert isinstance(pressed, Pressed)
    assert pressed.expired
    assert pressed.choice == EXPIRED_CHOICE
    assert incoming(press(None)) == Pressed("4242", 5001, 12, EXPIRED_CHOICE, "fr")


def test_a_press_with_data_that_is_not_valid_text_is_expired() -> None:
    # Telegram's JSON may hold "\\ud83d" alone; json.loads turns it into a lone surrogate.
    assert incoming(press("1|\ud83d")) == Pressed("4242", 5001, 12, EXPIRED_CHOICE, "fr")


def test_presses_outside_private_chats_are_only_answered() -> None:
    assert incoming(press("1|me", chat=GROUP)) == Pressed("4242", None, None, "me", "fr")
    assert incoming(press("1|me", chat=None)) == Pressed("4242", None, None, "me", "fr")


def test_other_updates_are_ignored() -> None:
    parsed = Update.de_json({"update_id": 1}, None)
    assert parsed is not None
    assert incoming(parsed) is None


# --- laying out --------------------------------------------------------------------------------


def test_short_messages_stay_whole() -> None:
    assert split_text("one\n\ntwo") == ["one\n\ntwo"]
    assert split_text("  \n ") == []


def test_long_messages_are_cut_at_line_ends() -> None:
    lines = [f"line {n} " + "x" * 90 for n in range(100)]
    parts = split_text("\n".join(lines))
    assert len(parts) == 3
    assert all(utf16_length(p) <= MAX_TEXT_LENGTH for p in parts)
    assert "\n".join(parts) == "\n".join(lines)
    assert parts[1].startswith("line ")


def test_one_huge_line_is_cut_too_counting_utf16() -> None:
    text = "🙂" * 3000  # 6000 UTF-16 units
    parts = split_text(text)
    assert [utf16_length(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == text
    words = " ".join(["word"] * 2000)
    cut = split_text(words)
    assert all(p.endswith(" ") for p in cut[:-1])
    assert "".join(cut) == words


def test_keyboards_are_one_per_row_unless_long_and_short() -> None:
    few = (("1|yes", "Yes"), ("1|no", "No"))
    assert keyboard_rows(few) == [[few[0]], [few[1]]]
    many = tuple((f"1|country:{c}", c) for c in ("GB", "US", "FR", "DE", "ES"))
    assert keyboard_rows(many) == [list(many[0:2]), list(many[2:4]), [many[4]]]
    wordy = (*many[:4], ("1|x", "A label longer than twenty"))
    assert len(keyboard_rows(wordy)) == 5


# --- settings and logs -------------------------------------------------------------------------


def test_file_url_sits_beside_the_api_url() -> None:
    assert file_url_for("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url_for("http://localhost:8081/bot/") == "http://localhost:8081/file/bot"
    assert file_url_for("http://tg.local/api") == "http://tg.local/api/file/bot"


def test_webhook_settings() -> None:
    assert webhook_for(Settings()) is None
    hook = webhook_for(
        Settings(telegram_webhook_url="https://bot.example.org/tg/hook", telegram_webhook_port=8080)
    )
    assert hook is not None
    assert hook.path == "tg/hook"
    assert hook.port == 8080
    assert len(hook.secret) >= 32  # made for this run when none is configured
    again = webhook_for(Settings(telegram_webhook_url="https://bot.example.org/tg/hook"))
    assert again is not None
    assert again.secret != hook.secret
    given = webhook_for(
        Settings(telegram_webhook_url="https://x.org/", telegram_webhook_secret="abc_DEF-1")
    )
    assert given is not None
    assert given.secret == "abc_DEF-1"
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        webhook_for(Settings(telegram_webhook_url="https://x.org/", telegram_webhook_secret="a b"))


def test_log_records_lose_the_token_and_library_arguments() -> None:
    token = "123:SECRETtoken"
    private = PrivateRecords(token)

    def record(name: str, msg: str, *args: object) -> logging.LogRecord:
        made = logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, None)
        assert private.filter(made)
        return made

    library = record("telegram.ext.Updater", "Received data: %s", {"text": "very private"})
    assert library.getMessage() == "Received data: %s"
    url = record("httpx", f"HTTP Request: POST https://api.telegram.org/bot{token}/getMe")
    assert token not in url.getMessage()
    assert REDACTED in url.getMessage()
    ours = record("bot.runtime", "event %s in state %s", "Text", "new")
    assert ours.getMessage() == "event Text in state new"
    try:
        raise RuntimeError(f"failed at /bot{token}/sendMessage")
    except RuntimeError:
        import sys

        failed = logging.LogRecord("httpx", logging.ERROR, __file__, 1, "x", None, sys.exc_info())
    private.filter(failed)
    assert failed.exc_text is not None
    assert token not in failed.exc_text
