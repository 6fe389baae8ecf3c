"""The StopNCII-compatible hash feed as pure mapping: queries, page tokens, pages, feedback.

Belongs here: reading a ``FetchHashes`` query, the opaque page token, building the JSON page
the real client (python-threatexchange's ``StopNCIIAPI``) reads, and reading ``SubmitFeedback``
bodies and push partners' match reports. No I/O: the SQL is in ``feedstore.py``, HTTP in
``server.py``.

Theory of operation. Every feed record is a snapshot of one (signal type, hash value); each
change gives it the next ``seq`` and the current hour as ``modified``, never earlier than any
change before it (``records.feed_time``), so (modified, seq) only grows. A query asks for the
records with ``modified >= startTimestamp`` in (modified, seq) order; each page ends with a
token naming the position of its last record, and the next page starts after it. A record
that changes while a consumer pages moves past that position, so it shows up again later in
the same walk: nothing is skipped, and the later snapshot replaces the earlier one, as the
client expects.

``nextSetTimestamp`` is what a consumer stores as its checkpoint and sends as
``startTimestamp`` next time. On a page with more to come it is the last record's
``modified``; on the last page it is the largest ``modified`` served in the walk (the last
record's, or the previous page's, or ``startTimestamp`` when nothing was served). Never the
clock: a change committed just after the page was read still gets a ``modified`` at or after
every ``modified`` already stored, so it is at or after this checkpoint, while a clock reading
could already be an hour past it. Resuming repeats the records of the checkpoint's hour at
most, which snapshots make harmless.

``pageSize`` is clamped to 1..``PAGE_SIZE_MAX`` (default ``PAGE_SIZE_DEFAULT``, the client's
own). A malformed number or token is a :class:`BadRequestError` (the server answers 400).

``CSPFeedbacks`` of a record are the latest answers *other* partners gave on it (one per
partner, ``source`` = its public name, ``tags`` always empty: tags are not kept), so partners
see that a hash was confirmed elsewhere; a partner's own answers are not echoed back (the
client counts every entry as someone else's opinion).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from bot.relay.records import FEED_TYPES

__all__ = [
    "FEEDBACK_VALUES",
    "MAX_HASH_LENGTH",
    "PAGE_SIZE_DEFAULT",
    "PAGE_SIZE_MAX",
    "BadRequestError",
    "FeedRecord",
    "FeedbackItem",
    "FetchQuery",
    "MatchReport",
    "Position",
    "build_page",
    "decode_json",
    "page_token",
    "parse_feedback",
    "parse_fetch_query",
    "parse_match_report",
    "read_token",
]

PAGE_SIZE_DEFAULT: Final = 800
"""Records per page when the query names none (what ``StopNCIIAPI.fetch_hashes`` sends)."""
PAGE_SIZE_MAX: Final = 1000
"""The most records one page holds; a larger ``pageSize`` is lowered to it."""
FEEDBACK_VALUES: Final = ("PendingReview", "Blocked", "NotBlocked")
"""The answers kept for a case; others a client may send (``None``, ``Withdrawn`` ...) are not."""
MAX_HASH_LENGTH: Final = 256
_MAX_TIMESTAMP: Final = 2**53
_TAG_BYTES: Final = 16
_WHOLE: Final = re.compile(r"-?[0-9]{1,18}")


class BadRequestError(ValueError):
    """A query or body is malformed; the message is safe to send back (it holds no values)."""


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """Where a record stands in the feed: its change hour and change number."""

    modified: int
    seq: int


@dataclass(frozen=True, slots=True)
class FetchQuery:
    """One ``FetchHashes`` request, read.

    Attributes:
        start: ``startTimestamp``: only records changed at or after it.
        page_size: records wanted, clamped to 1..``PAGE_SIZE_MAX``.
        after: the position the previous page ended at (from ``nextPageToken``), or None.
    """

    start: int
    page_size: int
    after: Position | None = None


@dataclass(frozen=True, slots=True)
class FeedRecord:
    """A row of ``feed_records``."""

    id: int
    signal_type: str
    hash_value: str
    status: str
    modified: int
    seq: int

    @property
    def position(self) -> Position:
        """Its place in the feed."""
        return Position(self.modified, self.seq)


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    """One answer from ``SubmitFeedback``: a hash value (lower case) and a kept value."""

    hash_value: str
    value: str


@dataclass(frozen=True, slots=True)
class MatchReport:
    """A push partner's report that it matched (and acted on) one of a case's hashes."""

    reference: str
    signal_type: str
    hash_value: str
    value: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _tag(key: bytes, scope: str, body: bytes) -> bytes:
    message = scope.casefold().encode() + b"\x00" + body
    return hmac.new(key, message, hashlib.sha256).digest()[:_TAG_BYTES]


def page_token(key: bytes, scope: str, start: int, after: Position) -> str:
    """The opaque ``nextPageToken`` for the page after ``after`` in a walk from ``start``.

    ``scope`` (the partner's name) binds the token to the partner it was given to.
    """
    body = f"{start}.{after.modified}.{after.seq}".encode()
    return f"{_b64(body)}.{_b64(_tag(key, scope, body))}"


def read_token(key: bytes, scope: str, token: str) -> tuple[int, Position] | None:
    """The walk's start and the position in a token made by :func:`page_token`, or None."""
    encoded, _, tag = token.partition(".")
    try:
        body, given = _unb64(encoded), _unb64(tag)
    except (binascii.Error, ValueError):
        return None
    if not hmac.compare_digest(given, _tag(key, scope, body)):
        return None
    start, modified, seq = (int(part) for part in body.decode().split("."))
    return start, Position(modified, seq)


def _integer(params: Mapping[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    text = raw.strip()
    if not _WHOLE.fullmatch(text):
        raise BadRequestError(f"{name} must be a whole number")
    return int(text)


def parse_fetch_query(params: Mapping[str, str], key: bytes, scope: str) -> FetchQuery:
    """Read ``startTimestamp``, ``pageSize`` and ``nextPageToken``.

    Raises:
        BadRequestError: a number is not a whole number, ``startTimestamp`` is negative or huge, or
            the token is not one this server gave this partner for this ``startTimestamp``.
    """
    start = _integer(params, "startTimestamp", 0)
    if not 0 <= start <= _MAX_TIMESTAMP:
        raise BadRequestError("startTimestamp must be a Unix time")
    size = min(max(_integer(params, "pageSize", PAGE_SIZE_DEFAULT), 1), PAGE_SIZE_MAX)
    token = params.get("nextPageToken") or ""
    if not token:
        return FetchQuery(start, size)
    read = read_token(key, scope, token)
    if read is None:
        raise BadRequestError("nextPageToken is not valid")
    token_start, after = read
    if token_start != start:
        raise BadRequestError("nextPageToken belongs to another startTimestamp")
    return FetchQuery(start, size, after)


def build_page(
    query: FetchQuery,
    rows: Sequence[FeedRecord],
    members: Mapping[int, Sequence[tuple[int, str]]],
    feedback: Mapping[int, Sequence[tuple[str, str]]],
    ref: Callable[[int], str],
    *,
    key: bytes,
    scope: str,
) -> dict[str, Any]:
    """The ``FetchHashes`` answer.

    Args:
        query: the request.
        rows: the records after ``query.after`` in feed order, up to ``page_size + 1`` of
            them (one more than fits says whether more records follow).
        members: per record id, the (case id, member status) of every case holding it.
        feedback: per record id, (partner name, value) of other partners' latest answers.
        ref: the reference this partner knows a case id by (``records.partner_ref``).
        key: the page token key.
        scope: the partner's name, for the token.

    Returns:
        The JSON document, every number an int, ``count`` and ``nextSetTimestamp`` always set.
    """
    page = list(rows[: query.page_size])
    more = len(rows) > query.page_size
    if page:
        checkpoint = page[-1].modified
    elif query.after is not None:
        checkpoint = query.after.modified
    else:
        checkpoint = query.start
    token = page_token(key, scope, query.start, page[-1].position) if more else None
    return {
        "count": len(page),
        "nextPageToken": token,
        "nextSetTimestamp": int(checkpoint),
        "hasMoreRecords": more,
        "hashRecords": [_record(row, members, feedback, ref) for row in page],
    }


def _record(
    row: FeedRecord,
    members: Mapping[int, Sequence[tuple[int, str]]],
    feedback: Mapping[int, Sequence[tuple[str, str]]],
    ref: Callable[[int], str],
) -> dict[str, Any]:
    return {
        "lastModtimestamp": int(row.modified),
        "signalType": row.signal_type,
        "hashValue": row.hash_value,
        "hashStatus": row.status,
        "caseNumbers": {ref(case_id): status for case_id, status in members.get(row.id, ())},
        "CSPFeedbacks": [
            {"feedbackValue": value, "tags": [], "source": source}
            for source, value in sorted(feedback.get(row.id, ()))
        ],
    }


def decode_json(body: bytes) -> Any:
    """A request body as JSON.

    Raises:
        BadRequestError: it is not UTF-8 JSON.
    """
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequestError("the body is not JSON") from exc


def _hash_value(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_HASH_LENGTH:
        raise BadRequestError("every hashValue must be a hash as text")
    return raw.strip().lower()


def parse_feedback(document: object) -> tuple[list[FeedbackItem], int]:
    """The kept answers of a ``SubmitFeedback`` body, and how many others it held.

    Raises:
        BadRequestError: it is not ``{"hashFeedbacks": [{"hashValue", "feedbackValue"}]}``.
    """
    entries = document.get("hashFeedbacks") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise BadRequestError("the body needs a hashFeedbacks list")
    kept: list[FeedbackItem] = []
    ignored = 0
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("feedbackValue"), str):
            raise BadRequestError("every hashFeedbacks entry needs hashValue and feedbackValue")
        value = _hash_value(entry.get("hashValue"))
        if entry["feedbackValue"] in FEEDBACK_VALUES:
            kept.append(FeedbackItem(value, entry["feedbackValue"]))
        else:
            ignored += 1
    return kept, ignored


def parse_match_report(document: object) -> MatchReport:
    """A push partner's match report: reference, signal type, hash value, feedback value.

    Raises:
        BadRequestError: a field is missing or not one of the known values.
    """
    if not isinstance(document, dict):
        raise BadRequestError("the body must be a JSON object")
    reference = document.get("reference")
    if not isinstance(reference, str) or not 0 < len(reference) <= 64:
        raise BadRequestError("reference must be the partner reference the case was sent with")
    signal_type = document.get("signalType")
    if signal_type not in FEED_TYPES.values():
        raise BadRequestError(f"signalType must be one of {', '.join(FEED_TYPES.values())}")
    value = document.get("feedbackValue")
    if value not in FEEDBACK_VALUES:
        raise BadRequestError(f"feedbackValue must be one of {', '.join(FEEDBACK_VALUES)}")
    return MatchReport(reference, str(signal_type), _hash_value(document.get("hashValue")), value)
