"""The catalog workflow: the template, updating every catalog from it, and a new language.

``make i18n`` runs ``reclaim i18n extract`` then ``reclaim i18n update``: the English catalog
(``locales/en/LC_MESSAGES/messages.po``) is the source; ``locales/messages.pot`` is made from it
with the English beside each msgid; every other catalog is updated from the template (new
msgids added empty, removed ones dropped, never fuzzy-matched) and rewritten with its header and
plural rule. ``reclaim i18n init LANG`` starts a new catalog. The ``.po`` files are read
directly at start-up (``bot.i18n``), so nothing is compiled and nothing generated is committed
apart from the template and the page's word files.

Belongs here: writing catalogs. Does not belong here: reading them to speak (``bot.i18n``) or
checking them (``bot.i18n_check``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, SOURCE_LANGUAGE, default_locales_dir

__all__ = ["LANGUAGE_NOTES", "REVIEW_NOTE", "init_catalog", "update_catalogs", "write_template"]

_FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)
"""A fixed date keeps generated files byte-identical until a message changes."""

REVIEW_NOTE = "Awaiting review by a native-speaking child-safety professional."
"""Every translated catalog says so in its header until such a review is recorded."""

LANGUAGE_NOTES = {
    "ku": "Kurdish: Northern Kurdish (Kurmanji), Latin script (Hawar alphabet).",
    "pt_BR": "Portuguese as written in Brazil.",
    "zh_Hans": "Chinese in simplified characters.",
    "fil": "Tagalog, as Filipino (the standard form of Tagalog).",
}
"""What a language code does not say by itself: the variety and script."""


def _path(directory: Path, lang: str) -> Path:
    return directory / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def _write(path: Path, catalog: Catalog) -> None:
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, no_location=True)


def _header_comment(lang: str) -> str:
    name = Locale.parse(lang).get_display_name(SOURCE_LANGUAGE) or lang
    lines = [f"# {name} ({lang}) messages for Reclaim, translated from the English catalog."]
    if lang in LANGUAGE_NOTES:
        lines.append(f"# {LANGUAGE_NOTES[lang]}")
    lines.append(f"# {REVIEW_NOTE}")
    lines.append("# Updated from locales/messages.pot by `make i18n`; see docs/translating.md.")
    return "\n".join(lines)


def _empty(lang: str | None) -> Catalog:
    return Catalog(
        locale=lang,
        domain=DOMAIN,
        project="Reclaim",
        version="0.1",
        copyright_holder="Reclaim contributors",
        msgid_bugs_address="",
        creation_date=_FIXED_DATE,
        revision_date=_FIXED_DATE,
        last_translator="",
        language_team="",
        fuzzy=False,
    )


def write_template(directory: Path | None = None) -> Path:
    """Regenerate ``messages.pot`` from the English catalog; returns its path."""
    directory = directory or default_locales_dir()
    english = _read(_path(directory, SOURCE_LANGUAGE), SOURCE_LANGUAGE)
    template = _empty(None)
    for message in english:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        comments = [str(s) for s in strings] + list(message.auto_comments)
        empty: str | tuple[str, ...] = ("", "") if message.pluralizable else ""
        template.add(message.id, empty, auto_comments=comments)
    target = directory / f"{DOMAIN}.pot"
    _write(target, template)
    return target


def _rebuilt(lang: str, template: Catalog, old: Catalog | None) -> Catalog:
    """A catalog for ``lang`` with the template's msgids, in its order, keeping translations."""
    catalog = _empty(lang)
    catalog.header_comment = _header_comment(lang)
    forms = catalog.num_plurals
    for entry in template:
        if not entry.id:
            continue
        previous = old.get(entry.id) if old is not None else None
        found = previous.string if previous is not None else ""
        kept = [str(f or "") for f in found] if isinstance(found, tuple | list) else [found or ""]
        plural = tuple((kept + [""] * forms)[:forms])
        string: str | tuple[str, ...] = plural if entry.pluralizable else kept[0]
        flags = previous.flags if previous is not None else ()
        catalog.add(
            entry.id,
            string,
            auto_comments=entry.auto_comments,
            user_comments=previous.user_comments if previous is not None else (),
            flags=flags,
        )
    return catalog


def _normalise_source(directory: Path) -> Path:
    """Rewrite the English catalog in the same layout as the others (its words unchanged)."""
    path = _path(directory, SOURCE_LANGUAGE)
    english = _read(path, SOURCE_LANGUAGE)
    catalog = _empty(SOURCE_LANGUAGE)
    catalog.header_comment = english.header_comment
    for message in english:
        if message.id:
            catalog.add(
                message.id,
                message.string,
                auto_comments=message.auto_comments,
                user_comments=message.user_comments,
            )
    _write(path, catalog)
    return path


def update_catalogs(directory: Path | None = None) -> list[Path]:
    """Bring every translated catalog in line with the template; returns their paths."""
    directory = directory or default_locales_dir()
    template = _read(directory / f"{DOMAIN}.pot")
    written = [_normalise_source(directory)]
    for path in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        lang = path.parent.parent.name
        if lang == SOURCE_LANGUAGE:
            continue
        _write(path, _rebuilt(lang, template, _read(path, lang)))
        written.append(path)
    return written


def init_catalog(lang: str, directory: Path | None = None) -> Path:
    """Start the catalog of a new language from the template (every message empty)."""
    directory = directory or default_locales_dir()
    Locale.parse(lang)  # an unknown code fails here, before anything is written
    path = _path(directory, lang)
    if path.exists():
        raise FileExistsError(f"{path} exists already; `make i18n` updates it")
    path.parent.mkdir(parents=True)
    _write(path, _rebuilt(lang, _read(directory / f"{DOMAIN}.pot"), None))
    return path
