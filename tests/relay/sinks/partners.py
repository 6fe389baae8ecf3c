"""A push partner on loopback for the tests and the bench: an HMA bank and a webhook in one.

It speaks the part of HMA's APIs Reclaim uses (``POST /c/bank/<bank>/signal``,
``DELETE /c/bank/<bank>/content/<id>``, which like HMA's deletes that id in whatever bank holds
it, ``GET /c/bank/<bank>/content/<id>?include_signals=true``, and ``GET /m/raw_lookup``, which
like HMA's index returns PDQ matches within distance 31 and is absent with ``matcher=False``)
and receives webhook deliveries on ``POST /hook``,
checking each signature with ``bot.relay.signing.verify`` (a bad one gets 401). It fails on
purpose as told: ``plan`` holds what the next requests get (a status code, ``"hang"`` to answer
after the client gave up, ``"lost"`` to do what was asked and answer after the client gave up,
``"slow"`` to send the body in slow pieces), and ``fail_rate`` makes
that share of requests answer 500 at random.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

from bot.relay import signing


@dataclass
class Delivery:
    """A webhook delivery the partner accepted."""

    idempotency_key: str
    document: dict[str, object]


@dataclass
class FakePartner:
    """What the partner holds and how it misbehaves."""

    secret: bytes = b"webhook-secret"
    plan: list[int | str] = field(default_factory=list)
    fail_rate: float = 0.0
    rng: random.Random = field(default_factory=lambda: random.Random(1))
    hang_for: float = 5.0
    api_key: str | None = None
    hold_at: int = 0
    """Hold the answer to the webhook delivery number ``hold_at`` (1-based) for ``hang_for``
    seconds after accepting it: a sender killed meanwhile has sent it but not marked it."""
    latency: float = 0.0
    """Seconds every webhook delivery takes."""
    matcher: bool = True
    """Serve ``/m/raw_lookup`` (an HMA with the matcher role on the same address)."""
    banks: dict[str, dict[int, dict[str, str]]] = field(default_factory=lambda: {"reclaim": {}})
    deliveries: list[Delivery] = field(default_factory=list)
    requests: int = 0
    refused_signatures: int = 0
    _next_id: int = 100

    def __post_init__(self) -> None:
        self.app = web.Application(middlewares=[self._misbehave])
        self.app.router.add_post("/c/bank/{bank}/signal", self._add_signal)
        self.app.router.add_delete("/c/bank/{bank}/content/{content}", self._delete_content)
        self.app.router.add_get("/c/bank/{bank}/content/{content}", self._show_content)
        if self.matcher:
            self.app.router.add_get("/m/raw_lookup", self._raw_lookup)
        self.app.router.add_post("/hook", self._hook)

    @web.middleware
    async def _misbehave(self, request: web.Request, handler: object) -> web.StreamResponse:
        self.requests += 1
        if self.api_key and request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return web.json_response({"message": "Authentication required"}, status=401)
        action: int | str = self.plan.pop(0) if self.plan else "ok"
        if action == "ok" and self.fail_rate and self.rng.random() < self.fail_rate:
            action = 500
        if action == "hang":
            await asyncio.sleep(self.hang_for)
        elif action == "lost":
            response = await handler(request)  # type: ignore[operator]
            await asyncio.sleep(self.hang_for)
            return response  # type: ignore[no-any-return]
        elif action == "slow":
            response = web.StreamResponse(status=200)
            await response.prepare(request)
            for _ in range(20):
                await response.write(b" ")
                await asyncio.sleep(self.hang_for / 20)
            return response
        elif isinstance(action, int):
            await request.read()
            return web.json_response({"message": "failing on purpose"}, status=action)
        return await handler(request)  # type: ignore[operator,no-any-return]

    async def _add_signal(self, request: web.Request) -> web.Response:
        bank = self.banks.get(request.match_info["bank"])
        if bank is None:
            return web.json_response({"message": "bank not found"}, status=404)
        signals = await request.json()
        self._next_id += 1
        bank[self._next_id] = signals
        return web.json_response({"id": self._next_id, "signals": signals})

    async def _delete_content(self, request: web.Request) -> web.Response:
        bank = self.banks.get(request.match_info["bank"])
        if bank is None:
            return web.json_response({"message": "bank not found"}, status=404)
        content = int(request.match_info["content"])
        removed = [b.pop(content) for b in self.banks.values() if content in b]
        return web.json_response({"deleted": len(removed)})

    async def _show_content(self, request: web.Request) -> web.Response:
        if request.match_info["bank"] not in self.banks:
            return web.json_response({"message": "bank not found"}, status=404)
        content = int(request.match_info["content"])
        for name, bank in self.banks.items():
            if content in bank:
                shown: dict[str, object] = {"id": content, "bank": {"name": name}}
                if request.query.get("include_signals") == "true":
                    shown["signals"] = bank[content]
                return web.json_response(shown)
        return web.json_response({"message": "content not found"}, status=404)

    async def _raw_lookup(self, request: web.Request) -> web.Response:
        kind, value = request.query["signal_type"], request.query["signal"]
        wanted = set(request.query["banks"].split(",")) if "banks" in request.query else None
        matches = [
            content
            for name, bank in self.banks.items()
            if wanted is None or name in wanted
            for content, signals in sorted(bank.items())
            if kind in signals and _near(kind, signals[kind], value)
        ]
        return web.json_response({"matches": matches})

    async def _hook(self, request: web.Request) -> web.Response:
        body = await request.read()
        header = request.headers.get(signing.SIGNATURE_HEADER, "")
        if signing.verify(self.secret, header, body, time.time()) is None:
            self.refused_signatures += 1
            return web.json_response({"message": "bad signature"}, status=401)
        self.deliveries.append(Delivery(request.headers["Idempotency-Key"], json.loads(body)))
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.hold_at and len(self.deliveries) == self.hold_at:
            await asyncio.sleep(self.hang_for)
        return web.json_response({"ok": True})

    def hashes_in(self, bank: str = "reclaim") -> list[dict[str, str]]:
        """The signals the bank holds, in the order they were added."""
        return [self.banks[bank][k] for k in sorted(self.banks[bank])]


def _near(kind: str, held: str, asked: str) -> bool:
    """HMA's match rule for the fake's index: PDQ within 31 bits, anything else exactly."""
    if kind == "pdq":
        return bin(int(held, 16) ^ int(asked, 16)).count("1") <= 31
    return held == asked


@asynccontextmanager
async def serving(partner: FakePartner) -> AsyncIterator[str]:
    """Serve ``partner`` on 127.0.0.1 (a free port); yields its base URL."""
    runner = web.AppRunner(partner.app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def closed_port() -> str:
    """The base URL of a loopback port nothing listens on (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class PartnerThread:
    """``partner`` served from a thread of its own, for tests that drive real processes."""

    def __init__(self, partner: FakePartner) -> None:
        self.partner = partner
        self.url = ""
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._stopped: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._stopped = asyncio.Event()
        async with serving(self.partner) as url:
            self.url = url
            self._ready.set()
            await self._stopped.wait()

    def __enter__(self) -> PartnerThread:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the partner did not start")
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._stopped is not None
        self._loop.call_soon_threadsafe(self._stopped.set)
        self._thread.join(10)
