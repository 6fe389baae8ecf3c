"""Matrix events to engine events, invites, and notices: pure and table-driven."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.engine.effects import PageOffer
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
from bot.i18n import Rendered
from bot.transports.matrix_events import (
    Gone,
    ToEngine,
    accept_invite,
    media_kind,
    membership_action,
    message_action,
    notice_content,
    numbered_choice,
    parse_command,
)

BOT = "@reclaim:example.org"
PERSON = "@someone:example.org"
ROOM = "!room:example.org"
BUTTONS = (("role:me", "It's me"), ("role:helping", "I'm helping someone"))


def message(content: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": "m.room.message",
        "sender": PERSON,
        "event_id": "$event",
        "content": content,
        **extra,
    }


def text(body: str, **content: Any) -> dict[str, Any]:
    return message({"msgtype": "m.text", "body": body, **content})


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (text("hello"), Text("hello")),
        (text("  2  "), Choice("role:helping")),
        (text("1."), Choice("role:me")),
        (text("3"), Text("3")),
        (text("/start abc"), Start("abc")),
        (text("/STATUS"), Command("status")),
        (text("!forget"), Command("forget")),
        (text("!help"), Command("help")),
        (text("!wow"), Text("!wow")),
        (text("//start"), Text("//start")),
        (message({"msgtype": "m.emote", "body": "waves"}), Text("waves")),
        (text("> <@a:b> quoted\n> more\n\nmy answer"), Text("my answer")),
        (text("* fixed", **{"m.relates_to": {"rel_type": "m.replace"}}), Edited()),
        (message({"msgtype": "m.image", "body": "x.png", "url": "mxc://a/b"}), Media("photo")),
        (
            message({"msgtype": "m.image", "body": "x", "file": {"url": "mxc://a/b"}}),
            Media("photo"),
        ),
        (message({"msgtype": "m.video", "body": "v"}), Media("video")),
        (message({"msgtype": "m.file", "body": "f"}), Media("document")),
        (message({"msgtype": "m.audio", "body": "a"}), Media("audio")),
        (
            message({"msgtype": "m.audio", "body": "a", "org.matrix.msc3245.voice": {}}),
            Media("voice"),
        ),
        (
            message({"msgtype": "m.location", "body": "here", "geo_uri": "geo:1,2"}),
            Media("location"),
        ),
        (message({"msgtype": "org.example.poll", "body": "?"}), Media("other")),
        (text("look", url="mxc://a/b"), Media("other")),
        (
            {"type": "m.sticker", "sender": PERSON, "event_id": "$s", "content": {}},
            Media("sticker"),
        ),
    ],
)
def test_a_message_in_a_direct_chat(source: dict[str, Any], expected: Event) -> None:
    action = message_action(ROOM, source, bot_user_id=BOT, members=2, buttons=BUTTONS)
    assert action is not None
    assert action.event == expected
    assert action.room_id == ROOM
    assert action.incoming_ref == (None if isinstance(expected, Edited) else source["event_id"])


@pytest.mark.parametrize(
    "source",
    [
        {**text("mine"), "sender": BOT},
        {"type": "m.reaction", "sender": PERSON, "content": {}},
        {"type": "m.room.redaction", "sender": PERSON, "content": {}},
        {"type": "m.room.encrypted", "sender": PERSON, "content": {}},
        {"type": "m.room.name", "sender": PERSON, "state_key": "", "content": {"name": "x"}},
        message({"msgtype": "m.text"}),
        message("not a dict"),  # type: ignore[arg-type]
    ],
)
def test_what_is_not_spoken_to_the_bot_is_ignored(source: dict[str, Any]) -> None:
    assert message_action(ROOM, source, bot_user_id=BOT, members=2) is None


def test_forget_leaves_the_room_afterwards() -> None:
    action = message_action(ROOM, text("/forget"), bot_user_id=BOT, members=2)
    assert action == ToEngine(ROOM, Command("forget"), "$event", leave_after=True)


@pytest.mark.parametrize(
    "source", [text("hello"), message({"msgtype": "m.image", "body": "x"}), text("/start")]
)
def test_anything_said_in_a_room_of_three_is_a_group(source: dict[str, Any]) -> None:
    action = message_action(ROOM, source, bot_user_id=BOT, members=3)
    assert action == ToEngine(ROOM, GroupChat())


def member(user: str, membership: str) -> dict[str, Any]:
    return {
        "type": "m.room.member",
        "sender": PERSON,
        "state_key": user,
        "content": {"membership": membership},
    }


@pytest.mark.parametrize(
    ("source", "members", "expected"),
    [
        (member("@third:example.org", "invite"), 3, ToEngine(ROOM, GroupChat())),
        (member("@third:example.org", "join"), 3, ToEngine(ROOM, GroupChat())),
        (member(PERSON, "join"), 2, None),
        (member(PERSON, "leave"), 1, Gone(ROOM)),
        (member(PERSON, "ban"), 1, Gone(ROOM)),
        (member("@third:example.org", "leave"), 2, None),
        (member(BOT, "join"), 3, None),
    ],
)
def test_member_events(source: dict[str, Any], members: int, expected: object) -> None:
    assert membership_action(ROOM, source, bot_user_id=BOT, members=members) == expected


def invited(is_direct: object = True) -> dict[str, Any]:
    content: dict[str, Any] = {"membership": "invite"}
    if is_direct is not None:
        content["is_direct"] = is_direct
    return {"type": "m.room.member", "state_key": BOT, "sender": PERSON, "content": content}


@pytest.mark.parametrize(
    ("state", "accepted"),
    [
        ([member(PERSON, "join"), invited()], True),
        ([member(PERSON, "join"), invited(), {"type": "m.room.name", "content": {}}], True),
        ([member(PERSON, "join"), invited(False)], False),
        ([member(PERSON, "join"), invited(None)], False),
        ([member(PERSON, "join"), invited("yes")], False),
        ([member(PERSON, "join"), member("@third:example.org", "join"), invited()], False),
        ([member(PERSON, "join"), member("@third:example.org", "invite"), invited()], False),
        ([member(PERSON, "join"), member("@gone:example.org", "leave"), invited()], True),
        ([member(PERSON, "join")], False),
        ([], False),
    ],
)
def test_only_direct_chats_are_joined(state: list[dict[str, Any]], accepted: bool) -> None:
    assert accept_invite(state, BOT) is accepted


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("1", "role:me"), ("2)", "role:helping"), ("0", None), ("3", None), ("1 2", None), ("", None)],
)
def test_typed_numbers(typed: str, expected: str | None) -> None:
    assert numbered_choice(typed, BUTTONS) == expected
    assert numbered_choice(typed, ()) is None


@pytest.mark.parametrize("typed", ["hello", "/", "/ start", "/ünïcode", "!", "//x", "!start"])
def test_what_is_not_a_command(typed: str) -> None:
    expected = Start("") if typed == "!start" else None
    assert parse_command(typed) == expected


def test_media_kind_reads_only_the_type() -> None:
    assert media_kind({"type": "m.room.message", "content": {"msgtype": "m.text"}}) is None
    assert media_kind({"type": "m.sticker"}) is MediaKind.STICKER
    assert media_kind({"type": "m.room.message"}) is None


def test_a_notice_numbers_its_options_and_escapes_its_html() -> None:
    content = notice_content(Rendered("Who is <here>?\nSecond line", BUTTONS))
    assert content["msgtype"] == "m.notice"
    assert content["body"] == "Who is <here>?\nSecond line\n\n1. It's me\n2. I'm helping someone"
    assert content["format"] == "org.matrix.custom.html"
    assert content["formatted_body"] == (
        "Who is &lt;here&gt;?<br>Second line<br>"
        "<ol><li>It&#x27;s me</li><li>I&#x27;m helping someone</li></ol>"
    )


def test_a_notice_links_the_companion_page() -> None:
    page = PageOffer("https://example.org/companion/", "en", "page.open")
    content = notice_content(Rendered("Make the codes", page=page, page_label="Open the page"))
    address = page.entry()
    assert content["body"] == f"Make the codes\nOpen the page: {address}"
    assert f'<a href="{address}">Open the page</a>' in content["formatted_body"]


def test_no_matrix_module_calls_a_media_download_api() -> None:
    folder = Path(__file__).resolve().parents[2] / "bot" / "transports"
    sources = {path.name: path.read_text() for path in folder.glob("matrix*.py")}
    assert len(sources) >= 4
    forbidden = re.compile(r"\.(?:download|thumbnail|decrypt_attachment)\(|mxc_to_http|/media/")
    assert {name: forbidden.findall(text) for name, text in sources.items()} == {
        name: [] for name in sources
    }
    # The check would see a call if there was one.
    assert forbidden.search("await client.download(mxc)")
