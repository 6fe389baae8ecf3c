"""Settings: one frozen object, read from the environment and an optional TOML file.

Environment variables win over the file (``RECLAIM_CONFIG``, default ``reclaim.toml`` in the
working directory if it exists). Secrets are only ever read from the environment or the data
directory, never from the TOML file, so it can be committed safely. The server secret itself
(``RECLAIM_SECRET`` or the file beside the database) is read by ``bot/secretfile.py``; only the
key derivation lives here.

Every problem comes back as one :class:`ConfigError` whose message is a single line fit for
``reclaim: <message>`` on stderr: a malformed or unreadable file, a value of the wrong type, an
unknown log level.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


class ConfigError(ValueError):
    """A setting is missing or malformed."""


def reason(exc: BaseException) -> str:
    """One line saying why ``exc`` happened (an OS error's text without its number)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


SINK_KINDS = ("hma", "webhook", "file")
"""Kinds of push partner: an HMA bank, a signed HTTPS webhook, a JSON Lines export folder."""


@dataclass(frozen=True, slots=True)
class SinkSettings:
    """One push partner (a ``[[partners]]`` table in the settings file).

    Attributes:
        name: the partner's public name; the bot tells people their codes go to it.
        kind: ``"hma"``, ``"webhook"`` or ``"file"``.
        url: HMA's base URL or the webhook's address (``hma`` and ``webhook``).
        bank: the HMA bank name (``hma``).
        secret_env: the environment variable holding the webhook's signing secret (never the
            secret itself: the settings file holds no secrets).
        path: the folder a ``file`` partner's exports are written to (default
            ``<data_dir>/exports/<name>``).
        dead_after_hours: how long a delivery is retried before it is given up as dead.
    """

    name: str
    kind: str
    url: str = ""
    bank: str = ""
    secret_env: str = ""
    path: Path | None = None
    dead_after_hours: float = 72.0


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable. Defaults run the console bot on ``./data``."""

    data_dir: Path = Path("data")
    database: Path | None = None
    default_language: str = "en"
    session_ttl_hours: float = 24.0
    max_items: int = 30
    flood_limit: int = 20
    flood_window: float = 30.0
    telegram_token: str | None = field(default=None, repr=False)
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_bot_username: str | None = None
    """The bot's @username, for the deep links printed for helplines."""
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = field(default=None, repr=False)
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    telegram_retry_backoff: float = 1.0
    matrix_homeserver: str | None = None
    """The homeserver's client address (``https://matrix.example.org``); None: no Matrix."""
    matrix_user_id: str | None = None
    matrix_access_token: str | None = field(default=None, repr=False)
    matrix_password: str | None = field(default=None, repr=False)
    matrix_device_name: str = "Reclaim"
    log_level: str = "INFO"
    cases_per_chat_per_day: int = 3
    cases_per_hour: int = 60
    public_url: str | None = None
    web_listen: str = "127.0.0.1"
    web_port: int = 8080
    web_root: Path | None = None
    partner_api_listen: str | None = None
    """``HOST:PORT`` the partner API listens on; None: no partner API."""
    sinks: tuple[SinkSettings, ...] = ()
    """Push partners, from the settings file's ``[[partners]]`` tables."""

    @property
    def database_path(self) -> Path:
        """The SQLite file (``<data_dir>/reclaim.sqlite3`` unless set)."""
        return self.database or self.data_dir / "reclaim.sqlite3"

    @property
    def page_url(self) -> str:
        """The companion page's public address (``<RECLAIM_PUBLIC_URL>companion/``), or ""."""
        if not self.public_url:
            return ""
        return self.public_url.rstrip("/") + PAGE_PATH

    @property
    def session_ttl(self) -> float:
        """Idle session lifetime in seconds."""
        return self.session_ttl_hours * 3600.0


_ENV: dict[str, tuple[str, type]] = {
    "RECLAIM_DATA_DIR": ("data_dir", Path),
    "RECLAIM_DB": ("database", Path),
    "RECLAIM_LANGUAGE": ("default_language", str),
    "RECLAIM_SESSION_TTL_HOURS": ("session_ttl_hours", float),
    "RECLAIM_MAX_ITEMS": ("max_items", int),
    "RECLAIM_FLOOD_LIMIT": ("flood_limit", int),
    "RECLAIM_FLOOD_WINDOW": ("flood_window", float),
    "RECLAIM_LOG_LEVEL": ("log_level", str),
    "TELEGRAM_BOT_TOKEN": ("telegram_token", str),
    "TELEGRAM_API_BASE_URL": ("telegram_api_base_url", str),
    "TELEGRAM_BOT_USERNAME": ("telegram_bot_username", str),
    "TELEGRAM_WEBHOOK_URL": ("telegram_webhook_url", str),
    "TELEGRAM_WEBHOOK_SECRET": ("telegram_webhook_secret", str),
    "TELEGRAM_WEBHOOK_LISTEN": ("telegram_webhook_listen", str),
    "TELEGRAM_WEBHOOK_PORT": ("telegram_webhook_port", int),
    "RECLAIM_CASES_PER_CHAT_PER_DAY": ("cases_per_chat_per_day", int),
    "RECLAIM_CASES_PER_HOUR": ("cases_per_hour", int),
    "TELEGRAM_RETRY_BACKOFF": ("telegram_retry_backoff", float),
    "MATRIX_HOMESERVER": ("matrix_homeserver", str),
    "MATRIX_USER_ID": ("matrix_user_id", str),
    "MATRIX_ACCESS_TOKEN": ("matrix_access_token", str),
    "MATRIX_PASSWORD": ("matrix_password", str),
    "MATRIX_DEVICE_NAME": ("matrix_device_name", str),
    "RECLAIM_PUBLIC_URL": ("public_url", str),
    "RECLAIM_WEB_LISTEN": ("web_listen", str),
    "RECLAIM_WEB_PORT": ("web_port", int),
    "RECLAIM_WEB_ROOT": ("web_root", Path),
    "RECLAIM_PARTNER_API_LISTEN": ("partner_api_listen", str),
}
PAGE_PATH = "/companion/"
"""Where the bot's own process serves the companion page, below the public address."""
_SECRET_FIELDS = {
    "telegram_token",
    "telegram_webhook_secret",
    "matrix_access_token",
    "matrix_password",
}


def _convert(name: str, kind: type, raw: Any) -> Any:
    try:
        return kind(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name}: {raw!r} is not a valid {kind.__name__}") from exc


def load_settings(env: Mapping[str, str] | None = None, path: Path | None = None) -> Settings:
    """Build settings from a TOML file (optional) and the environment.

    Raises:
        ConfigError: the file is unreadable or malformed, a value has the wrong type or an
            unknown log level, or the file sets a secret.
    """
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    config_path = path or Path(env.get("RECLAIM_CONFIG", "reclaim.toml"))
    if config_path.exists():
        table = _read_toml(config_path)
        known = {f for f, _ in _ENV.values()}
        for key, raw in table.items():
            if key == "partners":
                values["sinks"] = _sinks(raw, config_path)
                continue
            if key in _SECRET_FIELDS:
                raise ConfigError(f"{key} must come from the environment, not {config_path}")
            if key not in known:
                raise ConfigError(f"unknown setting {key!r} in {config_path}")
            kind = next(k for f, k in _ENV.values() if f == key)
            values[key] = _convert(key, kind, raw)
    for name, (attr, kind) in _ENV.items():
        raw = env.get(name)
        if raw:
            values[attr] = _convert(name, kind, raw)
    settings = Settings(**values)
    if settings.public_url:
        _check_public_url(settings.public_url)
    if settings.partner_api_listen:
        _check_listen(settings.partner_api_listen)
    if not isinstance(logging.getLevelName(settings.log_level.upper()), int):
        raise ConfigError(f"log level {settings.log_level!r} is not one of {', '.join(_LEVELS)}")
    return settings


_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SINK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,59}")
"""A partner's public name: push partners here, and feed partners (``bot/relay/partners.py``)."""
_SINK_FIELDS = {f.name for f in fields(SinkSettings)}


