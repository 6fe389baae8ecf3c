"""What partners receive of an outbox entry: pure mapping, no I/O.

Belongs here: which of a case's hashes partners get (a picture's PDQ, a video's MD5) and under
which names each kind of partner knows them (StopNCII's ``ImagePDQ`` / ``VideoMD5``, HMA's
``pdq`` / ``video_md5``), the feed's hour clock, and per-partner case references. Does not
belong here: SQL (``dispatch.py``, the feed's own modules) and HTTP.

A partner reference names a case for one partner only: an HMAC, under a key derived from the
server secret, of the partner's name and the case's row id. Two partners' references for the
same case cannot be linked without the secret, and neither is the person's case number.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

__all__ = [
    "FEED_HOUR",
    "FEED_TYPES",
    "HMA_TYPES",
    "Signal",
    "feed_time",
    "partner_ref",
    "pdq_quality",
    "signals",
    "signals_of_rows",
]

FEED_HOUR: Final = 3600
"""Feed change times are Unix times rounded down to this many seconds (no finer is stored)."""

FEED_TYPES: Final = {("image", "pdq"): "ImagePDQ", ("file", "md5"): "VideoMD5"}
"""(item kind, signal) to the StopNCII signal type; other hashes are not passed on."""

HMA_TYPES: Final = {"ImagePDQ": "pdq", "VideoMD5": "video_md5"}
"""StopNCII signal type to the signal type name HMA banks use."""


@dataclass(frozen=True, slots=True)
class Signal:
    """One hash a partner receives.

    Attributes:
        item_index: the file's place in its case (0-based).
        signal: the hash's name in Reclaim (``pdq``, ``md5``).
        feed_type: its StopNCII signal type (``ImagePDQ``, ``VideoMD5``).
        value: the normalised hash value (lower-case hex).
        quality: a PDQ's quality score (0-100) as the person's device computed it; None for a
            video's MD5 and for a code that carried no score.
    """

    item_index: int
    signal: str
    feed_type: str
    value: str
    quality: int | None = None


def signals(payload: str) -> list[Signal]:
    """The hashes partners receive from an outbox payload (``bot/cases/outbox.py``), in order.

    Raises:
        ValueError: the payload is not an outbox payload.
    """
    document = json.loads(payload)
    items = document.get("items") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise ValueError("not an outbox payload")
    rows: list[tuple[int, str, str, str | None, object]] = []
    for index, item in enumerate(items):
        hashes = item.get("hashes", {}) if isinstance(item, dict) else {}
        kind = str(item.get("kind")) if isinstance(item, dict) else ""
        quality = item.get("pdq_quality") if isinstance(item, dict) else None
        rows += [
            (index, kind, str(name), value if isinstance(value, str) else None, quality)
            for name, value in hashes.items()
        ]
    return signals_of_rows(rows)


def signals_of_rows(rows: Sequence[tuple[int, str, str, str | None, object]]) -> list[Signal]:
    """The hashes partners receive from stored hash rows ``(item index, item kind, signal,
    value, PDQ quality)``, in the order given; rows without a value (a withdrawn case's) are
    skipped, and a quality is kept only on a PDQ and only as a whole number from 0 to 100."""
    found: list[Signal] = []
    for index, kind, name, value, quality in rows:
        feed_type = FEED_TYPES.get((kind, name))
        if feed_type is not None and value:
            score = pdq_quality(quality) if feed_type == "ImagePDQ" else None
            found.append(Signal(index, name, feed_type, value, score))
    return found


def pdq_quality(value: object) -> int | None:
    """A PDQ quality score read back from stored JSON or a row: 0-100, else None."""
    if type(value) is int and 0 <= value <= 100:
        return value
    return None


def feed_time(now: float, latest: int = 0) -> int:
    """The change time for a feed change at ``now``: the hour, never before ``latest``.

    Consumers keep the last page's ``nextSetTimestamp`` as their checkpoint and ask from it
    next time, so a change must never get a time before one already served, even if the clock
    steps back.
    """
    hour = int(now) // FEED_HOUR * FEED_HOUR
    return max(hour, latest)


def partner_ref(key: bytes, partner: str, case_id: int) -> str:
    """The reference ``partner`` knows case ``case_id`` by (24 hex digits)."""
    message = f"{partner.casefold()}\x00{case_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:24]
