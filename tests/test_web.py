"""The page server (``bot/web.py``): which paths name a file, the headers, and the real server.

The pure parts are checked table by table; the server is run on loopback with aiohttp's test
client over a real socket, on a small folder made here (the shipped page is not needed).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import ClientSession
from aiohttp import web as aioweb

from bot import web
from tests.commands import run_reclaim

ROOT = Path(__file__).resolve().parents[1]

FILES = {
    "index.html": b"<!doctype html><title>index</title>",
    "miniapp.html": b"<!doctype html><title>miniapp</title>",
    "app.js": b'"use strict";',
    "app.css": b"body{}",
    "vendor/hash.wasm": b"\0asm\1\0\0\0",
    "i18n/en.js": b"self.Reclaim={};",
    ".hidden": b"secret",
}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "web"
    for name, body in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(body)
    (tmp_path / "outside.txt").write_text("outside")
    (root / "link.txt").symlink_to(tmp_path / "outside.txt")
    return root


@asynccontextmanager
async def _served(root: Path, prefix: str = "/") -> AsyncIterator[ClientSession]:
    """The real server (as ``reclaim web`` runs it) on a free port, and a client for it."""
    async with (
        web.serving("127.0.0.1", 0, root, prefix) as address,
        ClientSession(base_url=address.url) as session,
    ):
        yield session


@pytest.fixture
async def client(site: Path) -> AsyncIterator[ClientSession]:
    async with _served(site) as session:
        yield session


# --- pure ------------------------------------------------------------------------------------


def test_site_files_lists_files_only_inside_the_folder(site: Path) -> None:
    assert sorted(web.site_files(site)) == sorted(n for n in FILES if not n.startswith("."))


def test_site_files_of_a_missing_folder_is_empty(tmp_path: Path) -> None:
    assert web.site_files(tmp_path / "nothing") == {}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/", "index.html"),
        ("/index.html", "index.html"),
        ("/miniapp.html", "miniapp.html"),
        ("/vendor/hash.wasm", "vendor/hash.wasm"),
        ("/i18n/en.js", "i18n/en.js"),
        ("/app%2Ejs", "app.js"),
        ("/vendor/", None),
        ("/vendor", None),
        ("/../outside.txt", None),
        ("/vendor/../app.js", None),
        ("/%2e%2e/outside.txt", None),
        ("/vendor%2fhash.wasm", None),
        ("/vendor%5chash.wasm", None),
        ("/vendor\\hash.wasm", None),
        ("/app.js%00", None),
        ("//app.js", None),
        ("/./app.js", None),
        ("/.hidden", None),
        ("/link.txt", None),
        ("/nothing.js", None),
        ("app.js", None),
    ],
)
def test_file_for(site: Path, raw: str, expected: str | None) -> None:
    assert web.file_for(raw, web.site_files(site)) == expected


def test_file_for_under_a_prefix(site: Path) -> None:
    files = web.site_files(site)
    assert web.file_for("/companion/", files, "/companion/") == "index.html"
    assert web.file_for("/companion/app.js", files, "/companion/") == "app.js"
    assert web.file_for("/app.js", files, "/companion/") is None
    assert web.file_for("/companionapp.js", files, "/companion/") is None


def test_csp_per_file() -> None:
    assert web.INDEX_CSP == (
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; "
        "style-src 'self'; img-src 'self' blob: data:; connect-src 'none'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    )
    assert web.MINIAPP_CSP == (
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval' https://telegram.org; "
        "worker-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
        "connect-src 'none'; base-uri 'none'; form-action 'none'"
    )
    for name in ("index.html", "app.js", "worker.js", "vendor/x.wasm"):
        assert web.headers_for(name, '"x"')["Content-Security-Policy"] == web.INDEX_CSP
    assert web.headers_for("miniapp.html", '"x"')["Content-Security-Policy"] == web.MINIAPP_CSP


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("index.html", "text/html; charset=utf-8"),
        ("app.js", "text/javascript; charset=utf-8"),
        ("app.css", "text/css; charset=utf-8"),
        ("vendor/hash.wasm", "application/wasm"),
        ("icon.SVG", "image/svg+xml"),
        ("LICENSE", "application/octet-stream"),
    ],
)
def test_content_type(name: str, kind: str) -> None:
    assert web.content_type(name) == kind


def test_not_modified() -> None:
    assert web.not_modified('"a", "b"', '"b"')
    assert web.not_modified('W/"b"', '"b"')
    assert web.not_modified("*", '"b"')
    assert not web.not_modified('"a"', '"b"')
    assert not web.not_modified(None, '"b"')


@pytest.mark.parametrize(
    ("given", "prefix"),
    [("", "/"), ("/", "/"), ("companion", "/companion/"), ("/a/b/", "/a/b/")],
)
def test_mount_prefix(given: str, prefix: str) -> None:
    assert web.mount_prefix(given) == prefix


# --- the server ----------------------------------------------------------------------------


SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


async def test_index_and_its_headers(client: ClientSession) -> None:
    response = await client.get("/")
    assert response.status == 200
    assert await response.read() == FILES["index.html"]
    headers = response.headers
    assert headers["Content-Security-Policy"] == web.INDEX_CSP
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "no-cache"
    for name, value in SECURITY.items():
        assert headers[name] == value


async def test_miniapp_gets_its_own_policy(client: ClientSession) -> None:
    response = await client.get("/miniapp.html?lang=en")
    assert response.status == 200
    assert await response.read() == FILES["miniapp.html"]
    assert response.headers["Content-Security-Policy"] == web.MINIAPP_CSP
    assert "frame-ancestors" not in response.headers["Content-Security-Policy"]
    assert "Cross-Origin-Opener-Policy" not in response.headers
    for name, value in SECURITY.items():
        assert response.headers[name] == value


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/vendor/hash.wasm", "application/wasm"),
        ("/i18n/en.js", "text/javascript; charset=utf-8"),
    ],
)
async def test_assets(client: ClientSession, path: str, kind: str) -> None:
    response = await client.get(path)
    assert response.status == 200
    assert response.headers["Content-Type"] == kind
    assert response.headers["Cache-Control"] == web.ASSET_CACHE
    assert response.headers["Content-Security-Policy"] == web.INDEX_CSP
    assert await response.read() == FILES[path.lstrip("/")]


async def test_head_has_headers_and_no_body(client: ClientSession) -> None:
    response = await client.head("/app.js")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["Content-Security-Policy"] == web.INDEX_CSP
    assert await response.read() == b""


async def test_etag_gives_304(client: ClientSession) -> None:
    first = await client.get("/app.js")
    etag = first.headers["ETag"]
    again = await client.get("/app.js", headers={"If-None-Match": etag})
    assert again.status == 304
    assert await again.read() == b""
    assert again.headers["Content-Security-Policy"] == web.INDEX_CSP
    other = await client.get("/app.css", headers={"If-None-Match": etag})
    assert other.status == 200


@asynccontextmanager
async def _counted(root: Path) -> AsyncIterator[tuple[ClientSession, list[str]]]:
    """The server on loopback with its reads counted: the names of the files read, in order."""
    reads: list[str] = []

    def read(path: Path) -> bytes:
        reads.append(path.relative_to(root.resolve()).as_posix())
        return path.read_bytes()

    runner = aioweb.AppRunner(web.build_app(root, bodies=web.Bodies(read)), access_log=None)
    await runner.setup()
    listener = aioweb.TCPSite(runner, "127.0.0.1", 0)
    await listener.start()
    port = runner.addresses[0][1]
    try:
        async with ClientSession(base_url=f"http://127.0.0.1:{port}/") as session:
            yield session, reads
    finally:
        await runner.cleanup()


async def test_a_file_is_read_once_while_it_is_unchanged(site: Path) -> None:
    async with _counted(site) as (client, reads):
        first = await client.get("/app.js")
        again = await client.get("/app.js")
        head = await client.head("/app.js")
        assert [await first.read(), await again.read()] == [FILES["app.js"]] * 2
        assert first.headers["ETag"] == again.headers["ETag"] == head.headers["ETag"]
        cached = await client.get("/app.js", headers={"If-None-Match": first.headers["ETag"]})
        assert cached.status == 304
        await client.get("/")
    assert reads == ["app.js", "index.html"]


async def test_a_changed_file_is_read_again_with_a_new_etag(site: Path) -> None:
    async with _counted(site) as (client, reads):
        first = await client.get("/app.js")
        old = first.headers["ETag"]
        # The same size and a different time, then a different size.
        stamp = (site / "app.js").stat().st_mtime_ns
        (site / "app.js").write_bytes(b'"use strict"!')
        os.utime(site / "app.js", ns=(stamp + 1_000_000, stamp + 1_000_000))
        second = await client.get("/app.js", headers={"If-None-Match": old})
        assert second.status == 200
        assert await second.read() == b'"use strict"!'
        new = second.headers["ETag"]
        assert new != old
        (site / "app.js").write_bytes(b"const x = 1;")
        third = await client.get("/app.js", headers={"If-None-Match": new})
        assert third.status == 200
        assert await third.read() == b"const x = 1;"
        assert third.headers["ETag"] not in (old, new)
        cached = await client.get("/app.js", headers={"If-None-Match": third.headers["ETag"]})
        assert cached.status == 304
    assert reads == ["app.js"] * 3


async def test_a_file_replaced_with_its_old_time_and_size_is_read_again(site: Path) -> None:
    """``cp -p``, ``rsync -t`` or a rename over the file keep the size and modification time;
    the change time and the inode still tell the new file from the old."""
    async with _counted(site) as (client, reads):
        first = await client.get("/app.js")
        info = (site / "app.js").stat()
        replacement = site / "app.js.new"
        replacement.write_bytes(b"x" * info.st_size)
        os.utime(replacement, ns=(info.st_atime_ns, info.st_mtime_ns))
        os.replace(replacement, site / "app.js")
        assert (site / "app.js").stat().st_mtime_ns == info.st_mtime_ns
        second = await client.get("/app.js")
        assert await second.read() == b"x" * info.st_size
        assert second.headers["ETag"] != first.headers["ETag"]
    assert reads == ["app.js"] * 2


def test_bodies_keeps_nothing_of_a_file_that_changes_while_read(tmp_path: Path) -> None:
    path = tmp_path / "app.js"
    path.write_bytes(b"one")
    reads: list[bytes] = []

    def read(target: Path) -> bytes:
        content = target.read_bytes()
        reads.append(content)
        if len(reads) == 1:
            target.write_bytes(b"two, longer")
        return content

    bodies = web.Bodies(read)
    assert bodies.get(path).content == b"one"
    assert bodies.get(path) == web.Body(b"two, longer", web.etag_of(b"two, longer"))
    assert bodies.get(path).content == b"two, longer"
    assert reads == [b"one", b"two, longer"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
async def test_other_methods_get_405(client: ClientSession, method: str) -> None:
    response = await client.request(method, "/index.html", data=b"x")
    assert response.status == 405
    assert response.headers["Allow"] == "GET, HEAD"
    assert response.headers["Content-Security-Policy"] == web.INDEX_CSP


@pytest.mark.parametrize(
    "path",
    [
        "/nothing",
        "/vendor/",
        "/vendor",
        "/.hidden",
        "/link.txt",
        "/%2e%2e/outside.txt",
        "/vendor%2fhash.wasm",
        "/vendor%5Chash.wasm",
        "/app.js%00",
        "/%ff",
    ],
)
async def test_unknown_paths_get_a_tiny_404(client: ClientSession, path: str) -> None:
    response = await client.get(path)
    assert response.status == 404
    assert await response.read() == web.NOT_FOUND_BODY
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Security-Policy"] == web.INDEX_CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def _raw_get(port: int, target: str) -> bytes:
    """A GET with the request target exactly as given (no client normalises it)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


