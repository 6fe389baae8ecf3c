"""Tests of the emulator's user side: every update a user can cause must reach a real
`telegram.Bot` shaped so that python-telegram-bot parses it completely, and the emulator must
also serve a bot running in another process.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from telegram import (
    Bot,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    MessageOriginChannel,
    MessageOriginHiddenUser,
    MessageOriginUser,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    TelegramObject,
    Update,
    WebAppInfo,
)
from telegram.error import BadRequest, Forbidden

from tests.telegram_emulator import BotApiEmulator, EmulatorThread

REPO_ROOT = Path(__file__).resolve().parents[2]


def keyboard(*callback_data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(data, callback_data=data)] for data in callback_data]
    )


def unknown_fields(value: object, path: str = "update") -> list[str]:
    """Fields python-telegram-bot did not recognise (it keeps them in `api_kwargs`)."""
    found: list[str] = []
    if isinstance(value, TelegramObject):
        found += [f"{path}.{name}" for name in value.api_kwargs]
        for cls in type(value).__mro__:
            for name in getattr(cls, "__slots__", ()):
                if not name.startswith("_"):
                    found += unknown_fields(getattr(value, name, None), f"{path}.{name}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found += unknown_fields(item, f"{path}[{i}]")
    return found


def missing_in(sent: Any, parsed: Any, path: str = "") -> list[str]:
    """Parts of the JSON the emulator sent that do not come back from PTB's `to_dict()`."""
    if isinstance(sent, dict):
        if not isinstance(parsed, dict):
            return [path]
        return [m for key in sent for m in missing_in(sent[key], parsed.get(key), f"{path}.{key}")]
    if isinstance(sent, list):
        if not isinstance(parsed, list) or len(parsed) != len(sent):
            return [path]
        return [m for i, item in enumerate(sent) for m in missing_in(item, parsed[i], f"{path}[]")]
    return [] if sent == parsed else [f"{path}: {sent!r} != {parsed!r}"]


@pytest.mark.parametrize(
    ("action", "attribute"),
    [
        ("user_sends_photo", "photo"),
        ("user_sends_document", "document"),
        ("user_sends_video", "video"),
        ("user_sends_sticker", "sticker"),
        ("user_sends_voice", "voice"),
        ("user_sends_video_note", "video_note"),
        ("user_sends_audio", "audio"),
        ("user_sends_animation", "animation"),
        ("user_sends_contact", "contact"),
        ("user_sends_location", "location"),
        ("user_sends_venue", "venue"),
    ],
)
async def test_every_media_kind_parses_completely(
    emu: BotApiEmulator, bot: Bot, action: str, attribute: str
) -> None:
    user = emu.add_user()
    sent = getattr(emu, action)(user)
    [update] = await bot.get_updates()
    assert update.message is not None
    assert getattr(update.message, attribute), f"{attribute} did not parse"
    assert update.message.effective_attachment is not None
    assert unknown_fields(update) == []
    assert missing_in(sent, update.to_dict()) == []