def _sinks(raw: Any, path: Path) -> tuple[SinkSettings, ...]:
    """The ``[[partners]]`` tables, checked."""
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise ConfigError(f"partners in {path} must be [[partners]] tables")
    sinks: list[SinkSettings] = []
    for table in raw:
        name = table.get("name")
        where = f"partner {name!r} in {path}"
        if not isinstance(name, str) or not SINK_NAME.fullmatch(name):
            raise ConfigError(f"every [[partners]] table in {path} needs a plain name")
        unknown = set(table) - _SINK_FIELDS
        if unknown:
            raise ConfigError(f"{where}: unknown setting {sorted(unknown)[0]!r}")
        if any(s.name.casefold() == name.casefold() for s in sinks):
            raise ConfigError(f"{where}: the name is used twice")
        kind = table.get("kind")
        if kind not in SINK_KINDS:
            raise ConfigError(f"{where}: kind must be one of {', '.join(SINK_KINDS)}")
        for key in ("url", "bank", "secret_env", "path"):
            if key in table and not isinstance(table[key], str):
                raise ConfigError(f"{where}: {key} must be a string")
        url = str(table.get("url", ""))
        if kind in ("hma", "webhook"):
            _check_sink_url(kind, url, where)
        if kind == "hma" and not table.get("bank"):
            raise ConfigError(f"{where}: an hma partner needs the bank to add hashes to")
        if kind == "webhook" and not table.get("secret_env"):
            raise ConfigError(
                f"{where}: a webhook needs secret_env, the environment variable with its secret"
            )
        hours = table.get("dead_after_hours", 72.0)
        if isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0:
            raise ConfigError(f"{where}: dead_after_hours must be a positive number")
        folder = table.get("path")
        sinks.append(
            SinkSettings(
                name=name,
                kind=kind,
                url=url,
                bank=str(table.get("bank", "")),
                secret_env=str(table.get("secret_env", "")),
                path=Path(folder) if folder else None,
                dead_after_hours=float(hours),
            )
        )
    return tuple(sinks)


