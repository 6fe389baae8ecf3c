"""Telegram transport (python-telegram-bot): not available in this version yet.

It will turn Bot API updates into engine events and rendered replies into Bot API calls.
Until then, ``reclaim run`` with ``TELEGRAM_BOT_TOKEN`` set stops with a clear message.
"""

from __future__ import annotations

from bot.config import Settings
from bot.runtime import Runtime


class TelegramUnavailableError(RuntimeError):
    """The Telegram transport is not part of this version."""


async def run_telegram(runtime: Runtime, settings: Settings) -> None:
    """Run the bot on Telegram.

    Raises:
        TelegramUnavailableError: always, in this version.
    """
    raise TelegramUnavailableError(
        "the Telegram transport is not available yet; unset TELEGRAM_BOT_TOKEN to use the console"
    )
