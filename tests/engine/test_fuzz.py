"""Any sequence of events, however odd, keeps the conversation well formed.

Hypothesis drives the pure engine with random mixes of user events and result events
(including results that arrive when nothing was asked) and checks the invariants after every
step: no exception, a real state, a session that survives storage, buttons whose labels exist,
a case opened only with codes waiting, and never a PIN kept.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cases import ids
from bot.engine.effects import LookupCase, OpenCase, Say, WithdrawCase
from bot.engine.events import (
    CaseFound,
    CaseMissing,
    CaseOpened,
    CaseOpenFailed,
    CaseOpenRefused,
    CaseShown,
    CaseView,
    CaseWithdrawn,
    Choice,
    Command,
    Edited,
    Event,
    GroupChat,
    LookupPaused,
    Media,
    MediaKind,
    Reopen,
    Start,
    Text,
)
from bot.engine.machine import step
from bot.engine.session import Session, session_from_json, session_to_json
from bot.engine.states import State
from bot.i18n import Catalogs
from tests.engine.conftest import make_ctx
from tests.samples import CODE, MD5, PDQ

CATALOGS = Catalogs.load()
ENGLISH = CATALOGS.msgids("en")
NUMBER = ids.new_case_number()
PIN = "482913"
VIEW = CaseView(NUMBER, "open", "stopncii", 1, 1, "2026-11-25", 1, 0, (("md5", 2), ("pdq", 1)))
CHOICES = [
    "me", "helping", "danger", "go", "talk", "yes", "no", "under18", "adult", "unsure", "hash",
    "later", "open", "cancel", "status", "restart", "withdraw", "keep", "lang:en", "lang:fr",
    "country:US", "country:GB", "country:other", "country:ZZ", "lang:xx", "", "nonsense",
]  # fmt: skip
COMMANDS = [
    "help", "forget", "cancel", "status", "withdraw", "hash", "helplines", "language", "start",
    "frobnicate",
]  # fmt: skip
TEXTS = [
    CODE, PDQ, MD5, f"{PDQ}\n{MD5}", "ab" * 20, "hello", "", "1", NUMBER, NUMBER.lower(), PIN,
    "12", "x" * 13_000, "It's me", "#reclaim1 2", "0" * 64, f"{NUMBER} {PIN}",
    f"Case number: {NUMBER}\nPIN: {PIN}",
]  # fmt: skip

events: st.SearchStrategy[Event] = st.one_of(
    st.builds(
        Start, st.sampled_from(["", "fr", "fr-c_GB-r_x", "../x"]), st.sampled_from([None, "fr"])
    ),
    st.builds(Text, st.sampled_from(TEXTS)),
    st.builds(Choice, st.sampled_from(CHOICES)),
    st.builds(Command, st.sampled_from(COMMANDS)),
    st.builds(Media, st.sampled_from(list(MediaKind))),
    st.just(Edited()),
    st.just(Reopen()),
    st.just(GroupChat()),
    st.just(CaseOpened(NUMBER, PIN)),
    st.just(CaseOpenFailed()),
    st.just(CaseShown()),
    st.builds(CaseOpenRefused, st.sampled_from(["chat", "all"])),
    st.just(CaseFound(VIEW)),
    st.just(CaseWithdrawn(VIEW)),
    st.builds(CaseMissing, st.sampled_from([0, 30, 600])),
    st.builds(LookupPaused, st.sampled_from([1, 30, 1440])),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(events, max_size=40),
    st.floats(min_value=0, max_value=5),
    st.sampled_from(["", "https://reclaim.example.org/companion/"]),
)
def test_random_conversations_stay_well_formed(
    history: list[Event], gap: float, page_url: str
) -> None:
    session = Session()
    now = 1_764_000_000.0
    for event in history:
        now += gap
        session, effects = step(session, event, make_ctx(now=now, page_url=page_url))
        assert session.state is not State.RESUME
        stored = session_to_json(session)
        minute = json.loads(stored).get("flood_since", 0.0)
        assert session_from_json(stored) == session.with_(flood_since=minute)
        assert PIN not in session_to_json(session)
        for effect in effects:
            if isinstance(effect, OpenCase):
                assert effect.items, "a case is opened only with codes waiting"
            if isinstance(effect, LookupCase | WithdrawCase):
                assert ids.parse_case_number(effect.number) == effect.number
                assert ids.parse_pin(effect.pin) == effect.pin
            if isinstance(effect, Say):
                assert effect.msgid in ENGLISH, effect.msgid
                if effect.page is not None or effect.page_closed:
                    assert not effect.buttons, "a message carries one keyboard"
                if effect.page is not None:
                    assert page_url
                    assert effect.page.label in ENGLISH
                for button in effect.buttons:
                    computed = button.label.startswith(("language:", "territory:"))
                    assert computed or button.label in ENGLISH, button.label
        offered = {b.choice for b in session.options}
        assert len(offered) == len(session.options), "a choice is offered twice"
