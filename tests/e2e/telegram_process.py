"""Run ``python -m bot run`` as a real process against the Bot API emulator, and act as people.

`BotProcess` starts the bot with the emulator's address and token in its environment and
collects its stderr; `Person` is one Telegram user in a private chat with it, with the waits
that an end-to-end conversation needs (the next message, the next question with buttons);
`post_raw` is a bare HTTP client that can declare a body it never sends, to see whether a
server answers without reading it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.telegram_emulator import BotApiEmulator, FakeUser, StoredMessage

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BotProcess:
    """A running ``python -m bot run`` talking to ``emu``."""

    def __init__(self, emu: BotApiEmulator, data_dir: Path, **env: str) -> None:
        full_env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TELEGRAM_", "RECLAIM_"))
        }
        full_env.update(
            TELEGRAM_BOT_TOKEN=emu.token,
            TELEGRAM_API_BASE_URL=emu.base_url,
            RECLAIM_DATA_DIR=str(data_dir),
            RECLAIM_LOG_LEVEL="DEBUG",
            # People here type faster than anyone could; the flood guard is tested elsewhere.
            RECLAIM_FLOOD_LIMIT="10000",
            # Back-off pauses short enough for tests; their lengths are tested in-process.
            TELEGRAM_RETRY_BACKOFF="0.05",
        )
        full_env.update(env)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=ROOT,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.errors = ""
        self.output = ""
        self._lock = threading.Lock()
        for stream, attr in ((self.proc.stdout, "output"), (self.proc.stderr, "errors")):
            threading.Thread(target=self._pump, args=(stream, attr), daemon=True).start()

    def _pump(self, stream: Any, attr: str) -> None:
        for line in iter(stream.readline, ""):
            with self._lock:
                setattr(self, attr, getattr(self, attr) + line)

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, then wait for a clean exit."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


class Person:
    """One person in a private chat with the bot."""

    def __init__(self, emu: BotApiEmulator, user: FakeUser, timeout: float = 10.0) -> None:
        self.emu = emu
        self.user = user
        self.timeout = timeout

    @property
    def chat(self) -> int:
        return self.user.id

    def next_message(self) -> StoredMessage:
        """The next message the bot sends to this chat."""
        return self.emu.wait_for_bot_message_sync(self.user, timeout=self.timeout)

    def expect(self, text: str) -> StoredMessage:
        """Read the bot's messages until one contains ``text``; return it."""
        seen: list[str] = []
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            try:
                message = self.next_message()
            except TimeoutError:
                break
            if text in (message.text or ""):
                return message
            seen.append(message.text or "")
        raise AssertionError(
            f"the bot never said {text!r}; it said {seen}\n{self.emu.transcript(self.user)}"
        )

    def question(self) -> StoredMessage:
        """Read the bot's messages until one has buttons (the current question)."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            message = self.next_message()
            if message.buttons:
                return message
        raise AssertionError(f"no question with buttons\n{self.emu.transcript(self.user)}")

    def press(self, message: StoredMessage, label: str) -> str:
        """Press the button labelled ``label``; returns the callback query id."""
        for row in message.buttons:
            for button in row:
                if button["text"] == label:
                    update = self.emu.user_presses_button(
                        self.user, message.message_id, button["callback_data"]
                    )
                    return str(update["callback_query"]["id"])
        raise AssertionError(f"no button {label!r} on {message.buttons}")

    def say(self, text: str) -> int:
        """Send a text message; returns its message id."""
        return int(self.emu.user_sends_text(self.user, text)["message"]["message_id"])


@dataclass(frozen=True)
class RawAnswer:
    """What a server answered to :func:`post_raw`."""

    status: int
    closed: bool
    """The server closed the connection after answering."""


def post_raw(
    port: int,
    path: str,
    headers: dict[str, str],
    body: bytes,
    *,
    keep_alive: bool = False,
    timeout: float = 10.0,
) -> RawAnswer:
    """POST over a plain socket, sending the headers as given and then only ``body``.

    With a ``Content-Length`` larger than ``body``, the server can only answer at once if it
    answers without reading the rest of the body; otherwise this times out. With
    ``keep_alive`` the client asks to keep the connection, so ``closed`` tells that the
    server chose to close it.
    """
    headers = {**headers, "Connection": "keep-alive" if keep_alive else "close"}
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        lines = [
            f"POST {path} HTTP/1.1",
            "Host: 127.0.0.1",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        status = int(received.split(b" ", 2)[1])
        closed = False
        with contextlib.suppress(OSError):
            while chunk := sock.recv(65536):
                received += chunk
            closed = True
        return RawAnswer(status, closed)
