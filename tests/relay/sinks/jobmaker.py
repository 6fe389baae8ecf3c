"""Push jobs for the sink tests, as ``jobs.due`` returns them."""

from __future__ import annotations

import json

from bot.relay.jobs import Job, JobKind, RefKey, parse_hashes

PDQ = "f" * 60 + "0123"
VIDEO_MD5 = "0cc175b9c0f1b6a831c399e269772661"
PAYLOAD = json.dumps(
    {
        "hashes": [
            {"item": 0, "signal": "pdq", "type": "ImagePDQ", "value": PDQ},
            {"item": 1, "signal": "md5", "type": "VideoMD5", "value": VIDEO_MD5},
        ]
    }
)


def make_job(
    sink: str,
    kind: JobKind = "open",
    *,
    refs: dict[RefKey, str] | None = None,
    key: str = "0123456789abcdef0123456789abcdef",
    case_id: int = 7,
) -> Job:
    """A job of ``sink`` carrying a picture's PDQ and a video's MD5."""
    return Job(
        id=1,
        sink=sink,
        case_id=case_id,
        kind=kind,
        hashes=parse_hashes(PAYLOAD),
        idempotency_key=key,
        attempts=0,
        queued_hour=490_000,
        refs=refs or {},
        payload=PAYLOAD,
    )
