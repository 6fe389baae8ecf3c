"""The feed's pure mapping: queries, page tokens, pages and checkpoints, feedback bodies."""

from __future__ import annotations

from typing import Any

import pytest

from bot.relay import feed
from bot.relay.feed import BadRequestError, FeedRecord, FetchQuery, Position

KEY = b"t" * 32
HOUR = 3600
T0 = 1_764_000_000 // HOUR * HOUR


def record(n: int, modified: int = T0, status: str = "Active") -> FeedRecord:
    return FeedRecord(n, "ImagePDQ", f"{n:064x}", status, modified, n)


def page(query: FetchQuery, rows: list[FeedRecord], **kwargs: Any) -> dict[str, Any]:
    return feed.build_page(
        query,
        rows,
        kwargs.get("members", {}),
        kwargs.get("feedback", {}),
        lambda case_id: f"ref{case_id}",
        key=KEY,
        scope=kwargs.get("scope", "A"),
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, FetchQuery(0, 800)),
        ({"startTimestamp": "10", "pageSize": "800"}, FetchQuery(10, 800)),
        ({"startTimestamp": "10", "pageSize": "5000"}, FetchQuery(10, 1000)),
        ({"startTimestamp": "10", "pageSize": "0"}, FetchQuery(10, 1)),
        ({"startTimestamp": "10", "pageSize": "-3"}, FetchQuery(10, 1)),
        ({"startTimestamp": " 7 ", "pageSize": ""}, FetchQuery(7, 800)),
        ({"startTimestamp": "10", "nextPageToken": ""}, FetchQuery(10, 800)),
    ],
)
def test_queries_are_read_with_defaults_and_the_page_size_clamped(
    params: dict[str, str], expected: FetchQuery
) -> None:
    assert feed.parse_fetch_query(params, KEY, "A") == expected


@pytest.mark.parametrize(
    "params",
    [
        {"startTimestamp": "ten"},
        {"startTimestamp": "1.5"},
        {"startTimestamp": "-1"},
        {"startTimestamp": "--5"},
        {"startTimestamp": "9" * 30},
        {"pageSize": "a lot"},
        {"pageSize": "1e3"},
        {"nextPageToken": "not a token"},
        {"nextPageToken": "AAAA.BBBB"},
    ],
)
def test_malformed_queries_are_bad_requests(params: dict[str, str]) -> None:
    with pytest.raises(BadRequestError):
        feed.parse_fetch_query(params, KEY, "A")


def test_a_token_reads_back_only_for_its_partner_its_key_and_its_start() -> None:
    token = feed.page_token(KEY, "A", 10, Position(T0, 42))
    assert feed.read_token(KEY, "A", token) == (10, Position(T0, 42))
    assert feed.read_token(KEY, "a", token) == (10, Position(T0, 42))  # names ignore case
    assert feed.read_token(KEY, "B", token) is None
    assert feed.read_token(b"u" * 32, "A", token) is None
    query = feed.parse_fetch_query({"startTimestamp": "10", "nextPageToken": token}, KEY, "A")
    assert query == FetchQuery(10, 800, Position(T0, 42))
    with pytest.raises(BadRequestError):
        feed.parse_fetch_query({"startTimestamp": "11", "nextPageToken": token}, KEY, "A")


def test_a_tampered_token_is_refused() -> None:
    token = feed.page_token(KEY, "A", 10, Position(T0, 42))
    encoded, _, tag = token.partition(".")
    forged = feed.page_token(b"u" * 32, "A", 10, Position(T0, 1))
    assert feed.read_token(KEY, "A", forged.partition(".")[0] + "." + tag) is None
    assert feed.read_token(KEY, "A", encoded + "." + forged.partition(".")[2]) is None
    assert feed.read_token(KEY, "A", encoded) is None


# (page size, rows offered, position before, start) -> (count, more, nextSetTimestamp)
PAGES = [
    # A full page with more behind it: the checkpoint is its last record's hour.
    (2, [record(1), record(2, T0 + HOUR), record(3, T0 + HOUR)], None, 10, (2, True, T0 + HOUR)),
    # The last page: the last record's hour, the largest served.
    (2, [record(1), record(2, T0 + 2 * HOUR)], None, 10, (2, False, T0 + 2 * HOUR)),
    # Nothing at all: the start stays the checkpoint.
    (800, [], None, 10, (0, False, 10)),
    (800, [], None, T0, (0, False, T0)),
    # An empty last page after a full one: the previous page's last hour.
    (2, [], Position(T0 + HOUR, 9), 10, (0, False, T0 + HOUR)),
    # Exactly a page's worth: no more records, no token.
    (2, [record(1), record(2)], None, 10, (2, False, T0)),
]


