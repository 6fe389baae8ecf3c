"""Guards on what arrives before the conversation reads it: floods, private content, media.

Belongs here: counting messages against the flood limit, telling which incoming messages must
be deleted even when they are not answered (media, anything that may hold a PIN), and the
words that refuse each kind of media. Does not belong here: moving the conversation
(``machine.py``) or the words themselves (the catalogs). Pure code, no I/O.
"""

from __future__ import annotations

from bot.cases import ids
from bot.engine.effects import DeleteIncoming, Effect, say
from bot.engine.events import Command, Event, Media, MediaKind, Text
from bot.engine.session import Context, Session

__all__ = ["count_for_flood", "may_be_private", "refuse_media"]

_PICTURE_LIKE = {
    MediaKind.PHOTO,
    MediaKind.VIDEO,
    MediaKind.DOCUMENT,
    MediaKind.ANIMATION,
    MediaKind.VIDEO_NOTE,
}
_PERSONAL = {MediaKind.CONTACT, MediaKind.LOCATION, MediaKind.VENUE}
_SOUND = {MediaKind.VOICE, MediaKind.AUDIO}


def count_for_flood(
    session: Session, event: Event, ctx: Context
) -> tuple[Session, list[Effect] | None]:
    """Count this event; past the limit, warn once and drop events until the window ends.

    A window starts with the first event after the last one ended and lasts
    ``ctx.flood_window`` seconds, whatever arrives in it, so a steady stream is answered again
    at most one window after it went quiet. A clock that was set back (a ``now`` before the
    window's start) starts a new window too, or the bot could stay silent until the clock
    caught up. Even a dropped event is deleted when it could be private: a picture or a
    message that may hold a PIN must never stay visible because it came too fast.
    """
    elapsed = ctx.now - session.flood_since
    if not 0 <= elapsed <= ctx.flood_window:
        session = session.with_(flood_since=ctx.now, flood_count=0, flood_warned=False)
    session = session.with_(flood_count=session.flood_count + 1)
    if session.flood_count <= ctx.flood_limit:
        return session, None
    delete: list[Effect] = [DeleteIncoming()] if may_be_private(event) else []
    if session.flood_warned:
        return session, delete
    return session.with_(flood_warned=True), [*delete, say("flood.slow_down")]


def may_be_private(event: Event) -> bool:
    """Whether an incoming message must be deleted even when it is not answered."""
    if isinstance(event, Media):
        return True
    if isinstance(event, Text):
        return ids.may_hold_pin(event.text)
    if isinstance(event, Command):
        return ids.may_hold_pin(event.args)
    return False


def refuse_media(kind: MediaKind) -> list[Effect]:
    """The kind words for a message of this kind, which the bot never opens."""
    if kind in _PICTURE_LIKE:
        return [say("media.refused"), say("media.how_to_hash")]
    if kind in _PERSONAL:
        return [say("media.personal")]
    if kind in _SOUND:
        return [say("media.sound")]
    return [say("media.text_only")]
