"""Catalogs: loading, rendering, fallbacks, typed labels, and the template kept in sync."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.engine.effects import Button, Lines, Msg, PageOffer, Say, say
from bot.i18n import Catalogs, default_locales_dir
from bot.i18n_catalogs import write_template

FR_PO = """
msgid ""
msgstr ""
"Language: fr\\n"
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "button.yes"
msgstr "Oui"

msgid "case.opened"
msgstr "Dossier {number}, code {pin}"
"""


@pytest.fixture
def two_languages(tmp_path: Path) -> Catalogs:
    english = default_locales_dir() / "en" / "LC_MESSAGES" / "messages.po"
    (tmp_path / "en" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "en" / "LC_MESSAGES" / "messages.po").write_bytes(english.read_bytes())
    (tmp_path / "fr" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "fr" / "LC_MESSAGES" / "messages.po").write_text(FR_PO, "utf-8")
    return Catalogs.load(tmp_path)


def test_renders_parameters_and_nested_msgids(catalogs: Catalogs) -> None:
    rendered = catalogs.render(
        "en",
        say(
            "case.status",
            number="N",
            state=Msg("case.state.open"),
            images=2,
            files=0,
            created="2026-11-25",
            relay=Msg("relay.queued"),
        ),
    )
    assert rendered.text.splitlines()[:2] == ["Case N", "State: open"]
    assert "waiting to be passed on" in rendered.text


def test_buttons_are_rendered_with_their_choices(catalogs: Catalogs) -> None:
    rendered = catalogs.render("en", say("ask.threat", (Button("yes", "button.yes"),)))
    assert rendered.buttons == (("yes", "Yes"),)


def test_a_page_offer_is_rendered_with_its_label(catalogs: Catalogs) -> None:
    offer = PageOffer("https://x.org/companion/", "en", "button.open_page")
    rendered = catalogs.render("en", Say("hash.explain_page", page=offer))
    assert rendered.page == offer
    assert rendered.page_label == catalogs.text("en", "button.open_page")
    assert not rendered.page_closed
    closing = catalogs.render("en", Say("cancel.done", page_closed=True))
    assert (closing.page, closing.page_label, closing.page_closed) == (None, "", True)
    plain = catalogs.render("en", say("cancel.done"))
    assert (plain.page, plain.page_closed) == (None, False)


def test_falls_back_to_english_then_to_the_msgid(two_languages: Catalogs) -> None:
    assert two_languages.languages == ("en", "fr")
    assert two_languages.text("fr", "button.yes") == "Oui"
    assert two_languages.text("fr", "button.no") == "No"
    assert two_languages.text("fr", "no.such.msgid") == "no.such.msgid"
    assert (
        two_languages.render("fr", say("case.opened", number="X", pin="1")).text
        == "Dossier X, code 1"
    )


def test_negotiation_prefers_exact_then_base_language(two_languages: Catalogs) -> None:
    assert two_languages.negotiate(["fr-CA"]) == "fr"
    assert two_languages.negotiate(["de", "fr"]) == "fr"
    assert two_languages.negotiate(["de"]) == "en"


def test_computed_labels(catalogs: Catalogs) -> None:
    assert catalogs.label("en", "language:fr") == "Français"
    assert catalogs.label("en", "territory:GB") == "United Kingdom"
    assert catalogs.label("en", "territory:ZZ") in ("ZZ", "Unknown Region")


def test_typed_labels_match_loosely_in_either_language(two_languages: Catalogs) -> None:
    options = (Button("yes", "button.yes"), Button("no", "button.no"))
    assert two_languages.match_choice("fr", options, "  OUI!! ") == "yes"
    assert two_languages.match_choice("fr", options, "yes") == "yes"  # English still works
    assert two_languages.match_choice("fr", options, "peut-être") is None
    assert two_languages.match_choice("fr", options, "") is None


def test_missing_default_catalog_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="default language"):
        Catalogs.load(tmp_path)


def test_the_template_is_in_sync_with_the_english_catalog(tmp_path: Path) -> None:
    shipped = default_locales_dir()
    (tmp_path / "en" / "LC_MESSAGES").mkdir(parents=True)
    source = shipped / "en" / "LC_MESSAGES" / "messages.po"
    (tmp_path / "en" / "LC_MESSAGES" / "messages.po").write_bytes(source.read_bytes())
    regenerated = _entries(write_template(tmp_path))
    assert len(regenerated) > 100
    assert regenerated == _entries(shipped / "messages.pot"), (
        "locales/messages.pot is stale: run `reclaim i18n extract`"
    )


def _entries(path: Path) -> list[tuple[str, list[str]]]:
    """Msgids with their English comments (the header varies with the babel version)."""
    with path.open("rb") as handle:
        return [(str(m.id), list(m.auto_comments)) for m in read_po(handle) if m.id]


def test_every_catalog_has_every_english_msgid(catalogs: Catalogs) -> None:
    english = catalogs.msgids("en")
    assert len(english) > 100
    for lang in catalogs.languages:
        assert english <= catalogs.msgids(lang), lang


def test_nested_parameters_and_lines_are_rendered(catalogs: Catalogs) -> None:
    partner = Msg("partner.blocked_many", (("partner", "Bank"), ("count", 3)))
    lines = Lines((Msg("partner.delivered", (("partner", "Bank"),)), partner))
    rendered = catalogs.render("en", say("case.status_partners", partners=lines, number="N"))
    assert rendered.text.splitlines()[0] == "Case N"
    assert rendered.text.splitlines()[-2:] == [
        "Bank: has your codes",
        "Bank found copies and blocked them (so far: 3).",
    ]
