"""The JSON document a webhook partner receives and a file partner's export holds: pure code.

Belongs here: mapping a push job to that document and its bytes. Does not belong here: sending
or writing it (``webhook.py``, ``jsonl.py``), signing (``bot/relay/signing.py``).

One document per job::

    {"event": "case_opened" | "case_withdrawn",
     "reference": "<24 hex: this partner's reference for the case>",
     "idempotency_key": "<32 hex: the same on every try of this job>",
     "hashes": [{"signal_type": "ImagePDQ" | "VideoMD5", "value": "<hex>",
                 "pdq_quality": null}]}

``reference`` is ``records.partner_ref`` for this partner: another partner's reference for the
same case differs, and neither is the person's case number. ``pdq_quality`` is always null:
the hash code a person's device makes carries no PDQ quality score, so Reclaim has none to pass
on. A withdrawal carries the same hashes, so a partner that keeps only hash lists can remove
them. Keys are sorted and there is no whitespace, so every try sends the same bytes.
"""

from __future__ import annotations

import json
from typing import Any, Final

from bot.config import derive_key
from bot.relay import records
from bot.relay.jobs import Job

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
            {"signal_type": h.feed_type, "value": h.value, "pdq_quality": None} for h in job.hashes
        ],
    }


def encode(doc: dict[str, Any]) -> bytes:
    """The document's bytes: sorted keys, no whitespace, UTF-8."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
