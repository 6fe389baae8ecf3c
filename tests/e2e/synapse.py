"""A real Synapse homeserver on loopback for the Matrix tests: installed, configured, started.

Synapse lives in its own cached virtual environment (``.synapse/venv`` at the top of the
repository, made by ``make synapse`` or here when missing), so its pinned dependencies never meet
the bot's. One homeserver serves a whole test session: sqlite, no TLS, no federation, no URL
previews, presence off, every rate limit relaxed, cheap password hashing, and only the client
listener on a free loopback port. Users are registered with the shared secret through the admin
API (a nonce, then an HMAC-SHA1 of nonce, name, password and admin flag).

Every HTTP request it serves is written to its access log, so a test can check that nothing
downloaded a piece of media (:meth:`Synapse.media_downloads`).

Where Synapse cannot be installed (no network, no package index) the tests that need it are
skipped with a reason that says how to install it.

What belongs here: installing, configuring, starting, stopping and registering users. What does
not: Matrix clients or the tests themselves.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
VENV = Path(os.environ.get("RECLAIM_SYNAPSE_VENV", ROOT / ".synapse" / "venv"))
SERVER_NAME = "localhost"
START_TIMEOUT = 60.0
INSTALL_TIMEOUT = 900.0
_RELAXED = {"per_second": 10_000, "burst_count": 100_000}
RATE_LIMITS = (
    "rc_message",
    "rc_registration",
    "rc_registration_token_validity",
    "rc_joins_per_room",
    "rc_key_requests",
    "rc_3pid_validation",
    "rc_admin_redaction",
    "rc_room_creation",
    "rc_media_create",
    "rc_reports",
    "rc_profile",
    "rc_user_directory",
    "rc_third_party_invite",
    "rc_delayed_event_mgmt",
)
"""Every ``rc_*`` key of Synapse's ``synapse/config/ratelimiting.py``; nested ones below.

``rc_federation`` is left out: there is no federation."""
_NESTED_LIMITS = {
    "rc_login": ("address", "account", "failed_attempts"),
    "rc_joins": ("local", "remote"),
    "rc_invites": ("per_room", "per_user", "per_issuer"),
    "rc_presence": ("per_user",),
}
_MEDIA_DOWNLOAD = re.compile(r"/(?:download|thumbnail)/")


def python() -> Path:
    """Synapse's interpreter in its own virtual environment."""
    return VENV / "bin" / "python"


def installed() -> bool:
    """Whether Synapse can be started from the cached environment."""
    if not python().exists():
        return False
    probe = subprocess.run(
        [str(python()), "-c", "import synapse.app.homeserver"],
        capture_output=True,
        check=False,
        timeout=120,
    )
    return probe.returncode == 0