async def test_compatibility_fields_are_set_as_on_telegram(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.add_user()
    emu.user_sends_animation(user)
    emu.user_sends_venue(user, title="Library")
    gif, venue = await bot.get_updates()
    assert gif.message is not None
    assert gif.message.animation is not None
    assert gif.message.document is not None
    assert gif.message.document.file_id == gif.message.animation.file_id
    assert venue.message is not None
    assert venue.message.venue is not None
    assert venue.message.venue.title == "Library"
    assert venue.message.location == venue.message.venue.location


async def test_photo_sizes_and_file_download(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.add_user()
    content = b"\xff\xd8 jpeg bytes"
    emu.user_sends_photo(user, content=content, width=640, height=480, caption="me")
    [update] = await bot.get_updates()
    assert update.message is not None
    assert update.message.caption == "me"
    sizes = update.message.photo
    assert [(p.width, p.height) for p in sizes] == [(90, 67), (320, 240), (640, 480)]
    assert len({p.file_id for p in sizes}) == 3
    assert len({p.file_unique_id for p in sizes}) == 3
    assert sizes[-1].file_size == len(content)
    assert emu.calls_to("getFile") == []
    file = await bot.get_file(sizes[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == content
    assert [c.params["file_id"] for c in emu.calls_to("getFile")] == [sizes[-1].file_id]
    assert emu.downloads == [emu.files[sizes[-1].file_id].file_path]
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("not-a-file")


async def test_commands_forwards_and_edits(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.add_user()
    emu.user_sends_command(user, "/start", "case-42")
    emu.user_forwards(user, "from a friend")
    emu.user_forwards(user, "from someone", origin="hidden_user")
    emu.user_forwards(user, "from a channel", origin="channel")
    typo = emu.user_sends_text(user, "typo")
    emu.user_edits_message(user, typo["message"]["message_id"], "fixed")
    start, *forwards, _, edit = await bot.get_updates()
    assert start.message is not None
    assert start.message.text == "/start case-42"
    assert start.message.parse_entities() == {start.message.entities[0]: "/start"}
    origins = [type(u.message.forward_origin) for u in forwards if u.message]
    assert origins == [MessageOriginUser, MessageOriginHiddenUser, MessageOriginChannel]
    assert edit.edited_message is not None
    assert edit.edited_message.text == "fixed"
    assert edit.edited_message.edit_date is not None
    assert unknown_fields(edit) == []


async def test_button_presses_are_tracked_until_answered(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.add_user()
    menu = await bot.send_message(user.id, "Pick one", reply_markup=keyboard("a", "b"))
    with pytest.raises(KeyError, match="no button with callback_data 'c'"):
        emu.user_presses_button(user, menu.message_id, "c")
    press = emu.user_presses_button(user, menu.message_id, "b")
    [update] = await bot.get_updates()
    query = update.callback_query
    assert query is not None
    assert query.data == "b"
    assert query.id == press["callback_query"]["id"]
    assert query.id.isdigit()
    assert isinstance(query.message, Message)
    assert query.message.message_id == menu.message_id
    assert [q.id for q in emu.unanswered_callback_queries()] == [query.id]
    assert await query.answer("Noted", show_alert=True) is True
    assert emu.callback_answered(query.id)
    assert emu.callback_queries[query.id].answer == {"text": "Noted", "show_alert": True}
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer()

    late = emu.user_presses_button(user, menu.message_id, "a")["callback_query"]["id"]
    emu.clock.advance(60)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(late)


async def test_blocked_user_gets_forbidden_until_they_write_again(
    emu: BotApiEmulator, bot: Bot
) -> None:
    user = emu.add_user()
    emu.user_blocks_bot(user)
    [update] = await bot.get_updates()
    assert update.my_chat_member is not None
    assert isinstance(update.my_chat_member.new_chat_member, ChatMemberBanned)
    with pytest.raises(Forbidden) as error:
        await bot.send_message(user.id, "still there?")
    assert error.value.message == "Forbidden: bot was blocked by the user"
    with pytest.raises(Forbidden):
        await bot.send_chat_action(user.id, "typing")
    assert emu.calls_to("sendMessage")[0].status == 403

    emu.user_sends_command(user, "/start")
    unblock, start = await bot.get_updates(offset=update.update_id + 1)
    assert unblock.my_chat_member is not None
    assert isinstance(unblock.my_chat_member.new_chat_member, ChatMemberMember)
    assert start.message is not None
    assert (await bot.send_message(user.id, "welcome back")).text == "welcome back"


async def test_group_supergroup_and_channel_joins_parse(emu: BotApiEmulator, bot: Bot) -> None:
    group = emu.bot_added_to_group("Volunteers", "group")
    joined, service = await bot.get_updates()
    assert joined.my_chat_member is not None
    assert joined.my_chat_member.chat.type == "group"
    assert joined.my_chat_member.chat.title == "Volunteers"
    assert isinstance(joined.my_chat_member.new_chat_member, ChatMemberMember)
    assert service.message is not None
    assert service.message.chat.id == group.id
    assert [m.id for m in service.message.new_chat_members] == [bot.id]

    emu.user_sends_text(group, "chatter a bot in privacy mode does not see")
    emu.user_sends_command(group, "/help", mention_bot=True)
    later = await bot.get_updates(offset=service.update_id + 1)
    assert [u.message.text for u in later if u.message] == ["/help@reclaim_test_bot"]

    supergroup = emu.bot_added_to_group("Big", "supergroup", as_admin=True)
    channel = emu.bot_added_to_group("News", "channel")
    joins = await bot.get_updates(offset=later[-1].update_id + 1)
    members = [u.my_chat_member for u in joins if u.my_chat_member]
    assert [m.chat.id for m in members] == [supergroup.id, channel.id]
    assert all(isinstance(m.new_chat_member, ChatMemberAdministrator) for m in members)
    assert str(supergroup.id).startswith("-100")
    assert all(unknown_fields(u) == [] for u in joins)

    assert await bot.leave_chat(group.id) is True
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await bot.send_message(group.id, "hello?")
    with pytest.raises(BadRequest, match="Can't leave private chats"):
        await bot.leave_chat(emu.add_user().id)


async def test_deleting_in_groups_needs_rights(emu: BotApiEmulator, bot: Bot) -> None:
    group = emu.bot_added_to_group("Volunteers", "supergroup")
    someone = emu.user_sends_command(group, "/report")["message"]["message_id"]
    own = await bot.send_message(group.id, "noted")
    with pytest.raises(BadRequest) as error:
        await bot.delete_message(group.id, someone)
    assert error.value.message == "Message can't be deleted"
    assert await bot.delete_message(group.id, own.message_id) is True

    moderated = emu.bot_added_to_group(
        "Mods", "supergroup", as_admin=True, can_delete_messages=True
    )
    theirs = emu.user_sends_text(moderated, "spam")["message"]["message_id"]
    emu.clock.advance(hours=72)
    assert await bot.delete_message(moderated.id, theirs) is True


async def test_updates_parse_through_update_de_json(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.add_user(first_name="Robin", last_name="Lee", username="robin", language_code="de")
    raw = emu.user_sends_text(user, "hi")
    update = Update.de_json(raw, bot)
    assert update.message is not None
    assert update.message.from_user is not None
    assert update.message.from_user.language_code == "de"
    assert update.message.chat.last_name == "Lee"
    assert update.effective_user == update.message.from_user
    assert unknown_fields(update) == []


BOT_PROCESS = textwrap.dedent(
    """
    import asyncio, sys
    from telegram import Bot

    async def main() -> None:
        async with Bot(sys.argv[1], base_url=sys.argv[2]) as bot:
            offset = 0
            while True:
                for update in await bot.get_updates(offset=offset, timeout=5):
                    offset = update.update_id + 1
                    text = update.message.text if update.message else None
                    if text == "/stop":
                        return
                    if text:
                        await bot.send_message(update.message.chat.id, "echo " + text)

    asyncio.run(main())
    """
)


def test_thread_mode_serves_a_separate_bot_process() -> None:
    with EmulatorThread() as emu:
        process = subprocess.Popen(
            [sys.executable, "-c", BOT_PROCESS, emu.token, emu.base_url], cwd=REPO_ROOT
        )
        try:
            user = emu.add_user()
            emu.user_sends_text(user, "hello")
            reply = emu.wait_for_bot_message_sync(user, timeout=15)
            assert reply.text == "echo hello"
            emu.user_sends_text(user, "/stop")
            assert process.wait(10) == 0
        finally:
            process.kill()
        assert emu.method_names()[0] == "getMe"
        assert emu.wait_for_call_sync("getUpdates", timeout=1).ok


async def test_a_mini_app_button_and_the_data_it_sends(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.add_user()
    url = "https://reclaim.example.org/companion/miniapp.html?lang=en"
    button = KeyboardButton("Open", web_app=WebAppInfo(url))
    sent = await bot.send_message(user.id, "Here", reply_markup=ReplyKeyboardMarkup([[button]]))
    assert sent.reply_markup is None  # Telegram returns only inline keyboards
    stored = emu.last_bot_message(user)
    assert stored.web_app_urls == [url]
    assert emu.chat(user).reply_keyboard == stored.reply_keyboard
    raw = emu.user_sends_web_app_data(user, "#reclaim1 data")
    [update] = await bot.get_updates()
    assert update.message is not None
    assert update.message.text is None
    assert update.message.web_app_data is not None
    assert update.message.web_app_data.data == "#reclaim1 data"
    assert update.message.web_app_data.button_text == "Open"
    assert unknown_fields(update) == []
    assert missing_in(raw, update.to_dict()) == []
    await bot.send_message(user.id, "Done", reply_markup=ReplyKeyboardRemove())
    assert emu.last_bot_message(user).reply_keyboard == {"remove_keyboard": True}
    assert emu.chat(user).reply_keyboard is None
    with pytest.raises(KeyError, match="no keyboard button with a Mini App"):
        emu.user_sends_web_app_data(user, "more")


async def test_mini_app_data_has_telegrams_limits(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.add_user()
    button = KeyboardButton("Open", web_app=WebAppInfo("https://x.org/"))
    await bot.send_message(user.id, "Here", reply_markup=ReplyKeyboardMarkup([[button]]))
    with pytest.raises(ValueError, match="4096 bytes"):
        emu.user_sends_web_app_data(user, "é" * 2049)
    emu.user_sends_web_app_data(user, "x" * 4096)
    group = emu.bot_added_to_group()
    with pytest.raises(ValueError, match="private chat"):
        emu.user_sends_web_app_data(group, "x")


async def test_a_mini_app_needs_https(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.add_user()
    button = KeyboardButton("Open", web_app=WebAppInfo("http://x.org/"))
    with pytest.raises(BadRequest, match=r"(?i)only https links are allowed"):
        await bot.send_message(user.id, "Here", reply_markup=ReplyKeyboardMarkup([[button]]))
    assert emu.chat(user).reply_keyboard is None
