"""Shared fixtures for the companion tests: no network, files in a fresh folder, HEIC."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pillow_heif
import pytest


@pytest.fixture(autouse=True, scope="session")
def _heif_registered() -> None:
    """Let the tests save HEIC files too."""
    pillow_heif.register_heif_opener()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Make every attempt to create a socket fail loudly, and record the attempts."""
    attempts: list[tuple[Any, ...]] = []

    class BlockedSocket(socket.socket):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            attempts.append(args)
            raise OSError("network access is blocked in this test")

    def blocked(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network access is blocked in this test")

    monkeypatch.setattr(socket, "socket", BlockedSocket)
    monkeypatch.setattr(socket, "socketpair", blocked)
    monkeypatch.setattr(socket, "create_connection", blocked)
    monkeypatch.setattr(socket, "getaddrinfo", blocked)
    return attempts


@pytest.fixture
def make_file(tmp_path: Path) -> Callable[[str, bytes], Path]:
    """Write bytes to a file in a fresh folder and return its path."""

    def make(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    return make
