"""The webhook sink: one signed JSON document per job, POSTed to the partner's address.

Belongs here: the request a webhook partner receives (pure: ``build_request``) and a thin
sender. Does not belong here: the document's shape (``document.py``), the signature format
(``bot/relay/signing.py``), SQL and retry timing.

Headers: ``Content-Type: application/json``, ``X-Reclaim-Signature: t=<unix>,v1=<hex>``
(HMAC-SHA256 under the partner's secret of ``<t>.`` and the body; the partner checks it within
``signing.REPLAY_WINDOW`` seconds of its clock) and ``Idempotency-Key``, the same on every try
of a job, so a partner that already took it can answer 2xx and ignore the repeat.

Answers: any 2xx means delivered. Everything else is tried again with back-off, 4xx included:
a 400 or 401 usually means a partner's deployment or secret is wrong for a while, and giving up
at once would lose the case; a job refused for the whole dead-letter period ends as a dead
letter the operator sees (``reclaim relay status``). Timeouts and refused connections are tried
again the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.config import SinkSettings
from bot.relay import signing
from bot.relay.jobs import Job
from bot.relay.sinks import HttpTimeouts, Outcome
from bot.relay.sinks.document import document, encode, reference_key
from bot.relay.sinks.http import FAILURES, ClientHolder, failure_reason

__all__ = ["WebhookRequest", "WebhookSink", "build_request"]


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """The body and headers of one webhook delivery."""

    body: bytes
    headers: dict[str, str]


def build_request(job: Job, *, key: bytes, signing_secret: bytes, now: float) -> WebhookRequest:
    """The signed request for ``job``.

    Args:
        job: the job to deliver.
        key: the partner-reference key (``document.reference_key``).
        signing_secret: the partner's webhook secret.
        now: Unix time of the signature.
    """
    body = encode(document(job, key))
    return WebhookRequest(
        body,
        {
            "Content-Type": "application/json",
            signing.SIGNATURE_HEADER: signing.sign(signing_secret, int(now), body),
            "Idempotency-Key": job.idempotency_key,
        },
    )


class WebhookSink:
    """Delivers jobs to one webhook."""

    def __init__(
        self,
        settings: SinkSettings,
        server_secret: bytes,
        signing_secret: bytes,
        *,
        timeouts: HttpTimeouts | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._key = reference_key(server_secret)
        self._signing = signing_secret
        self._clock = clock
        self._client = ClientHolder(timeouts or HttpTimeouts())

    @property
    def name(self) -> str:
        """The partner's public name."""
        return self._settings.name

    async def deliver(self, job: Job) -> Outcome:
        """POST ``job``'s document once."""
        request = build_request(job, key=self._key, signing_secret=self._signing, now=self._clock())
        try:
            session = self._client.session()
            async with session.post(
                self._settings.url, data=request.body, headers=request.headers
            ) as response:
                status = response.status
        except FAILURES as exc:
            return Outcome(False, failure_reason(exc))
        if 200 <= status < 300:
            return Outcome(True)
        return Outcome(False, f"status {status}")

    async def close(self) -> None:
        """Close the HTTP session."""
        await self._client.close()
