"""Telegram transport (python-telegram-bot 22): Bot API updates in, Bot API calls out.

What belongs here: :class:`TelegramTransport` (the runtime's ``send``/``delete``/``leave`` as
Bot API calls, with the retry policy), :class:`UpdateRouter` (hands each update, mapped by
``telegram_updates.py``, to the runtime, and answers every button press), and
:func:`run_telegram` (building the application, long polling or a webhook, the command menu
and descriptions, clean shutdown on SIGTERM/SIGINT). What does not: deciding what to say
(the engine), mapping updates to events (``telegram_updates.py``), keeping state (the store).

Privacy: nothing here logs message text, names, chat ids, callback data or hashes, and logs
never show the bot token (it is part of every Bot API address). Media is never fetched.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlsplit

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.error import (
    BadRequest,
    InvalidToken,
    NetworkError,
    TelegramError,
)
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.config import ConfigError, Settings
from bot.engine.events import Choice
from bot.i18n import Catalogs, Rendered
from bot.runtime import Runtime
from bot.transports.telegram_logging import keep_logs_private
from bot.transports.telegram_retry import GiveUp, Kind, Policy, classify, decide, pause
from bot.transports.telegram_updates import (
    Blocked,
    Pressed,
    ToEngine,
    encode_choice,
    incoming,
    keyboard_rows,
    split_text,
)
from bot.transports.telegram_webhook import WebhookServer

log = logging.getLogger(__name__)
T = TypeVar("T")

NAME = "telegram"
ALLOWED_UPDATES = (
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
)
MENU_COMMANDS = (
    "start",
    "help",
    "hash",
    "status",
    "withdraw",
    "helplines",
    "language",
    "cancel",
    "forget",
)
READ_TIMEOUT = 20.0
"""Seconds to wait for Telegram's answer: long, as a send without an answer is not repeated."""
BACKOFF = 1.0
"""The first pause after a failed call; doubled after each one (see ``telegram_retry.py``)."""
STARTUP_MAX_PAUSE = 60.0
"""The longest pause between tries to reach the Bot API at start-up."""
ANSWER_WITHIN = 2.0
"""A button press is answered at the latest after this many seconds, even mid-reply."""
POLL_TIMEOUT = 30
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_API_LANGUAGE = re.compile(r"^[a-z]{2}$")


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

        Returns:
            The sent message ids joined by commas, so /forget can delete every part.
        """
        parts = split_text(message.text)
        markup = _keyboard(message.buttons)
        sent: list[str] = []
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            call = partial(
                self.bot.send_message,
                int(chat_id),
                part,
                reply_markup=markup if last else None,
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


def _keyboard(buttons: tuple[tuple[str, str], ...]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    encoded = tuple((encode_choice(choice), label) for choice, label in buttons)
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for data, label in row]
            for row in keyboard_rows(encoded)
        ]
    )


class _Answer:
    """Answers one button press exactly once: early with no text if replying takes long."""

    def __init__(self, transport: TelegramTransport, query_id: str) -> None:
        self.transport = transport
        self.query_id = query_id
        self.sent = False

    async def send(self, text: str | None = None) -> None:
        if not self.sent:
            self.sent = True
            await self.transport.answer(self.query_id, text)

    async def after(self, delay: float) -> None:
        await asyncio.sleep(delay)
        # Cancelled once the reply is done: the answer, if already under way, still completes.
        await asyncio.shield(self.send())


class UpdateRouter:
    """Hands updates to the runtime. One failing update is logged (by type) and dropped."""

    def __init__(
        self, runtime: Runtime, transport: TelegramTransport, answer_within: float = ANSWER_WITHIN
    ) -> None:
        self.runtime = runtime
        self.transport = transport
        self.answer_within = answer_within

    async def on_update(self, update: object, context: object = None) -> None:
        """The application's only handler."""
        if not isinstance(update, Update):
            return
        todo = incoming(update)
        chat_id = None
        try:
            if isinstance(todo, ToEngine):
                chat_id = todo.chat_id
                await self._to_engine(todo)
            elif isinstance(todo, Pressed):
                chat_id = todo.chat_id
                await self._pressed(todo)
            elif isinstance(todo, Blocked):
                await self.runtime.drop(NAME, str(todo.chat_id))
        except ChatGoneError:
            if chat_id is not None:
                await self.runtime.drop(NAME, str(chat_id))
        except Exception as exc:
            log.warning("an update failed: %s", type(exc).__name__)

    async def _to_engine(self, todo: ToEngine) -> None:
        chat = str(todo.chat_id)
        await self.runtime.handle(self.transport, chat, todo.event, todo.incoming_ref)

    async def _pressed(self, todo: Pressed) -> None:
        answer = _Answer(self.transport, todo.query_id)
        if todo.chat_id is None:
            await answer.send()
            return
        if todo.expired:
            await answer.send(self._words(todo.language, "callback.expired"))
        early = asyncio.create_task(answer.after(self.answer_within))
        try:
            await self.runtime.handle(self.transport, str(todo.chat_id), Choice(todo.choice))
        finally:
            early.cancel()
            await answer.send()
        if todo.message_id is not None:
            await self.transport.remove_keyboard(todo.chat_id, todo.message_id)

    def _words(self, language: str | None, msgid: str) -> str:
        catalogs = self.runtime.catalogs
        return catalogs.text(catalogs.negotiate([language] if language else []), msgid)


