"""The runtime's transport on the Telegram Bot API: ``send``, ``delete``, ``leave`` and the
small calls around button presses, each under the retry policy.

What belongs here: :class:`TelegramTransport` and :class:`ChatGoneError`. What does not: when
to try again (``telegram_retry.py``, pure), routing updates and running the bot
(``telegram.py``), mapping updates and cutting long texts (``telegram_updates.py``).

Privacy: failures are logged by Bot API method and error type only, never with text, chat
ids, callback data or the token.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    WebAppInfo,
)
from telegram.error import BadRequest, TelegramError

from bot.i18n import Rendered
from bot.transports.telegram_retry import GiveUp, Kind, Policy, classify, decide
from bot.transports.telegram_updates import encode_choice, keyboard_rows, split_text

log = logging.getLogger(__name__)
T = TypeVar("T")

NAME = "telegram"
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class ChatGoneError(Exception):
    """The person blocked the bot, or the chat no longer exists (Bot API 403)."""


class TelegramTransport:
    """The runtime's transport on the Bot API, with retries.

    Retry policy for every call (see ``telegram_retry.py`` for why): flood waits (429) are
    waited out, error statuses and requests that never left are retried with doubling
    pauses, all within the bounds of ``policy``; a send whose answer never came is not
    repeated. A 403 becomes :class:`ChatGoneError`; a 400 is raised at once (or, for
    deletions, answered False). A call that finally fails is logged by method and error type.
    """

    name = NAME

    def __init__(
        self,
        bot: Bot,
        *,
        policy: Policy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.bot = bot
        self.policy = policy or Policy()
        self._sleep = sleep

    async def send(self, chat_id: str, message: Rendered) -> str | None:
        """Send a message (several if it is long; buttons go on the last part).

        The companion page is offered as a reply keyboard button that opens it as a Mini App
        (only those can send data back), and a closed offer takes that keyboard away; a page
        that sends nothing back (the removal-request composer) is a Mini App button on the
        message instead. A
        message carries one keyboard: if one ever had both inline buttons and a page keyboard,
        the page keyboard would go on its first part, or on a short message of its own.

        Returns:
            The sent message ids joined by commas, so /forget can delete every part.
        """
        parts = split_text(message.text)
        markups: list[Markup | None] = [None] * len(parts)
        if markups:
            markups[-1] = _keyboard(message.buttons, _page_button(message))
        page = _page_keyboard(message)
        if page is not None and markups and markups[0] is None:
            markups[0] = page
        elif page is not None:
            parts.append(message.page_label or "…")
            markups.append(page)
        sent: list[str] = []
        for part, markup in zip(parts, markups, strict=True):
            call = partial(
                self.bot.send_message,
                int(chat_id),
                part,
                reply_markup=markup,
                link_preview_options=_NO_PREVIEW,
            )
            result = await self.call("sendMessage", call)
            sent.append(str(result.message_id))
        return ",".join(sent) or None

    async def delete(self, chat_id: str, ref: str) -> bool:
        """Delete one message, or every part of a long one; False if Telegram refuses."""
        ids = [int(part) for part in ref.split(",") if part.isdigit()]
        if not ids:
            return False
        try:
            if len(ids) == 1:
                await self.call(
                    "deleteMessage", partial(self.bot.delete_message, int(chat_id), ids[0])
                )
            else:
                await self.call(
                    "deleteMessages", partial(self.bot.delete_messages, int(chat_id), ids)
                )
        except (BadRequest, ChatGoneError):
            return False
        return True

    async def leave(self, chat_id: str) -> None:
        """Leave a group, supergroup or channel (quietly if already gone)."""
        try:
            await self.call("leaveChat", partial(self.bot.leave_chat, int(chat_id)))
        except (TelegramError, ChatGoneError) as exc:
            log.info("leaving a group failed: %s", type(exc).__name__)

    async def answer(self, query_id: str, text: str | None = None) -> None:
        """Answer a button press (a short notice if ``text``); failures are only logged."""
        try:
            await self.call(
                "answerCallbackQuery",
                partial(self.bot.answer_callback_query, query_id, text=text),
            )
        except (TelegramError, ChatGoneError) as exc:
            log.info("answering a button press failed: %s", type(exc).__name__)

    async def remove_keyboard(self, chat_id: int, message_id: int) -> None:
        """Take the buttons off a message so they can't be pressed twice."""
        try:
            await self.call(
                "editMessageReplyMarkup",
                partial(self.bot.edit_message_reply_markup, chat_id, message_id, reply_markup=None),
            )
        except (TelegramError, ChatGoneError) as exc:
            log.debug("removing buttons failed: %s", type(exc).__name__)

    async def call(self, method: str, request: Callable[[], Awaitable[T]]) -> T:
        """Make one Bot API call under the retry policy.

        Args:
            method: The Bot API method's name, for the retry decision and the logs.
            request: Makes the call once.

        Raises:
            ChatGoneError: Telegram answered 403.
            TelegramError: the call failed and is not (or no longer) retried.
        """
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            try:
                return await request()
            except TelegramError as exc:
                failure = classify(exc)
                decision = decide(self.policy, method, failure, attempt=attempt, waited=waited)
                if isinstance(decision, GiveUp):
                    if failure.kind is Kind.GONE:
                        raise ChatGoneError() from exc
                    if failure.kind is not Kind.FINAL:
                        log.error(
                            "Telegram %s failed: %s (%s)",
                            method,
                            type(exc).__name__,
                            decision.reason,
                        )
                    raise
                if failure.kind is Kind.FLOOD:
                    log.warning(
                        "Telegram asked to slow down; waiting %.0f s before %s",
                        decision.delay,
                        method,
                    )
                else:
                    log.warning(
                        "Telegram %s failed (%s); retrying in %.1f s",
                        method,
                        type(exc).__name__,
                        decision.delay,
                    )
                await self._sleep(decision.delay)
                waited += decision.delay


Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def _page_button(message: Rendered) -> InlineKeyboardButton | None:
    """A page that sends nothing back, as a Mini App button on the message itself."""
    if message.page is None or message.page.sends_back:
        return None
    app = WebAppInfo(message.page.entry(message.page.mini_app))
    return InlineKeyboardButton(message.page_label, web_app=app)


def _page_keyboard(message: Rendered) -> ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    """The page offer as a Mini App keyboard button (the offer's Telegram entry, which loads
    Telegram's script; only such buttons let a page send data back), or the removal of a
    closed offer."""
    if message.page is not None and message.page.sends_back:
        app = WebAppInfo(message.page.entry(message.page.mini_app))
        button = KeyboardButton(message.page_label, web_app=app)
        return ReplyKeyboardMarkup([[button]], resize_keyboard=True)
    if message.page_closed:
        return ReplyKeyboardRemove()
    return None


def _keyboard(
    buttons: tuple[tuple[str, str], ...], page: InlineKeyboardButton | None = None
) -> InlineKeyboardMarkup | None:
    """The message's buttons, with a page button (if any) on a row of its own at the end."""
    if not buttons and page is None:
        return None
    encoded = tuple((encode_choice(choice), label) for choice, label in buttons)
    rows = [
        [InlineKeyboardButton(label, callback_data=data) for data, label in row]
        for row in keyboard_rows(encoded)
    ]
    return InlineKeyboardMarkup([*rows, [page]] if page is not None else rows)
