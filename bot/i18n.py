"""Turning msgids into words: catalogs, language negotiation and rendering.

This is the only module that knows what any message says. Catalogs are gettext ``.po`` files
under ``locales/<lang>/LC_MESSAGES/messages.po``, read directly with babel at start-up (nothing
is compiled); English is the source text. A catalog counts only when it translates every
message of the English one, every plural form included: a partly translated language is left
out entirely, so no conversation falls back to English half way.

Plural messages are chosen by their ``count`` parameter with the catalog's own plural rule;
numbers and dates are formatted with babel for the language. In right-to-left languages every
parameter, and every link, command, phone number and code marker in the words, is wrapped in
Unicode isolates so case numbers, PINs and hashes keep their direction.

What does not belong here: understanding typed answers (``bot.understand``), writing and
checking catalogs (``bot.i18n_catalogs``, ``bot.i18n_check``).
"""

from __future__ import annotations

import datetime as dt
import gettext
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from bot.engine.effects import Lines, Msg, PageOffer, ParamValue, Say
from bot.langcodes import match_language

SOURCE_LANGUAGE = "en"
DOMAIN = "messages"
FSI, PDI = "\u2068", "\u2069"
"""First-strong isolate and pop directional isolate (Unicode bidi isolates)."""

log = logging.getLogger(__name__)

Text = str | tuple[str, ...]
"""A message's words: one string, or one per plural form."""


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


@dataclass(frozen=True, slots=True)
class _Language:
    """One loaded catalog: its messages, plural rule and text direction."""

    messages: Mapping[str, Text]
    plural: Callable[[int], int]
    rtl: bool


_EMBEDDED = re.compile(
    r"(?:https?://)?[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*\.[a-z]{2,}(?:/[^\s]*[^\s.,;:!?)])?"
    r"|(?<![\w/])/[a-z]+\b"
    r"|#reclaim1|#end\b|PDQ:"
    r"|\+?\d[\d\- ]{4,}\d"
    r"|[A-Z0-9]{4}(?:-[A-Z0-9]{1,4}){2,3}"
)
"""Left-to-right runs inside right-to-left words: links, commands, phone numbers, code markers,
case-number examples."""


def _load_file(path: Path, lang: str) -> tuple[dict[str, Text], Callable[[int], int]]:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    messages: dict[str, Text] = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else str(message.id[0])
        string = message.string
        if isinstance(string, tuple | list):
            forms = tuple(str(s) for s in string)
            if forms and all(forms):
                messages[key] = forms
        elif isinstance(string, str) and string and "fuzzy" not in message.flags:
            messages[key] = string
    return messages, gettext.c2py(catalog.plural_expr or "(n != 1)")


_CACHE: dict[tuple[str, int, int], tuple[dict[str, Text], Callable[[int], int]]] = {}


