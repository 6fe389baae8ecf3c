"""The companion page's server: the files of ``bot/companion/web/``, and nothing else.

What belongs here: which request paths name a file (:func:`site_files`, :func:`file_for`), the
headers each file is sent with (:func:`headers_for`), both pure, and a thin aiohttp server
around them (:func:`build_app`, :class:`PageServer`, :func:`serving`) used by ``reclaim web``
and by the bot's own process when ``RECLAIM_PUBLIC_URL`` is set. What does not: the page
itself (HTML, scripts, words), and the address people are given (``Settings.page_url``).

The files are listed once, when the server starts: a request can only ever reach a name in
that list, so no path (``..``, encoded slashes, backslashes, NUL) can leave the folder, and
folders are never listed. Only GET and HEAD are answered (others get 405). Every answer carries
the page's Content-Security-Policy (the Mini App entries' own policy for ``miniapp.html`` and
``request-miniapp.html``, which Telegram shows in a frame and which load Telegram's script) and
the other protective headers. ETags let a browser revalidate without downloading a file again.

Each file is read and hashed once per version (:class:`Bodies`, keyed by path, size,
modification and change times, and inode) and then answered from memory: the page is a few megabytes
in all, and without this every request would read and hash the file again (the libheif bundle
alone is 2 MB). A file changed on disk is read afresh on its next request.

Privacy: there is no access log, and nothing here writes an address, a path or a query string
anywhere (aiohttp's own error lines are cut down to the error's type).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from aiohttp import web

import bot.companion
from bot.config import PAGE_PATH, ConfigError, Settings, reason

log = logging.getLogger(__name__)

WEB_ROOT = Path(bot.companion.__file__).resolve().parent / "web"
"""The page's folder inside the package."""
INDEX = "index.html"
MINIAPP = "miniapp.html"
MINI_APPS = frozenset({MINIAPP, "request-miniapp.html"})
"""The entries Telegram opens as Mini Apps: the hashing page and the request composer."""
PAGE_PREFIX = PAGE_PATH
"""Where the bot's own process serves the page (``reclaim web`` serves it at ``/``)."""

_COMMON_CSP = (
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob: data:",
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
)
INDEX_CSP = "; ".join((*_COMMON_CSP, "frame-ancestors 'none'"))
"""The policy of every file but the Mini App entry."""
MINIAPP_CSP = "; ".join(
    (_COMMON_CSP[0], "script-src 'self' 'wasm-unsafe-eval' https://telegram.org", *_COMMON_CSP[2:])
)
"""The Mini App entry's policy: Telegram's script allowed, and no frame-ancestors (Telegram's
web clients show Mini Apps in a frame)."""

CONTENT_TYPES: Mapping[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}
ASSET_CACHE = "public, max-age=300"
"""Scripts, styles and the like: five minutes, then revalidated by ETag."""
HTML_CACHE = "no-cache"
"""Entries are always revalidated, so a new version's scripts are picked up at once."""
ALLOW = "GET, HEAD"
SERVER_NAME = "reclaim"
NOT_FOUND_BODY = b"Not found\n"
_FORBIDDEN_IN_PATH = ("\\", "\x00")


# --- pure: paths and headers -------------------------------------------------------------------


def site_files(root: Path) -> dict[str, Path]:
    """Every file under ``root`` by its URL name (``"vendor/x.wasm"``).

    Hidden files and folders (``.name``) are left out, and so is anything whose real place is
    outside ``root`` (a symbolic link pointing out).
    """
    real_root = root.resolve()
    files: dict[str, Path] = {}
    if not real_root.is_dir():
        return files
    for path in sorted(real_root.rglob("*")):
        relative = path.relative_to(real_root)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if not path.resolve().is_relative_to(real_root):
            continue
        files[relative.as_posix()] = path
    return files


