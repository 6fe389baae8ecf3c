"""The shipped helpline data loads, covers every listed country, and is well formed."""

from __future__ import annotations

import re

import pytest

from bot.data import AUDIENCES, load_helplines, parse_helplines


def test_helplines_load_and_are_well_formed() -> None:
    helplines = load_helplines()
    assert len(helplines) >= 16
    for helpline in helplines:
        assert re.fullmatch(r"[A-Z]{2}|global", helpline.country), helpline
        assert helpline.audience in AUDIENCES
        assert helpline.name
        assert helpline.contact
        assert helpline.about.startswith("helpline.about.")


def test_every_country_in_the_safety_table_is_covered() -> None:
    countries = {h.country for h in load_helplines()}
    assert {
        "US",
        "GB",
        "AU",
        "CA",
        "IN",
        "BR",
        "FR",
        "NL",
        "NZ",
        "IE",
        "DE",
        "ES",
        "global",
    } <= countries


def test_report_remove_is_marked_as_not_on_device() -> None:
    from bot.i18n import Catalogs

    remove = next(h for h in load_helplines() if "Report Remove" in h.name)
    assert "see the images" in Catalogs.load().text("en", remove.about)


ENTRY = """
[[helpline]]
country = "GB"
name = "A line"
about = "helpline.about.rph"
contact = "0000"
source = "test"
"""


def test_a_referral_code_is_read_from_an_entry() -> None:
    (helpline,) = parse_helplines(ENTRY + 'referral = "uk_line_1"\n')
    assert helpline.referral == "uk_line_1"
    assert parse_helplines(ENTRY)[0].referral is None


@pytest.mark.parametrize("code", ['"has space"', '""', "7", '"' + "a" * 61 + '"'])
def test_malformed_referral_codes_are_refused(code: str) -> None:
    with pytest.raises(ValueError, match="referral"):
        parse_helplines(ENTRY + f"referral = {code}\n")


def test_a_referral_code_names_one_helpline_only() -> None:
    twice = ENTRY + 'referral = "same"\n'
    with pytest.raises(ValueError, match="twice"):
        parse_helplines(twice + twice)


def _entries() -> list[dict[str, str]]:
    import tomllib
    from importlib import resources

    text = resources.files("bot.data").joinpath("helplines.toml").read_text("utf-8")
    return list(tomllib.loads(text)["helpline"])


def test_every_country_has_an_emergency_number_and_a_crisis_line() -> None:
    helplines = load_helplines()
    for country in {h.country for h in helplines} - {"global"}:
        kinds = {h.kind for h in helplines if h.country == country}
        assert {"emergency", "crisis"} <= kinds, country


def test_emergency_and_crisis_entries_name_a_public_source_and_the_date_checked() -> None:
    import datetime as dt

    for entry in _entries():
        if entry.get("kind") in ("emergency", "crisis") or entry["country"] == "global":
            assert entry["source"].startswith(("http://", "https://")), entry
            dt.date.fromisoformat(entry["checked"])


def test_the_global_entries_are_people_to_talk_to_not_reporting_hotlines() -> None:
    names = {h.name for h in load_helplines() if h.country == "global"}
    assert names == {"Find A Helpline"}