def _load_cached(path: Path, lang: str) -> tuple[dict[str, Text], Callable[[int], int]]:
    """A catalog file, read once per content (the suite and the tools load them often)."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _CACHE:
        _CACHE[key] = _load_file(path, lang)
    return _CACHE[key]


def is_rtl(lang: str) -> bool:
    """Whether a language is written right to left (Arabic, Persian, Urdu...)."""
    try:
        return Locale.parse(lang).character_order == "right-to-left"
    except (UnknownLocaleError, ValueError):
        return False


class Catalogs:
    """All loaded message catalogs."""

    def __init__(
        self,
        messages: Mapping[str, Mapping[str, Text]],
        default: str = SOURCE_LANGUAGE,
        plurals: Mapping[str, Callable[[int], int]] | None = None,
    ):
        if default not in messages:
            raise ValueError(f"no catalog for the default language {default!r}")
        plurals = plurals or {}
        self._langs = {
            lang: _Language(dict(table), plurals.get(lang, _english_plural), is_rtl(lang))
            for lang, table in messages.items()
        }
        self.default = default
        self.incomplete: dict[str, int] = {}
        """Catalogs left out at load because messages were missing: language -> how many."""

    @classmethod
    def load(
        cls,
        directory: Path | None = None,
        default: str = SOURCE_LANGUAGE,
        only: Iterable[str] | None = None,
    ) -> Catalogs:
        """Read the complete catalogs under ``directory`` (``only``: just these languages).

        A catalog that lacks any message of the English one is left out (see
        :attr:`incomplete`), so no conversation can fall back to English half way.
        """
        directory = directory or default_locales_dir()
        wanted = None if only is None else {SOURCE_LANGUAGE, default, *only}
        messages: dict[str, dict[str, Text]] = {}
        plurals: dict[str, Callable[[int], int]] = {}
        for po in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            lang = po.parent.parent.name
            if wanted is None or lang in wanted:
                messages[lang], plurals[lang] = _load_cached(po, lang)
        reference = messages.get(SOURCE_LANGUAGE, {})
        incomplete: dict[str, int] = {}
        for lang in list(messages):
            missing = len(reference.keys() - messages[lang].keys())
            if missing and lang != SOURCE_LANGUAGE:
                incomplete[lang] = missing
                del messages[lang]
        catalogs = cls(messages, default, plurals)
        catalogs.incomplete = incomplete
        for lang, missing in sorted(incomplete.items()):
            # Debug, not info: every command loads the catalogs; `reclaim i18n check` reports.
            log.debug("the %s catalog lacks %d messages, so it is not used", lang, missing)
        return catalogs

    @property
    def languages(self) -> tuple[str, ...]:
        """Language codes with a catalog, the default first, then by code."""
        others = sorted(lang for lang in self._langs if lang != self.default)
        return (self.default, *others)

    def msgids(self, lang: str) -> frozenset[str]:
        """Every msgid a catalog translates."""
        found = self._langs.get(lang)
        return frozenset(found.messages) if found else frozenset()

    def rtl(self, lang: str | None) -> bool:
        """Whether this conversation's language is written right to left."""
        return self._lang(lang).rtl

    def negotiate(self, preferred: Iterable[str]) -> str:
        """Pick the best catalog for a list of preferred locales (``pt-BR``, ``zh-hans``...).

        Each wish is tried as given, through its aliases, and as its base language.
        """
        for wanted in preferred:
            found = self.find(wanted)
            if found is not None:
                return found
        return self.default

    def find(self, wanted: str) -> str | None:
        """The catalog for one locale code, if the bot speaks it (or its base language)."""
        return match_language(wanted, self._langs)

    def _lang(self, lang: str | None) -> _Language:
        return self._langs.get(lang or self.default) or self._langs[self.default]

    def _words(self, lang: str | None, msgid: str) -> Text | None:
        found = self._lang(lang).messages.get(msgid)
        if found is None:
            found = self._langs[self.default].messages.get(msgid)
        return found

    def text(self, lang: str | None, msgid: str, count: int | None = None) -> str:
        """The words of one msgid (the plural form for ``count``), or the msgid if unknown."""
        found = self._words(lang, msgid)
        if found is None:
            return msgid
        if isinstance(found, tuple):
            index = self._lang(lang).plural(1 if count is None else count)
            return found[min(index, len(found) - 1)]
        return found

    def words(self, lang: str | None, msgid: str) -> tuple[str, ...]:
        """A ``words.*`` list: the ``|``-separated entries of one msgid, stripped."""
        text = self.text(lang, msgid)
        if text == msgid:
            return ()
        return tuple(w.strip() for w in text.split("|") if w.strip())

    def label(self, lang: str | None, label: str) -> str:
        """Render a button label: a msgid, or a computed one: ``language:`` and ``territory:``
        (names from the locale data) or ``name:`` (a name said the same in every language,
        such as a platform's)."""
        family, _, code = label.partition(":")
        if family == "name" and code:
            return code
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
            if ":" in value.msgid:  # a computed label: a language's or a country's name
                return self.label(lang, value.msgid)
            return self._format(lang, value.msgid, value.params)
        if isinstance(value, Lines):
            return "\n".join(self.param(lang, item) for item in value.items)
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int):
            return format_decimal(value, locale=self._locale(lang))
        if isinstance(value, dt.date):
            return format_date(value, format="long", locale=self._locale(lang))
        return str(value)

    def _locale(self, lang: str | None) -> str:
        return lang if lang in self._langs else self.default

    def _format(
        self, lang: str | None, msgid: str, params: tuple[tuple[str, ParamValue], ...]
    ) -> str:
        values = dict(params)
        count = values.get("count")
        words = self.text(lang, msgid, count if isinstance(count, int) else None)
        rtl = self.rtl(lang)
        if rtl:
            words = _EMBEDDED.sub(lambda m: FSI + m.group(0) + PDI, words)
        if not params:
            return words
        rendered = {}
        for key, value in params:
            text = self.param(lang, value)
            # Nested messages isolate their own parts; plain values are isolated here.
            nested = isinstance(value, Lines) or (isinstance(value, Msg) and ":" not in value.msgid)
            rendered[key] = FSI + text + PDI if rtl and not nested else text
        return words.format_map(_Params(rendered))

    def render(self, lang: str | None, message: Say) -> Rendered:
        """Render a :class:`Say` effect to text and labelled buttons.

        ``message.lang`` (an offer made in another language) wins over the conversation's.
        """
        lang = message.lang if message.lang in self._langs else lang
        text = self._format(lang, message.msgid, message.params)
        buttons = tuple((b.choice, self.label(lang, b.label)) for b in message.buttons)
        label = self.label(lang, message.page.label) if message.page is not None else ""
        return Rendered(text, buttons, message.page, label, message.page_closed)

    def translator(self, lang: str | None) -> Translator:
        """Words of one language for code outside conversations (the command-line companion)."""
        return Translator(self, lang if lang in self._langs else self.default)


def _english_plural(n: int) -> int:
    return 0 if n == 1 else 1


class Translator:
    """``t("msgid", count=3, name=...)``: one language's words, formatted like the bot's."""

    def __init__(self, catalogs: Catalogs, lang: str):
        self.catalogs = catalogs
        self.lang = lang

    def __call__(self, msgid: str, **params: ParamValue) -> str:
        return self.catalogs._format(self.lang, msgid, tuple(params.items()))
