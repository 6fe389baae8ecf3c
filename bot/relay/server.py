"""The partner API: the StopNCII-compatible hash feed and push partners' match reports (aiohttp).

Belongs here: listening, routing, reading headers and bodies, and turning results into JSON
answers. Does not belong here: the feed's paging and JSON (``feed.py``), its SQL
(``feedstore.py``), keys (``partners.py``) and signatures (``signing.py``).

Routes, looked up on every request so a partner added while the server runs works at once:

* ``GET {base}/FetchHashes`` and ``POST {base}/SubmitFeedback`` for every partner's base path,
  with the ``x-functions-key`` and ``Ocp-Apim-Subscription-Key`` headers. Keys that are
  missing, wrong, revoked or sent to another partner's base path are all the same 401.
* ``POST /reclaim/v1/matches`` for push partners (``[[partners]]`` in the settings file) with a
  webhook secret: ``X-Reclaim-Partner: <name>`` and ``X-Reclaim-Signature`` over the body
  (``signing.py``). A signature seen before within the replay window is refused with 409.

Every answer is JSON, errors included (``{"error": "..."}``). Bodies are limited to
``MAX_BODY`` bytes. Nothing from a request (keys, hashes, references, bodies) is logged; the
access log is off, since query strings hold page tokens.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Final

from aiohttp import web

from bot.cases import outbox
from bot.cases.store import Store
from bot.config import ConfigError, Settings
from bot.relay import feed, feedstore, partners, signing

__all__ = [
    "FETCH",
    "MATCHES_PATH",
    "MAX_BODY",
    "PARTNER_HEADER",
    "PURGE_EVERY",
    "SUBMIT",
    "PartnerApi",
    "start_partner_api",
]

log = logging.getLogger(__name__)

FETCH: Final = "/FetchHashes"
SUBMIT: Final = "/SubmitFeedback"
MATCHES_PATH: Final = "/reclaim/v1/matches"
PARTNER_HEADER: Final = "X-Reclaim-Partner"
MAX_BODY: Final = 1024 * 1024
"""The largest request body accepted (bytes)."""
PURGE_EVERY: Final = 3600.0
"""Seconds between purges of old withdrawn records and replay tags."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@web.middleware
async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure as a JSON answer; only the exception's type is logged."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        return _error(exc.status, exc.reason)
    except feed.BadRequestError as exc:
        return _error(400, str(exc))
    except Exception as exc:
        log.error("partner API request failed: %s", type(exc).__name__)
        return _error(500, "internal error")


class PartnerApi:
    """The running partner API; stop it with :meth:`close`."""

    def __init__(self, runner: web.AppRunner, host: str, port: int, purger: asyncio.Task[None]):
        self._runner = runner
        self._purger = purger
        self.host = host
        self.port = port
        """The port it listens on (the one the system picked when the setting says 0)."""

    async def close(self) -> None:
        """Stop listening and finish the requests under way."""
        self._purger.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._purger
        await self._runner.cleanup()


