"""Whole conversations in Spanish, Arabic and Hindi, typed as people type, in a real console.

Each journey answers in free words (no numbers, no button labels where a person would not use
them), gets a case number and a PIN, and looks the case up, all in the chosen language. The
expected words come from the shipped catalogs, so a translation can change without this test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.i18n import Catalogs
from tests.e2e.console_process import ConsoleProcess
from tests.samples import CODE

CATALOGS = Catalogs.load()
_ISOLATES = re.compile("[\u2066-\u2069]")
_SYMBOL = "[0-9A-HJKMNP-TV-Z]"
_NUMBER = re.compile(rf"\b({_SYMBOL}{{4}}-{_SYMBOL}{{4}}-{_SYMBOL}{{4}}-{_SYMBOL})\b")
_PIN = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def _start(lang: str, msgid: str) -> str:
    """The words of a message up to its first placeholder or link (right-to-left text wraps
    those in isolates): what the person surely sees."""
    return re.split(r"[{#/]|takeitdown|ABCD|\d", CATALOGS.text(lang, msgid))[0].strip()[:30]


JOURNEYS = {
    "es": ["soy yo", "no", "tenía 15", "sí"],
    "ar": ["انا", "لا", "عمري ١٥", "نعم"],
    "hi": ["main", "nahi", "मैं पंद्रह की थी", "haan"],
}


@pytest.mark.parametrize("lang", sorted(JOURNEYS))
def test_a_whole_journey_typed_in_free_words(lang: str, tmp_path: Path) -> None:
    assert lang in CATALOGS.languages
    console = ConsoleProcess(tmp_path / "data", "--lang", lang)
    try:
        role, threat, age, has_file = JOURNEYS[lang]
        console.expect(_start(lang, "ask.role"))
        for typed, then in [
            (role, "ask.threat"),
            (threat, "ask.age"),
            (age, "ask.file"),
            (has_file, "route.takeitdown"),
        ]:
            console.send(typed)
            console.expect(_start(lang, then))
        console.send(CATALOGS.text(lang, "button.hash"))
        console.expect(_start(lang, "ask.paste"))
        console.send(CODE)
        console.expect(_start(lang, "hashes.found"))
        console.send("1")
        chunk = _ISOLATES.sub("", console.expect(_start(lang, "case.write_down")))
        number, pin = _NUMBER.findall(chunk)[-1], _PIN.findall(chunk)[-1]
        console.send("/status")
        console.expect(_start(lang, "ask.case_number"))
        console.send(number)
        console.expect(_start(lang, "ask.pin"))
        console.send(pin)
        console.expect(_start(lang, "case.status_local"))
        console.expect(number)
        # Not one English sentence on the way.
        assert "Please" not in console.output
        assert console.close() == 0
    finally:
        if console.proc.poll() is None:
            console.kill()
