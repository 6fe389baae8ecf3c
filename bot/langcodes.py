"""Language codes: which of the bot's catalogs a code from a platform, a link or a person means.

Belongs here: the aliases platforms use for a catalog under another name, and matching one code
(``pt-BR``, ``zh-hans``, ``tl``) to the catalogs on offer. Pure code, shared by the engine (deep
links, the platform's hint) and ``bot.i18n``. Does not belong here: loading catalogs or words.
"""

from __future__ import annotations

from collections.abc import Collection

__all__ = ["LANGUAGE_ALIASES", "match_language"]

LANGUAGE_ALIASES = {
    "pt": "pt_BR",
    "zh": "zh_Hans",
    "zh_CN": "zh_Hans",
    "zh_SG": "zh_Hans",
    "tl": "fil",
    "kmr": "ku",
}
"""Codes platforms send for a language whose catalog has another name."""


def match_language(wanted: str, available: Collection[str]) -> str | None:
    """The catalog in ``available`` for one locale code, as given, through its aliases or as
    its base language; ``None`` if the bot does not speak it."""
    code = wanted.strip().replace("-", "_")
    if not code or len(code) > 35:
        return None
    parts = code.split("_")
    base = parts[0].lower()
    tags = [p.title() if len(p) == 4 else p.upper() for p in parts[1:]]
    candidates = [code, "_".join([base, *tags])]
    candidates += [LANGUAGE_ALIASES.get(c, "") for c in list(candidates)]
    candidates += [base, LANGUAGE_ALIASES.get(base, "")]
    for candidate in candidates:
        if candidate and candidate in available:
            return candidate
    return None