# --- running -----------------------------------------------------------------------------------


def file_url_for(base_url: str) -> str:
    """The file download base beside a Bot API base (``.../bot`` -> ``.../file/bot``)."""
    stripped = base_url.rstrip("/")
    if stripped.endswith("/bot"):
        return stripped[: -len("bot")] + "file/bot"
    return stripped + "/file/bot"


def build_application(
    settings: Settings, *, polling: bool = True
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The python-telegram-bot application: no persistence, no job queue, chats concurrent.

    Calls wait :data:`READ_TIMEOUT` for Telegram's answer. Without ``polling`` there is no
    updater: updates come from our own webhook server (``telegram_webhook.py``).

    Raises:
        ConfigError: no token.
    """
    if not settings.telegram_token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set")
    builder = (
        Application.builder()
        .token(settings.telegram_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(file_url_for(settings.telegram_api_base_url))
        .read_timeout(READ_TIMEOUT)
        .concurrent_updates(True)
        .job_queue(None)
    )
    if not polling:
        builder = builder.updater(None)
    return builder.build()


async def publish_profile(transport: TelegramTransport, catalogs: Catalogs) -> None:
    """Set the command menu, description and short description for each catalog language.

    Set once without a language (the default catalog) and once per two-letter language code,
    as Telegram shows the version matching the person's app language. ``/language`` is left
    out of the menu while there is only one language.
    """
    commands = [c for c in MENU_COMMANDS if c != "language" or len(catalogs.languages) > 1]
    codes = [None, *(lang for lang in catalogs.languages if _API_LANGUAGE.match(lang))]
    for code in codes:
        lang = code or catalogs.default
        bot = transport.bot
        calls: list[tuple[str, Callable[[], Awaitable[bool]]]] = [
            (
                "setMyCommands",
                partial(
                    bot.set_my_commands,
                    [BotCommand(c, catalogs.text(lang, f"telegram.command.{c}")) for c in commands],
                    scope=BotCommandScopeAllPrivateChats(),
                    language_code=code,
                ),
            ),
            (
                "setMyDescription",
                partial(
                    bot.set_my_description,
                    catalogs.text(lang, "telegram.description"),
                    language_code=code,
                ),
            ),
            (
                "setMyShortDescription",
                partial(
                    bot.set_my_short_description,
                    catalogs.text(lang, "telegram.short_description"),
                    language_code=code,
                ),
            ),
        ]
        for method, request in calls:
            try:
                await transport.call(method, request)
            except (TelegramError, ChatGoneError) as exc:
                log.warning("setting the bot's profile failed: %s", type(exc).__name__)


@dataclass(frozen=True, slots=True)
class Webhook:
    """Where the webhook server listens and what Telegram is told."""

    url: str
    listen: str
    port: int
    path: str
    secret: str


def webhook_for(settings: Settings) -> Webhook | None:
    """The webhook settings, or None for long polling.

    Without ``TELEGRAM_WEBHOOK_SECRET`` a random secret is made for this run: the bot sets the
    webhook itself at every start, so only Telegram ever learns it.

    Raises:
        ConfigError: the secret has characters Telegram does not allow.
    """
    if not settings.telegram_webhook_url:
        return None
    secret = settings.telegram_webhook_secret or secrets.token_urlsafe(32)
    if not _SECRET_TOKEN.match(secret):
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET: use 1-256 characters of A-Z a-z 0-9 _ -")
    return Webhook(
        url=settings.telegram_webhook_url,
        listen=settings.telegram_webhook_listen,
        port=settings.telegram_webhook_port,
        path=urlsplit(settings.telegram_webhook_url).path.strip("/"),
        secret=secret,
    )


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """python-telegram-bot's default logs the whole update; name the error type only."""
    log.warning("error while handling an update: %s", type(context.error).__name__)


async def _wait(stop: asyncio.Event, seconds: float) -> bool:
    """Wait ``seconds`` or until ``stop`` is set; True if it was."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


async def connect(
    app: Application[Any, Any, Any, Any, Any, Any],
    stop: asyncio.Event,
    backoff: float = BACKOFF,
) -> bool:
    """Initialise the application, trying again with growing pauses while the Bot API is out of
    reach: one log line per try, no traceback.

    Returns:
        True once connected; False if ``stop`` was set first.

    Raises:
        SystemExit: Telegram refused the token.
    """
    policy = Policy(backoff=backoff, max_backoff=STARTUP_MAX_PAUSE)
    tries = 0
    while not stop.is_set():
        tries += 1
        try:
            await app.initialize()
            return True
        except InvalidToken:
            # Its message quotes the token: say what is wrong without it, and without a traceback.
            raise SystemExit("reclaim: Telegram refused TELEGRAM_BOT_TOKEN") from None
        except NetworkError as exc:  # includes TimedOut
            wait = pause(policy, tries)
            log.warning(
                "Telegram: can't reach the Bot API (%s, try %d); trying again in %g s",
                type(exc).__name__,
                tries,
                wait,
            )
        if await _wait(stop, wait):
            break
    return False


async def run_telegram(
    runtime: Runtime, settings: Settings, stop: asyncio.Event | None = None
) -> None:
    """Run the bot on Telegram until SIGTERM or SIGINT (or until ``stop`` is set).

    Long polling unless ``TELEGRAM_WEBHOOK_URL`` is set; then a webhook server on
    ``TELEGRAM_WEBHOOK_LISTEN:TELEGRAM_WEBHOOK_PORT`` that checks Telegram's secret header.
    While the Bot API can't be reached at start-up, it keeps trying with growing pauses.
    """
    keep_logs_private(settings.telegram_token or "")
    webhook = webhook_for(settings)
    app = build_application(settings, polling=webhook is None)
    transport = TelegramTransport(app.bot, policy=Policy(backoff=settings.telegram_retry_backoff))
    router = UpdateRouter(runtime, transport)
    app.add_handler(TypeHandler(Update, router.on_update))
    app.add_error_handler(_log_error)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    try:
        if not await connect(app, stop, settings.telegram_retry_backoff):
            log.info("Telegram: stopping")
            return
        purging = asyncio.create_task(runtime.purge_forever())
        try:
            async with app:
                await publish_profile(transport, runtime.catalogs)
                await app.start()
                if webhook is None:
                    await _poll(app)
                    await stop.wait()
                    log.info("Telegram: stopping")
                    assert app.updater is not None
                    await app.updater.stop()
                else:
                    server = await _serve_webhook(app, transport, webhook)
                    try:
                        await stop.wait()
                        log.info("Telegram: stopping")
                    finally:
                        await server.stop()
                await app.stop()
        finally:
            purging.cancel()
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signum)


async def _poll(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    updater = app.updater
    assert updater is not None
    await updater.start_polling(
        timeout=timedelta(seconds=POLL_TIMEOUT), allowed_updates=ALLOWED_UPDATES
    )
    log.info("Telegram: polling for updates")


async def _serve_webhook(
    app: Application[Any, Any, Any, Any, Any, Any],
    transport: TelegramTransport,
    webhook: Webhook,
) -> WebhookServer:
    server = WebhookServer(app.bot, app.update_queue, path=webhook.path, secret=webhook.secret)
    await server.start(webhook.listen, webhook.port)
    try:
        await transport.call(
            "setWebhook",
            partial(
                app.bot.set_webhook,
                webhook.url,
                allowed_updates=ALLOWED_UPDATES,
                secret_token=webhook.secret,
            ),
        )
    except BaseException:
        await server.stop()
        raise
    log.info("Telegram: webhook server listening on port %d", webhook.port)
    return server
