"""The catalog check: a catalog is complete, untouched (not offered), or its problems are listed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from bot.i18n import default_locales_dir
from bot.i18n_catalogs import init_catalog
from bot.i18n_check import NOT_STARTED, check


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    shipped = default_locales_dir()
    shutil.copy(shipped / "messages.pot", tmp_path / "messages.pot")
    shutil.copytree(shipped / "en", tmp_path / "en")
    shutil.copytree(shipped / "es", tmp_path / "es")
    return tmp_path


def _edit(path: Path, lang: str, changes: dict[str, str]) -> None:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    for msgid, text in changes.items():
        message = catalog.get(msgid)
        assert message is not None, msgid
        message.string = text
    with path.open("wb") as handle:
        write_po(handle, catalog, omit_header=False)


def test_the_shipped_catalogs_are_complete_or_not_started() -> None:
    for lang, problems in check().items():
        assert problems == [] or problems is NOT_STARTED, (lang, problems[:5])


def test_a_new_catalog_is_not_started_until_one_message_is_written(locales: Path) -> None:
    path = init_catalog("de", locales)
    assert check(locales)["de"] is NOT_STARTED
    _edit(path, "de", {"welcome.hello": "Hallo, ich bin Reclaim."})
    problems = check(locales)["de"]
    assert problems is not NOT_STARTED
    assert "welcome.never_send: missing or empty" in problems
    assert not any(p.startswith("welcome.hello") for p in problems)


def test_wrong_placeholders_and_long_buttons_are_reported(locales: Path) -> None:
    path = locales / "es" / "LC_MESSAGES" / "messages.po"
    assert check(locales)["es"] == []
    _edit(path, "es", {"welcome.referred_by": "Hola, {linea} te envió.", "button.back": "x" * 41})
    problems = check(locales)["es"]
    assert any(p.startswith("welcome.referred_by: placeholders ['linea']") for p in problems)
    assert "button.back: 41 characters, at most 40" in problems
