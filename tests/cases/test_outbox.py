"""The outbox payload: what a partner's relay receives for a case, and the rows it comes from."""

from __future__ import annotations

import json

import pytest

from bot.cases import outbox
from bot.hashes.items import HashItem, ItemKind

PDQ = "f" * 64
MD5 = "0cc175b9c0f1b6a831c399e269772661"


def test_the_payload_groups_rows_back_into_items_in_order() -> None:
    items = [
        HashItem(kind=ItemKind.IMAGE, hashes=(("pdq", PDQ), ("md5", MD5))),
        HashItem(kind=ItemKind.FILE, hashes=(("md5", "a" * 32),)),
    ]
    document = json.loads(outbox.payload("open", "R-1", "stopncii", outbox.hash_rows(items)))
    assert document == {
        "version": outbox.PAYLOAD_VERSION,
        "kind": "open",
        "case": "R-1",
        "route": "stopncii",
        "items": [
            {"kind": "image", "hashes": {"pdq": PDQ, "md5": MD5}},
            {"kind": "file", "hashes": {"md5": "a" * 32}},
        ],
    }


@pytest.mark.parametrize(
    "items",
    [
        [],
        [HashItem(kind=ItemKind.FILE, hashes=())],
        [HashItem(kind=ItemKind.FILE, hashes=(("md5", MD5), ("md5", MD5)))],
    ],
)
def test_rows_refuse_empty_cases_items_and_repeated_signals(items: list[HashItem]) -> None:
    with pytest.raises(ValueError, match="at least one"):
        outbox.hash_rows(items)


def test_dates_are_utc_days() -> None:
    assert outbox.utc_date(0.0) == "1970-01-01"
    assert outbox.parse_date("2026-12-02").isoformat() == "2026-12-02"