def install() -> str | None:
    """Make the cached environment when missing; returns why it can't be, or None."""
    if installed():
        return None
    try:
        if not python().exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
        subprocess.run(
            [str(python()), "-m", "pip", "install", "--quiet", "matrix-synapse"],
            check=True,
            capture_output=True,
            timeout=INSTALL_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return (
            f"Synapse could not be installed into {VENV} ({type(exc).__name__}): run "
            "`make synapse` with network access, or set RECLAIM_SYNAPSE_VENV"
        )
    return None if installed() else f"Synapse in {VENV} does not start: run `make synapse`"


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def config(folder: Path, port: int, shared_secret: str) -> dict[str, object]:
    """Synapse's ``homeserver.yaml`` (as JSON, which YAML reads) for one test session."""
    limits: dict[str, object] = dict.fromkeys(RATE_LIMITS, _RELAXED)
    for key, parts in _NESTED_LIMITS.items():
        limits[key] = dict.fromkeys(parts, _RELAXED)
    return {
        "server_name": SERVER_NAME,
        "pid_file": str(folder / "homeserver.pid"),
        "signing_key_path": str(folder / "signing.key"),
        "media_store_path": str(folder / "media"),
        "log_config": str(folder / "log.yaml"),
        "database": {"name": "sqlite3", "args": {"database": str(folder / "homeserver.db")}},
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "report_stats": False,
        "trusted_key_servers": [],
        "federation_domain_whitelist": [],
        "url_preview_enabled": False,
        "enable_registration": False,
        "registration_shared_secret": shared_secret,
        "bcrypt_rounds": 4,
        "presence": {"enabled": False},
        "suppress_key_server_warning": True,
        "enable_metrics": False,
        **limits,
    }


def log_config(folder: Path) -> dict[str, object]:
    """Logging: the access log (every request) and warnings, in one file."""
    return {
        "version": 1,
        "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
        "handlers": {
            "file": {
                "class": "logging.FileHandler",
                "filename": str(folder / "homeserver.log"),
                "formatter": "plain",
            }
        },
        "loggers": {"synapse.access": {"level": "INFO"}},
        "root": {"level": "WARNING", "handlers": ["file"]},
        "disable_existing_loggers": False,
    }


@dataclass
class Synapse:
    """One running homeserver.

    Attributes:
        folder: its configuration, database, media and log.
        port: the client listener's port on 127.0.0.1.
        shared_secret: the registration secret.
    """

    folder: Path
    port: int
    shared_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The client API's base address."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        """Where every request is logged."""
        return self.folder / "homeserver.log"

    def write_config(self) -> Path:
        """Write the configuration and a signing key; returns the config file."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / "homeserver.yaml"
        path.write_text(json.dumps(config(self.folder, self.port, self.shared_secret)))
        (self.folder / "log.yaml").write_text(json.dumps(log_config(self.folder)))
        subprocess.run(
            [str(python()), "-m", "synapse.app.homeserver", "-c", str(path), "--generate-keys"],
            check=True,
            capture_output=True,
            cwd=self.folder,
        )
        return path

    def start(self) -> None:
        """Start the homeserver and wait until ``/health`` answers."""
        path = self.folder / "homeserver.yaml"
        if not path.exists():
            path = self.write_config()
        self.process = subprocess.Popen(
            [str(python()), "-m", "synapse.app.homeserver", "-c", str(path)],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "stderr.log").open("ab"),
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                errors = (self.folder / "stderr.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"Synapse exited at start-up:\n{errors}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("Synapse did not become healthy in time")

    def stop(self) -> None:
        """Stop the homeserver (SIGTERM, then SIGKILL if it lingers)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        """Stop and start again on the same port, with the same database."""
        self.stop()
        self.start()

    def register(self, name: str, password: str = "", *, admin: bool = False) -> Registered:
        """Register a user with the shared secret (the admin API's nonce and HMAC-SHA1)."""
        password = password or secrets.token_hex(8)
        endpoint = f"{self.url}/_synapse/admin/v1/register"
        with urllib.request.urlopen(endpoint, timeout=10) as answer:
            nonce = json.load(answer)["nonce"]
        mac = hmac.new(self.shared_secret.encode(), digestmod=hashlib.sha1)
        for part in (nonce, name, password, "admin" if admin else "notadmin"):
            mac.update(part.encode())
            if part != ("admin" if admin else "notadmin"):
                mac.update(b"\x00")
        body = {
            "nonce": nonce,
            "username": name,
            "password": password,
            "admin": admin,
            "mac": mac.hexdigest(),
        }
        request = urllib.request.Request(
            endpoint,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            made = json.load(answer)
        return Registered(made["user_id"], password, made["access_token"], made["device_id"])

    def client_api(self, token: str, method: str, path: str, body: object = None) -> Any:
        """One client API call as ``token``'s user; returns the JSON answer."""
        request = urllib.request.Request(
            f"{self.url}/_matrix/client/v3/{path}",
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method=method,
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.load(answer)

    def joined_rooms(self, token: str) -> set[str]:
        """The rooms ``token``'s user is in."""
        return set(self.client_api(token, "GET", "joined_rooms")["joined_rooms"])

    def join(self, token: str, room_id: str) -> None:
        """Join a room as ``token``'s user (behind the bot's back, for a test)."""
        self.client_api(token, "POST", f"join/{urllib.parse.quote(room_id)}", {})

    def media_downloads(self) -> list[str]:
        """Access-log lines of media downloads or thumbnails (of anyone)."""
        if not self.log_path.exists():
            return []
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [line for line in lines if "synapse.access" in line and _MEDIA_DOWNLOAD.search(line)]

    def requests_logged(self) -> int:
        """How many requests the access log holds (a check that logging works)."""
        if not self.log_path.exists():
            return 0
        return sum("synapse.access" in line for line in self.log_path.read_text().splitlines())


@dataclass(frozen=True, slots=True)
class Registered:
    """A user made on the test homeserver."""

    user_id: str
    password: str
    access_token: str
    device_id: str


def missing_reason() -> str | None:
    """Why Synapse can't run here (installing it first if needed), or None when it can."""
    if shutil.which("python3") is None and not Path(sys.executable).exists():
        return "no Python to make Synapse's environment with"
    return install()
