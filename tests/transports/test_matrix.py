"""The Matrix sync loop's pure parts: its pauses and its filter."""

from __future__ import annotations

import pytest

from bot.transports.matrix import MAX_PAUSE, SYNC_FILTER, TIMELINE_LIMIT, sync_pause


@pytest.mark.parametrize(
    ("tries", "first", "expected"),
    [
        (1, 1.0, 1.0),
        (2, 1.0, 2.0),
        (3, 1.0, 4.0),
        (6, 1.0, 32.0),
        (7, 1.0, MAX_PAUSE),
        (10_000, 1.0, MAX_PAUSE),
        (0, 1.0, 1.0),
        (3, 0.05, 0.2),
    ],
)
def test_pauses_double_up_to_a_minute(tries: int, first: float, expected: float) -> None:
    assert sync_pause(tries, first) == pytest.approx(expected)


def test_the_filter_asks_for_no_presence_typing_or_receipts() -> None:
    assert SYNC_FILTER["presence"] == {"types": []}
    assert SYNC_FILTER["room"]["ephemeral"] == {"types": []}
    assert SYNC_FILTER["room"]["timeline"]["limit"] == TIMELINE_LIMIT