@pytest.mark.parametrize(
    "target",
    ["/../outside.txt", "/vendor/../../outside.txt", "/..%2foutside.txt", "/..\\outside.txt"],
)
async def test_traversal_on_the_wire(site: Path, target: str) -> None:
    async with web.serving("127.0.0.1", 0, site) as address:
        answer = await asyncio.to_thread(_raw_get, address.port, target)
    assert b"outside" not in answer.split(b"\r\n\r\n", 1)[1]
    assert answer.split(b" ", 2)[1] in (b"400", b"404")


async def test_mounted_under_a_prefix(site: Path) -> None:
    async with _served(site, "/companion/") as client:
        assert (await client.get("/companion/")).status == 200
        mini = await client.get("/companion/miniapp.html?lang=de")
        assert mini.headers["Content-Security-Policy"] == web.MINIAPP_CSP
        assert (await client.get("/companion/vendor/hash.wasm")).status == 200
        assert (await client.get("/index.html")).status == 404
        assert (await client.get("/")).status == 404
        bare = await client.get("/companion", allow_redirects=False)
        assert bare.status == 308
        assert bare.headers["Location"] == "companion/"


async def test_nothing_is_logged_for_a_request(
    client: ClientSession,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    for path in ("/miniapp.html?lang=secretquery", "/secretpath", "/%ff"):
        await client.get(path, headers={"X-Forwarded-For": "203.0.113.9"})
    await client.post("/secretpost")
    assert caplog.records == []
    out, err = capfd.readouterr()
    for word in ("secret", "203.0.113.9", "127.0.0.1", "GET", "miniapp"):
        assert word not in out + err


# --- reclaim web ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_reclaim_web_serves_the_page_and_stops_cleanly(site: Path, stop: signal.Signals) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECLAIM_", "TELEGRAM_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "web", "--port", str(port), "--root", str(site)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert (
            line.strip()
            == f"Serving the companion page on http://127.0.0.1:{port}/ (Ctrl-C stops it)"
        )
        status, body, headers = _get(f"http://127.0.0.1:{port}/")
        assert (status, body) == (200, FILES["index.html"])
        assert headers["Content-Security-Policy"] == web.INDEX_CSP
        status, body, headers = _get(f"http://127.0.0.1:{port}/miniapp.html?lang=en")
        assert (status, body) == (200, FILES["miniapp.html"])
        assert headers["Content-Security-Policy"] == web.MINIAPP_CSP
        assert _get(f"http://127.0.0.1:{port}/missing")[0] == 404
        proc.send_signal(stop)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    assert proc.returncode == 0
    assert out == ""
    assert err == ""


def test_reclaim_web_refuses_a_busy_port_in_one_line(site: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run_reclaim("web", "--port", str(port), "--root", str(site), timeout=30)
    assert done.returncode == 2
    assert done.stderr.startswith(f"reclaim: cannot listen on 127.0.0.1:{port}: ")
    assert len(done.stderr.strip().splitlines()) == 1


async def test_the_server_names_no_library(client: ClientSession) -> None:
    for path in ("/", "/missing"):
        response = await client.get(path)
        assert response.headers["Server"] == "reclaim"


def test_a_folder_without_the_page_is_not_served(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("x")
    problem = web.missing_page(tmp_path)
    assert problem == f"there is no page to serve: {tmp_path} has no miniapp.html"
    empty = tmp_path / "empty"
    assert web.missing_page(empty) == (
        f"there is no page to serve: {empty} has no index.html or miniapp.html"
    )
    done = run_reclaim("web", "--port", "0", "--root", str(empty), timeout=30)
    assert done.returncode == 2
    assert (
        done.stderr
        == f"reclaim: there is no page to serve: {empty} has no index.html or miniapp.html\n"
    )
