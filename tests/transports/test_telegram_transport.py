"""The Telegram transport's Bot API calls and retry policy, and the update router, in-process
against the Bot API emulator (the whole process is tested in tests/e2e/test_telegram_bot.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from telegram import Bot, Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.engine.effects import PageOffer
from bot.i18n import Catalogs, Rendered
from bot.runtime import Runtime
from bot.transports.telegram import UpdateRouter, publish_profile
from bot.transports.telegram_transport import ChatGoneError, TelegramTransport
from tests.e2e.telegram_process import free_port
from tests.telegram_emulator import BotApiEmulator

# python-telegram-bot warns about its own RetryAfter type change when it raises one.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


class Sleeps(list[float]):
    """Records waits instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def transport(bot: Bot, sleeps: Sleeps) -> TelegramTransport:
    return TelegramTransport(bot, sleep=sleeps)


async def test_send_returns_the_message_id_and_offers_buttons(
    emu: BotApiEmulator, transport: TelegramTransport
) -> None:
    user = emu.add_user()
    ref = await transport.send(str(user.id), Rendered("Choose", (("yes", "Yes"), ("no", "No"))))
    sent = emu.last_bot_message(user)
    assert ref == str(sent.message_id)
    assert sent.callback_data == ["1|yes", "1|no"]
    assert [b["text"] for row in sent.buttons for b in row] == ["Yes", "No"]
    assert emu.calls_to("sendMessage")[0].params["link_preview_options"] == {"is_disabled": True}


OFFER = PageOffer("https://reclaim.example.org/companion/", "fr", "button.open_page")


async def test_the_page_is_a_mini_app_keyboard_button(
    emu: BotApiEmulator, transport: TelegramTransport
) -> None:
    user = emu.add_user()
    await transport.send(str(user.id), Rendered("Here", page=OFFER, page_label="Make them"))
    sent = emu.last_bot_message(user)
    assert sent.web_app_urls == ["https://reclaim.example.org/companion/miniapp.html?lang=fr"]
    assert sent.reply_keyboard is not None
    assert sent.reply_keyboard["keyboard"][0][0]["text"] == "Make them"
    assert sent.reply_keyboard["resize_keyboard"] is True
    assert sent.buttons == []
    await transport.send(str(user.id), Rendered("Done", page_closed=True))
    assert emu.last_bot_message(user).reply_keyboard == {"remove_keyboard": True}
    assert emu.chat(user).reply_keyboard is None


async def test_a_page_keyboard_never_replaces_inline_buttons(
    emu: BotApiEmulator, transport: TelegramTransport
) -> None:
    user = emu.add_user()
    both = Rendered("Choose", (("yes", "Yes"),), page=OFFER, page_label="Make them")
    ref = await transport.send(str(user.id), both)
    first, second = emu.bot_messages(user)
    assert first.callback_data == ["1|yes"]
    assert (second.text, second.web_app_urls) == ("Make them", [OFFER.entry("miniapp.html")])
    assert ref == f"{first.message_id},{second.message_id}"


COMPOSER = PageOffer(
    "https://reclaim.example.org/companion/",
    "de",
    "button.open_request",
    "request.html",
    "request-miniapp.html",
    (("law", "dsa"),),
    sends_back=False,
)


async def test_a_page_that_sends_nothing_back_is_a_button_on_the_message(
    emu: BotApiEmulator, transport: TelegramTransport
) -> None:
    user = emu.add_user()
    both = Rendered("Write it", (("yes", "Yes"),), page=COMPOSER, page_label="Write")
    await transport.send(str(user.id), both)
    (sent,) = emu.bot_messages(user)
    assert sent.reply_keyboard is None  # nothing under the text field to take away later
    assert sent.buttons[0][0]["callback_data"] == "1|yes"
    assert sent.buttons[-1] == [
        {
            "text": "Write",
            "web_app": {
                "url": "https://reclaim.example.org/companion/request-miniapp.html#lang=de&law=dsa"
            },
        }
    ]


async def test_long_messages_go_in_parts_and_are_deleted_together(
    emu: BotApiEmulator, transport: TelegramTransport
) -> None:
    user = emu.add_user()
    text = "\n".join(f"line {n} " + "x" * 90 for n in range(60))
    ref = await transport.send(str(user.id), Rendered(text, (("ok", "OK"),)))
    parts = emu.bot_messages(user)
    assert len(parts) == 2
    assert ref == f"{parts[0].message_id},{parts[1].message_id}"
    assert parts[0].buttons == []
    assert parts[1].callback_data == ["1|ok"]
    assert "\n".join(p.text or "" for p in parts) == text
    assert ref is not None
    assert await transport.delete(str(user.id), ref)
    assert emu.bot_messages(user) == []
    assert emu.method_names()[-1] == "deleteMessages"


