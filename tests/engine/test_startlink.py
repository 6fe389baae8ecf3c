"""Deep links keep only what the bot knows; the language follows the platform's hint."""

from __future__ import annotations

import pytest

from bot.engine.session import Referral, Session
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


LINKS = (Referral("Dbcode1234ab", "Ligne Écoute", "fr", "GB"), Referral("Nolang1234ab", "Plain"))


@pytest.mark.parametrize(
    ("payload", "lang", "country"),
    [
        ("r_Dbcode1234ab", "fr", "GB"),  # the helpline's language and country
        ("en-r_Dbcode1234ab", "en", "GB"),  # a language in the link wins
        ("r_Dbcode1234ab-c_us", "fr", "US"),  # and so does a country
        ("r_Nolang1234ab", None, None),
    ],
)
def test_a_code_from_the_database_brings_its_language_and_country(
    payload: str, lang: str | None, country: str | None
) -> None:
    session, referred = parse_payload(Session(), payload, make_ctx(referral_links=LINKS))
    assert referred is True
    assert session.referral == payload.split("r_")[1].split("-", maxsplit=1)[0]
    assert (session.lang, session.country) == (lang, country)


def test_a_code_from_the_database_is_unknown_without_its_row() -> None:
    session, referred = parse_payload(Session(), "r_Dbcode1234ab", make_ctx())
    assert (session.referral, session.lang, referred) == (None, None, True)


def test_known_codes_name_their_helpline() -> None:
    ctx = make_ctx(referral_links=LINKS)
    assert ctx.referrals == ("helpline_7", "Dbcode1234ab", "Nolang1234ab")
    assert ctx.referral("Dbcode1234ab") == LINKS[0]
    assert ctx.referral("helpline_7") == Referral("helpline_7", "UK line")
    assert ctx.referral("nobody") is None


MANY = ("en", "fr", "pt_BR", "zh_Hans", "fil")


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        ("pt-br", "pt_BR"),
        ("pt", "pt_BR"),
        ("zh-hans", "zh_Hans"),
        ("zh-CN", "zh_Hans"),
        ("tl", "fil"),
    ],
)
def test_a_hint_finds_a_catalog_kept_under_another_name(hint: str, expected: str) -> None:
    assert pick_language(hint, make_ctx(languages=MANY)) == expected


@pytest.mark.parametrize(
    ("payload", "expected"), [("zh_Hans", "zh_Hans"), ("pt_BR-c_br", "pt_BR"), ("pt", "pt_BR")]
)
def test_a_link_may_name_a_catalog_with_a_script_or_region(payload: str, expected: str) -> None:
    session, _ = parse_payload(Session(), payload, make_ctx(languages=MANY))
    assert session.lang == expected
