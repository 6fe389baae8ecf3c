"""Complete catalogs for tests: the English one under another language, with a few changes."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

from bot.i18n import default_locales_dir


def copy_with(tmp_path: Path, lang: str, changes: dict[str, str], drop: str = "") -> None:
    """A catalog for ``lang``: the English one with some messages changed (and one dropped)."""
    english = default_locales_dir() / "en" / "LC_MESSAGES" / "messages.po"
    with english.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    catalog.locale = lang  # type: ignore[assignment]
    for message in catalog:
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in changes:
            message.string = changes[key]
    if drop:
        catalog.delete(drop)
    (tmp_path / lang / "LC_MESSAGES").mkdir(parents=True)
    with (tmp_path / lang / "LC_MESSAGES" / "messages.po").open("wb") as handle:
        write_po(handle, catalog)
