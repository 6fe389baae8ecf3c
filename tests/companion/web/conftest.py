"""Fixtures for the companion page: headless Chromium, a context that logs requests, a server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

import bot.companion
from tests import browser as chromium
from tests.companion.web.hashpage import serve


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """A headless Chromium for one test (skipped, saying why, where none can run)."""
    reason = chromium.missing_reason()
    if reason is not None:
        pytest.skip(reason)
    async with chromium.launched() as launched:
        yield launched


@pytest.fixture
async def context(browser: Any) -> AsyncIterator[tuple[Any, chromium.RequestLog]]:
    """A fresh browser context with every request recorded."""
    log = chromium.RequestLog()
    ctx = await browser.new_context()
    log.attach(ctx)
    try:
        yield ctx, log
    finally:
        await ctx.close()


WEB_ROOT = Path(bot.companion.__file__).resolve().parent / "web"
"""The page's folder inside the package, served as it is shipped."""


@pytest.fixture(scope="session")
def static_site() -> Iterator[str]:
    """The package's page folder on a loopback HTTP server, as a static host would serve it.

    Yields the base URL, ending in ``/``. No headers are added: a static host may send none,
    so the page must protect itself (its ``<meta>`` Content-Security-Policy).
    """
    with serve(WEB_ROOT) as base:
        yield base
