"""Helplines' referral codes and weekly counts (``bot/cases/referrals.py``), on real files.

Also how the store counts for them: a case opened with a referral, and its withdrawal.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from bot.cases import referrals
from bot.cases.store import CaseCredentials, CaseInfo, Store
from bot.hashes.items import HashItem
from bot.relay import dispatch, feed, feedstore
from tests.cases.database import MD5_VIDEO, PDQ_A, T0, rows

TODAY = dt.date(2024, 6, 1)
WEEK = "2024-W22"  # T0 is Saturday 2024-06-01
WEEK_AFTER = "2024-W23"


async def _add(store: Store, name: str, lang: str | None = None, country: str | None = None) -> str:
    async with store.transaction() as db:
        made = await referrals.add(db, name, lang, country, TODAY)
    assert isinstance(made, str)
    return made


async def test_a_code_is_random_url_safe_and_long(store: Store) -> None:
    codes = {await _add(store, f"Helpline {i}") for i in range(20)}
    assert len(codes) == 20
    for code in codes:
        assert re.fullmatch(r"[A-Za-z0-9]{10,}", code), code
    assert referrals.iso_week(T0) == WEEK


async def test_links_are_listed_by_name_with_language_and_country(store: Store) -> None:
    second = await _add(store, "Zed line", "en", "gb")
    first = await _add(store, "Alpha line")
    async with store.transaction() as db:
        found = await referrals.links(db)
    assert found == [
        referrals.Link(first, "Alpha line", None, None, "2024-06-01"),
        referrals.Link(second, "Zed line", "en", "GB", "2024-06-01"),
    ]


async def test_a_name_is_taken_once_and_bad_input_is_refused(store: Store) -> None:
    await _add(store, "Line")
    async with store.transaction() as db:
        assert await referrals.add(db, "Line", None, None, TODAY) == referrals.NameTaken("Line")
        with pytest.raises(ValueError, match="name"):
            await referrals.add(db, " ", None, None, TODAY)
        with pytest.raises(ValueError, match="two letters"):
            await referrals.add(db, "Other", None, "GBR", TODAY)


async def test_counts_are_per_code_and_week(store: Store) -> None:
    code = await _add(store, "Line")
    async with store.transaction() as db:
        await referrals.bump(db, code, "started", T0)
        await referrals.bump(db, code, "started", T0 + 3600)
        await referrals.bump(db, code, "feedback", T0 + 7 * 86400)
        await referrals.bump(db, "bundled_7", "opened", T0)
        with pytest.raises(ValueError, match="counter"):
            await referrals.bump(db, code, "people", T0)  # type: ignore[arg-type]
        found = await referrals.stats(db)
    assert found == [
        referrals.WeekCounts(code, "Line", WEEK, 2, 0, 0, 0),
        referrals.WeekCounts(code, "Line", WEEK_AFTER, 0, 0, 0, 1),
        referrals.WeekCounts("bundled_7", None, WEEK, 0, 1, 0, 0),
    ]


@pytest.mark.parametrize(("count", "text"), [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (12, "12")])
def test_small_counts_are_never_shown_exactly(count: int, text: str) -> None:
    assert referrals.shown(count) == text


async def test_opening_and_withdrawing_a_referred_case_count_for_the_helpline(
    store: Store, items: tuple[HashItem, ...], db_path: Path
) -> None:
    code = await _add(store, "Line")
    referred = await store.open_case(items, "stopncii", T0, referral=code)
    plain = await store.open_case(items[:1], "stopncii", T0)
    assert isinstance(referred, CaseCredentials)
    assert isinstance(plain, CaseCredentials)
    for case in (referred, plain):
        for _ in range(2):  # a second withdrawal changes nothing and counts nothing
            assert isinstance(await store.withdraw_case(case.number, case.pin, T0), CaseInfo)
    counted = rows(db_path, "SELECT code, week, started, opened, withdrawn FROM referral_counts")
    assert counted == [(code, WEEK, 0, 1, 1)]
    kept = rows(db_path, "SELECT referral FROM cases ORDER BY id")
    assert kept == [(code,), (None,)]


async def test_the_same_token_opens_and_counts_once(
    store: Store, items: tuple[HashItem, ...], db_path: Path
) -> None:
    code = await _add(store, "Line")
    for _ in range(2):
        opened = await store.open_case(items, "stopncii", T0, token="t" * 32, referral=code)
        assert isinstance(opened, CaseCredentials)
    assert rows(db_path, "SELECT opened FROM referral_counts") == [(1,)]


async def test_answers_about_a_referred_case_count_for_its_helpline_only(
    store: Store, items: tuple[HashItem, ...], db_path: Path
) -> None:
    code = await _add(store, "Line")
    referred = await store.open_case(items, "stopncii", T0, referral=code)
    plain = await store.open_case(items[:1], "stopncii", T0)
    assert isinstance(referred, CaseCredentials)
    assert isinstance(plain, CaseCredentials)
    await dispatch.dispatch_pending(store, T0, sinks=[])
    answers = [feed.FeedbackItem(PDQ_A, "Blocked"), feed.FeedbackItem(MD5_VIDEO, "PendingReview")]
    async with store.transaction() as db:
        await feedstore.store_feedback(db, "Hotline", answers, T0)
        await feedstore.store_feedback(db, "Hotline", answers, T0)  # a repeat counts nothing
    assert rows(db_path, "SELECT code, opened, feedback FROM referral_counts") == [(code, 1, 2)]