def _check_sink_url(kind: str, url: str, where: str) -> None:
    """An HMA bank's or a webhook's address: http(s) with a host; a webhook's only over HTTPS,
    or plain HTTP to this machine (``localhost``, 127.0.0.0/8, ``::1``), so hashes and
    signatures cross no network unencrypted."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError as exc:
        raise ConfigError(f"{where}: url {url!r} is not a web address") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigError(f"{where}: url must be an http:// or https:// address with a host")
    if kind == "webhook" and parts.scheme != "https" and not _loopback(host):
        raise ConfigError(
            f"{where}: a webhook's url must be an https:// address "
            "(http:// is allowed only to a loopback address such as 127.0.0.1)"
        )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_listen(value: str) -> None:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"RECLAIM_PARTNER_API_LISTEN {value!r} must be HOST:PORT")


def _check_public_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError as exc:
        raise ConfigError(f"RECLAIM_PUBLIC_URL {url!r} is not a web address") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"RECLAIM_PUBLIC_URL {url!r} must start with https:// and name a host")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError(f"RECLAIM_PUBLIC_URL {url!r} must be a plain address (no ?, # or @)")


def mini_app_problem(settings: Settings) -> str | None:
    """Why Telegram can't open the page as a Mini App with these settings (one line), if so."""
    if settings.public_url and urlsplit(settings.public_url).scheme != "https":
        return (
            f"RECLAIM_PUBLIC_URL {settings.public_url!r} must start with https://: "
            "Telegram opens Mini Apps only over HTTPS (see deploy/reverse-proxy.md)"
        )
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {reason(exc)}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {reason(exc)}") from exc


def derive_key(secret: bytes, purpose: str) -> bytes:
    """A separate key for each purpose, so one use can't be turned against another."""
    return hmac.new(secret, b"reclaim/" + purpose.encode(), hashlib.sha256).digest()
