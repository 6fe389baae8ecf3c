"""What is deleted unanswered, and how each kind of media is turned down."""

from __future__ import annotations

import pytest

from bot.engine.effects import Say
from bot.engine.events import Choice, Command, Media, MediaKind, Text
from bot.engine.guards import may_be_private, refuse_media


@pytest.mark.parametrize(
    ("event", "private"),
    [
        (Media(MediaKind.PHOTO), True),
        (Media(MediaKind.STICKER), True),
        (Text("ABCD-EFGH-JKMN-P 123456"), True),
        (Command("status", "ABCD-EFGH-JKMN-P 123456"), True),
        (Text("hello"), False),
        (Command("help"), False),
        (Choice("me"), False),
    ],
)
def test_media_and_anything_that_may_hold_a_pin_is_private(event: object, private: bool) -> None:
    assert may_be_private(event) is private  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "first"),
    [
        (MediaKind.PHOTO, "media.refused"),
        (MediaKind.VIDEO_NOTE, "media.refused"),
        (MediaKind.CONTACT, "media.personal"),
        (MediaKind.VOICE, "media.sound"),
        (MediaKind.STICKER, "media.text_only"),
    ],
)
def test_each_kind_of_media_gets_its_own_words(kind: MediaKind, first: str) -> None:
    said = refuse_media(kind)
    assert all(isinstance(effect, Say) for effect in said)
    assert said[0].msgid == first  # type: ignore[union-attr]
