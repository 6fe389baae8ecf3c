"""What the Matrix transport keeps in the data directory, and nothing else.

``<data dir>/matrix/`` (mode 0700) holds:

- ``login.json`` (0600): the bot's user id, its device id and, after a password login, the
  access token the homeserver gave, so a restart logs in as the same device;
- ``sync-token`` (0600): where the last handled sync ended, so a restart resumes there and never
  answers a message twice;
- the crypto store matrix-nio keeps (``<user>_<device>.db``): the device's own keys and the
  keys of the encrypted chats. Lose it and the bot can no longer read the encrypted rooms it
  was in; back it up with the database.

Every file is written whole or not at all (a temporary file, flushed, then renamed). Nothing
here knows a person: no room id, no user id but the bot's own.

What does not belong here: talking to the homeserver (``matrix.py``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

FOLDER = "matrix"
LOGIN_FILE = "login.json"
SYNC_FILE = "sync-token"


@dataclass(frozen=True, slots=True)
class Login:
    """How the bot logged in last time.

    Attributes:
        user_id: the bot's own user id.
        device_id: its device (the crypto store belongs to it).
        access_token: the token a password login gave ("" when it comes from the environment).
    """

    user_id: str
    device_id: str
    access_token: str = ""


class StateDir:
    """The transport's folder in the data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FOLDER

    def ensure(self) -> Path:
        """Create the folder (0700) if missing and tighten it if looser; returns it."""
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.path.stat().st_mode & 0o077:
            self.path.chmod(0o700)
        return self.path

    def load_login(self, user_id: str) -> Login | None:
        """The saved login for ``user_id``, or None (none saved, unreadable, another account)."""
        try:
            raw = json.loads((self.path / LOGIN_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(raw, dict) or raw.get("user_id") != user_id:
            return None
        device = raw.get("device_id")
        token = raw.get("access_token", "")
        if not isinstance(device, str) or not device or not isinstance(token, str):
            return None
        return Login(user_id, device, token)

    def save_login(self, login: Login) -> None:
        """Keep the login (the token only when it did not come from the environment)."""
        body = {"user_id": login.user_id, "device_id": login.device_id}
        if login.access_token:
            body["access_token"] = login.access_token
        self._write(LOGIN_FILE, json.dumps(body))

    def forget_token(self) -> None:
        """Drop a saved access token the homeserver no longer accepts (keep the device)."""
        path = self.path / LOGIN_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(raw, dict) and "access_token" in raw:
            del raw["access_token"]
            self._write(LOGIN_FILE, json.dumps(raw))

    def load_sync_token(self) -> str | None:
        """Where the last handled sync ended, or None before the first one."""
        try:
            token = (self.path / SYNC_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return token or None

    def save_sync_token(self, token: str) -> None:
        """Record that everything up to ``token`` was handled."""
        self._write(SYNC_FILE, token)

    def _write(self, name: str, text: str) -> None:
        self.ensure()
        final = self.path / name
        temporary = self.path / f".{name}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, final)
