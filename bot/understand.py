"""Understanding typed answers: words, ages, countries, near-misses and other languages.

When a question with options is waiting and the person types instead of pressing a button,
the runtime asks :func:`understand` what the words mean:

* one of the options (:class:`Choice`): its label in the conversation's language or the
  default one, a ``words.*`` entry ("y", "nope", "my friend"), an age ("15", "I was 15",
  "quince"), a country (its name in either language, an ISO code, an alias such as ``UK``), a
  language's name, or a label with a typo;
* probably one option, but not surely (:class:`Guess`: the engine asks "Did you mean...?");
* words of fear or cries for help (:class:`Feeling`), or of danger (``Feeling(danger=True)``,
  or the "I'm not safe" option where it is offered), which always come first;
* another language the bot speaks (:class:`OtherLanguage`), by py3langid, run in this process
  on the text alone: nothing is sent anywhere and nothing is kept;
* nothing (``None``): the engine asks again, kindly.

The words per language live in the catalogs (``words.*``, see docs/translating.md), never in
code. Belongs here: matching. Does not belong here: what the bot answers (the engine).
"""

from __future__ import annotations

import difflib
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from babel import Locale, UnknownLocaleError

from bot.engine.effects import Button
from bot.engine.events import Choice, Feeling, Guess, OtherLanguage
from bot.i18n import Catalogs

__all__ = [
    "Understood",
    "feeling_in",
    "fold",
    "identify_language",
    "preload_identifier",
    "understand",
]

Understood = Choice | Guess | Feeling | OtherLanguage

_YES = ("yes", "go", "hash", "open", "withdraw")
_NO = ("no", "later", "cancel", "keep")
_MEANINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("words.yes", _YES),
    ("words.no", _NO),
    ("words.unsure", ("unsure",)),
    ("words.me", ("me",)),
    ("words.helping", ("helping",)),
    ("words.under18", ("under18",)),
    ("words.adult", ("adult",)),
)
"""Which ``words.*`` list answers which offered choices (the first one offered wins)."""
_SHORT_ANSWER_WORDS = 4
"""A yes or no counts only in a short answer ("yes it is"), not inside a long message."""
_SURE, _MAYBE, _MARGIN = 0.84, 0.6, 0.08
"""Near-miss thresholds (difflib ratio): take it, ask "Did you mean...?", and how far ahead of
the next label the best one must be."""
_LANGID_CONFIDENCE = 0.75
_LANGID_CODES = {"pt_BR": "pt", "zh_Hans": "zh", "fil": "tl"}
"""Catalog codes py3langid names differently."""


_ACCENTED_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC", "ARABIC", "HEBREW")
"""Scripts whose marks people often leave out when typing (accents, Arabic and Hebrew vowel
signs): folded away. In other scripts (Devanagari, Tamil, Thai, Khmer...) a mark is part of the
spelling, so it stays, and it never splits a word."""


def fold(text: str) -> str:
    """Lower case, no accents, punctuation and spacing as single spaces."""
    text = unicodedata.normalize("NFKD", text).casefold()
    out: list[str] = []
    accented = False
    for char in text:
        if unicodedata.category(char).startswith("M"):
            if not accented:
                out.append(char)
            continue
        accented = unicodedata.name(char, "").startswith(_ACCENTED_SCRIPTS)
        out.append(char if char.isalnum() else " ")
    return " ".join("".join(out).split())


def _unspaced(text: str) -> bool:
    """Written without spaces between words (Chinese, Japanese, Thai, Khmer...)."""
    return any(
        unicodedata.name(c, "").startswith(("CJK", "HIRAGANA", "KATAKANA", "THAI", "KHMER", "LAO"))
        for c in text
    )


def _contains(typed: str, phrase: str) -> bool:
    """Whether ``phrase`` is in ``typed`` as whole words (or as characters, unspaced scripts)."""
    if not phrase:
        return False
    if _unspaced(phrase):
        return phrase in typed.replace(" ", "")
    return f" {phrase} " in f" {typed} "


def _answers(typed: str, phrase: str) -> bool:
    """Whether ``typed`` is an answer made of ``phrase``.

    A phrase of several words may be anywhere; a single word must be the answer itself or the
    start of a short one ("me", "me, myself"), so "help me" is not the answer "me".
    """
    if not phrase:
        return False
    if typed == phrase:
        return True
    if _unspaced(phrase):
        return len(phrase) > 1 and phrase in typed.replace(" ", "")
    if " " in phrase:
        return _contains(typed, phrase)
    words = typed.split()
    return len(phrase) > 1 and words[0] == phrase and len(words) <= 3


class _Words:
    """The folded ``words.*`` lists of the languages in play (conversation's, then default)."""

    def __init__(self, catalogs: Catalogs, langs: Sequence[str]):
        self.catalogs = catalogs
        self.langs = langs

    def list(self, msgid: str) -> list[str]:
        found: list[str] = []
        for lang in self.langs:
            found += [fold(w) for w in self.catalogs.words(lang, msgid)]
        return [w for w in dict.fromkeys(found) if w]

    def any_in(self, typed: str, msgid: str) -> bool:
        return any(_contains(typed, w) for w in self.list(msgid))