def file_for(raw_path: str, files: Mapping[str, Path], prefix: str = "/") -> str | None:
    """The name of the file a request's raw (still percent-encoded) path asks for, or None.

    ``prefix`` is where the page is mounted (``"/"`` or ``"/companion/"``). The prefix itself
    names ``index.html``; no other folder names anything (folders are never listed). A path
    holding an encoded slash, a backslash, NUL, an empty, ``.`` or ``..`` part names nothing.

    Raises:
        UnicodeDecodeError: the percent-encoded bytes are not UTF-8.
    """
    if not raw_path.startswith(prefix):
        return None
    rest = raw_path[len(prefix) :]
    if "%2f" in rest.lower() or "%5c" in rest.lower():
        return None
    name = unquote(rest, errors="strict") if "%" in rest else rest
    if any(char in name for char in _FORBIDDEN_IN_PATH):
        return None
    if name == "":
        name = INDEX
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    return name if name in files else None


def content_type(name: str) -> str:
    """The Content-Type for a file name."""
    dot = name.rfind(".")
    return CONTENT_TYPES.get(name[dot:].lower() if dot >= 0 else "", "application/octet-stream")


def security_headers(name: str | None) -> dict[str, str]:
    """Headers every answer carries; ``name`` is the file served (None for an error)."""
    miniapp = name in MINI_APPS
    headers = {
        "Content-Security-Policy": MINIAPP_CSP if miniapp else INDEX_CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    if not miniapp:
        # Telegram's web clients open the Mini App in a frame and talk to it across windows.
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
    return headers


def headers_for(name: str, etag: str) -> dict[str, str]:
    """Every header a file is sent with."""
    cache = HTML_CACHE if name.endswith(".html") else ASSET_CACHE
    return {
        **security_headers(name),
        "Content-Type": content_type(name),
        "Cache-Control": cache,
        "ETag": etag,
    }


def etag_of(body: bytes) -> str:
    """A strong ETag from a file's content."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def not_modified(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (or ``*``)."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags


def mount_prefix(prefix: str) -> str:
    """A mount prefix in its one form: leading and trailing ``/`` (``"/"`` for the top)."""
    inner = prefix.strip("/")
    return f"/{inner}/" if inner else "/"


# --- thin I/O: the aiohttp server --------------------------------------------------------------


class _OnlyErrorType(logging.Filter):
    """aiohttp's own error lines can hold the request line: keep their message and type only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.msg}: {type(record.exc_info[1]).__name__}"
        record.args = None
        record.exc_info = None
        record.exc_text = None
        return True


def _quiet_aiohttp() -> None:
    server_log = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, _OnlyErrorType) for f in server_log.filters):
        server_log.addFilter(_OnlyErrorType())


@dataclass(frozen=True, slots=True)
class Body:
    """One version of a file: its content and the ETag of that content."""

    content: bytes
    etag: str


Version = tuple[int, int, int, int, int]
"""Size, modification and change times, inode and device of a file (:func:`_version`)."""


def _version(path: Path) -> Version:
    """What tells a file's versions apart: its size first, then its modification and change
    times and which file it is (a copy that keeps the old time, or a rename over it, still
    changes the change time or the inode)."""
    info = path.stat()
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev


class Bodies:
    """Files' contents and ETags, read and hashed once per version of each file.

    A version is the file's path, size and ``mtime_ns``: a file rewritten on disk is read
    again on its next request. A file that changes while it is read is served as read but
    not kept.
    """

    def __init__(self, read: Callable[[Path], bytes] = Path.read_bytes) -> None:
        self._read = read
        self._kept: dict[Path, tuple[Version, Body]] = {}

    def get(self, path: Path) -> Body:
        """The current content of ``path`` and its ETag.

        Raises:
            OSError: the file can't be read.
        """
        version = _version(path)
        kept = self._kept.get(path)
        if kept is not None and kept[0] == version:
            return kept[1]
        content = self._read(path)
        body = Body(content, etag_of(content))
        if _version(path) == version and len(content) == version[0]:
            self._kept[path] = (version, body)
        else:
            self._kept.pop(path, None)
        return body


def _plain(status: int, extra: Mapping[str, str] | None = None) -> web.Response:
    body = NOT_FOUND_BODY if status == 404 else f"{status}\n".encode()
    headers = {
        **security_headers(None),
        "Content-Type": "text/plain; charset=utf-8",
        "Cache-Control": "no-store",
        **(extra or {}),
    }
    return web.Response(status=status, body=body, headers=headers)


