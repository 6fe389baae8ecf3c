"""The webhook server: Telegram's POSTed updates in, onto the application's update queue.

What belongs here: :class:`WebhookServer`, a small aiohttp server that takes updates at one
path, and :func:`refusal`, the pure check of a request's headers. What does not: telling
Telegram the address (``telegram.py`` calls ``setWebhook``), and handling updates (the
application's handler).

Why our own server rather than python-telegram-bot's: its tornado server reads the whole
body (up to 100 MB) before it looks at the secret header, so anyone who finds the address can
make the bot hold large bodies in memory. Here the secret header and the declared length are
checked first, from the headers alone: a request without the right secret gets 403, and one
longer than :data:`MAX_UPDATE_BYTES` gets 413, before a byte of its body is read; the
connection is then closed rather than drained. A body without a declared length is read up
to the same cap. Telegram's updates are a few kilobytes.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from aiohttp import web
from telegram import Bot, Update

log = logging.getLogger(__name__)

MAX_UPDATE_BYTES = 1024 * 1024
"""The largest update body taken (Telegram's updates are a few kilobytes)."""
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def refusal(headers: Any, secret: str, limit: int = MAX_UPDATE_BYTES) -> int | None:
    """The status to refuse a webhook request with from its headers alone, or None to read it.

    Args:
        headers: The request's headers (a case-insensitive mapping).
        secret: The secret Telegram was given with ``setWebhook``.
        limit: The largest body taken.
    """
    given = headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return 403
    declared = headers.get("Content-Length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return 413
    return None


class WebhookServer:
    """Takes Telegram's updates at ``path`` and puts them on ``queue``."""

    def __init__(
        self,
        bot: Bot,
        queue: asyncio.Queue[object],
        *,
        path: str,
        secret: str,
        limit: int = MAX_UPDATE_BYTES,
    ) -> None:
        self.bot = bot
        self.queue = queue
        self.path = "/" + path.strip("/")
        self.secret = secret
        self.limit = limit
        self._runner: web.AppRunner | None = None

    async def start(self, listen: str, port: int) -> None:
        """Listen on ``listen:port``."""
        app = web.Application(client_max_size=self.limit)
        app.router.add_post(self.path, self._take)
        # No lingering: the body of a refused request is never read, not even to drain it.
        self._runner = web.AppRunner(app, access_log=None, lingering_time=0)
        await self._runner.setup()
        await web.TCPSite(self._runner, listen, port).start()

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _take(self, request: web.Request) -> web.StreamResponse:
        status = refusal(request.headers, self.secret, self.limit)
        if status is not None:
            return _closing(status)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _closing(413)
        try:
            data = json.loads(body)
            update = Update.de_json(data, self.bot) if isinstance(data, dict) else None
        except (ValueError, TypeError, KeyError):
            update = None
        if update is None:
            log.warning("the webhook got a body that is not an update")
            return web.Response(status=400)
        await self.queue.put(update)
        return web.Response(status=200)


def _closing(status: int) -> web.Response:
    response = web.Response(status=status)
    response.force_close()
    return response
