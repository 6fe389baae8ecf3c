"""Headless Chromium for the companion page's tests: where it is, how it starts, what it fetched.

The page is tested in the browser people use, not a simulation: Debian's ``chromium`` driven by
Playwright (the Python package, given ``executable_path`` so it never downloads a browser of its
own). ``make test`` installs Chromium when it is missing and it can (as root); elsewhere the tests
that need it are skipped with a reason that says how to install it.

What belongs here: finding and launching the browser, and recording the requests a page makes.
What does not: serving the page (``bot.web`` or the fixtures), the tests themselves.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

CHROMIUM = os.environ.get("RECLAIM_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Without the background-networking flags Chromium keeps trying to reach Google's hosts."""


def missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is missing: run `make test`, which installs it"
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return (
            f"Chromium is not at {CHROMIUM}: `make test` installs it as root "
            "(apt-get install chromium), or set RECLAIM_CHROMIUM"
        )
    return None


@asynccontextmanager
async def launched() -> AsyncIterator[Any]:
    """A fresh headless Chromium (a Playwright ``Browser``), closed afterwards."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=list(LAUNCH_ARGS), headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class RequestLog:
    """Every request a page (and its workers) made, in order: ``(method, url, has_body)``."""

    requests: list[tuple[str, str, bool]] = field(default_factory=list)

    def attach(self, context: Any) -> None:
        """Record every request of a Playwright ``BrowserContext`` from now on."""
        context.on("request", self._record)

    def _record(self, request: Any) -> None:
        self.requests.append((request.method, request.url, request.post_data_buffer is not None))

    def mark(self) -> int:
        """A position to compare against later: requests after it are the new ones."""
        return len(self.requests)

    def since(self, mark: int) -> list[tuple[str, str, bool]]:
        """The requests made after ``mark``."""
        return self.requests[mark:]
