"""The retry policy for Bot API calls: what an error proves, and when to try again. Pure."""

from __future__ import annotations

import httpx
import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.transports.telegram_retry import (
    Failure,
    GiveUp,
    Kind,
    Policy,
    Retry,
    classify,
    decide,
    pause,
)

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

POLICY = Policy(attempts=8, backoff=1.0, max_backoff=30.0, max_wait=300.0)


def chained(error: NetworkError, cause: BaseException) -> NetworkError:
    """An error as python-telegram-bot raises it: ``raise error from cause``."""
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (RetryAfter(42), Failure(Kind.FLOOD, 42.0)),
        (NetworkError("Bad Gateway"), Failure(Kind.SERVER)),
        (NetworkError("Internal Server Error (500)"), Failure(Kind.SERVER)),
        (chained(NetworkError("x"), httpx.ConnectError("refused")), Failure(Kind.NOT_SENT)),
        (chained(TimedOut(), httpx.ConnectTimeout("slow")), Failure(Kind.NOT_SENT)),
        (chained(TimedOut(), httpx.PoolTimeout("busy")), Failure(Kind.NOT_SENT)),
        (chained(NetworkError("x"), httpx.WriteError("broken")), Failure(Kind.NOT_SENT)),
        (chained(TimedOut(), httpx.ReadTimeout("late")), Failure(Kind.UNKNOWN)),
        (chained(NetworkError("x"), httpx.RemoteProtocolError("gone")), Failure(Kind.UNKNOWN)),
        (chained(NetworkError("x"), httpx.ReadError("reset")), Failure(Kind.UNKNOWN)),
        (chained(NetworkError("x"), RuntimeError("odd")), Failure(Kind.UNKNOWN)),
        (Forbidden("blocked"), Failure(Kind.GONE)),
        (BadRequest("chat not found"), Failure(Kind.FINAL)),
        (InvalidToken("no"), Failure(Kind.FINAL)),
        (ChatMigrated(5), Failure(Kind.FINAL)),
        (Conflict("another poller"), Failure(Kind.FINAL)),
    ],
)
def test_what_an_error_proves(error: Exception, expected: Failure) -> None:
    assert classify(error) == expected


@pytest.mark.parametrize(
    ("errors", "seconds"),
    [(0, 1.0), (1, 1.0), (2, 2.0), (3, 4.0), (5, 16.0), (6, 30.0), (20, 30.0)],
)
def test_pauses_double_up_to_the_cap(errors: int, seconds: float) -> None:
    assert pause(POLICY, errors) == seconds


@pytest.mark.parametrize(
    ("method", "failure", "attempt", "waited", "expected"),
    [
        # A flood wait is honoured, however long, while the call's waiting stays in bounds.
        ("sendMessage", Failure(Kind.FLOOD, 3.0), 1, 0.0, Retry(3.0)),
        ("sendMessage", Failure(Kind.FLOOD, 120.0), 1, 0.0, Retry(120.0)),
        ("sendMessage", Failure(Kind.FLOOD, 300.0), 1, 0.0, Retry(300.0)),
        ("sendMessage", Failure(Kind.FLOOD, 120.0), 2, 200.0, GiveUp("would wait more than 300 s")),
        ("sendMessage", Failure(Kind.FLOOD, 3600.0), 1, 0.0, GiveUp("would wait more than 300 s")),
        # Error statuses and requests that never left: doubling pauses, for any method.
        ("sendMessage", Failure(Kind.SERVER), 1, 0.0, Retry(1.0)),
        ("sendMessage", Failure(Kind.SERVER), 4, 7.0, Retry(8.0)),
        ("sendMessage", Failure(Kind.SERVER), 7, 61.0, Retry(30.0)),
        ("sendMessage", Failure(Kind.SERVER), 8, 91.0, GiveUp("gave up after 8 tries")),
        ("sendMessage", Failure(Kind.NOT_SENT), 2, 1.0, Retry(2.0)),
        ("deleteMessage", Failure(Kind.NOT_SENT), 1, 0.0, Retry(1.0)),
        # An unknown outcome: repeated only where repeating is harmless.
        ("sendMessage", Failure(Kind.UNKNOWN), 1, 0.0, GiveUp("not repeated: it may have arrived")),
        ("deleteMessage", Failure(Kind.UNKNOWN), 1, 0.0, Retry(1.0)),
        ("answerCallbackQuery", Failure(Kind.UNKNOWN), 3, 3.0, Retry(4.0)),
        ("setMyCommands", Failure(Kind.UNKNOWN), 8, 91.0, GiveUp("gave up after 8 tries")),
        # What trying again cannot fix.
        ("sendMessage", Failure(Kind.GONE), 1, 0.0, GiveUp("not retried")),
        ("deleteMessage", Failure(Kind.FINAL), 1, 0.0, GiveUp("not retried")),
    ],
)
def test_when_to_try_again(
    method: str, failure: Failure, attempt: int, waited: float, expected: Retry | GiveUp
) -> None:
    assert decide(POLICY, method, failure, attempt=attempt, waited=waited) == expected


def test_every_call_is_bounded_in_tries_and_waiting() -> None:
    for kind in (Kind.FLOOD, Kind.SERVER, Kind.NOT_SENT, Kind.UNKNOWN):
        waited, attempt = 0.0, 1
        while isinstance(
            decision := decide(
                POLICY, "deleteMessage", Failure(kind, 1.0), attempt=attempt, waited=waited
            ),
            Retry,
        ):
            waited += decision.delay
            attempt += 1
        assert attempt <= POLICY.attempts
        assert waited <= POLICY.max_wait
