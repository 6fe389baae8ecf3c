"""The HMA bank sink: hashes go into a Hasher-Matcher-Actioner bank, and out on withdrawal.

Belongs here: the requests HMA's curation API takes (pure builders) and a thin sender for them.
Does not belong here: SQL, retry timing, and which of a case's hashes are sent (``records.py``).

HMA (Meta's open-source Hasher-Matcher-Actioner, ``OpenMediaMatch``) mounts its curation API
under ``/c``:

- ``POST {url}/c/bank/{bank}/signal`` with a JSON object of signal type name to value, here one
  hash per request (``{"pdq": "<hex>"}`` or ``{"video_md5": "<hex>"}``), answers
  ``{"id": <content id>, "signals": {...}}``. The content id is kept (``push_refs``).
- ``DELETE {url}/c/bank/{bank}/content/{id}`` removes it, answering ``{"deleted": n}``; a 404
  (no such bank or content) means it is gone already, which is what a withdrawal wants.

An API key, if the partner's settings name an environment variable for it (``secret_env``), is
sent as ``Authorization: Bearer <key>``, as HMA deployments that require one check it.

HMA has no idempotency key: a send whose answer is lost is repeated and the bank holds the hash
twice (matching is unchanged). Hashes whose content id was already kept are never sent again,
so a job that failed half-way resumes where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from bot.config import SinkSettings
from bot.relay.jobs import Job, JobHash, RefKey
from bot.relay.records import HMA_TYPES
from bot.relay.sinks import HttpTimeouts, Outcome
from bot.relay.sinks.http import FAILURES, ClientHolder, failure_reason

__all__ = ["HmaSink", "Request", "add_request", "content_id", "remove_request"]


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request to HMA."""

    method: str
    url: str
    json: dict[str, str] | None = None


def _bank_url(base: str, bank: str) -> str:
    return f"{base.rstrip('/')}/c/bank/{quote(bank, safe='')}"


def add_request(base: str, bank: str, item: JobHash) -> Request:
    """The request that adds one hash to ``bank``.

    Raises:
        KeyError: HMA has no name for the hash's signal type.
    """
    return Request(
        "POST", f"{_bank_url(base, bank)}/signal", {HMA_TYPES[item.feed_type]: item.value}
    )


def remove_request(base: str, bank: str, ref: str) -> Request:
    """The request that removes the content ``ref`` from ``bank``."""
    return Request("DELETE", f"{_bank_url(base, bank)}/content/{quote(ref, safe='')}")


def content_id(answer: Any) -> str | None:
    """The content id in HMA's answer to an add, if it has one."""
    if isinstance(answer, dict):
        value = answer.get("id")
        if isinstance(value, int | str) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


class HmaSink:
    """Delivers jobs to one HMA bank."""

    def __init__(
        self,
        settings: SinkSettings,
        *,
        api_key: bytes | None = None,
        timeouts: HttpTimeouts | None = None,
    ) -> None:
        self._settings = settings
        self._headers = {"Authorization": f"Bearer {api_key.decode()}"} if api_key else {}
        self._client = ClientHolder(timeouts or HttpTimeouts())

    @property
    def name(self) -> str:
        """The partner's public name."""
        return self._settings.name

    async def deliver(self, job: Job) -> Outcome:
        """Add an open job's hashes, or remove a withdrawn case's content, once."""
        if job.kind == "withdraw":
            return await self._remove(job)
        return await self._add(job)

    async def _add(self, job: Job) -> Outcome:
        added: dict[RefKey, str] = {}
        for item in job.hashes:
            if item.key in job.refs or item.feed_type not in HMA_TYPES:
                continue
            request = add_request(self._settings.url, self._settings.bank, item)
            try:
                status, answer = await self._send(request, want_json=True)
            except FAILURES as exc:
                return Outcome(False, failure_reason(exc), added)
            ref = content_id(answer) if 200 <= status < 300 else None
            if ref is None:
                reason = f"status {status}" if status >= 300 else "answer without a content id"
                return Outcome(False, reason, added)
            added[item.key] = ref
        return Outcome(True, added=added)

    async def _remove(self, job: Job) -> Outcome:
        removed: list[RefKey] = []
        for key, ref in sorted(job.refs.items()):
            request = remove_request(self._settings.url, self._settings.bank, ref)
            try:
                status, _ = await self._send(request, want_json=False)
            except FAILURES as exc:
                return Outcome(False, failure_reason(exc), removed=tuple(removed))
            if not (200 <= status < 300 or status == 404):
                return Outcome(False, f"status {status}", removed=tuple(removed))
            removed.append(key)
        return Outcome(True, removed=tuple(removed))

    async def _send(self, request: Request, *, want_json: bool) -> tuple[int, Any]:
        session = self._client.session()
        async with session.request(
            request.method, request.url, json=request.json, headers=self._headers
        ) as response:
            if want_json and 200 <= response.status < 300:
                return response.status, await response.json(content_type=None)
            await response.read()
            return response.status, None

    async def close(self) -> None:
        """Close the HTTP session."""
        await self._client.close()