class _Handlers:
    """The request handlers, sharing the store, keys and settings."""

    def __init__(
        self,
        store: Store,
        secret: bytes,
        settings: Settings,
        clock: Callable[[], float],
        env: Mapping[str, str],
    ) -> None:
        self.store = store
        self.keys = feedstore.FeedKeys.from_secret(secret)
        self.settings = settings
        self.clock = clock
        self.env = env

    async def route(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path == MATCHES_PATH:
            if request.method != "POST":
                return _error(405, "use POST")
            return await self.match_report(request)
        for suffix, method, serve in (
            (FETCH, "GET", self.fetch_hashes),
            (SUBMIT, "POST", self.submit_feedback),
        ):
            if path.endswith(suffix):
                partner = await self._partner(request, path.removesuffix(suffix))
                if partner is None:
                    return _error(401, "unknown or revoked keys")
                if request.method != method:
                    return _error(405, f"use {method}")
                return await serve(request, partner)
        return _error(404, "no such endpoint")

    async def _partner(self, request: web.Request, base_path: str) -> partners.FeedPartner | None:
        function_key = request.headers.get("x-functions-key", "")
        subscription_key = request.headers.get("Ocp-Apim-Subscription-Key", "")
        async with self.store.transaction() as db:
            return await partners.authenticate(
                db, self.keys.partners, function_key, subscription_key, base_path
            )

    async def fetch_hashes(
        self, request: web.Request, partner: partners.FeedPartner
    ) -> web.StreamResponse:
        query = feed.parse_fetch_query(request.query, self.keys.tokens, partner.name)
        today = outbox.utc_date(self.clock())
        async with self.store.transaction() as db:
            page = await feedstore.serve_page(db, partner, query, self.keys, today)
        return web.json_response(page)

    async def submit_feedback(
        self, request: web.Request, partner: partners.FeedPartner
    ) -> web.StreamResponse:
        items, ignored = feed.parse_feedback(feed.decode_json(await request.read()))
        async with self.store.transaction() as db:
            result = await feedstore.store_feedback(db, partner.name, items, self.clock())
        log.info(
            "feedback: %d kept, %d unknown hashes, %d other values",
            result.accepted,
            result.unknown,
            ignored,
        )
        return web.json_response(
            {
                "count": len(items) + ignored,
                "accepted": result.accepted,
                "unknown": result.unknown,
                "ignored": ignored,
            }
        )

    def _sink_secret(self, name: str) -> tuple[str, bytes] | None:
        for sink in self.settings.sinks:
            if sink.name.casefold() == name.casefold() and sink.secret_env:
                value = self.env.get(sink.secret_env, "")
                return (sink.name, value.encode()) if value else None
        return None

    async def match_report(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        now = self.clock()
        sink = self._sink_secret(request.headers.get(PARTNER_HEADER, ""))
        header = request.headers.get(signing.SIGNATURE_HEADER, "")
        signed_at = None if sink is None else signing.verify(sink[1], header, body, now)
        if sink is None or signed_at is None:
            return _error(401, "unknown partner, or a bad or stale signature")
        report = feed.parse_match_report(feed.decode_json(body))
        tag = hashlib.sha256(header.strip().encode()).digest()
        async with self.store.transaction() as db:
            fresh = await feedstore.remember_report(db, tag, signed_at + signing.REPLAY_WINDOW)
            stored = fresh and await feedstore.store_match(db, sink[0], report, self.keys.refs, now)
        if not fresh:
            return _error(409, "this report was received already")
        if not stored:
            return _error(404, "no case of yours holds that hash under that reference")
        log.info("match report kept")
        return web.json_response({"stored": True})

    async def purge_forever(self) -> None:
        while True:
            try:
                async with self.store.transaction() as db:
                    deleted = await feedstore.purge(db, self.clock())
                if deleted:
                    log.info("feed purge: %d withdrawn records deleted", deleted)
            except Exception as exc:  # the next purge tries again; serving goes on
                log.error("feed purge failed: %s", type(exc).__name__)
            await asyncio.sleep(PURGE_EVERY)


async def start_partner_api(
    store: Store,
    secret: bytes,
    settings: Settings,
    *,
    clock: Callable[[], float] = time.time,
    env: Mapping[str, str] | None = None,
) -> PartnerApi:
    """Start the partner API on ``settings.partner_api_listen``.

    Args:
        store: the bot's store (the feed's tables are in it).
        secret: the server secret (keys for partners' keys, references and page tokens).
        settings: where to listen, and the push partners whose match reports are accepted.
        clock: Unix time now (signatures, dates).
        env: where push partners' ``secret_env`` variables are read (default: the process's).

    Raises:
        ConfigError: no address is set, or it cannot be listened on.
    """
    if not settings.partner_api_listen:
        raise ConfigError("RECLAIM_PARTNER_API_LISTEN is not set")
    host, _, port = settings.partner_api_listen.rpartition(":")
    host = host.strip("[]")
    handlers = _Handlers(store, secret, settings, clock, os.environ if env is None else env)
    app = web.Application(client_max_size=MAX_BODY, middlewares=[_json_errors])
    app.router.add_route("*", "/{tail:.*}", handlers.route)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, int(port))
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise ConfigError(
            f"cannot listen on {settings.partner_api_listen}: {exc.strerror or exc}"
        ) from exc
    bound = int(runner.addresses[0][1])  # the system's pick when the setting says port 0
    purger = asyncio.create_task(handlers.purge_forever())
    return PartnerApi(runner, host, bound, purger)
