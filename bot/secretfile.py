"""The data directory and the server secret kept in it.

Belongs here: making the directory that holds the database private (created 0700; Reclaim's
own files in it tightened to 0600), reading the secret file and writing a new one safely.
Does not belong here: deciding whether a secret belongs to a database (``cases/keycheck.py``),
deriving keys from it (``config.derive_key``), and the rest of the settings (``config.py``).

Design choices:

* The secret lives **beside the database** (``<directory of the database>/secret.key``), not in
  the working directory: ``reclaim console --db X`` run from anywhere finds the secret of X
  instead of making a new one that would leave every case of X unreachable.
* A new secret is written to a temporary file, flushed to disk, and only then linked to its
  name (``os.link`` refuses to replace an existing file, so two processes starting together
  agree on one secret). A crash half-way leaves at most a stray temporary file, never an empty
  ``secret.key``.
* A secret file that is empty, short or unreadable stops the start: using it would turn the
  session keys and the PIN pepper into constants anyone can compute.
* A directory Reclaim did not make may be shared (``--db /tmp/x.sqlite3``), so a loose mode on
  it is tightened only when it holds nothing but Reclaim's files; otherwise it is reported.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from bot.cases.keycheck import Verdict, check_database
from bot.cases.sessions import sessions_path
from bot.config import ConfigError, reason
from bot.relay.files import RELAY_SUFFIXES

log = logging.getLogger(__name__)

SECRET_FILE: Final = "secret.key"
SECRET_ENV: Final = "RECLAIM_SECRET"
MIN_SECRET_BYTES: Final = 32
"""The shortest secret accepted, from the file or ``RECLAIM_SECRET``."""
_TEMP_PREFIX: Final = ".secret.key."
_DATABASE_SUFFIXES: Final = ("", "-wal", "-shm", "-journal")
_OUR_FOLDERS: Final = ("exports", "matrix")
"""Folders Reclaim makes in the data directory: the JSON Lines sink's (``bot/relay/sinks``)
and the Matrix login and crypto store (``bot/transports/matrix_state.py``)."""


class SecretError(ConfigError):
    """The secret file or the data directory cannot be used safely."""


def secret_path(database: Path) -> Path:
    """Where the secret of ``database`` lives: beside it."""
    return database.parent / SECRET_FILE


async def load_secret(database: Path, env: Mapping[str, str]) -> bytes:
    """The server secret for ``database``, checked against the database's key check.

    ``RECLAIM_SECRET`` if set, else the secret file beside the database; a new secret file is
    written only for a database that has never been used. Prepares the directory first (see
    :func:`prepare_directory`).

    Raises:
        SecretError: the secret is unusable, missing for a used database, or not the one the
            database was made with.
        OSError, sqlite3.Error, RuntimeError: the database cannot be opened.
    """
    prepare_directory(database.parent, database.name)
    path = secret_path(database)
    secret = configured_secret(env)
    source = SECRET_ENV if secret is not None else f"the secret file {path}"
    if secret is None:
        secret = read_secret(path)
    verdict = await check_database(database, secret)
    if verdict is Verdict.NEW_DATABASE:
        secret = create_secret(path)
        verdict = await check_database(database, secret)
    if verdict is Verdict.SECRET_MISSING:
        raise SecretError(
            f"{database} has been used, but its secret file {path} is missing: restore it "
            "(a new secret could not open any of its cases)"
        )
    if verdict is Verdict.WRONG_SECRET:
        raise SecretError(
            f"{source} is not the secret {database} was made with: restore the right one "
            "(with this one, none of its cases could be opened)"
        )
    assert secret is not None
    assert verdict is Verdict.MATCH
    return secret


def check_secret(value: bytes, source: str) -> bytes:
    """Return ``value`` if it is long enough to be a secret.

    Raises:
        SecretError: the value is empty or shorter than ``MIN_SECRET_BYTES``.
    """
    if not value:
        raise SecretError(f"{source} is empty")
    if len(value) < MIN_SECRET_BYTES:
        raise SecretError(f"{source} is too short ({len(value)} of {MIN_SECRET_BYTES}+ bytes)")
    return value


def configured_secret(env: Mapping[str, str]) -> bytes | None:
    """``RECLAIM_SECRET`` if set (it then wins over the file), else None.

    Raises:
        SecretError: it is shorter than ``MIN_SECRET_BYTES``.
    """
    configured = env.get(SECRET_ENV)
    if not configured:
        return None
    return check_secret(configured.encode(), SECRET_ENV)


def read_secret(path: Path) -> bytes | None:
    """The secret in ``path``, or None if there is no such file.

    Raises:
        SecretError: the file is unreadable, empty or too short.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SecretError(f"cannot read the secret file {path}: {reason(exc)}") from exc
    return check_secret(raw.strip(), f"the secret file {path}")


