"""Events: everything that can happen to a conversation, as frozen values.

Transports turn platform updates into the *user* events below; the runtime turns the results of
effects it performed (a case was opened, a lookup failed) into *result* events and feeds them
back, so that every decision about what to say stays in the engine. Nothing here knows about a
platform, a database or a language.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MediaKind(StrEnum):
    """Kinds of non-text message. None of them is ever opened or downloaded."""

    PHOTO = "photo"
    VIDEO = "video"
    DOCUMENT = "document"
    ANIMATION = "animation"
    VIDEO_NOTE = "video_note"
    STICKER = "sticker"
    VOICE = "voice"
    AUDIO = "audio"
    CONTACT = "contact"
    LOCATION = "location"
    VENUE = "venue"
    OTHER = "other"


# --- user events -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Start:
    """``/start``, optionally with a deep-link payload and the client's language."""

    payload: str = ""
    locale_hint: str | None = None


@dataclass(frozen=True, slots=True)
class Text:
    """A plain text message that did not pick a button."""

    text: str


@dataclass(frozen=True, slots=True)
class Choice:
    """A button press (or typed label) naming one of the offered choices."""

    choice: str


@dataclass(frozen=True, slots=True)
class Feeling:
    """Typed words of fear, shame or a cry for help instead of an answer.

    ``danger``: words about suicide, self-harm or not being safe.
    """

    danger: bool = False


@dataclass(frozen=True, slots=True)
class Guess:
    """Typed words that look like one of the offered choices, but not surely enough."""

    choice: str


@dataclass(frozen=True, slots=True)
class OtherLanguage:
    """Typed words that are not an answer, written in another language the bot speaks."""

    lang: str


@dataclass(frozen=True, slots=True)
class LinkGiven:
    """A message holding a link, as the runtime saw it: only the directory key of the site it
    points to (``None`` for a site the directory does not know). The link itself never reaches
    the engine, and the message is deleted where the platform allows."""

    platform: str | None


@dataclass(frozen=True, slots=True)
class Command:
    """A slash command other than ``/start``; ``name`` is lower case without the slash."""

    name: str
    args: str = ""


@dataclass(frozen=True, slots=True)
class Media:
    """A photo, video, file, sticker, voice note, contact, location... Never opened."""

    kind: MediaKind


@dataclass(frozen=True, slots=True)
class Edited:
    """The person edited an earlier text message. Edits are not read."""


@dataclass(frozen=True, slots=True)
class Reopen:
    """The person came back after the bot restarted (console start-up): re-ask, lose nothing."""


@dataclass(frozen=True, slots=True)
class GroupChat:
    """The bot was added to, or spoken to in, a group or channel."""


# --- result events (fed back by the runtime) ------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseOpened:
    """The store opened a case; the PIN is shown once and never kept."""

    number: str
    pin: str


@dataclass(frozen=True, slots=True)
class CaseShown:
    """The messages with the case number and PIN were sent: the opening is complete."""


@dataclass(frozen=True, slots=True)
class CaseOpenFailed:
    """The store could not open the case; the pending hashes are kept for a retry."""


@dataclass(frozen=True, slots=True)
class CaseOpenRefused:
    """No case was opened because a limit is reached: ``"chat"`` (per day) or ``"all"``."""

    scope: str


@dataclass(frozen=True, slots=True)
class PartnerView:
    """What one partner has of a case and what it answered (see ``bot/cases/caseinfo.py``).

    ``state`` is ``queued``, ``delivered``, ``withdraw_queued``, ``withdrawn`` or ``failed``;
    empty when the partner only answered about a hash it had from another case.
    """

    name: str
    state: str = ""
    pending_review: int = 0
    blocked: int = 0
    not_blocked: int = 0


@dataclass(frozen=True, slots=True)
class CaseView:
    """What a person may see of their case after giving its number and PIN."""

    number: str
    state: str
    route: str
    images: int
    files: int
    created_on: str
    queued: int
    delivered: int
    signals: tuple[tuple[str, int], ...] = ()
    """How many hashes of each kind (``("pdq", 3)``...)."""
    partners: tuple[PartnerView, ...] = ()
    """Each partner's status for this case, sorted by name."""


@dataclass(frozen=True, slots=True)
class CaseFound:
    """A lookup with the right number and PIN."""

    case: CaseView


@dataclass(frozen=True, slots=True)
class CaseWithdrawn:
    """A withdrawal succeeded (or the case was already withdrawn)."""

    case: CaseView


@dataclass(frozen=True, slots=True)
class CaseMissing:
    """No case with that number and PIN (the two are deliberately indistinguishable).

    ``wait_minutes`` is how long until the next try is checked (0: at once).
    """

    wait_minutes: int = 0


@dataclass(frozen=True, slots=True)
class LookupPaused:
    """Too many wrong tries with that number or from this chat: nothing was checked.

    Says nothing about whether the case exists; ``minutes`` until tries are checked again.
    """

    minutes: int


UserEvent = (
    Start
    | Text
    | Choice
    | Feeling
    | Guess
    | OtherLanguage
    | LinkGiven
    | Command
    | Media
    | Edited
    | Reopen
    | GroupChat
)
ResultEvent = (
    CaseOpened
    | CaseShown
    | CaseOpenFailed
    | CaseOpenRefused
    | CaseFound
    | CaseWithdrawn
    | CaseMissing
    | LookupPaused
)
Event = UserEvent | ResultEvent
