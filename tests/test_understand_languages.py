"""Every complete catalog's own words understood at their own question (English ones in
tests/test_understand.py).

Each phrase a ``words.*`` list holds, typed alone, must mean what its list says, in that
language's conversation: a word inside a longer phrase of another meaning ("no soy yo" holds
"soy yo"), a word another language reads otherwise (the Vietnamese "k" for no, the English "k"
for okay) or an age in another script must not turn into no answer, or the wrong one.
"""

from __future__ import annotations

import pytest

from bot.engine.effects import Button
from bot.engine.events import Choice
from bot.i18n import Catalogs
from bot.understand import understand
from tests.test_understand import AGE, ROLE, YES_NO

CATALOGS = Catalogs.load()

QUESTIONS = (
    ("words.yes", YES_NO, "yes"),
    ("words.no", YES_NO, "no"),
    ("words.me", ROLE, "me"),
    ("words.helping", ROLE, "helping"),
    ("words.under18", AGE, "under18"),
    ("words.adult", AGE, "adult"),
    ("words.unsure", AGE, "unsure"),
)


@pytest.mark.parametrize("lang", sorted(CATALOGS.languages))
@pytest.mark.parametrize(("msgid", "options", "meaning"), QUESTIONS, ids=[q[0] for q in QUESTIONS])
def test_every_listed_phrase_means_what_its_list_says(
    lang: str, msgid: str, options: tuple[Button, ...], meaning: str
) -> None:
    misread = {
        phrase: understand(CATALOGS, lang, options, phrase)
        for phrase in CATALOGS.words(lang, msgid)
        if understand(CATALOGS, lang, options, phrase) != Choice(meaning)
    }
    assert misread == {}


@pytest.mark.parametrize(
    ("lang", "options", "typed", "choice"),
    [
        ("vi", YES_NO, "k", "no"),  # "không"; in English "k" is okay
        ("en", YES_NO, "k", "yes"),
        ("es", ROLE, "no soy yo", "helping"),
        ("th", YES_NO, "ไม่ใช่ครับ", "no"),  # holds ใช่, yes
        ("ar", AGE, "١٨+", "adult"),
        ("fr", YES_NO, "oui s'il te plaît", "yes"),
    ],
)
def test_the_person_s_language_reads_first(
    lang: str, options: tuple[Button, ...], typed: str, choice: str
) -> None:
    assert understand(CATALOGS, lang, options, typed) == Choice(choice)