def build_app(
    root: Path = WEB_ROOT, prefix: str = "/", bodies: Bodies | None = None
) -> web.Application:
    """An aiohttp application serving the files under ``root`` at ``prefix``.

    ``bodies`` holds what has been read of them (a new :class:`Bodies` by default).
    """
    _quiet_aiohttp()
    prefix = mount_prefix(prefix)
    files = site_files(root)
    read = bodies if bodies is not None else Bodies()

    async def handle(request: web.Request) -> web.StreamResponse:
        raw = request.rel_url.raw_path
        if prefix != "/" and raw == prefix.rstrip("/"):
            # Relative addresses in the page need the trailing slash.
            location = prefix.rstrip("/").rsplit("/", 1)[-1] + "/"
            return _plain(308, {"Location": location})
        if request.method not in ("GET", "HEAD"):
            return _plain(405, {"Allow": ALLOW})
        try:
            name = file_for(raw, files, prefix)
        except UnicodeDecodeError:
            name = None
        if name is None:
            return _plain(404)
        try:
            body = read.get(files[name])
        except OSError:
            return _plain(404)
        headers = headers_for(name, body.etag)
        if not_modified(request.headers.get("If-None-Match"), body.etag):
            del headers["Content-Type"]
            return web.Response(status=304, headers=headers)
        return web.Response(body=body.content, headers=headers)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    app.on_response_prepare.append(_name_server)
    return app


async def _name_server(request: web.Request, response: web.StreamResponse) -> None:
    """No library or Python version in the answer (aiohttp names both by default)."""
    response.headers["Server"] = SERVER_NAME


def missing_page(root: Path) -> str | None:
    """Why ``root`` is not a page that can be served (one line), or None if it is."""
    files = site_files(root)
    absent = [name for name in (INDEX, MINIAPP) if name not in files]
    if absent:
        return f"there is no page to serve: {root} has no {' or '.join(absent)}"
    return None


@dataclass(frozen=True, slots=True)
class Address:
    """Where a started server listens."""

    host: str
    port: int

    @property
    def url(self) -> str:
        """``http://host:port/``, with brackets around an IPv6 host."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"


class PageServer:
    """The page on its own listener."""

    def __init__(self, root: Path = WEB_ROOT, prefix: str = "/") -> None:
        self.root = root
        self.prefix = prefix
        self._runner: web.AppRunner | None = None

    async def start(self, host: str, port: int) -> Address:
        """Listen on ``host:port`` (port 0: a free one); returns the address taken.

        Raises:
            ConfigError: the folder holds no page (no ``index.html`` or ``miniapp.html``).
            OSError: the address can't be listened on.
        """
        problem = missing_page(self.root)
        if problem is not None:
            raise ConfigError(problem)
        runner = web.AppRunner(build_app(self.root, self.prefix), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        bound = runner.addresses[0] if runner.addresses else (host, port)
        return Address(host, int(bound[1]))

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@asynccontextmanager
async def serving(
    host: str, port: int, root: Path = WEB_ROOT, prefix: str = "/"
) -> AsyncIterator[Address]:
    """Serve the page while the block runs."""
    server = PageServer(root, prefix)
    address = await server.start(host, port)
    try:
        yield address
    finally:
        await server.stop()


@asynccontextmanager
async def page_for(settings: Settings) -> AsyncIterator[Address | None]:
    """The bot's own process serves the page while the block runs, if ``RECLAIM_PUBLIC_URL``
    is set: on ``RECLAIM_WEB_LISTEN:RECLAIM_WEB_PORT``, under ``/companion/``.

    Raises:
        ConfigError: the address can't be listened on (one line).
    """
    if not settings.public_url:
        yield None
        return
    root = settings.web_root or WEB_ROOT
    server = PageServer(root, PAGE_PREFIX)
    try:
        address = await server.start(settings.web_listen, settings.web_port)
    except OSError as exc:
        where = f"{settings.web_listen}:{settings.web_port}"
        raise ConfigError(
            f"cannot serve the companion page on {where} (RECLAIM_WEB_LISTEN, "
            f"RECLAIM_WEB_PORT): {reason(exc)}"
        ) from exc
    log.info("the companion page is served on port %d under %s", address.port, PAGE_PREFIX)
    try:
        yield address
    finally:
        await server.stop()
