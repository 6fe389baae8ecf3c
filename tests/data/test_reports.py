"""The shipped places to report threats: the EU member states listed, each sourced and dated."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from bot.data.reports import load_reports
from bot.engine.session import Age
from bot.engine.threats import places
from bot.engine.where import EU
from bot.i18n import Catalogs
from tests.engine.conftest import make_ctx

CTX = make_ctx(reports=load_reports())


def _entries() -> list[dict[str, str]]:
    text = resources.files("bot.data").joinpath("reports.toml").read_text("utf-8")
    entries: list[dict[str, str]] = tomllib.loads(text)["report"]
    return entries


@pytest.mark.parametrize(
    ("country", "adult", "young"),
    [
        ("ES", {"INCIBE 017", "Policía Nacional"}, {"INCIBE 017", "Policía Nacional"}),
        ("IT", {"Polizia Postale (Commissariato di P.S. Online)"}, None),
        ("BE", set(), {"Child Focus"}),
        ("PT", {"Linha Internet Segura (APAV)"}, None),
    ],
)
def test_more_member_states_have_places_for_their_ages(
    country: str, adult: set[str], young: set[str] | None
) -> None:
    assert {p.name for p in places(CTX, country, Age.ADULT)} == adult
    assert {p.name for p in places(CTX, country, Age.UNDER_18)} == (young or adult)


@pytest.mark.parametrize("country", ["ES", "IT", "BE", "PT"])
def test_each_new_place_names_the_page_it_was_read_on_and_the_day(country: str) -> None:
    found = [e for e in _entries() if e["country"] == country]
    assert found
    for entry in found:
        assert entry["source"].startswith("https://")
        assert entry["checked"] >= "2026-12-03"


def test_the_member_states_listed_are_the_eu_s() -> None:
    listed = {e["country"] for e in _entries()} & EU
    assert {"AT", "BE", "DE", "ES", "FR", "IE", "IT", "NL", "PL", "PT"} <= listed


def test_every_place_reads_in_english() -> None:
    catalogs = Catalogs.load()
    for place in load_reports():
        about = catalogs.text("en", place.about)
        assert about != place.about
        assert about.endswith(".")
