"""Shared fixtures for the hash type and hash code tests."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from bot.hashes.items import HashItem, ItemKind
from tests.hashes.strategies import HEX


@pytest.fixture
def random_hex() -> Callable[[int], str]:
    """A seeded source of random lowercase hex strings (repeatable runs)."""
    rng = random.Random(20240301)

    def make(length: int) -> str:
        return "".join(rng.choice(HEX) for _ in range(length))

    return make


@pytest.fixture
def full_image(random_hex: Callable[[int], str]) -> Callable[[], HashItem]:
    """Factory of picture items carrying all four hashes."""

    def make() -> HashItem:
        return HashItem(
            kind=ItemKind.IMAGE,
            hashes=(
                ("pdq", random_hex(64)),
                ("md5", random_hex(32)),
                ("phash", random_hex(16)),
                ("dhash", random_hex(16)),
            ),
        )

    return make
