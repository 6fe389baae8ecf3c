"""Telegram transport (python-telegram-bot 22): Bot API updates in, Bot API calls out.

What belongs here: :class:`UpdateRouter` (hands each update, mapped by
``telegram_updates.py``, to the runtime, and answers every button press), and
:func:`run_telegram` (reaching the Bot API at start-up, building the application, long
polling or a webhook, the command menu and descriptions, clean shutdown on SIGTERM/SIGINT).
What does not: the Bot API calls and their retries (``telegram_transport.py`` and
``telegram_retry.py``), the webhook server (``telegram_webhook.py``), deciding what to say
(the engine), mapping updates to events (``telegram_updates.py``), keeping state (the store).

Start-up: while the Bot API can't be reached (no network yet, DNS not up, a proxy starting),
the bot logs one line per try and tries again with doubling pauses up to
:data:`STARTUP_MAX_PAUSE`, rather than exiting with a traceback for a supervisor to restart.
A refused token stops it at once: trying again cannot help.

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
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.error import (
    InvalidToken,
    NetworkError,
    TelegramError,
)
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.config import ConfigError, Settings
from bot.engine.events import Choice
from bot.i18n import Catalogs
from bot.langcodes import LANGUAGE_ALIASES
from bot.runtime import Runtime
from bot.transports.telegram_logging import keep_logs_private
from bot.transports.telegram_retry import Policy, pause
from bot.transports.telegram_transport import NAME, ChatGoneError, TelegramTransport
from bot.transports.telegram_updates import (
    Blocked,
    Pressed,
    ToEngine,
    incoming,
)
from bot.transports.telegram_webhook import WebhookServer

log = logging.getLogger(__name__)

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
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_API_LANGUAGE = re.compile(r"^[a-z]{2}$")


def api_language(lang: str) -> str | None:
    """The two-letter code Telegram uses for a catalog (``pt_BR`` is ``pt``, ``fil`` is
    ``tl``), or ``None`` when the Bot API has none for it."""
    if _API_LANGUAGE.match(lang):
        return lang
    short = [code for code, target in LANGUAGE_ALIASES.items() if target == lang]
    return next((code for code in short if _API_LANGUAGE.match(code)), None)


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
    codes: list[tuple[str | None, str]] = [(None, catalogs.default)]
    for lang in catalogs.languages:
        if (code := api_language(lang)) is not None:
            codes.append((code, lang))
    for code, lang in codes:
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
