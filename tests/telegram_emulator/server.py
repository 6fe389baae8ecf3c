"""The HTTP face of the emulator: a Bot API server on a loopback port.

What belongs here: `BotApiEmulator`, which serves `/bot<token>/<method>` (GET or POST, with
query, JSON, form-encoded or multipart parameters) and `/file/bot<token>/<path>` with aiohttp,
records each call, applies injected faults (error answers, delays, dropped connections),
pushes updates to a webhook, and runs in the test's event loop (`async with`); and
`EmulatorThread`, which runs one in a background thread for tests that drive a separate bot
process (`with EmulatorThread() as emu:`).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import threading
from collections.abc import Coroutine
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
from aiohttp import web

from .faults import ChatFaults
from .media import MediaActions
from .methods import METHODS, BotApiMethods, Described
from .model import (
    ERR_NOT_FOUND,
    ERR_UNAUTHORIZED,
    JSON,
    ApiCall,
    ApiError,
    UploadedFile,
    WebhookDelivery,
)
from .params import decode_params

if TYPE_CHECKING:
    from telegram import Bot

T = TypeVar("T")
_LOG = logging.getLogger(__name__)
_BY_LOWER = {name.lower(): name for name in METHODS}
_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _json_response(body: JSON, status: int = 200) -> web.Response:
    return web.Response(
        body=json.dumps(body, ensure_ascii=False).encode(),
        status=status,
        content_type="application/json",
    )


class BotApiEmulator(MediaActions, BotApiMethods, ChatFaults):
    """A Telegram Bot API server on 127.0.0.1 for tests.

    Use `async with BotApiEmulator() as emu:` and point python-telegram-bot at it with
    `Bot(emu.token, base_url=emu.base_url)` (or `emu.make_bot()`).
    """

    def __init__(
        self,
        token: str = "123456789:AAHemulatorTOKENforTESTSonly0000000",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        webhook_retry_delay: float = 0.2,
        webhook_timeout: float = 5.0,
        **options: Any,
    ) -> None:
        super().__init__(token, **options)
        self.host = host
        self.port = port
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_timeout = webhook_timeout
        #: Exceptions raised inside the emulator while answering; `__aexit__` fails on them.
        self.internal_errors: list[BaseException] = []
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task[None] | None = None

    # -- addresses ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Root URL of the server, e.g. http://127.0.0.1:41234."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What python-telegram-bot takes as `base_url` (it appends the token)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    def method_url(self, method: str) -> str:
        return f"{self.base_url}{self.token}/{method}"

    def make_bot(self, **kwargs: Any) -> Bot:
        """A `telegram.Bot` wired to this server (not yet initialized)."""
        from telegram import Bot  # imported here: only tests that use PTB need it

        return Bot(self.token, base_url=self.base_url, base_file_url=self.base_file_url, **kwargs)

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> BotApiEmulator:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown_path)
        self._runner = web.AppRunner(
            app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._loop_thread = threading.get_ident()
        self.closing = False
        return self

    async def stop(self) -> None:
        with self._lock:
            self.closing = True
            self._notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._loop_thread = None

    async def __aenter__(self) -> BotApiEmulator:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
        if exc_type is None and self.internal_errors:
            raise AssertionError(
                f"the emulator failed while answering: {self.internal_errors!r}"
            ) from self.internal_errors[0]

    # -- HTTP -----------------------------------------------------------------------------

    async def _read_params(self, request: web.Request) -> tuple[JSON, dict[str, UploadedFile]]:
        raw: JSON = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if not request.can_read_body:
            return raw, files
        if request.content_type == "application/json":
            body = await request.read()
            if body.strip():
                try:
                    data = json.loads(body)
                except ValueError as exc:
                    raise ApiError("Bad Request: can't parse JSON object") from exc
                if not isinstance(data, dict):
                    raise ApiError("Bad Request: JSON object expected")
                raw.update(data)
        elif request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    content = value.file.read()
                    files[name] = UploadedFile(name, value.filename, value.content_type, content)
                else:
                    raw[name] = value
        return raw, files

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if token != self.token:
            if ":" in token:
                return _json_response(ApiError(ERR_UNAUTHORIZED, 401).to_json(), 401)
            return _json_response(ApiError(ERR_NOT_FOUND, 404).to_json(), 404)
        asked = request.match_info["method"]
        method = _BY_LOWER.get(asked.lower(), asked)
        call = ApiCall(0, method, {}, request.method, request.content_type)
        try:
            raw, call.files = await self._read_params(request)
            call.params = decode_params(raw)
        except ApiError as error:
            self.record_call(call)
            self.complete_call(call, error.error_code, error.to_json())
            return _json_response(error.to_json(), error.error_code)
        self.record_call(call)
        fault = self.take_chat_fault(method, call.params) or self.take_fault(method)
        if fault is not None and fault.kind == "drop":
            self.complete_call(call, -1, None)
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # nothing is written to the aborted connection
        try:
            if fault is not None and fault.error is not None:
                status, body = fault.error.error_code, fault.error.to_json()
            else:
                status, body = await self._dispatch(method, call.params)
        except asyncio.CancelledError:  # the client went away, e.g. during a long poll
            self.complete_call(call, -1, None)
            raise
        self.complete_call(call, status, body)
        if fault is not None and fault.kind == "delay":
            await asyncio.sleep(fault.delay)  # the call took effect; only the answer is late
        return _json_response(body, status)

    async def _dispatch(self, method: str, params: JSON) -> tuple[int, JSON]:
        if method not in METHODS:
            return 404, ApiError(ERR_NOT_FOUND, 404).to_json()
        handler = getattr(self, METHODS[method])
        try:
            result = handler(params)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as error:
            return error.error_code, error.to_json()
        except Exception as exc:  # a bug in the emulator: answer as Telegram would, and keep it
            _LOG.exception("emulator failed on %s", method)
            self.internal_errors.append(exc)
            return 500, ApiError("Internal Server Error", 500).to_json()
        if isinstance(result, Described):
            return 200, {"ok": True, "result": result.result, "description": result.description}
        return 200, {"ok": True, "result": result}

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        if request.match_info["token"] == self.token:
            with self._lock:
                stored = next((f for f in self.files.values() if f.file_path == path), None)
                self.downloads.append(path)
                self._notify()
            if stored is not None:
                return web.Response(body=stored.content, content_type="application/octet-stream")
        return _json_response(ApiError(ERR_NOT_FOUND, 404).to_json(), 404)

    async def _handle_unknown_path(self, request: web.Request) -> web.StreamResponse:
        return _json_response(ApiError(ERR_NOT_FOUND, 404).to_json(), 404)

    # -- webhook delivery -----------------------------------------------------------------

    def _webhook_changed(self) -> None:
        running = self._webhook_task is not None and not self._webhook_task.done()
        if self.webhook_url and not running:
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver())

    async def _deliver(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self.webhook_timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                with self._lock:
                    url, secret = self.webhook_url, self.webhook_secret
                    update = self.pending_updates[0] if self.pending_updates else None
                if not url or self.closing:
                    return
                if update is None:
                    await self.wait_until(
                        lambda: (
                            True
                            if self.pending_updates or not self.webhook_url or self.closing
                            else None
                        ),
                        5.0,
                    )
                    continue
                status, error = await self._post_update(session, url, secret, update)
                with self._lock:
                    self.webhook_deliveries.append(
                        WebhookDelivery(update["update_id"], url, status, error, secret)
                    )
                    if error is None:
                        if self.pending_updates and self.pending_updates[0] is update:
                            self.delivered_updates.append(self.pending_updates.popleft())
                    else:
                        self.webhook_last_error = (self.clock.now(), error)
                    self._notify()
                if error is not None:
                    await asyncio.sleep(self.webhook_retry_delay)

    async def _post_update(
        self, session: aiohttp.ClientSession, url: str, secret: str | None, update: JSON
    ) -> tuple[int | None, str | None]:
        headers = {"Content-Type": "application/json"}
        if secret:
            headers[_SECRET_HEADER] = secret
        try:
            async with session.post(url, data=json.dumps(update), headers=headers) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return response.status, None
                reason = f"{response.status} {response.reason or ''}".strip()
                return response.status, f"Wrong response from the webhook: {reason}"
        except TimeoutError:
            return None, "Read timeout expired"
        except aiohttp.ClientConnectorError:
            return None, "Connection refused"
        except aiohttp.ClientError as exc:
            return None, f"Connection error: {exc}"


class EmulatorThread:
    """Runs a `BotApiEmulator` in its own thread and event loop.

    `with EmulatorThread() as emu:` gives the emulator; its user actions and queries are
    thread-safe, and `emu.wait_for_call_sync(...)` blocks until the bot process calls.
    """

    def __init__(
        self, token: str = "123456789:AAHemulatorTOKENforTESTSonly0000000", **options: Any
    ) -> None:
        self.emulator = BotApiEmulator(token, **options)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def __enter__(self) -> BotApiEmulator:
        self._thread = threading.Thread(target=self._run, name="bot-api-emulator", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the emulator did not start within 10 s")
        if self._error is not None:
            raise RuntimeError("the emulator failed to start") from self._error
        return self.emulator

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(10)
        if exc_type is None and self.emulator.internal_errors:
            raise AssertionError(
                f"the emulator failed while answering: {self.emulator.internal_errors!r}"
            )

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Runs a coroutine on the emulator's loop and returns its result."""
        if self._loop is None:
            raise RuntimeError("the emulator thread is not running")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        try:
            await self.emulator.start()
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            raise
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            await self.emulator.stop()
