"""The JSON document a webhook partner receives and a file partner's export holds: pure code.

Belongs here: mapping a push job to that document and its bytes. Does not belong here: sending
or writing it (``webhook.py``, ``jsonl.py``), signing (``bot/relay/signing.py``).

One document per job::

    {"event": "case_opened" | "case_withdrawn",
     "reference": "<24 hex: this partner's reference for the case>",
     "idempotency_key": "<32 hex: the same on every try of this job>",
     "hashes": [{"signal_type": "ImagePDQ" | "VideoMD5", "value": "<hex>",
                 "pdq_quality": 0-100 | null}]}

``reference`` is ``records.partner_ref`` for this partner: another partner's reference for the
same case differs, and neither is the person's case number. ``pdq_quality`` is the PDQ
quality score the person's device computed (the hash code carries it) for an ``ImagePDQ``; it
is null for a ``VideoMD5``, and for a picture whose code came from a companion that did not
write the score. A withdrawal carries the same hashes, so a partner that keeps only hash lists
can remove them. Keys are sorted and there is no whitespace, so every try sends the same bytes.
"""

from __future__ import annotations

import json
from typing import Any, Final

from bot.config import derive_key
from bot.relay import records
from bot.relay.jobs import Job, JobHash

__all__ = ["EVENTS", "document", "encode", "reference_key"]

EVENTS: Final = {"open": "case_opened", "withdraw": "case_withdrawn"}


def reference_key(secret: bytes) -> bytes:
    """The key partner references are made with."""
    return derive_key(secret, "partner-refs")


def document(job: Job, key: bytes) -> dict[str, Any]:
    """The document for ``job``, with the case's reference for ``job.sink`` under ``key``."""
    return {
        "event": EVENTS[job.kind],
        "reference": records.partner_ref(key, job.sink, job.case_id),
        "idempotency_key": job.idempotency_key,
        "hashes": [
            {"signal_type": h.feed_type, "value": h.value, "pdq_quality": _quality(h)}
            for h in job.hashes
        ],
    }


def _quality(h: JobHash) -> int | None:
    return h.quality if h.feed_type == "ImagePDQ" else None


def encode(doc: dict[str, Any]) -> bytes:
    """The document's bytes: sorted keys, no whitespace, UTF-8."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
