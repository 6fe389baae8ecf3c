"""The characters of a paste, checked before reading: invisible ones go, direction controls refuse.

Copying through chat apps, word processors and web pages can slip characters into a code that
nobody can see: zero-width spaces and joiners, soft hyphens, byte order marks, NUL. They are left
out (and the person is told), so that what is read is exactly what is seen; inside a hash they
would otherwise split it in two and make it look too short.

Direction controls are different: embeddings, overrides and isolates (U+202A-U+202E,
U+2066-U+2069) and the right-to-left and Arabic letter marks (U+200F, U+061C) change the order in
which characters are *shown*. With one of them in a paste, the hash kept could be in another
order than the one the person sees and checks, so the paste is refused with an explanation
rather than guessed at. The marks are refused too because a right-to-left mark between two runs
of digits is enough to swap them on screen. The left-to-right mark (U+200E) is only left out:
among hex digits and Latin letters, which already run left to right, it changes nothing.

What belongs here: classifying the characters of a paste. What does not: reading hashes
(``hashcode.py``, ``barelines.py``). Pure code: no I/O, no logging.
"""

from __future__ import annotations

import unicodedata
from typing import NamedTuple

DIRECTION_CONTROLS = frozenset("\u061c\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Characters that change the order text is shown in; a paste holding one is refused."""


class Checked(NamedTuple):
    """A paste with its invisible characters left out.

    Attributes:
        text: the paste without them (unchanged if it had a direction control).
        removed: how many invisible characters were left out.
        direction_line: the 1-based line of the first direction control, or None.
    """

    text: str
    removed: int
    direction_line: int | None


def is_invisible(char: str) -> bool:
    """A character that shows nothing and moves nothing: a format character, or NUL."""
    return char == "\x00" or (unicodedata.category(char) == "Cf" and char not in DIRECTION_CONTROLS)


def check(text: str) -> Checked:
    """Find direction controls and leave out invisible characters.

    Args:
        text: the message as received.

    Returns:
        The cleaned text, how many characters were left out, and where the first direction
        control is. Line numbers count like ``str.splitlines`` (no character looked at here
        ends a line).
    """
    lines = enumerate(text.splitlines(), start=1)
    direction = next((n for n, line in lines if not DIRECTION_CONTROLS.isdisjoint(line)), None)
    if direction is not None:
        return Checked(text, 0, direction)
    kept = "".join(char for char in text if not is_invisible(char))
    return Checked(kept, len(text) - len(kept), None)
