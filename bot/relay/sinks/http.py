"""What the HTTP sinks share: one client session per sink and how a failed exchange is named.

Belongs here: opening the aiohttp session lazily (it needs the running event loop) with the
sink's timeouts, and turning the errors an exchange can end in into a short reason for the
logs. Does not belong here: any sink's requests (``hma.py``, ``webhook.py``).

Reasons name the kind of failure (``timeout``, ``refused``, the error's type) and never a URL's
query, a body, or a hash value.
"""

from __future__ import annotations

import asyncio

import aiohttp

from bot.relay.sinks import HttpTimeouts

__all__ = ["FAILURES", "ClientHolder", "failure_reason"]

FAILURES = (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError)
"""What a send may end in that is the sink's fault (ValueError: a body that is not JSON)."""


class ClientHolder:
    """An aiohttp session opened on first use and closed by :meth:`close`."""

    def __init__(self, timeouts: HttpTimeouts) -> None:
        self._timeouts = timeouts
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        """The session, opened now if need be (call inside the running event loop)."""
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(
                total=self._timeouts.total, sock_connect=self._timeouts.connect
            )
            self._session = aiohttp.ClientSession(timeout=timeout, raise_for_status=False)
        return self._session

    async def close(self) -> None:
        """Close the session, if one was opened."""
        if self._session is not None:
            await self._session.close()
            self._session = None


def failure_reason(exc: BaseException) -> str:
    """A few words saying how an exchange failed."""
    if isinstance(exc, asyncio.TimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "refused"
    return type(exc).__name__
