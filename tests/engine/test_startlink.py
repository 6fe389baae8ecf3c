"""Deep links keep only what the bot knows; the language follows the platform's hint."""

from __future__ import annotations

import pytest

from bot.engine.session import Session
from bot.engine.startlink import parse_payload, pick_language
from tests.engine.conftest import make_ctx


def test_a_link_sets_language_country_and_a_known_referral() -> None:
    session, referred = parse_payload(Session(), "fr-c_gb-r_helpline_7", make_ctx())
    assert (session.lang, session.country, session.referral, referred) == (
        "fr",
        "GB",
        "helpline_7",
        True,
    )


def test_an_unknown_referral_changes_the_greeting_but_is_not_kept() -> None:
    session, referred = parse_payload(Session(), "r_someone_else", make_ctx())
    assert referred is True
    assert session.referral is None


@pytest.mark.parametrize("payload", ["", "de", "c_XX", "x" * 65, "fr c_gb", "<script>"])
def test_anything_else_changes_nothing(payload: str) -> None:
    assert parse_payload(Session(), payload, make_ctx()) == (Session(), False)


@pytest.mark.parametrize(
    ("hint", "expected"),
    [("fr", "fr"), ("fr-CA", "fr"), ("FR", "fr"), ("de", "en"), (None, "en"), ("", "en")],
)
def test_the_language_is_the_hint_or_its_base_or_the_default(
    hint: str | None, expected: str
) -> None:
    assert pick_language(hint, make_ctx()) == expected
