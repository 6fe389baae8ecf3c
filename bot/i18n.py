"""Turning msgids into words: catalogs, language negotiation and rendering.

This is the only module that knows what any message says. Catalogs are gettext ``.po`` files
under ``locales/<lang>/LC_MESSAGES/messages.po``, read with babel at start-up; English is the
source text and the fallback. ``locales/messages.pot`` is generated from the English catalog
(``reclaim i18n extract``) so translators see the English next to each msgid.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.pofile import read_po

from bot.engine.effects import Button, Lines, Msg, PageOffer, ParamValue, Say

SOURCE_LANGUAGE = "en"
DOMAIN = "messages"


def default_locales_dir() -> Path:
    """``RECLAIM_LOCALES_DIR`` or the ``locales/`` folder beside the package."""
    configured = os.environ.get("RECLAIM_LOCALES_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent.parent / "locales"


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready for a transport: text and ``(choice, label)`` buttons.

    ``page`` and ``page_label`` offer the companion page (see :class:`PageOffer`);
    ``page_closed`` says an earlier offer no longer applies.
    """

    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    page: PageOffer | None = None
    page_label: str = ""
    page_closed: bool = False


class _Params(dict[str, str]):
    """Format parameters that leave unknown placeholders visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_FOLD = re.compile(r"[\W_]+", re.UNICODE)

COUNTRY_ALIASES = {
    "uk": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "great britain": "GB",
    "britain": "GB",
    "usa": "US",
    "america": "US",
    "united states of america": "US",
    "holland": "NL",
}
"""Common names people type for a country that babel's territory names do not cover."""


def _fold(text: str) -> str:
    """Fold text for comparing typed answers with button labels."""
    text = unicodedata.normalize("NFKD", text).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _FOLD.sub(" ", text).strip()


class Catalogs:
    """All loaded message catalogs."""

    def __init__(self, messages: Mapping[str, Mapping[str, str]], default: str = SOURCE_LANGUAGE):
        if default not in messages:
            raise ValueError(f"no catalog for the default language {default!r}")
        self._messages = {lang: dict(table) for lang, table in messages.items()}
        self.default = default

    @classmethod
    def load(cls, directory: Path | None = None, default: str = SOURCE_LANGUAGE) -> Catalogs:
        """Read every ``<lang>/LC_MESSAGES/messages.po`` under ``directory``."""
        directory = directory or default_locales_dir()
        messages: dict[str, dict[str, str]] = {}
        for po in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            lang = po.parent.parent.name
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=lang.replace("-", "_"))
            messages[lang] = {
                str(m.id): str(m.string)
                for m in catalog
                if m.id and isinstance(m.string, str) and m.string
            }
        return cls(messages, default)

    @property
    def languages(self) -> tuple[str, ...]:
        """Language codes with a catalog, the default first."""
        others = sorted(lang for lang in self._messages if lang != self.default)
        return (self.default, *others)

    def msgids(self, lang: str) -> frozenset[str]:
        """Every msgid a catalog translates."""
        return frozenset(self._messages.get(lang, {}))

    def negotiate(self, preferred: Iterable[str]) -> str:
        """Pick the best catalog for a list of preferred locales (``pt-BR``, ``fr``...)."""
        for wanted in preferred:
            code = wanted.replace("-", "_")
            for candidate in (code, code.split("_")[0].lower()):
                if candidate in self._messages:
                    return candidate
        return self.default

    def text(self, lang: str | None, msgid: str) -> str:
        """The words of one msgid, falling back to the default language, then to the msgid."""
        table = self._messages.get(lang or self.default, {})
        found = table.get(msgid) or self._messages[self.default].get(msgid)
        return found if found is not None else msgid

    def label(self, lang: str | None, label: str) -> str:
        """Render a button label (a msgid, or a computed ``language:``/``territory:`` one)."""
        family, _, code = label.partition(":")
        try:
            if family == "language" and code:
                name = str(Locale.parse(code).get_display_name(code) or code)
                return name[:1].upper() + name[1:]
            if family == "territory" and code:
                territories = Locale.parse(lang or self.default).territories
                return str(territories.get(code.upper(), code))
        except (UnknownLocaleError, ValueError):
            return code
        return self.text(lang, label)

    def param(self, lang: str | None, value: ParamValue) -> str:
        """Render one parameter value (a msgid with its own parameters, or several lines)."""
        if isinstance(value, Msg):
            text = self.text(lang, value.msgid)
            if not value.params:
                return text
            return text.format_map(_Params({k: self.param(lang, v) for k, v in value.params}))
        if isinstance(value, Lines):
            return "\n".join(self.param(lang, item) for item in value.items)
        return str(value)

    def render(self, lang: str | None, message: Say) -> Rendered:
        """Render a :class:`Say` effect to text and labelled buttons."""
        params = _Params({k: self.param(lang, v) for k, v in message.params})
        text = self.text(lang, message.msgid).format_map(params)
        buttons = tuple((b.choice, self.label(lang, b.label)) for b in message.buttons)
        label = self.label(lang, message.page.label) if message.page is not None else ""
        return Rendered(text, buttons, message.page, label, message.page_closed)

    def match_choice(self, lang: str | None, options: Iterable[Button], typed: str) -> str | None:
        """The choice whose label (in this language or the default) the person typed, if any."""
        wanted = _fold(typed)
        if not wanted:
            return None
        for button in options:
            for candidate_lang in (lang, self.default):
                if _fold(self.label(candidate_lang, button.label)) == wanted:
                    return button.choice
            if _fold(button.choice.partition(":")[2] or button.choice) == wanted:
                return button.choice
        return self._match_country(lang, tuple(options), wanted)

    def _match_country(
        self, lang: str | None, options: tuple[Button, ...], wanted: str
    ) -> str | None:
        """A typed country (code, name in this language or English, or alias) on a country list.

        A country the list does not offer is "somewhere else", which still shows the lines that
        answer people from anywhere.
        """
        choices = {b.choice for b in options}
        if "country:other" not in choices:
            return None
        code = COUNTRY_ALIASES.get(wanted)
        if code is None and len(wanted) == 2 and wanted.isalpha():
            code = wanted.upper()
        if code is None:
            for candidate_lang in dict.fromkeys((lang or self.default, self.default)):
                try:
                    territories = Locale.parse(candidate_lang).territories
                except (UnknownLocaleError, ValueError):
                    continue
                code = next((c for c, n in territories.items() if _fold(str(n)) == wanted), None)
                if code is not None:
                    break
        if code is None:
            return None
        return f"country:{code}" if f"country:{code}" in choices else "country:other"
