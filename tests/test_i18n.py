"""Catalogs: loading, rendering, fallbacks, typed labels, and the template kept in sync."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.engine.effects import Button, Lines, Msg, PageOffer, Say, say
from bot.i18n import Catalogs, default_locales_dir
from bot.i18n_catalogs import write_template
from tests.catalog_copies import copy_with as _copy_with

FRENCH = {"button.yes": "Oui", "button.no": "Non", "case.opened": "Dossier {number}, code {pin}"}


@pytest.fixture
def two_languages(tmp_path: Path) -> Catalogs:
    _copy_with(tmp_path, "en", {})
    _copy_with(tmp_path, "fr", FRENCH)
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


def test_speaks_each_language_and_names_unknown_msgids(two_languages: Catalogs) -> None:
    assert two_languages.languages == ("en", "fr")
    assert two_languages.text("fr", "button.yes") == "Oui"
    assert two_languages.text("fr", "no.such.msgid") == "no.such.msgid"
    assert (
        two_languages.render("fr", say("case.opened", number="X", pin="1")).text
        == "Dossier X, code 1"
    )


def test_a_catalog_missing_any_message_is_not_used(tmp_path: Path) -> None:
    _copy_with(tmp_path, "en", {})
    _copy_with(tmp_path, "fr", FRENCH, drop="button.no")
    catalogs = Catalogs.load(tmp_path)
    assert catalogs.languages == ("en",)
    assert catalogs.incomplete == {"fr": 1}
    assert catalogs.negotiate(["fr"]) == "en"


def test_negotiation_prefers_exact_then_aliases_then_base_language(tmp_path: Path) -> None:
    for lang in ("en", "fr", "pt_BR", "zh_Hans", "fil"):
        _copy_with(tmp_path, lang, {})
    catalogs = Catalogs.load(tmp_path)
    assert catalogs.negotiate(["fr-CA"]) == "fr"
    assert catalogs.negotiate(["de", "fr"]) == "fr"
    assert catalogs.negotiate(["de"]) == "en"
    assert catalogs.negotiate(["pt-br"]) == "pt_BR"
    assert catalogs.negotiate(["pt-PT"]) == "pt_BR"
    assert catalogs.negotiate(["zh-hans"]) == "zh_Hans"
    assert catalogs.negotiate(["zh-CN"]) == "zh_Hans"
    assert catalogs.negotiate(["tl"]) == "fil"
    assert catalogs.negotiate([""]) == "en"


def test_computed_labels(catalogs: Catalogs) -> None:
    assert catalogs.label("en", "language:fr") == "Français"
    assert catalogs.label("en", "territory:GB") == "United Kingdom"
    assert catalogs.label("en", "territory:ZZ") in ("ZZ", "Unknown Region")


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
