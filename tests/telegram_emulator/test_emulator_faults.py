"""Faults injected into one chat's calls only (`fail_next_in`, `drop_next_in`)."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import BadRequest, NetworkError

from tests.telegram_emulator import BotApiEmulator


async def test_a_chat_fault_is_taken_only_by_that_chat(emu: BotApiEmulator, bot: Bot) -> None:
    one, other = emu.add_user(), emu.add_user()
    emu.fail_next_in(one, "sendMessage", error_code=502, description="Bad Gateway", times=2)
    emu.drop_next_in(one, "deleteMessage")
    assert (await bot.send_message(other.id, "fine")).text == "fine"
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(one.id, "refused")
    sent = await bot.send_message(one.id, "later")
    with pytest.raises(NetworkError):
        await bot.delete_message(one.id, sent.message_id)
    assert await bot.delete_message(one.id, sent.message_id)
    assert [c.status for c in emu.calls_to("sendMessage")] == [200, 502, 502, 200]
    assert [c.status for c in emu.calls_to("deleteMessage")] == [-1, 200]


async def test_a_chat_fault_comes_before_one_for_any_chat(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.add_user()
    emu.fail_next("sendMessage", description="Bad Request: for anyone")
    emu.fail_next_in(user, "sendMessage", description="Bad Request: for this chat")
    with pytest.raises(BadRequest, match="For this chat"):
        await bot.send_message(user.id, "a")
    with pytest.raises(BadRequest, match="For anyone"):
        await bot.send_message(user.id, "b")