def understand(
    catalogs: Catalogs, lang: str | None, options: Sequence[Button], text: str
) -> Understood | None:
    """What a typed message means for the question whose ``options`` are waiting."""
    typed = fold(text)
    if not typed or not options:
        return None
    langs = tuple(dict.fromkeys((lang or catalogs.default, catalogs.default)))
    words = _Words(catalogs, langs)
    choices = [b.choice for b in options]
    exact = _exact(catalogs, langs, options, typed)
    if exact is not None:
        return Choice(exact)
    if words.any_in(typed, "words.danger"):
        return Choice("danger") if "danger" in choices else Feeling(danger=True)
    meant = _meaning(words, choices, typed)
    near = _near(catalogs, langs, options, typed) if meant is None else None
    if isinstance(near, Choice):  # a slip in a label ("Undr 18") before any number in it
        return near
    meant = meant or _age(words, choices, typed) or _country(catalogs, words, langs, choices, typed)
    if meant is not None:
        return Choice(meant)
    if words.any_in(typed, "words.feelings"):
        return Feeling()
    if near is not None:
        return near
    other = identify_language(catalogs, text)
    if other is not None and other != (lang or catalogs.default):
        return OtherLanguage(other)
    return None


_CODE_LIKE = re.compile(r"#reclaim|[0-9a-fA-F]{32}")


def feeling_in(catalogs: Catalogs, lang: str | None, text: str) -> Feeling | None:
    """Words of fear or danger typed where the bot waits for a code, not for a choice.

    Anything that may hold a code is left to the code reader, so no paste is ever lost.
    """
    if _CODE_LIKE.search(text):
        return None
    typed = fold(text)
    words = _Words(catalogs, tuple(dict.fromkeys((lang or catalogs.default, catalogs.default))))
    if words.any_in(typed, "words.danger"):
        return Feeling(danger=True)
    return Feeling() if words.any_in(typed, "words.feelings") else None


def _names(catalogs: Catalogs, langs: Iterable[str], button: Button) -> list[str]:
    """Every folded name of one option: its label in each language, its choice id, and for a
    language option the language's name in each language and its code."""
    names = [fold(catalogs.label(lang, button.label)) for lang in langs]
    family, _, code = button.choice.partition(":")
    names.append(fold(code or family))
    if family == "lang" and code:
        try:
            locale = Locale.parse(code)
            names += [fold(str(locale.get_display_name(lang) or "")) for lang in langs]
            names.append(fold(str(locale.get_language_name("en") or "")))
        except (UnknownLocaleError, ValueError):
            pass
    return [n for n in names if n]


def _exact(
    catalogs: Catalogs, langs: Sequence[str], options: Sequence[Button], typed: str
) -> str | None:
    for button in options:
        if typed in _names(catalogs, langs, button):
            return button.choice
    return None


def _meaning(words: _Words, choices: Sequence[str], typed: str) -> str | None:
    """The one offered choice the ``words.*`` lists say the answer means (none if they differ).

    The conversation's language is asked first and the default one only when it finds nothing,
    so a word that means one thing in one language and another elsewhere (the Vietnamese "k",
    "không", and the English "k", "okay") is read in the person's language.
    """
    unsure = any(_answers(typed, w) for w in words.list("words.unsure"))
    if unsure and "unsure" not in choices:
        return None  # "not sure", "no sé", "no idea": neither yes nor no, in any language
    read = [_meaning_in(_Words(words.catalogs, (lang,)), choices, typed) for lang in words.langs]
    meant = next((m for m in read if m is not None), None)
    if meant == "adult" and "under18" in read:
        return None  # never adult while any language reads it as under 18: ask again
    return meant


def _meaning_in(words: _Words, choices: Sequence[str], typed: str) -> str | None:
    short = len(typed.split()) <= _SHORT_ANSWER_WORDS or _unspaced(typed)
    found: list[tuple[str, str]] = []
    for msgid, targets in _MEANINGS:
        offered = [c for c in choices if c in targets or _confirms(c, msgid)]
        if not offered:
            continue
        yes_no = msgid in ("words.yes", "words.no")
        match: Callable[[str, str], bool] = _contains if yes_no else _answers  # "yes and no": both
        if yes_no and not short:
            match = str.__eq__  # a long message counts only as a whole phrase ("oui s'il te plaît")
        # A bare number ("18+" folds to "18") is the age reader's: "18 and under" is not adult.
        found += [(offered[0], w) for w in words.list(msgid) if not w.isdigit() and match(typed, w)]
    # A phrase inside a longer one that matched is part of it: "no soy yo" is not "soy yo",
    # "जी नहीं" is not "जी", "ไม่ใช่" is not "ใช่".
    meanings = {
        choice
        for choice, phrase in found
        if not any(len(longer) > len(phrase) and _contains(longer, phrase) for _, longer in found)
    }
    return meanings.pop() if len(meanings) == 1 else None


