"""Typed answers understood in the person's own words (English here; every language in
tests/test_understand_languages.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.effects import Button
from bot.engine.events import Choice, Feeling, Guess, OtherLanguage
from bot.i18n import Catalogs
from bot.understand import (
    feeling_in,
    fold,
    identify_language,
    preload_identifier,
    understand,
)
from tests.catalog_copies import copy_with

ROLE = (
    Button("me", "button.me"),
    Button("helping", "button.helping"),
    Button("danger", "button.danger"),
)
YES_NO = (Button("yes", "button.yes"), Button("no", "button.no"))
AGE = (
    Button("under18", "button.under18"),
    Button("adult", "button.adult"),
    Button("unsure", "button.unsure"),
)
ROUTED = (
    Button("hash", "button.hash"),
    Button("talk", "button.talk"),
    Button("later", "button.later"),
)


@pytest.fixture(scope="module")
def english() -> Catalogs:
    return Catalogs.load()


@pytest.mark.parametrize(
    ("options", "typed", "choice"),
    [
        (YES_NO, "y", "yes"),
        (YES_NO, "Yeah!", "yes"),
        (YES_NO, "yes it is", "yes"),
        (YES_NO, "nope", "no"),
        (YES_NO, "No thanks.", "no"),
        (ROUTED, "ok", "hash"),
        (ROUTED, "not now", "later"),
        (AGE, "15", "under18"),
        (AGE, "I was 15", "under18"),
        (AGE, "i was fifteen", "under18"),
        (AGE, "twenty one", "adult"),
        (AGE, "I'm 24", "adult"),
        (AGE, "I'm 20 now but I was 16 in them", "under18"),
        (AGE, "\u0661\u0665", "under18"),  # Arabic-Indic digits
        (AGE, "idk", "unsure"),
        (AGE, "a minor", "under18"),
        (AGE, "Undr 18", "under18"),  # a slip in a label
        (ROLE, "me", "me"),
        (ROLE, "it's me", "me"),
        (ROLE, "My friend", "helping"),
        (ROLE, "my daughter", "helping"),
    ],
)
def test_free_answers_pick_the_option(
    english: Catalogs, options: tuple[Button, ...], typed: str, choice: str
) -> None:
    assert understand(english, "en", options, typed) == Choice(choice)


@pytest.mark.parametrize(
    "typed", ["I'm scared", "help me", "what do I do", "please help, I'm so worried"]
)
def test_feelings_are_not_answers(english: Catalogs, typed: str) -> None:
    assert understand(english, "en", ROLE, typed) == Feeling()
    assert understand(english, "en", AGE, typed) == Feeling()


def test_danger_comes_first_everywhere(english: Catalogs) -> None:
    assert understand(english, "en", ROLE, "I want to die") == Choice("danger")
    assert understand(english, "en", AGE, "I'm 15 and I want to kill myself") == Feeling(
        danger=True
    )
    assert feeling_in(english, "en", "i am not safe") == Feeling(danger=True)
    assert feeling_in(english, "en", "I'm scared") == Feeling()
    assert feeling_in(english, "en", "#reclaim1 help") is None  # a code is left to the reader
    assert feeling_in(english, "en", "a" * 32 + " scared") is None


def test_a_likely_slip_is_asked_about_and_nonsense_is_not_guessed(english: Catalogs) -> None:
    assert understand(english, "en", AGE, "undr") == Guess("under18")
    assert understand(english, "en", AGE, "purple") is None
    assert understand(english, "en", YES_NO, "") is None
    assert understand(english, "en", (), "yes") is None


def test_yes_and_no_words_count_only_in_short_answers(english: Catalogs) -> None:
    typed = "yes I did send them to him last week but now he says he will post them"
    assert not isinstance(understand(english, "en", YES_NO, typed), Choice)
    assert understand(english, "en", YES_NO, "yes and no") is None  # both: ask again
    assert understand(english, "en", YES_NO, "I'm not sure") is None  # neither
    assert understand(english, "en", YES_NO, "no idea") is None


def test_languages_are_picked_by_any_of_their_names(tmp_path: Path) -> None:
    copy_with(tmp_path, "en", {})
    copy_with(tmp_path, "fr", {"button.yes": "Oui"})
    catalogs = Catalogs.load(tmp_path)
    options = tuple(Button(f"lang:{c}", f"language:{c}") for c in catalogs.languages)
    for typed in ("Français", "francais", "French", "fr"):
        assert understand(catalogs, "en", options, typed) == Choice("lang:fr"), typed
    assert understand(catalogs, "fr", YES_NO, "OUI") == Choice("yes")
    assert understand(catalogs, "fr", YES_NO, "yes") == Choice("yes")  # the default works too


def test_another_language_is_recognised_only_when_it_is_spoken(tmp_path: Path) -> None:
    copy_with(tmp_path, "en", {})
    copy_with(tmp_path, "es", {"button.yes": "Sí"})
    catalogs = Catalogs.load(tmp_path)
    preload_identifier(wait=True)
    typed = "estoy muy asustada y no sé qué hacer ahora"
    assert identify_language(catalogs, typed) == "es"
    assert understand(catalogs, "en", ROLE, typed) == OtherLanguage("es")
    assert understand(catalogs, "es", ROLE, typed) is None  # already speaking it
    assert identify_language(catalogs, "Ich habe solche Angst und weiss nicht weiter") != "de"
    assert identify_language(catalogs, "ok") is None  # too short to tell


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Café, OK_x!", "cafe ok x"),  # Latin accents go: people often leave them out
        ("أَنَا", "انا"),  # and so do Arabic vowel signs
        ("ฆ่าตัวตาย", "ฆ่าตัวตาย"),  # Thai vowel and tone marks are the spelling
        ("मैं पंद्रह", "मैं पंद्रह"),  # and so are Devanagari's
    ],
)
def test_folding_keeps_the_marks_a_script_spells_with(typed: str, folded: str) -> None:
    assert fold(typed) == folded


def test_a_danger_word_is_found_inside_a_longer_thai_or_hindi_message() -> None:
    catalogs = Catalogs.load()
    assert feeling_in(catalogs, "th", "ตอนนี้ฉันอยากฆ่าตัวตาย") == Feeling(danger=True)
    hindi_danger = catalogs.words("hi", "words.danger")[0]
    assert feeling_in(catalogs, "hi", f"मुझे लगता है {hindi_danger}") == Feeling(danger=True)


@pytest.mark.parametrize("typed", ["18 or younger", "18 and under", "not an adult", "not over 18"])
def test_18_or_younger_is_under_18(english: Catalogs, typed: str) -> None:
    """The safe side, not "Did you mean 18 or older?"."""
    assert understand(english, "en", AGE, typed) == Choice("under18")


@pytest.mark.parametrize("typed", ["18 and under", "18 or younger", "18 se kam", "18 peksha kami"])
def test_words_beside_an_18_are_never_read_as_adult(english: Catalogs, typed: str) -> None:
    assert understand(english, "en", AGE, typed) != Choice("adult")


@pytest.mark.parametrize("typed", ["18", "18+", "over 18", "I was 25"])
def test_an_adult_age_is_still_read_as_adult(english: Catalogs, typed: str) -> None:
    assert understand(english, "en", AGE, typed) == Choice("adult")
