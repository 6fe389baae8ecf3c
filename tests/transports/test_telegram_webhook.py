"""The webhook server, in-process, spoken to as Telegram and as a stranger would, over sockets.

The whole bot process behind its webhook is tested in tests/e2e/test_telegram_bot.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, Update

from bot.transports.telegram_webhook import MAX_UPDATE_BYTES, SECRET_HEADER, WebhookServer, refusal
from tests.e2e.telegram_process import RawAnswer, free_port, post_raw

SECRET = "hook_Secret-0123456789"
PATH = "/telegram/hook"
UPDATE = {
    "update_id": 7,
    "message": {
        "message_id": 1,
        "date": 1_764_000_000,
        "chat": {"id": 5, "type": "private", "first_name": "A"},
        "from": {"id": 5, "is_bot": False, "first_name": "A"},
        "text": "hi",
    },
}
HUGE = str(95 * 1024 * 1024)


class Hook:
    def __init__(self, port: int, queue: asyncio.Queue[object]) -> None:
        self.port = port
        self.queue = queue

    async def post(
        self, headers: dict[str, str], body: bytes, *, keep_alive: bool = False
    ) -> RawAnswer:
        return await asyncio.to_thread(
            post_raw, self.port, PATH, headers, body, keep_alive=keep_alive
        )


@pytest.fixture
async def hook(bot: Bot) -> AsyncIterator[Hook]:
    queue: asyncio.Queue[object] = asyncio.Queue()
    server = WebhookServer(bot, queue, path="telegram/hook/", secret=SECRET, limit=4096)
    port = free_port()
    await server.start("127.0.0.1", port)
    try:
        yield Hook(port, queue)
    finally:
        await server.stop()


def headers(length: int | str, secret: str | None = SECRET) -> dict[str, str]:
    found = {"Content-Type": "application/json", "Content-Length": str(length)}
    if secret is not None:
        found[SECRET_HEADER] = secret
    return found


@pytest.mark.parametrize(
    ("given", "length", "expected"),
    [
        (SECRET, "100", None),
        (None, "100", 403),
        ("wrong", "100", 403),
        (SECRET[:-1], "100", 403),
        ("", HUGE, 403),
        (SECRET, HUGE, 413),
        (SECRET, str(MAX_UPDATE_BYTES), None),
        (SECRET, str(MAX_UPDATE_BYTES + 1), 413),
        (SECRET, "-1", 413),
    ],
)
def test_refusals_come_from_the_headers(
    given: str | None, length: str, expected: int | None
) -> None:
    assert refusal(headers(length, given), SECRET) == expected


async def test_an_update_with_the_secret_is_queued(hook: Hook, bot: Bot) -> None:
    body = json.dumps(UPDATE).encode()
    answer = await hook.post(headers(len(body)), body)
    assert answer.status == 200
    update = hook.queue.get_nowait()
    assert isinstance(update, Update)
    assert update.update_id == 7


@pytest.mark.parametrize("secret", [None, "wrong"])
async def test_a_stranger_is_refused_before_the_body_is_read(
    hook: Hook, secret: str | None
) -> None:
    # 95 MiB declared, 64 KiB sent: only a server that never waits for the body can answer.
    answer = await hook.post(headers(HUGE, secret), b"{" * 65536, keep_alive=True)
    assert answer == RawAnswer(403, closed=True)
    assert hook.queue.empty()


async def test_a_body_over_the_cap_is_refused(hook: Hook) -> None:
    answer = await hook.post(headers(HUGE), b"{" * 65536, keep_alive=True)
    assert answer == RawAnswer(413, closed=True)
    chunked = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    chunk = b"{" * 3000
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(2)) + b"0\r\n\r\n"
    answer = await hook.post({**chunked, SECRET_HEADER: SECRET}, body)
    assert answer.status == 413
    assert hook.queue.empty()


async def test_what_is_not_an_update_is_a_bad_request(hook: Hook) -> None:
    for body in (b"not json", b"[1, 2]", b'"an update"'):
        answer = await hook.post(headers(len(body)), body)
        assert answer.status == 400, body
    assert hook.queue.empty()
