"""Plurals, numbers, dates and right-to-left isolation in rendered messages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.engine.effects import Msg, Say, say
from bot.i18n import FSI, PDI, Catalogs
from tests.catalog_copies import copy_with

ARABIC = {
    "case.opened": "\u0642\u0636\u064a\u0629\n{number}\nPIN: {pin}",
    "route.takeitdown": "\u0627\u0630\u0647\u0628 takeitdown.ncmec.org \u0623\u0648 /help",
}


def _catalogs(tmp_path: Path) -> Catalogs:
    copy_with(tmp_path, "en", {})
    copy_with(tmp_path, "ar", ARABIC)
    return Catalogs.load(tmp_path)


def test_plural_forms_follow_the_count(catalogs: Catalogs) -> None:
    one = catalogs.render("en", say("lookup.paused", count=1)).text
    many = catalogs.render("en", say("lookup.paused", count=5)).text
    assert "about 1 minute." in one
    assert "about 5 minutes." in many
    assert catalogs.text("en", "hashes.duplicates", 1) == "I left out {count} repeat."


def test_numbers_and_dates_are_formatted_for_the_language(catalogs: Catalogs) -> None:
    assert catalogs.param("en", 12345) == "12,345"
    assert catalogs.param("en", dt.date(2026, 3, 4)) == "March 4, 2026"


def test_values_links_and_commands_are_isolated_in_right_to_left_languages(tmp_path: Path) -> None:
    catalogs = _catalogs(tmp_path)
    assert catalogs.rtl("ar")
    assert not catalogs.rtl("en")
    opened = catalogs.render("ar", say("case.opened", number="ABCD-EFGH-JKMN-P", pin="012345"))
    assert f"{FSI}ABCD-EFGH-JKMN-P{PDI}" in opened.text
    assert f"{FSI}012345{PDI}" in opened.text
    route = catalogs.render("ar", say("route.takeitdown")).text
    assert f"{FSI}takeitdown.ncmec.org{PDI}" in route
    assert f"{FSI}/help{PDI}" in route
    # Left-to-right languages are left alone.
    english = catalogs.render("en", say("case.opened", number="N", pin="1")).text
    assert FSI not in english
    assert PDI not in english


def test_a_message_can_be_said_in_another_language(tmp_path: Path) -> None:
    catalogs = _catalogs(tmp_path)
    offer = Say("language.offer", (("language", Msg("language:ar")),), lang="ar")
    rendered = catalogs.render("en", offer)
    assert "\u0627\u0644\u0639\u0631\u0628\u064a\u0629" in rendered.text  # "Arabic", in Arabic
    assert catalogs.render("en", Say("language.offer", lang="xx")).text == catalogs.text(
        "en", "language.offer"
    )