def _confirms(choice: str, msgid: str) -> bool:
    """The yes and no of a "Did you mean...?" question."""
    if not choice.startswith("confirm:"):
        return False
    return (choice == "confirm:no") == (msgid == "words.no") and msgid in ("words.yes", "words.no")


def _numbers(words: _Words, typed: str) -> list[int]:
    """Numbers in the answer: digits in any script, and 0 to 30 written as words."""
    found = [int(d) for d in re.findall(r"\d+", typed)]
    spelled: list[tuple[str, int]] = []
    for lang in words.langs:
        entries = words.catalogs.words(lang, "words.numbers")
        for value, entry in enumerate(entries):
            spelled += [(fold(alt), value) for alt in entry.split("/") if fold(alt)]
    rest = typed
    for word, value in sorted(spelled, key=lambda pair: -len(pair[0])):
        if value < 10 and rest.strip() != word:
            continue  # "no one", "one of them": small numbers count only on their own
        if _contains(rest, word):
            found.append(value)
            rest = rest.replace(word, " ")
    return found


def _age(words: _Words, choices: Sequence[str], typed: str) -> str | None:
    """An age in the pictures: under 18 if any number given is below 18 (the safe side)."""
    if "under18" not in choices or "adult" not in choices:
        return None
    ages = [n for n in _numbers(words, typed) if 0 < n < 120]
    if not ages:
        return None
    if min(ages) == 18 and not (typed.isdigit() and int(typed) == 18):
        return None  # "18 and under", "18 se kam": on the border with words beside it, ask again
    return "under18" if min(ages) < 18 else "adult"


def _country(
    catalogs: Catalogs, words: _Words, langs: Sequence[str], choices: Sequence[str], typed: str
) -> str | None:
    """A typed country (code, name in either language, or alias) on a country list.

    A country the list does not offer is "somewhere else", which still shows the lines that
    answer people from anywhere.
    """
    if "country:other" not in choices:
        return None
    code = None
    for entry in words.list("words.country_aliases"):
        name, _, iso = entry.rpartition(" ")
        if name == typed and len(iso) == 2:
            code = iso.upper()
            break
    if code is None and len(typed) == 2 and typed.isascii() and typed.isalpha():
        code = typed.upper()
    for lang in langs if code is None else ():
        try:
            territories = Locale.parse(lang).territories
        except (UnknownLocaleError, ValueError):
            continue
        code = next((c for c, n in territories.items() if fold(str(n)) == typed), None)
        if code is not None:
            break
    if code is None:
        return None
    return f"country:{code}" if f"country:{code}" in choices else "country:other"


def _near(
    catalogs: Catalogs, langs: Sequence[str], options: Sequence[Button], typed: str
) -> Understood | None:
    """A label typed with a slip: taken when clearly closest, asked about when only likely."""
    if len(typed) < 3:
        return None
    scores = sorted(
        (
            (max(difflib.SequenceMatcher(None, typed, n).ratio() for n in names), b.choice)
            for b in options
            if (names := _names(catalogs, langs, b))
        ),
        reverse=True,
    )
    if not scores:
        return None
    best, choice = scores[0]
    runner_up = scores[1][0] if len(scores) > 1 else 0.0
    if best - runner_up < _MARGIN:
        return None
    if best >= _SURE:
        return Choice(choice)
    if best >= _MAYBE:
        return Guess(choice)
    return None


# --- language identification -----------------------------------------------------------------

_identifier_lock = threading.Lock()
_loaded: dict[str, Any] = {}
"""``"model"``: py3langid's identifier once loaded; ``"langs"``: the languages it is set to."""


def preload_identifier(*, wait: bool = False) -> None:
    """Load py3langid's model (about a second) in a background thread, once.

    Until it is loaded, :func:`identify_language` says nothing, so no answer ever waits for it.
    ``wait``: load it now, in this thread (for tools and tests).
    """

    def load() -> None:
        from py3langid.langid import (  # type: ignore[import-untyped]
            MODEL_FILE,
            LanguageIdentifier,
        )

        model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        with _identifier_lock:
            _loaded["model"] = model

    with _identifier_lock:
        if "model" in _loaded or ("loading" in _loaded and not wait):
            return
        _loaded["loading"] = True
    if wait:
        load()
    else:
        threading.Thread(target=load, name="langid-load", daemon=True).start()


def identify_language(catalogs: Catalogs, text: str) -> str | None:
    """The catalog language a message is probably written in, if the model is sure enough.

    Only messages long enough to tell are tried: two words, or a few letters of a script
    written without spaces.
    """
    letters = sum(c.isalpha() for c in text)
    if letters < 4 or (len(text.split()) < 2 and not _unspaced(text) and letters < 8):
        return None
    ours = {_LANGID_CODES.get(lang, lang.split("_")[0]): lang for lang in catalogs.languages}
    with _identifier_lock:
        model = _loaded.get("model")
        if model is None:
            return None
        if _loaded.get("langs") != sorted(ours):
            model.set_languages([code for code in sorted(ours) if code in model.nb_classes])
            _loaded["langs"] = sorted(ours)
        code, confidence = model.classify(text)
    if confidence < _LANGID_CONFIDENCE:
        return None
    return ours.get(str(code))
