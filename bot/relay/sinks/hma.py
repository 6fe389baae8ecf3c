"""The HMA bank sink: hashes go into a Hasher-Matcher-Actioner bank, and out on withdrawal.

Belongs here: the requests HMA's curation and matching APIs take (pure builders and readers of
their answers) and a thin sender for them. Does not belong here: SQL, retry timing, and which
of a case's hashes are sent (``records.py``).

HMA (Meta's open-source Hasher-Matcher-Actioner, ``OpenMediaMatch``) mounts its curation API
under ``/c`` and its matching API under ``/m``:

- ``POST {url}/c/bank/{bank}/signal`` with a JSON object of signal type name to value, here one
  hash per request (``{"pdq": "<hex>"}`` or ``{"video_md5": "<hex>"}``), answers
  ``{"id": <content id>, "signals": {...}}``. The content id is kept (``push_refs``).
- ``DELETE {url}/c/bank/{bank}/content/{id}`` removes it, answering ``{"deleted": n}``; a 404
  (no such bank or content) means it is gone already, which is what a withdrawal wants. HMA
  deletes the content with that id whatever bank holds it, so only ids known to be ours are
  ever deleted.
- ``GET {url}/m/raw_lookup?signal_type=&signal=&banks={bank}`` answers ``{"matches": [<content
  id>, ...]}`` from HMA's similarity index, and ``GET {url}/c/bank/{bank}/content/{id}
  ?include_signals=true`` answers the content with its ``bank`` and ``signals``.

An API key, if the partner's settings name an environment variable for it (``secret_env``), is
sent as ``Authorization: Bearer <key>``, as HMA deployments that require one check it.

HMA has no idempotency key and its add endpoint takes no metadata: a send whose answer is lost
(a timeout, a relay stopped between the send and its mark) is repeated, and the bank then holds
the hash twice, once under a content id Reclaim never learnt. Hashes whose content id was kept
are never sent again, so a job that failed half-way resumes where it stopped. A withdrawal
deletes the kept ids, then looks each hash up (``raw_lookup``) to find such unknown copies:
a match is deleted only if HMA says it is in this bank with exactly this hash, and it is not
the kept content of another open case (``Job.shared``). The lookup is best effort and limited
by HMA itself: its index is rebuilt periodically, so content added since the last build is not
found; a deployment without the matcher role on this address, or an HMA without the content
endpoint, answers 4xx, and then only the kept ids are deleted (the README says so). A 5xx or a
timeout during the lookup is tried again like any failed delivery.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from bot.config import SinkSettings
from bot.relay.jobs import Job, JobHash, RefKey
from bot.relay.records import HMA_TYPES
from bot.relay.sinks import HttpTimeouts, Outcome
from bot.relay.sinks.http import FAILURES, ClientHolder, failure_reason

__all__ = [
    "HmaSink",
    "Request",
    "add_request",
    "content_id",
    "content_request",
    "holds",
    "lookup_matches",
    "lookup_request",
    "remove_request",
]

_NO_LOOKUP = frozenset({400, 401, 403, 404, 405, 501})
"""Answers that say this HMA cannot look hashes up or show content (no matcher role on this
address, an older version): the search for unknown copies is skipped, not tried again."""


class _LookupError(Exception):
    """A lookup failed in a way worth trying again (a 5xx)."""


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


def lookup_request(base: str, bank: str, item: JobHash) -> Request:
    """The request that asks HMA's index which content in ``bank`` matches one hash.

    Raises:
        KeyError: HMA has no name for the hash's signal type.
    """
    query = urlencode(
        {"signal_type": HMA_TYPES[item.feed_type], "signal": item.value, "banks": bank}
    )
    return Request("GET", f"{base.rstrip('/')}/m/raw_lookup?{query}")


def content_request(base: str, bank: str, ref: str) -> Request:
    """The request that shows the content ``ref`` with its bank and signals."""
    return Request(
        "GET", f"{_bank_url(base, bank)}/content/{quote(ref, safe='')}?include_signals=true"
    )


def lookup_matches(answer: Any) -> list[str]:
    """The content ids in a ``raw_lookup`` answer (plain ids, or objects with
    ``bank_content_id`` when distances were asked for)."""
    matches = answer.get("matches") if isinstance(answer, dict) else None
    found: list[str] = []
    for match in matches if isinstance(matches, list) else []:
        value = match.get("bank_content_id") if isinstance(match, dict) else match
        if isinstance(value, int) and not isinstance(value, bool):
            found.append(str(value))
    return found


def holds(answer: Any, bank: str, item: JobHash) -> bool:
    """Whether a content answer is in ``bank`` and holds exactly ``item``'s hash (a near match
    of another picture, or content of another bank, is never ours to delete)."""
    if not isinstance(answer, dict):
        return False
    where, signals = answer.get("bank"), answer.get("signals")
    if not isinstance(where, dict) or where.get("name") != bank or not isinstance(signals, dict):
        return False
    value = signals.get(HMA_TYPES.get(item.feed_type, ""))
    return isinstance(value, str) and value.lower() == item.value.lower()


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
            try:
                failure = await self._delete(ref)
            except FAILURES as exc:
                return Outcome(False, failure_reason(exc), removed=tuple(removed))
            if failure:
                return Outcome(False, failure, removed=tuple(removed))
            removed.append(key)
        keep = set(job.shared)
        done = set(job.refs.values())
        try:
            for item in job.hashes:
                if item.feed_type not in HMA_TYPES:
                    continue
                for ref in await self._unknown_copies(item, keep | done):
                    failure = await self._delete(ref)
                    if failure:
                        return Outcome(False, failure, removed=tuple(removed))
                    done.add(ref)
        except _LookupError as exc:
            return Outcome(False, str(exc), removed=tuple(removed))
        except FAILURES as exc:
            return Outcome(False, failure_reason(exc), removed=tuple(removed))
        return Outcome(True, removed=tuple(removed))

    async def _delete(self, ref: str) -> str:
        """Delete one content; the failure's reason, or "" if it is gone."""
        request = remove_request(self._settings.url, self._settings.bank, ref)
        status, _ = await self._send(request, want_json=False)
        return "" if 200 <= status < 300 or status == 404 else f"status {status}"

    async def _unknown_copies(self, item: JobHash, skip: Collection[str]) -> list[str]:
        """Content in this bank holding exactly ``item``'s hash under an id not in ``skip``.

        Raises:
            _LookupError: HMA answered a lookup with a 5xx.
        """
        base, bank = self._settings.url, self._settings.bank
        status, answer = await self._send(lookup_request(base, bank, item), want_json=True)
        if status in _NO_LOOKUP:
            return []
        if not 200 <= status < 300:
            raise _LookupError(f"lookup status {status}")
        found: list[str] = []
        for ref in lookup_matches(answer):
            if ref in skip or ref in found:
                continue
            status, shown = await self._send(content_request(base, bank, ref), want_json=True)
            if status in _NO_LOOKUP:
                continue  # gone meanwhile, or this HMA cannot show content: never guess
            if not 200 <= status < 300:
                raise _LookupError(f"content status {status}")
            if holds(shown, bank, item):
                found.append(ref)
        return found

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
