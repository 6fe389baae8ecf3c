"""Fixtures for the companion page: a headless Chromium and a page context that logs requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests import browser as chromium


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