async def test_flood_waits_are_waited_out(
    emu: BotApiEmulator, transport: TelegramTransport, sleeps: Sleeps
) -> None:
    user = emu.add_user()
    emu.fail_next("sendMessage", retry_after=3, times=2)
    assert await transport.send(str(user.id), Rendered("hello"))
    assert sleeps == [3.0, 3.0]
    assert [c.status for c in emu.calls_to("sendMessage")] == [429, 429, 200]


async def test_a_long_flood_wait_is_waited_out_too(
    emu: BotApiEmulator, transport: TelegramTransport, sleeps: Sleeps
) -> None:
    user = emu.add_user()
    emu.fail_next("sendMessage", retry_after=120)
    assert await transport.send(str(user.id), Rendered("hello"))
    assert sleeps == [120.0]
    assert [c.status for c in emu.calls_to("sendMessage")] == [429, 200]
    assert len(emu.bot_messages(user)) == 1


async def test_flood_waits_are_bounded_and_logged(
    emu: BotApiEmulator,
    transport: TelegramTransport,
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = emu.add_user()
    attempts = transport.policy.attempts
    emu.fail_next("sendMessage", retry_after=1, times=attempts)
    with pytest.raises(RetryAfter):
        await transport.send(str(user.id), Rendered("my private words"))
    assert len(emu.calls_to("sendMessage")) == attempts
    assert sleeps == [1.0] * (attempts - 1)
    emu.fail_next("sendMessage", retry_after=3600)
    with pytest.raises(RetryAfter):
        await transport.send(str(user.id), Rendered("my private words"))
    assert sleeps == [1.0] * (attempts - 1)  # more than the call may wait: not waited at all
    failed = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert failed == [
        f"Telegram sendMessage failed: RetryAfter (gave up after {attempts} tries)",
        "Telegram sendMessage failed: RetryAfter (would wait more than 300 s)",
    ]
    assert "my private words" not in caplog.text
    assert str(user.id) not in caplog.text


async def test_a_burst_of_server_errors_is_waited_out_with_back_off(
    emu: BotApiEmulator, transport: TelegramTransport, sleeps: Sleeps
) -> None:
    user = emu.add_user()
    emu.fail_next("sendMessage", error_code=502, description="Bad Gateway", times=4)
    emu.fail_next("sendMessage", error_code=500, description="Internal Server Error", times=3)
    assert await transport.send(str(user.id), Rendered("hello"))
    assert sleeps == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert [c.status for c in emu.calls_to("sendMessage")] == [502] * 4 + [500] * 3 + [200]
    assert len(emu.bot_messages(user)) == 1


async def test_a_send_whose_answer_never_comes_is_not_sent_twice(
    emu: BotApiEmulator, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    user = emu.add_user()
    impatient = emu.make_bot(request=HTTPXRequest(read_timeout=0.2))
    async with impatient:
        transport = TelegramTransport(impatient, sleep=sleeps)
        emu.delay_next("sendMessage", 1.0)
        with pytest.raises(TimedOut):
            await transport.send(str(user.id), Rendered("hello"))
        assert [m.text for m in emu.bot_messages(user)] == ["hello"]
        assert sleeps == []
        assert "Telegram sendMessage failed: TimedOut (not repeated" in caplog.text
        # Calls that are harmless to repeat are repeated after the same timeout.
        emu.delay_next("answerCallbackQuery", 1.0)
        await transport.answer("no-such-query")
        assert len(emu.calls_to("answerCallbackQuery")) == 2
        assert sleeps == [1.0]


async def test_a_lost_connection_repeats_only_what_is_safe_to_repeat(
    emu: BotApiEmulator, transport: TelegramTransport, sleeps: Sleeps
) -> None:
    user = emu.add_user()
    emu.drop_next("sendMessage")
    with pytest.raises(NetworkError):
        await transport.send(str(user.id), Rendered("hello"))
    assert len(emu.calls_to("sendMessage")) == 1
    assert await transport.send(str(user.id), Rendered("hello"))
    ref = str(emu.last_bot_message(user).message_id)
    emu.drop_next("deleteMessage", times=2)
    assert await transport.delete(str(user.id), ref)
    assert sleeps == [1.0, 2.0]
    assert emu.bot_messages(user) == []


async def test_a_refused_connection_is_retried_until_the_api_is_there(
    sleeps: Sleeps,
) -> None:
    port = free_port()
    emu = BotApiEmulator(port=port)
    user = emu.add_user()

    async def come_up_on_the_second_pause(seconds: float) -> None:
        await sleeps(seconds)
        if len(sleeps) == 2:
            await emu.start()

    offline = emu.make_bot()  # not initialised: that would ask the API who the bot is
    transport = TelegramTransport(offline, sleep=come_up_on_the_second_pause)
    try:
        assert await transport.send(str(user.id), Rendered("hello"))
    finally:
        await offline.shutdown()
        await emu.stop()
    assert sleeps == [1.0, 2.0]
    assert [m.text for m in emu.bot_messages(user)] == ["hello"]


async def test_a_blocked_bot_is_told_apart_and_bad_requests_are_not_retried(
    emu: BotApiEmulator, transport: TelegramTransport, sleeps: Sleeps
) -> None:
    user = emu.add_user()
    emu.user_blocks_bot(user)
    with pytest.raises(ChatGoneError):
        await transport.send(str(user.id), Rendered("hello"))
    with pytest.raises(BadRequest):
        await transport.send("999", Rendered("hello"))
    assert sleeps == []


async def test_deleting_what_cannot_be_deleted_answers_false(
    emu: BotApiEmulator, transport: TelegramTransport
) -> None:
    user = emu.add_user()
    assert not await transport.delete(str(user.id), "12345")
    assert not await transport.delete(str(user.id), "not-an-id")
    message = emu.user_sends_text(user, "hi")["message"]
    assert await transport.delete(str(user.id), str(message["message_id"]))


async def test_leaving_is_quiet_when_it_fails(
    emu: BotApiEmulator, transport: TelegramTransport
) -> None:
    group = emu.bot_added_to_group()
    await transport.leave(str(group.id))
    assert emu.chats[group.id].bot_status == "left"
    await transport.leave(str(group.id))  # already gone: no exception
    await transport.leave(str(emu.add_user().id))  # a private chat can't be left


async def test_profile_is_published_per_language(
    emu: BotApiEmulator, transport: TelegramTransport, tmp_path: Path
) -> None:
    english = Catalogs.load()
    messages = {"en": {m: english.text("en", m) for m in english.msgids("en")}}
    messages["fr"] = {"telegram.command.start": "Recommencer"}
    messages["pt_BR"] = {"telegram.command.start": "Começar de novo"}
    messages["zh_Hans"] = {}
    messages["ku"] = {}
    await publish_profile(transport, Catalogs(messages))
    # Telegram knows Brazilian Portuguese as "pt" and simplified Chinese as "zh".
    codes = ("", "en", "fr", "pt", "zh", "ku")
    assert set(emu.commands) == {("all_private_chats", c) for c in codes}
    portuguese = {c["command"]: c["description"] for c in emu.commands[("all_private_chats", "pt")]}
    assert portuguese["start"] == "Começar de novo"
    french = {c["command"]: c["description"] for c in emu.commands[("all_private_chats", "fr")]}
    assert french["start"] == "Recommencer"
    assert french["help"] == english.text("en", "telegram.command.help")
    assert "language" in french  # offered once there is more than one language


def _update(emu: BotApiEmulator, payload: dict[str, object], bot: Bot) -> Update:
    parsed = Update.de_json(payload, bot)
    assert parsed is not None
    return parsed


async def test_a_press_is_answered_early_when_the_reply_is_slow(
    emu: BotApiEmulator, bot: Bot, transport: TelegramTransport, runtime: Runtime
) -> None:
    router = UpdateRouter(runtime, transport, answer_within=0.05)
    user = emu.add_user()
    await router.on_update(_update(emu, emu.user_sends_command(user, "/start"), bot))
    question = emu.last_bot_message(user)
    press = emu.user_presses_button(user, question.message_id, "1|me")
    emu.delay_next("sendMessage", 0.5)
    await router.on_update(_update(emu, press, bot))
    answer = emu.calls_to("answerCallbackQuery")[0]
    reply = emu.calls_to("sendMessage")[-1]
    # The reply took 0.5 s to be confirmed; the press was answered meanwhile, not after.
    assert answer.at - reply.at < 0.4
    assert emu.callback_answered(press["callback_query"]["id"])
    assert "text" not in answer.params
    assert emu.method_names()[-1] == "editMessageReplyMarkup"


async def test_one_bad_update_is_dropped_quietly(
    emu: BotApiEmulator,
    bot: Bot,
    transport: TelegramTransport,
    runtime: Runtime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    router = UpdateRouter(runtime, transport)
    user = emu.add_user()
    emu.fail_next("sendMessage", description="Bad Request: something odd")
    await router.on_update(_update(emu, emu.user_sends_text(user, "my secret words"), bot))
    assert "an update failed: BadRequest" in caplog.text
    assert "my secret words" not in caplog.text
    assert str(user.id) not in caplog.text
    await router.on_update(_update(emu, emu.user_sends_text(user, "again"), bot))
    assert emu.bot_messages(user)
