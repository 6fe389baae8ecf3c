"""Sessions survive a round trip through JSON, and bad data never crashes a conversation."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.engine.effects import Button
from bot.engine.session import Age, Intent, Role, Session, session_from_json, session_to_json
from bot.engine.states import State
from bot.hashes.items import HashItem, ItemKind

items = st.builds(
    HashItem,
    st.sampled_from(list(ItemKind)),
    st.lists(
        st.tuples(
            st.sampled_from(["pdq", "md5"]), st.text("0123456789abcdef", min_size=32, max_size=64)
        ),
        max_size=3,
    ).map(tuple),
)

sessions = st.builds(
    Session,
    state=st.sampled_from(list(State)),
    lang=st.none() | st.sampled_from(["en", "fr"]),
    country=st.none() | st.sampled_from(["US", "GB"]),
    referral=st.none() | st.text("abc_123", min_size=1, max_size=10),
    role=st.none() | st.sampled_from(list(Role)),
    age=st.none() | st.sampled_from(list(Age)),
    threat=st.booleans(),
    has_file=st.none() | st.booleans(),
    route=st.none() | st.sampled_from(["takeitdown", "stopncii"]),
    pending=st.lists(items, max_size=4).map(tuple),
    intent=st.none() | st.sampled_from(list(Intent)),
    case_number=st.none() | st.just("ABCD-EFGH-JKMN-P"),
    options=st.lists(
        st.builds(Button, st.text(min_size=1, max_size=8), st.text(max_size=12)), max_size=4
    ).map(tuple),
    resume=st.none() | st.sampled_from(list(State)),
    opening=st.one_of(st.none(), st.text(alphabet="0123456789abcdef", min_size=1, max_size=32)),
    flood_since=st.integers(0, 10**8).map(lambda minute: minute * 60.0),
    flood_count=st.integers(0, 100),
    flood_warned=st.booleans(),
    visible=st.lists(st.text(min_size=1, max_size=12), max_size=5).map(tuple),
    page_open=st.booleans(),
)


@given(sessions)
def test_round_trip(session: Session) -> None:
    assert session_from_json(session_to_json(session)) == session


@given(st.lists(st.none() | st.integers(0, 100), min_size=1, max_size=4))
def test_pending_items_keep_their_pdq_quality(qualities: list[int | None]) -> None:
    pending = tuple(
        HashItem(ItemKind.IMAGE, (("pdq", f"{n + 1:064x}"),), pdq_quality=quality)
        for n, quality in enumerate(qualities)
    )
    loaded = session_from_json(session_to_json(Session(pending=pending)))
    assert [item.pdq_quality for item in loaded.pending] == qualities


def test_a_stored_quality_out_of_range_is_dropped() -> None:
    stored = '{"pending": [{"k": "image", "h": [["pdq", "%s"]], "q": 300}]}' % ("1" * 64)
    assert session_from_json(stored).pending[0].pdq_quality is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "[]",
        '{"state": "no-such-state"}',
        '{"pending": [{"k": "x"}]}',
        '{"options": 3}',
    ],
)
def test_unreadable_sessions_start_fresh(text: str) -> None:
    assert session_from_json(text) == Session()


def test_missing_fields_take_defaults() -> None:
    assert session_from_json(json.dumps({"state": "menu"})) == Session(state=State.MENU)


def test_a_stored_flood_window_keeps_only_its_minute() -> None:
    stored = json.loads(session_to_json(Session(flood_since=1_764_000_123.456, flood_count=3)))
    assert stored["flood_since"] == 1_764_000_120
    assert stored["flood_count"] == 3
