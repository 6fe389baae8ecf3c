"""When to try a Bot API call again, and how long to wait first: pure, no I/O, no clock.

What belongs here: sorting a failed call into what its error proves (:func:`classify`), the
retry decision (:func:`decide`) and the back-off schedule (:func:`pause`), shared by every
Bot API call and by start-up. What does not: making calls, sleeping or logging (that is
``telegram.py``), and anything about what the bot says.

Why this policy. Telegram has no idempotency key for ``sendMessage``: a message whose answer
never came may well have been delivered, and sending it again shows the person the same words
twice. So a call is retried only when its error proves the request was not carried out:

* a flood wait (429 with ``retry_after``): Telegram refused the call and says when to come
  back; the wait is honoured as long as the call's total wait stays within
  :attr:`Policy.max_wait`;
* an error status from Telegram or a proxy in front of it (5xx and the like): the call was
  answered with an error, not carried out; waited out with doubling pauses;
* the request never reached the server whole: the connection was refused or could not be
  opened in time, no pooled connection was free, or writing the request failed.

An error that leaves the outcome unknown (no answer within the read timeout, or the
connection dropped while waiting for the answer) is retried only for calls that are safe to
repeat (deleting, editing buttons, answering a press, settings); a send is not repeated, the
failure is logged by type and the conversation goes on from the state stored before sending.
To make such timeouts rare, ``telegram.py`` gives Telegram a generous read timeout.

Every retry is bounded: at most :attr:`Policy.attempts` tries and :attr:`Policy.max_wait`
seconds of waiting per call, so one failing call can hold a chat for a few minutes, never for
ever.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

import httpx
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.warnings import PTBDeprecationWarning

NOT_IDEMPOTENT = frozenset({"sendMessage"})
"""Bot API methods that must not be repeated when their outcome is unknown."""


class Kind(Enum):
    """What a failed call's error proves about the call."""

    FLOOD = "flood"
    """429: refused for now, with the wait Telegram asks for."""
    SERVER = "server"
    """An error status (5xx, or one we do not know): answered, not carried out."""
    NOT_SENT = "not sent"
    """The request never reached the server whole."""
    UNKNOWN = "unknown"
    """Sent, but no answer came: it may have been carried out."""
    GONE = "gone"
    """403: the person blocked the bot or the chat is gone."""
    FINAL = "final"
    """400, a bad token, or anything else trying again cannot fix."""


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed call, as far as retrying is concerned."""

    kind: Kind
    retry_after: float = 0.0


@dataclass(frozen=True, slots=True)
class Policy:
    """The bounds of retrying one call.

    Attributes:
        attempts: Tries per call, the first included.
        backoff: The first pause after an error; doubled after each one.
        max_backoff: The longest pause after an error.
        max_wait: The most seconds one call may spend waiting, flood waits included.
    """

    attempts: int = 8
    backoff: float = 1.0
    max_backoff: float = 30.0
    max_wait: float = 300.0


@dataclass(frozen=True, slots=True)
class Retry:
    """Try again after ``delay`` seconds."""

    delay: float


@dataclass(frozen=True, slots=True)
class GiveUp:
    """Stop trying; ``reason`` is a short phrase for the log (never content)."""

    reason: str


_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.WriteError,
    httpx.WriteTimeout,
    httpx.UnsupportedProtocol,
)


def classify(error: BaseException) -> Failure:
    """What a python-telegram-bot error proves about the call that raised it.

    python-telegram-bot raises ``TimedOut``/``NetworkError`` both for transport failures
    (then chained to the httpx error) and for error statuses (then with no httpx cause).
    """
    if isinstance(error, RetryAfter):
        return Failure(Kind.FLOOD, retry_after_seconds(error))
    if isinstance(error, Forbidden):
        return Failure(Kind.GONE)
    if isinstance(error, BadRequest | InvalidToken | ChatMigrated):
        return Failure(Kind.FINAL)
    if isinstance(error, NetworkError):
        cause = error.__cause__
        if isinstance(cause, _NOT_SENT):
            return Failure(Kind.NOT_SENT)
        if isinstance(cause, httpx.HTTPError | OSError):
            return Failure(Kind.UNKNOWN)
        if cause is None:
            return Failure(Kind.SERVER)
        return Failure(Kind.UNKNOWN)
    return Failure(Kind.FINAL)


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait a flood error asks for, in seconds."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def pause(policy: Policy, errors: int) -> float:
    """The pause after the ``errors``-th error in a row (1, 2, ...): doubling, capped."""
    return float(min(policy.backoff * 2 ** max(errors - 1, 0), policy.max_backoff))


def decide(
    policy: Policy, method: str, failure: Failure, *, attempt: int, waited: float
) -> Retry | GiveUp:
    """Whether to try ``method`` again after ``failure``.

    Args:
        policy: The bounds.
        method: The Bot API method, e.g. ``"sendMessage"``.
        failure: What the last try's error proves.
        attempt: How many tries have been made (1 after the first).
        waited: Seconds this call has already spent waiting.

    Returns:
        :class:`Retry` with the pause, or :class:`GiveUp` with the reason.
    """
    if failure.kind in (Kind.GONE, Kind.FINAL):
        return GiveUp("not retried")
    if failure.kind is Kind.UNKNOWN and method in NOT_IDEMPOTENT:
        return GiveUp("not repeated: it may have arrived")
    if attempt >= policy.attempts:
        return GiveUp(f"gave up after {attempt} tries")
    flood = failure.kind is Kind.FLOOD
    delay = max(failure.retry_after, 0.0) if flood else pause(policy, attempt)
    if waited + delay > policy.max_wait:
        return GiveUp(f"would wait more than {policy.max_wait:.0f} s")
    return Retry(delay)
