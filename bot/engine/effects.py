"""Effects: what the engine asks the outside world to do, as frozen values.

The runtime performs them in order. Messages are named by msgid and rendered to words only by
``bot/i18n.py``; parameters that are themselves msgids are wrapped in :class:`Msg` so that they
are translated too, and several of them in :class:`Lines`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.hashes.items import HashItem


@dataclass(frozen=True, slots=True)
class Msg:
    """A parameter value that is a msgid, rendered in the conversation's language.

    ``params`` fill the message's own placeholders (for example a partner's name).
    """

    msgid: str
    params: tuple[tuple[str, ParamValue], ...] = ()


@dataclass(frozen=True, slots=True)
class Lines:
    """A parameter value made of several values, rendered one per line."""

    items: tuple[ParamValue, ...]


ParamValue = str | int | dt.date | Msg | Lines


@dataclass(frozen=True, slots=True)
class Button:
    """One offered choice.

    Attributes:
        choice: the value a press sends back (short, ASCII; fits Telegram's 64 bytes).
        label: the msgid of the label. Two computed families need no catalog entry:
            ``language:<code>`` (the language's own name) and ``territory:<code>``
            (the country's name in the conversation's language).
    """

    choice: str
    label: str


@dataclass(frozen=True, slots=True)
class PageOffer:
    """A page of the companion, offered to use on the device in hand.

    Transports show it their own way: Telegram as a keyboard button that opens the page as a
    Mini App, other platforms as a link to open in a browser. By default it is the hashing
    page (which sends the code back by itself inside Telegram; elsewhere the person copies
    it back); ``plain``, ``mini_app`` and ``fragment`` name another page, such as the
    removal-request composer.

    Attributes:
        url: the page's public folder, ending in ``/`` (``https://example.org/companion/``).
        lang: the conversation's language, so the page speaks it too.
        label: the msgid of the button's label.
        plain: the entry for a plain browser (``""``: the folder's ``index.html``).
        mini_app: the entry Telegram opens as a Mini App.
        fragment: a choice the page starts with, as ``(name, value)`` pairs. Sent in the
            address's fragment, which a browser never sends to any server, with the language
            beside it; only for values that say nothing about the person (a law, a platform).
        sends_back: whether the page sends its result back to the chat (the hashing page's
            code). Telegram takes data only from a page opened by a keyboard button, which
            stays under the text field until the bot takes it away; a page that sends nothing
            back opens from a button on the message itself, which leaves nothing to put away.
    """

    url: str
    lang: str
    label: str
    plain: str = ""
    mini_app: str = "miniapp.html"
    fragment: tuple[tuple[str, str], ...] = ()
    sends_back: bool = True

    def entry(self, name: str | None = None) -> str:
        """The address of one of the page's entries (``None``: :attr:`plain`; or a name such
        as :attr:`mini_app`), with ``?lang=``, or with ``#lang=...`` and :attr:`fragment`."""
        page = self.plain if name is None else name
        lang = _safe(self.lang)
        if not self.fragment:
            return f"{self.url}{page}?lang={lang}"
        pairs = (("lang", lang), *((_safe(k), _safe(v)) for k, v in self.fragment))
        return f"{self.url}{page}#" + "&".join(f"{k}={v}" for k, v in pairs)


def _safe(value: str) -> str:
    """Letters, digits, ``_`` and ``-`` of a value (language codes such as ``pt_BR``, keys):
    anything else is left out, not escaped."""
    return "".join(c for c in value if c.isascii() and (c.isalnum() or c in "_-"))


@dataclass(frozen=True, slots=True)
class Say:
    """Send one message.

    ``page`` offers the companion page with it; ``page_closed`` says an offer made before no
    longer applies (Telegram then takes its keyboard button away). A message with either has
    no buttons: a Telegram message carries one keyboard.
    """

    msgid: str
    params: tuple[tuple[str, ParamValue], ...] = ()
    buttons: tuple[Button, ...] = ()
    page: PageOffer | None = None
    page_closed: bool = False
    lang: str | None = None
    """Say this in another language than the conversation's (an offer to switch to it)."""


def say(msgid: str, buttons: tuple[Button, ...] = (), **params: ParamValue) -> Say:
    """Build a :class:`Say` with keyword parameters."""
    return Say(msgid, tuple(sorted(params.items())), buttons)


@dataclass(frozen=True, slots=True)
class DeleteIncoming:
    """Delete the message that caused this step, where the platform allows it."""


@dataclass(frozen=True, slots=True)
class LeaveChat:
    """Leave a group or channel."""


@dataclass(frozen=True, slots=True)
class OpenCase:
    """Open an anonymous case for these hashes, once per ``token``.

    Answered with CaseOpened, CaseOpenRefused or CaseOpenFailed. The same token always gives
    the same case, so repeating this after a crash never opens a second one.
    """

    items: tuple[HashItem, ...]
    route: str
    token: str = ""
    referral: str | None = None
    """The known referral code the conversation started with, counted with the case."""


@dataclass(frozen=True, slots=True)
class Shown:
    """Everything said before this was sent; answered with CaseShown."""


@dataclass(frozen=True, slots=True)
class LookupCase:
    """Look a case up; answered with CaseFound, CaseMissing or LookupPaused."""

    number: str
    pin: str


@dataclass(frozen=True, slots=True)
class WithdrawCase:
    """Withdraw a case; answered with CaseWithdrawn, CaseMissing or LookupPaused."""

    number: str
    pin: str


@dataclass(frozen=True, slots=True)
class Referred:
    """A conversation started from a known helpline's link: count it for that helpline.

    Only the code and the week are counted; nothing about the person is kept.
    """

    code: str


@dataclass(frozen=True, slots=True)
class Forget:
    """Erase this conversation: its visible messages where possible, then its state."""


Effect = (
    Say
    | DeleteIncoming
    | LeaveChat
    | OpenCase
    | Shown
    | LookupCase
    | WithdrawCase
    | Referred
    | Forget
)
