"""The catalog check (``reclaim i18n check``, run by the test suite): every catalog complete.

It reports, per catalog: a message missing or empty (any plural form); a fuzzy entry;
placeholders that differ from the English; a label longer than the transports allow; a
``words.numbers`` list that is not 0 to 30; a header without the review note; a catalog whose
words are mostly the English ones. Across the code: a msgid used in the code, the page or the
data files but absent from the template, and a template msgid nothing uses.

Belongs here: finding those problems. Does not belong here: loading catalogs to speak
(``bot.i18n``) or writing them (``bot.i18n_catalogs``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.i18n import DOMAIN, SOURCE_LANGUAGE, default_locales_dir
from bot.i18n_catalogs import REVIEW_NOTE

__all__ = ["LIMITS", "MOSTLY_ENGLISH", "NOT_STARTED", "check", "code_msgids"]

NOT_STARTED = ["not translated yet, so not offered"]
"""The report for a catalog made by ``reclaim i18n init`` with not one message translated: a
place for a translator to start, not a broken catalog. One message translated and every
problem counts."""

LIMITS: dict[str, int] = {
    "button.": 40,
    "telegram.command.": 256,
    "telegram.short_description": 120,
    "telegram.description": 512,
    "companion.tag.": 6,
}
"""Longest text per msgid (or prefix): phone buttons stay readable; the Bot API allows 256
characters for a command's description, 120 for the short description and 512 for the
description; the companion's column words keep its lines aligned."""

MOSTLY_ENGLISH = 0.2
"""A catalog with more than this share of messages identical to English is not translated."""

_SAME_EVERYWHERE = ("words.", "companion.tag.ok")
"""Never counted as "identical to English": the words people type, and "ok"."""

_DYNAMIC_PREFIXES = (
    "case.state.",
    "case_number.",
    "partner.",
    "relay.",
    "telegram.command.",
)
"""Families of msgids the code builds from a value (``f"partner.{state}"``), all used."""

_NOT_MSGIDS = re.compile(r".*\.(org|com|net|br|uk|js|py|toml|json|html)$|^button\.send$")
"""Literals shaped like msgids that are not: addresses, file names, a CSS selector."""

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_LITERAL = re.compile(r"""["']([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)["']""")
_ROOT = Path(__file__).resolve().parent


def _key(message_id: object) -> str:
    return message_id if isinstance(message_id, str) else str(message_id[0])  # type: ignore[index]


def _strings(string: object) -> tuple[str, ...]:
    if isinstance(string, tuple | list):
        return tuple(str(s or "") for s in string)
    return (str(string or ""),)


def _limit(msgid: str) -> int | None:
    for prefix, most in LIMITS.items():
        if msgid == prefix or (prefix.endswith(".") and msgid.startswith(prefix)):
            return most
    return None


def _read(path: Path, lang: str | None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def _catalog_problems(
    lang: str, catalog: Catalog, english: dict[str, tuple[str, ...]]
) -> list[str]:
    problems: list[str] = []
    found: dict[str, tuple[str, ...]] = {}
    for message in catalog:
        if not message.id:
            continue
        msgid = _key(message.id)
        found[msgid] = strings = _strings(message.string)
        if msgid not in english:
            problems.append(f"{msgid}: not in the template")
            continue
        if "fuzzy" in message.flags:
            problems.append(f"{msgid}: marked fuzzy")
        if not all(s.strip() for s in strings):
            problems.append(f"{msgid}: missing or empty")
            continue
        if message.pluralizable and len(strings) != catalog.num_plurals:
            problems.append(
                f"{msgid}: {len(strings)} plural forms, the language has {catalog.num_plurals}"
            )
        wanted = set(_PLACEHOLDER.findall(" ".join(english[msgid])))
        for text in strings:
            if set(_PLACEHOLDER.findall(text)) != wanted:
                got = sorted(set(_PLACEHOLDER.findall(text)))
                problems.append(f"{msgid}: placeholders {got}, the English has {sorted(wanted)}")
            most = _limit(msgid)
            if most is not None and len(text) > most:
                problems.append(f"{msgid}: {len(text)} characters, at most {most}")
        if msgid == "words.numbers" and len(strings[0].split("|")) != 31:
            problems.append("words.numbers: needs 31 entries, the numbers 0 to 30")
    problems += [f"{msgid}: missing" for msgid in english if msgid not in found]
    if lang != SOURCE_LANGUAGE:
        if REVIEW_NOTE not in (catalog.header_comment or ""):
            problems.append(f"header: lacks the note {REVIEW_NOTE!r}")
        counted = [m for m in english if not m.startswith(_SAME_EVERYWHERE) and m in found]
        same = sum(found[m] == english[m] or found[m][0] == english[m][0] for m in counted)
        if counted and same / len(counted) > MOSTLY_ENGLISH:
            problems.append(f"{same} of {len(counted)} messages are the English words")
    return problems


def _sources() -> Iterator[Path]:
    yield from (p for p in _ROOT.rglob("*.py") if p.name not in ("i18n_check.py",))
    yield from (_ROOT / "companion" / "web").glob("*.js")
    yield from (_ROOT / "companion" / "web").glob("*.html")
    yield from (_ROOT / "data").glob("*.toml")


def code_msgids(families: set[str]) -> set[str]:
    """String literals in the code, the page and the data files that look like msgids of
    ``families`` (their first part, such as ``button``)."""
    found: set[str] = set()
    for path in _sources():
        for literal in _LITERAL.findall(path.read_text("utf-8")):
            if literal.split(".")[0] in families:
                found.add(literal)
    return found


def _usage_problems(template: set[str]) -> list[str]:
    families = {m.split(".")[0] for m in template}
    used = code_msgids(families)
    missing = sorted(m for m in used - template if not _NOT_MSGIDS.match(m))
    problems = [f"{m}: used in the code but not in the template" for m in missing]
    for msgid in sorted(template - used):
        twin = re.sub(r"_(local|hours)$", "", msgid)
        if msgid.startswith(_DYNAMIC_PREFIXES) or (twin != msgid and twin in used):
            continue
        problems.append(f"{msgid}: in the template but used nowhere")
    return problems


def check(directory: Path | None = None) -> dict[str, list[str]]:
    """Every problem, by catalog (``"code"`` for the msgids the code uses)."""
    directory = directory or default_locales_dir()
    template = _read(directory / f"{DOMAIN}.pot", None)
    source = _read(directory / SOURCE_LANGUAGE / "LC_MESSAGES" / f"{DOMAIN}.po", SOURCE_LANGUAGE)
    english = {_key(m.id): _strings(m.string) for m in source if m.id}
    report: dict[str, list[str]] = {}
    template_ids = {_key(m.id) for m in template if m.id}
    if template_ids != set(english):
        report["template"] = ["locales/messages.pot is stale: run `make i18n`"]
    report["code"] = _usage_problems(set(english))
    for path in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        lang = path.parent.parent.name
        catalog = _read(path, lang)
        if lang != SOURCE_LANGUAGE and not any(
            any(s.strip() for s in _strings(m.string)) for m in catalog if m.id
        ):
            report[lang] = NOT_STARTED
            continue
        report[lang] = _catalog_problems(lang, catalog, english)
    return report
