"""A Telegram Bot API server on loopback for tests, spoken to by python-telegram-bot unchanged.

`BotApiEmulator` runs in the test's event loop (`async with BotApiEmulator() as emu:`);
`EmulatorThread` runs one in a background thread (`with EmulatorThread() as emu:`). Point a bot
at `emu.base_url`, act as users with `emu.user_sends_text(...)` and friends, and assert on
`emu.calls`, `emu.bot_messages(chat)` and `await emu.wait_for_call(...)`.
"""

from .model import (
    ApiCall,
    ApiError,
    CallbackQueryRecord,
    FakeChat,
    FakeClock,
    FakeUser,
    StoredFile,
    StoredMessage,
    UploadedFile,
    WebhookDelivery,
)
from .server import BotApiEmulator, EmulatorThread

__all__ = [
    "ApiCall",
    "ApiError",
    "BotApiEmulator",
    "CallbackQueryRecord",
    "EmulatorThread",
    "FakeChat",
    "FakeClock",
    "FakeUser",
    "StoredFile",
    "StoredMessage",
    "UploadedFile",
    "WebhookDelivery",
]
