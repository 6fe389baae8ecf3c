"""The Telegram webhook under large bodies: memory while four 95 MiB requests arrive at once.

Three kinds of request, four at a time, each streaming 95 MiB from a reused 1 MiB buffer (the
client holds no body of its own): a wrong secret, the right secret with the length declared,
and the right secret with no declared length (chunked). The server must refuse each without
holding the body: 403 or 413 from the headers, or 413 once the 1 MiB cap is passed. Figures:
the answers, the time to answer, and this process's resident memory above what it was before
(VmRSS during the burst, and the growth of its peak, VmHWM).
"""

from __future__ import annotations

import asyncio
import socket
import time

from telegram import Bot

from bot.transports.telegram_webhook import SECRET_HEADER, WebhookServer

BODY_MIB = 95
AT_ONCE = 4
SECRET = "bench-webhook-secret"
CHUNK = b"\0" * (1 << 20)


def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _push(port: int, secret: str, declared: bool) -> int:
    """Send one large request; return the status the server answered with."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    length = BODY_MIB << 20
    head = [
        "POST /hook HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/json",
        f"{SECRET_HEADER}: {secret}",
        f"Content-Length: {length}" if declared else "Transfer-Encoding: chunked",
    ]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    answer = asyncio.ensure_future(reader.readline())
    try:
        for _ in range(BODY_MIB):
            if answer.done():
                break
            writer.write(CHUNK if declared else b"%x\r\n" % len(CHUNK) + CHUNK + b"\r\n")
            await writer.drain()
        line = await asyncio.wait_for(answer, 30)
    except (TimeoutError, ConnectionError):
        line = answer.result() if answer.done() and not answer.exception() else b""
    writer.close()
    parts = line.split()
    return int(parts[1]) if len(parts) > 1 else 0


async def run() -> dict[str, object]:
    """Start the webhook server and send each kind of request, four at a time."""
    server = WebhookServer(Bot("123456:bench-token"), asyncio.Queue(), path="hook", secret=SECRET)
    port = _free_port()
    await server.start("127.0.0.1", port)
    figures: dict[str, object] = {}
    try:
        base = _status_kib("VmRSS")
        peak_before = _status_kib("VmHWM")
        for name, secret, declared in (
            ("wrong secret", "nope", True),
            ("declared length", SECRET, True),
            ("chunked, no length", SECRET, False),
        ):
            started = time.perf_counter()
            statuses = await asyncio.gather(
                *(_push(port, secret, declared) for _ in range(AT_ONCE))
            )
            figures[f"{name}: answers"] = sorted(set(statuses))
            figures[f"{name}: seconds"] = round(time.perf_counter() - started, 3)
            figures[f"{name}: rss_above_start_mib"] = round((_status_kib("VmRSS") - base) / 1024, 1)
        figures["peak_growth_mib"] = round((_status_kib("VmHWM") - peak_before) / 1024, 1)
    finally:
        await server.stop()
    return figures


def main() -> None:
    """Print the figures."""
    for name, value in asyncio.run(run()).items():
        print(f"{name:>40}: {value}")


if __name__ == "__main__":
    main()
