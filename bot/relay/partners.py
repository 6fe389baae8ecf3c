"""Partners who fetch the hash feed: registering them, their keys, revoking, and checking keys.

Belongs here: the SQL on ``partners``, run inside a transaction the caller holds, making and
checking the two keys each partner gets, and the credentials line they paste into their tools.
Does not belong here: printing and argument parsing (``partner_cli.py``), HTTP (``server.py``),
and push partners, which live in the settings file (``bot/config.py``).

A partner gets two random keys, in the shape StopNCII.org's clients send them: a function key
(``x-functions-key``) and a subscription key (``Ocp-Apim-Subscription-Key``). One function key
serves every endpoint of that partner. Only HMAC-SHA256 of each key, under a key derived from
the server secret (``KEY_PURPOSE``), is stored; the keys themselves are shown once, when the
partner is added. A revoked partner keeps its row, so its name stays taken and its keys stop
working at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

import aiosqlite

from bot.config import SINK_NAME

__all__ = [
    "KEY_PURPOSE",
    "Credentials",
    "FeedPartner",
    "Partner",
    "PartnerError",
    "add",
    "authenticate",
    "base_path_of",
    "key_hash",
    "list_",
    "revoke",
]

KEY_PURPOSE: Final = "partner-keys"
"""What ``derive_key(secret, ...)`` is given for the key that hashes partners' keys."""


class PartnerError(ValueError):
    """A partner cannot be added or revoked; the message is one line for the operator."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a new partner is given, once.

    Attributes:
        name: the partner's public name.
        fetch_function_key: sent as ``x-functions-key`` (every endpoint).
        subscription_key: sent as ``Ocp-Apim-Subscription-Key``.
        base_url: the address the partner's client calls, without a trailing slash.
    """

    name: str
    fetch_function_key: str
    subscription_key: str
    base_url: str

    def credentials_line(self) -> str:
        """``FETCH_FUNCTION_KEY,SUBSCRIPTION_KEY,BASE_URL``, as ``TX_STOPNCII_KEYS`` reads it."""
        return f"{self.fetch_function_key},{self.subscription_key},{self.base_url}"


@dataclass(frozen=True, slots=True)
class Partner:
    """A registered partner as the operator sees it (no keys).

    Attributes:
        name: the public name.
        base_path: the path its endpoints live under (``/v1``), or ``""``.
        created_on: the UTC date it was added (``YYYY-MM-DD``).
        revoked_on: the UTC date it was revoked, or None.
    """

    name: str
    base_path: str
    created_on: str
    revoked_on: str | None

    @property
    def active(self) -> bool:
        """Whether its keys work."""
        return self.revoked_on is None


@dataclass(frozen=True, slots=True)
class FeedPartner:
    """The partner a request's keys belong to.

    Attributes:
        id: its row id.
        name: its public name (deliveries and feedback are kept under it).
    """

    id: int
    name: str


def key_hash(key: bytes, value: str) -> bytes:
    """The stored form of a partner's key: HMAC-SHA256 under ``key``."""
    return hmac.new(key, value.encode(), hashlib.sha256).digest()


def base_path_of(base_url: str) -> str:
    """The path of a partner's base URL without its trailing slash (``"/v1"``, or ``""``).

    Raises:
        PartnerError: the URL is not a plain http(s) address, or holds a comma (the
            credentials line is comma-separated).
    """
    try:
        parts = urlsplit(base_url)
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError as exc:
        raise PartnerError(f"{base_url!r} is not a web address") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PartnerError(f"the base URL {base_url!r} must be an http(s) address with a host")
    if parts.query or parts.fragment or parts.username or parts.password or "," in base_url:
        raise PartnerError(f"the base URL {base_url!r} must be a plain address (no ?, #, @ or ,)")
    return parts.path.rstrip("/")


async def add(
    db: aiosqlite.Connection,
    name: str,
    base_url: str,
    key: bytes,
    today: str,
    *,
    reserved: Collection[str] = (),
) -> Credentials:
    """Register a partner and make its keys, inside the caller's transaction.

    Args:
        db: a connection in a transaction (``Store.transaction()``).
        name: the public name (the rule push partners' names follow, ``bot.config.SINK_NAME``).
        base_url: where the partner's client will call, e.g. ``https://feed.example.org/v1``.
        key: ``derive_key(secret, KEY_PURPOSE)``.
        today: the UTC date (``YYYY-MM-DD``).
        reserved: other names already taken (the push partners in the settings file).

    Returns:
        The credentials; the keys exist nowhere else in clear.

    Raises:
        PartnerError: the name is not plain, is taken (ignoring case), or the URL is unusable.
    """
    if not SINK_NAME.fullmatch(name):
        raise PartnerError(
            f"{name!r} is not a plain name (letters, digits, space, '.', '_', '-'; up to 60)"
        )
    path = base_path_of(base_url)
    if any(name.casefold() == other.casefold() for other in reserved):
        raise PartnerError(f"{name!r} is already the name of a push partner in the settings")
    taken = await db.execute_fetchall(
        "SELECT 1 FROM partners WHERE name = ? COLLATE NOCASE LIMIT 1", (name,)
    )
    if taken:
        raise PartnerError(f"a partner named {name!r} exists already (names stay taken)")
    function_key, subscription_key = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    await db.execute(
        "INSERT INTO partners (name, base_path, function_key_hash, subscription_key_hash, "
        "created_on) VALUES (?, ?, ?, ?, ?)",
        (name, path, key_hash(key, function_key), key_hash(key, subscription_key), today),
    )
    return Credentials(name, function_key, subscription_key, base_url.rstrip("/"))


async def list_(db: aiosqlite.Connection) -> list[Partner]:
    """Every partner ever added, oldest first."""
    rows = await db.execute_fetchall(
        "SELECT name, base_path, created_on, revoked_on FROM partners ORDER BY id"
    )
    return [Partner(str(r[0]), str(r[1]), str(r[2]), r[3]) for r in rows]


async def revoke(db: aiosqlite.Connection, name: str, today: str) -> bool:
    """Stop a partner's keys working (its name stays taken).

    Returns:
        True if it was active; False if it was revoked already.

    Raises:
        PartnerError: no partner has that name.
    """
    found = await db.execute_fetchall(
        "SELECT id, revoked_on FROM partners WHERE name = ? COLLATE NOCASE", (name,)
    )
    rows = list(found)
    if not rows:
        raise PartnerError(f"there is no partner named {name!r}")
    partner_id, revoked_on = rows[0]
    if revoked_on is not None:
        return False
    await db.execute("UPDATE partners SET revoked_on = ? WHERE id = ?", (today, partner_id))
    return True


async def authenticate(
    db: aiosqlite.Connection,
    key: bytes,
    function_key: str,
    subscription_key: str,
    base_path: str,
) -> FeedPartner | None:
    """The active partner these keys belong to, if they were sent to its own base path.

    The function key's keyed hash finds the row (an index lookup on a value no caller can
    aim at); the subscription key and the path are then compared in constant time.
    """
    if not function_key or not subscription_key:
        return None
    rows = await db.execute_fetchall(
        "SELECT id, name, base_path, subscription_key_hash FROM partners "
        "WHERE function_key_hash = ? AND revoked_on IS NULL",
        (key_hash(key, function_key),),
    )
    found = list(rows)
    if not found:
        return None
    partner_id, name, path, stored = found[0]
    same_key = hmac.compare_digest(bytes(stored), key_hash(key, subscription_key))
    same_path = hmac.compare_digest(str(path).encode(), base_path.encode())
    return FeedPartner(int(partner_id), str(name)) if same_key and same_path else None
