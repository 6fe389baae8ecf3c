"""Floods: past the limit the bot warns once per window, keeps deleting what may be private,
and always answers again when the window ends."""

from __future__ import annotations

import pytest

from bot.engine.effects import DeleteIncoming, Say
from bot.engine.events import Choice, Command, Event, Media, MediaKind, Start, Text
from bot.engine.machine import step
from bot.engine.session import Context, Session
from tests.engine.conftest import make_ctx, msgids, run

LIMIT = 5
WINDOW = 10.0


def flood_ctx(now: float = 1_000_000.0) -> Context:
    return make_ctx(now=now, flood_limit=LIMIT, flood_window=WINDOW)


def flooded(ctx: Context) -> Session:
    """A conversation that has just used up its limit in this window."""
    session, _ = run([Start()], ctx=ctx)
    for _ in range(LIMIT - 1):
        session, effects = step(session, Text("hello"), ctx)
        assert "flood.slow_down" not in msgids(effects)
    return session


@pytest.mark.parametrize(
    "event",
    [
        Media(MediaKind.PHOTO),
        Media(MediaKind.VIDEO),
        Media(MediaKind.CONTACT),
        Text("123456"),
        Text("ABCD-EFGH-JKMN-P 123 456"),
        Text("PIN: 123-456"),
        Command("status", "ABCD-EFGH-JKMN-P 123456"),
    ],
)
def test_private_messages_are_deleted_even_when_dropped(event: Event) -> None:
    ctx = flood_ctx()
    session = flooded(ctx)
    session, warned = step(session, event, ctx)
    assert warned == [DeleteIncoming(), Say("flood.slow_down")]
    session, dropped = step(session, event, ctx)
    assert dropped == [DeleteIncoming()]


@pytest.mark.parametrize(
    "event", [Text("hello"), Text("f" * 64), Choice("me"), Command("help"), Command("status")]
)
def test_other_messages_are_only_dropped(event: Event) -> None:
    ctx = flood_ctx()
    session = flooded(ctx)
    session, warned = step(session, event, ctx)
    assert warned == [Say("flood.slow_down")]
    _, dropped = step(session, event, ctx)
    assert dropped == []


def test_an_album_of_thirty_photos_is_deleted_photo_by_photo() -> None:
    ctx = make_ctx()  # the default limit
    session = Session()
    deleted = 0
    for _ in range(30):
        session, effects = step(session, Media(MediaKind.PHOTO), ctx)
        deleted += effects.count(DeleteIncoming())
    assert deleted == 30
    assert session.flood_count > ctx.flood_limit  # the album did flood


def test_the_first_message_of_a_conversation_counts_once() -> None:
    ctx = flood_ctx()
    session = Session()
    for number in range(1, LIMIT + 1):
        event: Event = Media(MediaKind.PHOTO) if number == 1 else Text("hello")
        session, effects = step(session, event, ctx)
        assert session.flood_count == number
        assert "flood.slow_down" not in msgids(effects)


def test_one_warning_per_window_and_answers_again_after_it() -> None:
    """A steady stream far over the limit: each window answers, warns once, then waits."""
    session = Session()
    now = 1_000_000.0
    per_window: dict[int, list[list[str]]] = {}
    for _ in range(200):  # four messages a second for 50 seconds
        now += 0.25
        session, effects = step(session, Text("hello"), flood_ctx(now))
        per_window.setdefault(int(session.flood_since), []).append(msgids(effects))
    windows = list(per_window.values())
    assert len(windows) >= 4
    for replies in windows[:-1]:
        answered = [said for said in replies if said and said != ["flood.slow_down"]]
        assert len(answered) == LIMIT
        assert replies.count(["flood.slow_down"]) == 1


def test_silence_never_lasts_longer_than_a_window() -> None:
    session = Session()
    now = 1_000_000.0
    last_answer = now
    for _ in range(400):
        now += 0.1
        session, effects = step(session, Text("hello"), flood_ctx(now))
        if effects:
            assert now - last_answer <= WINDOW + 0.1
            last_answer = now
    assert now - last_answer <= WINDOW


def test_a_clock_set_back_starts_a_new_window() -> None:
    ctx = flood_ctx()
    session = flooded(ctx)
    session, _ = step(session, Text("hello"), ctx)
    session, effects = step(session, Text("hello"), ctx)
    assert effects == []  # silent for the rest of this window
    earlier = flood_ctx(now=ctx.now - 3600)  # the system clock was corrected an hour back
    _, effects = step(session, Text("hello"), earlier)
    assert msgids(effects)[0] == "choice.use_buttons"
