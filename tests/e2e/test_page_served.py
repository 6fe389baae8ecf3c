"""The bot's own process serves the companion page when ``RECLAIM_PUBLIC_URL`` is set.

The console bot runs as a real process with a small page folder; the page is fetched from
its listener under ``/companion/`` while the conversation offers the link. An ``http://``
public address is refused for Telegram, in one line, before anything starts.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot import web
from tests.commands import run_reclaim
from tests.e2e.console_process import ConsoleProcess
from tests.e2e.telegram_process import free_port

INDEX = b"<!doctype html><title>index</title>"
MINIAPP = b"<!doctype html><title>miniapp</title>"


def make_site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_bytes(INDEX)
    (root / "miniapp.html").write_bytes(MINIAPP)
    return root


def fetch(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def test_the_console_bot_serves_the_page_and_offers_its_link(tmp_path: Path) -> None:
    port = free_port()
    env = {
        "RECLAIM_PUBLIC_URL": "https://reclaim.example.org/",
        "RECLAIM_WEB_PORT": str(port),
        "RECLAIM_WEB_ROOT": str(make_site(tmp_path)),
    }
    console = ConsoleProcess(tmp_path / "data", "--lang", "en", env=env)
    try:
        console.expect("Please don't send them here.")
        base = f"http://127.0.0.1:{port}/companion/"
        status, body, headers = fetch(base)
        assert (status, body) == (200, INDEX)
        assert headers["Content-Security-Policy"] == web.INDEX_CSP
        status, body, headers = fetch(base + "miniapp.html?lang=en")
        assert (status, body) == (200, MINIAPP)
        assert headers["Content-Security-Policy"] == web.MINIAPP_CSP
        assert fetch(f"http://127.0.0.1:{port}/index.html")[0] == 404
        console.send("/hash")
        console.expect("Make the fingerprints here: https://reclaim.example.org/companion/?lang=en")
        assert console.close() == 0
    finally:
        if console.proc.poll() is None:
            console.kill()
    assert "companion/?lang" not in console.errors
    assert "the companion page is served on port" in console.errors


def test_without_a_public_url_nothing_listens(tmp_path: Path) -> None:
    port = free_port()
    console = ConsoleProcess(tmp_path / "data", env={"RECLAIM_WEB_PORT": str(port)})
    try:
        console.expect("Please don't send them here.")
        with pytest.raises(urllib.error.URLError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/companion/", timeout=5)
        assert isinstance(refused.value.reason, ConnectionRefusedError)
        assert console.close() == 0
    finally:
        if console.proc.poll() is None:
            console.kill()


def test_an_http_public_url_is_refused_for_the_mini_app(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECLAIM_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN="123:abc",
        TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot",
        RECLAIM_DATA_DIR=str(tmp_path / "data"),
        RECLAIM_PUBLIC_URL="http://reclaim.example.org/",
    )
    done = run_reclaim("run", env=env)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "reclaim: RECLAIM_PUBLIC_URL 'http://reclaim.example.org/' must start with https://: "
        "Telegram opens Mini Apps only over HTTPS (see deploy/reverse-proxy.md)"
    ]


def test_a_busy_page_port_is_refused_in_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        console = ConsoleProcess(
            tmp_path / "data",
            env={
                "RECLAIM_PUBLIC_URL": "https://x.org/",
                "RECLAIM_WEB_PORT": str(port),
                "RECLAIM_WEB_ROOT": str(make_site(tmp_path)),
            },
        )
        assert console.wait() == 2
    lines = [line for line in console.errors.splitlines() if line.startswith("reclaim:")]
    assert len(lines) == 1
    assert lines[0].startswith(
        f"reclaim: cannot serve the companion page on 127.0.0.1:{port} "
        "(RECLAIM_WEB_LISTEN, RECLAIM_WEB_PORT): "
    )
    assert "address already in use" in lines[0].lower()
    assert "Traceback" not in console.errors


def test_a_missing_page_is_refused_rather_than_offered(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    console = ConsoleProcess(
        tmp_path / "data",
        env={"RECLAIM_PUBLIC_URL": "https://x.org/", "RECLAIM_WEB_ROOT": str(empty)},
    )
    assert console.wait() == 2
    lines = [line for line in console.errors.splitlines() if line.startswith("reclaim:")]
    assert lines == [
        f"reclaim: there is no page to serve: {empty} has no index.html or miniapp.html"
    ]
    assert console.output == ""