def create_secret(path: Path) -> bytes:
    """Write a new random secret to ``path`` (mode 0600) and return it.

    If another process wrote ``path`` first, its secret is returned instead.

    Raises:
        SecretError: the file cannot be written, or the one found is unusable.
    """
    value = secrets.token_hex(32).encode()
    temp = path.with_name(f"{_TEMP_PREFIX}{os.getpid()}.{secrets.token_hex(4)}")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(value)
                handle.flush()
                os.fsync(handle.fileno())
            os.link(temp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
    except FileExistsError:
        found = read_secret(path)
        if found is None:  # pragma: no cover - created and removed between two calls
            raise SecretError(f"the secret file {path} vanished while starting") from None
        return found
    except OSError as exc:
        raise SecretError(f"cannot write the secret file {path}: {reason(exc)}") from exc
    _sync_directory(path.parent)
    return value


def prepare_directory(directory: Path, database_name: str) -> None:
    """Make sure the directory holding the database exists and is private.

    A missing directory is created with mode 0700. The secret file and the database files in
    it are tightened to 0600 if looser. A looser directory is tightened when it holds only
    those files, and reported in the log otherwise.

    Raises:
        SecretError: the directory cannot be created, read or entered.
    """
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        names = os.listdir(directory)
    except OSError as exc:
        problem = reason(exc)
        raise SecretError(f"cannot use the data directory {directory}: {problem}") from exc
    sessions = Path(sessions_path(directory / database_name)).name
    ours = {
        SECRET_FILE,
        *(database_name + suffix for suffix in _DATABASE_SUFFIXES),
        *(sessions + suffix for suffix in _DATABASE_SUFFIXES),
        *(database_name + suffix for suffix in RELAY_SUFFIXES),
    }
    for name in sorted(ours.intersection(names)):
        _tighten(directory / name, 0o600)
    if _is_loose(directory) and all(
        n in ours or n in _OUR_FOLDERS or n.startswith(_TEMP_PREFIX) for n in names
    ):
        _tighten(directory, 0o700)
    elif _is_loose(directory):
        log.warning(
            "the data directory %s can be read by other users (mode %o); "
            "keep the database in a folder only its owner can open",
            directory,
            stat.S_IMODE(directory.stat().st_mode),
        )


def _is_loose(path: Path) -> bool:
    return bool(path.stat().st_mode & 0o077)


def _tighten(path: Path, mode: int) -> None:
    current = stat.S_IMODE(path.lstat().st_mode)
    if stat.S_ISLNK(path.lstat().st_mode) or not current & 0o077:
        return
    try:
        os.chmod(path, mode)
    except OSError as exc:
        log.warning("%s can be read by other users (mode %o): %s", path, current, reason(exc))
        return
    log.warning("%s could be read by other users (mode %o); now %o", path, current, mode)


def _sync_directory(directory: Path) -> None:
    """Make a new name in ``directory`` survive a power cut (best effort)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