@pytest.mark.parametrize(("size", "rows", "after", "start", "expected"), PAGES)
def test_pages_count_their_records_and_carry_a_checkpoint_that_loses_nothing(
    size: int,
    rows: list[FeedRecord],
    after: Position | None,
    start: int,
    expected: tuple[int, bool, int],
) -> None:
    got = page(FetchQuery(start, size, after), rows)
    assert (got["count"], got["hasMoreRecords"], got["nextSetTimestamp"]) == expected
    assert len(got["hashRecords"]) == got["count"]
    assert all(type(got[k]) is int for k in ("count", "nextSetTimestamp"))
    if got["hasMoreRecords"]:
        token = got["nextPageToken"]
        assert feed.read_token(KEY, "A", token) == (start, rows[size - 1].position)
    else:
        assert got["nextPageToken"] is None


def test_a_record_is_mapped_as_the_client_reads_it() -> None:
    row = record(5, T0, "Withdrawn")
    got = page(
        FetchQuery(10, 10),
        [row],
        members={5: [(7, "Withdrawn"), (8, "Active")]},
        feedback={5: [("Zed", "NotBlocked"), ("Alpha", "Blocked")]},
    )
    assert got["hashRecords"] == [
        {
            "lastModtimestamp": T0,
            "signalType": "ImagePDQ",
            "hashValue": f"{5:064x}",
            "hashStatus": "Withdrawn",
            "caseNumbers": {"ref7": "Withdrawn", "ref8": "Active"},
            "CSPFeedbacks": [
                {"feedbackValue": "Blocked", "tags": [], "source": "Alpha"},
                {"feedbackValue": "NotBlocked", "tags": [], "source": "Zed"},
            ],
        }
    ]
    assert page(FetchQuery(10, 10), [record(6)])["hashRecords"][0]["caseNumbers"] == {}


@pytest.mark.parametrize(
    ("body", "kept", "ignored"),
    [
        ({"count": 0, "hashFeedbacks": []}, [], 0),
        (
            {"hashFeedbacks": [{"hashValue": " ABC ", "feedbackValue": "Blocked", "tags": []}]},
            [feed.FeedbackItem("abc", "Blocked")],
            0,
        ),
        (
            {
                "hashFeedbacks": [
                    {"hashValue": "a", "feedbackValue": "PendingReview"},
                    {"hashValue": "b", "feedbackValue": "None"},
                    {"hashValue": "c", "feedbackValue": "Withdrawn"},
                    {"hashValue": "d", "feedbackValue": "NotBlocked"},
                ]
            },
            [feed.FeedbackItem("a", "PendingReview"), feed.FeedbackItem("d", "NotBlocked")],
            2,
        ),
    ],
)
def test_feedback_keeps_the_three_known_answers_and_counts_the_rest(
    body: object, kept: list[feed.FeedbackItem], ignored: int
) -> None:
    assert feed.parse_feedback(body) == (kept, ignored)


@pytest.mark.parametrize(
    "body",
    [
        [],
        {},
        {"hashFeedbacks": {}},
        {"hashFeedbacks": ["abc"]},
        {"hashFeedbacks": [{"hashValue": "abc"}]},
        {"hashFeedbacks": [{"feedbackValue": "Blocked"}]},
        {"hashFeedbacks": [{"hashValue": "", "feedbackValue": "Blocked"}]},
        {"hashFeedbacks": [{"hashValue": 5, "feedbackValue": "Blocked"}]},
        {"hashFeedbacks": [{"hashValue": "a" * 300, "feedbackValue": "Blocked"}]},
    ],
)
def test_malformed_feedback_is_a_bad_request(body: object) -> None:
    with pytest.raises(BadRequestError):
        feed.parse_feedback(body)


def test_match_reports_need_every_field_with_a_known_value() -> None:
    good = {
        "reference": "ab" * 12,
        "signalType": "ImagePDQ",
        "hashValue": "F" * 64,
        "feedbackValue": "Blocked",
    }
    assert feed.parse_match_report(good) == feed.MatchReport(
        "ab" * 12, "ImagePDQ", "f" * 64, "Blocked"
    )
    for name, bad in [
        ("reference", ""),
        ("reference", 12),
        ("signalType", "VideoTMK"),
        ("hashValue", None),
        ("feedbackValue", "Withdrawn"),
    ]:
        with pytest.raises(BadRequestError):
            feed.parse_match_report({**good, name: bad})
    with pytest.raises(BadRequestError):
        feed.parse_match_report([good])


@pytest.mark.parametrize("body", [b"", b"{", b"\xff\xfe", b"{'a': 1}"])
def test_bodies_that_are_not_json_are_bad_requests(body: bytes) -> None:
    with pytest.raises(BadRequestError):
        feed.decode_json(body)
