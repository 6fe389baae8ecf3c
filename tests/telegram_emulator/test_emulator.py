"""Tests of the Bot API emulator itself, driven through python-telegram-bot's real HTTP stack.

Each test talks to the emulator with a real `telegram.Bot` (or `telegram.ext.Application`) so
that what the emulator answers is proven to be what python-telegram-bot accepts and parses.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import socket
import time
import warnings
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
    Message,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from tests.telegram_emulator import BotApiEmulator, FakeClock


def keyboard(*callback_data: str) -> InlineKeyboardMarkup:
    """One button per row, labelled "button <n>"."""
    rows = [
        [InlineKeyboardButton(f"button {i}", callback_data=d)] for i, d in enumerate(callback_data)
    ]
    return InlineKeyboardMarkup(rows)


async def raw_call(bot: Bot, method: str, **params: Any) -> Any:
    """Calls a method through PTB's stack with parameters exactly as given."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Please use", PTBUserWarning)
        return await bot.do_api_request(method, api_kwargs=params)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- identity, sending, editing, deleting -----------------------------------------------------


async def test_get_me_is_accepted_by_ptb(emu: BotApiEmulator, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot is True
    assert me.username == "reclaim_test_bot"
    assert me.can_join_groups is True
    assert me.can_read_all_group_messages is False
    assert me.id == int(emu.token.split(":")[0])
    assert emu.method_names()[:2] == ["getMe", "getMe"]  # initialize() and the call above


async def test_send_edit_delete_round_trip(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.add_user(first_name="Dana", username="dana")
    sent = await bot.send_message(
        user.id, "<b>Hello</b> there", parse_mode="HTML", reply_markup=keyboard("yes", "no")
    )
    assert isinstance(sent, Message)
    assert sent.text == "Hello there"
    assert sent.chat.first_name == "Dana"
    assert sent.from_user is not None
    assert sent.from_user.is_bot
    assert sent.reply_markup is not None
    assert [row[0].callback_data for row in sent.reply_markup.inline_keyboard] == ["yes", "no"]

    call = emu.calls_to("sendMessage")[0]
    assert call.params["chat_id"] == user.id
    assert call.params["parse_mode"] == "HTML"
    assert call.params["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "button 0", "callback_data": "yes"}],
            [{"text": "button 1", "callback_data": "no"}],
        ]
    }

    edited = await bot.edit_message_text("Changed", chat_id=user.id, message_id=sent.message_id)
    assert isinstance(edited, Message)
    assert edited.text == "Changed"
    assert edited.edit_date is not None
    assert edited.reply_markup is None  # editMessageText without reply_markup drops it

    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Changed", chat_id=user.id, message_id=sent.message_id)

    marked = await bot.edit_message_reply_markup(
        chat_id=user.id, message_id=sent.message_id, reply_markup=keyboard("again")
    )
    assert isinstance(marked, Message)
    assert marked.reply_markup is not None

    assert await bot.delete_message(user.id, sent.message_id) is True
    with pytest.raises(BadRequest) as gone:
        await bot.delete_message(user.id, sent.message_id)
    assert gone.value.message == "Message to delete not found"
    with pytest.raises(BadRequest) as not_found:
        await bot.edit_message_text("x", chat_id=user.id, message_id=sent.message_id)
    assert not_found.value.message == "Message to edit not found"

    assert emu.bot_messages(user) == []
    [deleted] = emu.deleted_messages(user)
    assert deleted.message_id == sent.message_id
    assert [version["text"] for version in deleted.history] == ["Hello there", "Changed"]


async def test_text_and_chat_validation(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.add_user()
    ok = await bot.send_message(user.id, "x" * 4096)
    assert len(ok.text or "") == 4096
    with pytest.raises(BadRequest) as too_long:
        await bot.send_message(user.id, "x" * 4097)
    assert too_long.value.message == "Message is too long"
    with pytest.raises(BadRequest) as empty:
        await bot.send_message(user.id, "   ")
    assert empty.value.message == "Message text is empty"
    with pytest.raises(BadRequest) as no_chat:
        await bot.send_message(424242, "hello")
    assert no_chat.value.message == "Chat not found"
    with pytest.raises(BadRequest, match="Unsupported parse_mode"):
        await bot.send_message(user.id, "hi", parse_mode="Fancy")
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(user.id, "hi", reply_to_message_id=999)


async def test_callback_data_is_limited_to_64_bytes(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.add_user()
    await bot.send_message(user.id, "fits", reply_markup=keyboard("x" * 64))
    await bot.send_message(user.id, "fits", reply_markup=keyboard("é" * 32))  # 64 bytes
    for oversized in ("x" * 65, "é" * 33):  # 65 and 66 bytes
        with pytest.raises(BadRequest) as error:
            await bot.send_message(user.id, "too big", reply_markup=keyboard(oversized))
        assert error.value.message == "Button_data_invalid"
    assert len(emu.bot_messages(user)) == 2


@pytest.mark.parametrize(
    ("reply_markup", "description"),
    [
        ("{not json", "Bad Request: can't parse reply keyboard markup JSON object"),
        (
            json.dumps({"inline_keyboard": [{"text": "a", "callback_data": "b"}]}),
            'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an '
            "Array of Arrays",
        ),
        (
            json.dumps({"inline_keyboard": [[{"text": "plain"}]]}),
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard",
        ),
        (
            json.dumps({"inline_keyboard": [[{"text": "a", "callback_data": ""}]]}),
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard",
        ),
        (
            json.dumps({"inline_keyboard": [[{"callback_data": "a"}]]}),
            "Bad Request: can't parse inline keyboard button: Can't find field \"text\"",
        ),
        (
            json.dumps({"inline_keyboard": [[{"text": "a", "url": "ftp://example.com"}]]}),
            "Bad Request: inline keyboard button URL 'ftp://example.com' is invalid: "
            "Unsupported URL protocol",
        ),
    ],
)
async def test_malformed_keyboards_are_rejected(
    emu: BotApiEmulator, bot: Bot, reply_markup: str, description: str
) -> None:
    user = emu.add_user()
    with pytest.raises(BadRequest):
        await raw_call(bot, "sendMessage", chat_id=user.id, text="hi", reply_markup=reply_markup)
    call = emu.calls_to("sendMessage")[-1]
    assert call.status == 400
    assert call.description == description
    assert emu.bot_messages(user) == []


async def test_deletion_follows_the_48_hour_rule() -> None:
    clock = FakeClock()
    async with BotApiEmulator(clock=clock) as emu, emu.make_bot() as tg_bot:
        user = emu.add_user()
        old = await tg_bot.send_message(user.id, "old")
        recent_user_message = emu.user_sends_text(user, "mine")["message"]["message_id"]
        clock.advance(hours=47, seconds=3599)
        assert await tg_bot.delete_message(user.id, recent_user_message) is True
        young = await tg_bot.send_message(user.id, "young")
        clock.advance(seconds=1)
        with pytest.raises(BadRequest) as error:
            await tg_bot.delete_message(user.id, old.message_id)
        assert error.value.message == "Message can't be deleted for everyone"
        assert await tg_bot.delete_messages(user.id, [young.message_id, 12345]) is True
        assert [m.text for m in emu.bot_messages(user)] == ["old"]


# -- updates: polling, webhooks ---------------------------------------------------------------


async def test_long_polling_wakes_on_a_new_update(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.add_user(first_name="Pat")
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    assert not poll.done(), "getUpdates answered before there was anything to answer"
    emu.user_sends_text(user, "hello")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1.5
    assert [u.message.text for u in updates if u.message] == ["hello"]
    assert updates[0].message is not None
    assert updates[0].message.from_user is not None
    assert updates[0].message.from_user.first_name == "Pat"

    started = time.monotonic()
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=1) == ()
    assert time.monotonic() - started >= 0.9
    assert not emu.pending_updates


async def test_get_updates_limit_offset_and_allowed_updates(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.add_user()
    for text in ("one", "two", "three"):
        emu.user_sends_text(user, text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first if u.message] == ["one", "two"]
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest if u.message] == ["three"]

    await bot.get_updates(offset=rest[-1].update_id + 1, allowed_updates=["callback_query"])
    emu.user_sends_text(user, "ignored")
    assert await bot.get_updates() == ()
    assert emu.dropped_updates[-1]["message"]["text"] == "ignored"


async def test_concurrent_get_updates_conflict(emu: BotApiEmulator, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    async with emu.make_bot() as second_instance:  # PTB polls one request at a time per Bot
        await second_instance.get_updates(timeout=0)
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 2)


async def test_webhook_delivery_with_secret_header(emu: BotApiEmulator, bot: Bot) -> None:
    received: list[tuple[dict[str, Any], str | None]] = []
    statuses = [500, 200, 200]

    async def receive(request: web.Request) -> web.Response:
        received.append(
            (await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        )
        return web.Response(status=statuses.pop(0) if statuses else 200)

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        hook_url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        emu.webhook_retry_delay = 0.05
        assert await bot.set_webhook(hook_url, secret_token="s3cret-token_1") is True
        with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
            await bot.get_updates()

        user = emu.add_user()
        emu.user_sends_text(user, "via webhook")
        await emu.wait_until_updates_consumed(timeout=3)
        assert len(received) == 2  # the first attempt got a 500 and was retried
        body, secret = received[-1]
        assert secret == "s3cret-token_1"
        update = Update.de_json(body, bot)
        assert update.message is not None
        assert update.message.text == "via webhook"

        info = await bot.get_webhook_info()
        assert info.url == hook_url
        assert info.pending_update_count == 0
        assert (
            info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        )
        assert [d.status for d in emu.webhook_deliveries] == [500, 200]

        assert await bot.delete_webhook() is True
        assert await bot.get_updates() == ()
    finally:
        await runner.cleanup()


async def test_ptb_webhook_server_accepts_deliveries(emu: BotApiEmulator) -> None:
    seen: list[str] = []

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        assert update.message.text is not None
        seen.append(update.message.text)
        await update.message.reply_text("got " + update.message.text)

    app = Application.builder().token(emu.token).base_url(emu.base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    port = free_port()
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="tg",
            webhook_url=f"http://127.0.0.1:{port}/tg",
            secret_token="hush",
        )
        user = emu.add_user()
        emu.user_sends_text(user, "ping")
        call = await emu.wait_for_call("sendMessage", chat_id=user.id, timeout=5)
        assert call.params["text"] == "got ping"
        assert emu.webhook_secret == "hush"
        await app.updater.stop()
        await app.stop()
    assert seen == ["ping"]


async def test_application_polling_conversation(emu: BotApiEmulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(
            f"Welcome, payload={context.args}", reply_markup=keyboard("agree")
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Thanks")
        await query.edit_message_text(f"You chose {query.data}")

    app = Application.builder().token(emu.token).base_url(emu.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=5))
        user = emu.add_user()
        emu.user_sends_command(user, "/start", "case-17")
        welcome = await emu.wait_for_bot_message(user, timeout=5)
        assert welcome.text == "Welcome, payload=['case-17']"
        press = emu.user_presses_button(user, welcome.message_id, "agree")
        await emu.wait_for_call("editMessageText", chat_id=user.id, timeout=5)
        await app.updater.stop()
        await app.stop()
    query_id = press["callback_query"]["id"]
    assert emu.callback_answered(query_id)
    assert emu.callback_queries[query_id].answer == {"text": "Thanks"}
    assert emu.last_bot_message(user).text == "You chose agree"
    assert "deleteWebhook" in emu.method_names()
    assert not emu.internal_errors


# -- faults and refusals ----------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_rate_limit_becomes_retry_after(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.add_user()
    emu.fail_next("sendMessage", retry_after=1)
    with pytest.raises(RetryAfter) as error:
        await bot.send_message(user.id, "too fast")
    value = error.value.retry_after
    seconds = value.total_seconds() if isinstance(value, dtm.timedelta) else value
    assert seconds == 1
    assert emu.calls_to("sendMessage")[0].status == 429
    assert (await bot.send_message(user.id, "later")).text == "later"


async def test_dropped_connection_and_delay(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.add_user()
    emu.drop_next("sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(user.id, "lost")
    emu.delay_next("sendMessage", 1.0)
    with pytest.raises(TimedOut):
        await bot.send_message(user.id, "slow", read_timeout=0.2)
    assert (await bot.send_message(user.id, "fine")).text == "fine"
    lost, slow, _ = emu.calls_to("sendMessage")
    assert lost.status == -1
    assert slow.status == 200  # it was sent, though the bot never heard back
    assert [m.text for m in emu.bot_messages(user)] == ["slow", "fine"]


async def test_unknown_method_and_wrong_token(emu: BotApiEmulator, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await raw_call(bot, "sendTelepathy", chat_id=1)
    assert emu.calls_to("sendTelepathy")[0].status == 404
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{emu.base_url}42:WRONG/getMe") as response:
            assert response.status == 401
            assert await response.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with session.get(emu.method_url("GETME")) as response:
            assert (await response.json())["result"]["is_bot"] is True
    with pytest.raises(InvalidToken):
        async with Bot("42:WRONG", base_url=emu.base_url):
            pass


async def test_settings_commands_and_chat_info(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.add_user(first_name="Kim", username="kim")
    english = [BotCommand("start", "Begin"), BotCommand("help", "Get help")]
    german = [BotCommand("start", "Los")]
    assert await bot.set_my_commands(english) is True
    assert await bot.set_my_commands(german, language_code="de") is True
    assert await bot.set_my_commands(german, scope=BotCommandScopeChat(user.id)) is True
    assert await bot.get_my_commands() == tuple(english)
    assert await bot.get_my_commands(language_code="de") == tuple(german)
    assert await bot.get_my_commands(scope=BotCommandScopeChat(user.id)) == tuple(german)
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == ()
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Not Valid", "x")])

    await bot.set_my_description("Helps take images down", language_code="en")
    await bot.set_my_short_description("Takedown support")
    assert (await bot.get_my_description("en")).description == "Helps take images down"
    assert (await bot.get_my_description()).description == ""
    assert (await bot.get_my_short_description()).short_description == "Takedown support"

    assert await bot.set_chat_menu_button(user.id, MenuButtonCommands()) is True
    assert isinstance(await bot.get_chat_menu_button(user.id), MenuButtonCommands)
    chat = await bot.get_chat(user.id)
    assert chat.type == "private"
    assert chat.username == "kim"
    assert await bot.send_chat_action(user.id, "typing") is True
    assert emu.chat_actions == [(user.id, "typing")]
    with pytest.raises(BadRequest, match="Wrong parameter action"):
        await raw_call(bot, "sendChatAction", chat_id=user.id, action="x")
    assert await bot.log_out() is True
    assert await bot.close() is True


async def test_request_encodings_decode_alike(emu: BotApiEmulator) -> None:
    user = emu.add_user()
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}
    async with aiohttp.ClientSession() as session:
        url = emu.method_url("sendMessage")
        await session.post(url, json={"chat_id": user.id, "text": "json", "reply_markup": markup})
        await session.post(
            url, data={"chat_id": str(user.id), "text": "form", "reply_markup": json.dumps(markup)}
        )
        await session.get(url, params={"chat_id": str(user.id), "text": "query"})
        form = aiohttp.FormData()
        form.add_field("chat_id", str(user.id))
        form.add_field("document", b"PDF", filename="a.pdf", content_type="application/pdf")
        async with session.post(emu.method_url("sendDocument"), data=form) as response:
            assert response.status == 404
        async with session.post(
            url, data=b"{broken", headers={"Content-Type": "application/json"}
        ) as response:
            assert response.status == 400
    json_call, form_call, query_call, upload, broken = emu.calls
    assert json_call.params == {**form_call.params, "text": "json"}
    assert form_call.params["chat_id"] == user.id
    assert form_call.params["reply_markup"] == markup
    assert query_call.http_method == "GET"
    assert query_call.params["text"] == "query"
    assert upload.files["document"].data == b"PDF"
    assert upload.params == {"chat_id": user.id}
    assert broken.status == 400
    assert [m.text for m in emu.bot_messages(user)] == ["json", "form", "query"]


async def test_wait_for_call_consumes_and_times_out(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.add_user()
    await bot.send_message(user.id, "first")
    await bot.send_message(user.id, "second")
    assert (await emu.wait_for_call("sendMessage", chat_id=user.id)).params["text"] == "first"
    assert (await emu.wait_for_call("sendMessage", text="second")).params["chat_id"] == user.id
    with pytest.raises(TimeoutError, match="no sendMessage call"):
        await emu.wait_for_call("sendMessage", timeout=0.1)
    assert "#1 bot: first" in emu.transcript(user)
