"""Signed requests between Reclaim and push partners: HMAC-SHA256 over a timestamp and body.

Belongs here: the one signature format both directions use (Reclaim's webhook deliveries, and
match reports partners send to the partner API) and its check with a replay window. Pure code.

The header value is ``t=<unix seconds>,v1=<hex>``, where ``<hex>`` is HMAC-SHA256 under the
partner's secret of ``<t>.`` followed by the raw body bytes. A receiver accepts it only while
``t`` is within ``REPLAY_WINDOW`` seconds of its own clock, and remembers accepted signatures
for that long so the same request cannot be played twice.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Final

__all__ = ["REPLAY_WINDOW", "SIGNATURE_HEADER", "sign", "verify"]

SIGNATURE_HEADER: Final = "X-Reclaim-Signature"
REPLAY_WINDOW: Final = 300
"""Seconds a signed request stays valid either side of the receiver's clock."""

_HEADER: Final = re.compile(r"t=(\d{1,12}),v1=([0-9a-f]{64})")


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: bytes, header: str, body: bytes, now: float) -> int | None:
    """The signed timestamp if ``header`` signs ``body`` and is fresh at ``now``, else None."""
    match = _HEADER.fullmatch(header.strip())
    if match is None:
        return None
    timestamp = int(match.group(1))
    if abs(now - timestamp) > REPLAY_WINDOW:
        return None
    expected = sign(secret, timestamp, body)
    return timestamp if hmac.compare_digest(expected, match.group(0)) else None
