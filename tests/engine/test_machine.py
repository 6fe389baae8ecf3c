"""Table-driven tests of the conversation engine: every branch, every kind of bad input."""

from __future__ import annotations

import pytest

from bot.cases import ids
from bot.engine.effects import (
    DeleteIncoming,
    Forget,
    LeaveChat,
    LookupCase,
    Msg,
    OpenCase,
    Referred,
    Say,
    WithdrawCase,
    say,
)
from bot.engine.events import (
    CaseFound,
    CaseOpened,
    CaseOpenFailed,
    CaseShown,
    CaseView,
    CaseWithdrawn,
    Choice,
    Command,
    Edited,
    Event,
    GroupChat,
    Media,
    MediaKind,
    Reopen,
    Start,
    Text,
)
from bot.engine.machine import step
from bot.engine.session import Age, Intent, Role, Session, session_to_json
from bot.engine.states import State
from bot.hashes import hashcode
from bot.hashes.items import HashItem, ItemKind
from tests.engine.conftest import last_say, make_ctx, msgids, run

PDQ_A = "f" * 31 + "e" + "0" * 31 + "1"  # half the bits set, as in a real picture's PDQ
PDQ_B = "0123456789abcdef" * 4
MD5_A = "d41d8cd98f00b204e9800998ecf8427e"
ITEM_A = HashItem(ItemKind.IMAGE, (("pdq", PDQ_A),))
ITEM_B = HashItem(ItemKind.IMAGE, (("pdq", PDQ_B),))
FILE_A = HashItem(ItemKind.FILE, (("md5", MD5_A),))
CODE = hashcode.encode([ITEM_A, ITEM_B, FILE_A])

# How to reach every waiting state from a fresh conversation.
REACH: dict[State, list[Event]] = {
    State.ASK_ROLE: [Start()],
    State.DANGER: [Start(), Choice("danger"), Choice("country:other")],
    State.ASK_THREAT: [Start(), Choice("me")],
    State.ASK_AGE: [Start(), Choice("me"), Choice("no")],
    State.ASK_FILE: [Start(), Choice("me"), Choice("no"), Choice("adult")],
    State.ROUTED: [Start(), Choice("me"), Choice("no"), Choice("adult"), Choice("yes")],
    State.AWAIT_HASHES: [Start(), Command("hash")],
    State.CONFIRM_CASE: [
        *[Start(), Choice("me"), Choice("no"), Choice("adult"), Choice("yes")],
        *[Choice("hash"), Text(CODE)],
    ],
    State.ASK_WHERE: [Start(), Choice("me"), Choice("no"), Choice("adult"), Choice("no")],
    State.MENU: [
        *[Start(), Choice("me"), Choice("no"), Choice("adult"), Choice("no")],
        Choice("where:unknown"),
    ],
    State.CONFIRM_WITHDRAW: [Start(), Command("withdraw")],
    State.ASK_CASE_NUMBER: [Start(), Command("status")],
    State.ASK_PIN: [Start(), Command("status"), Text(ids.new_case_number())],
    State.ASK_COUNTRY: [Start(), Command("helplines")],
    State.ASK_REPORT_COUNTRY: [Start(), Choice("me"), Choice("yes"), Choice("report_country")],
    State.ASK_LANGUAGE: [Start(), Command("language")],
}


@pytest.mark.parametrize("state", list(REACH))
def test_reach_table_reaches_its_state(state: State) -> None:
    session, _ = run(REACH[state])
    assert session.state is state


# --- eligibility journeys ---------------------------------------------------------------------

JOURNEYS = [
    # (role, threat, age, has file) -> expected msgids in the outcome, state, route
    ("me", "no", "under18", "yes", ["route.takeitdown"], State.ROUTED, "takeitdown"),
    ("me", "no", "adult", "yes", ["route.stopncii"], State.ROUTED, "stopncii"),
    ("me", "no", "unsure", "yes", ["route.unsure", "route.takeitdown"], State.ROUTED, "takeitdown"),
    ("helping", "no", "under18", "yes", ["route.takeitdown_helping"], State.ROUTED, "takeitdown"),
    ("helping", "no", "adult", "yes", ["route.stopncii_helping"], State.ROUTED, "stopncii"),
    ("me", "no", "under18", "no", ["nofile.explain", "ask.where"], State.ASK_WHERE, None),
    ("me", "no", "adult", "no", ["nofile.explain", "ask.where"], State.ASK_WHERE, None),
]


@pytest.mark.parametrize(("role", "threat", "age", "file", "expected", "state", "route"), JOURNEYS)
def test_eligibility_routes(
    role: str,
    threat: str,
    age: str,
    file: str,
    expected: list[str],
    state: State,
    route: str | None,
) -> None:
    events = [Start(), Choice(role), Choice(threat), Choice(age), Choice(file)]
    session, effects = run(events)
    said = msgids(effects)
    assert said[: len(expected)] == expected
    assert session.state is state
    assert session.route == route
    if file == "yes":
        assert "route.limits" in said  # honest limits are always stated
    if age == "adult":
        assert "nofile.cybertipline" not in said


def test_helping_someone_asks_about_their_age() -> None:
    _, effects = run([Start(), Choice("helping"), Choice("no")])
    assert msgids(effects) == ["ask.age_helping"]
    _, effects = run([Start(), Choice("me"), Choice("no")])
    assert msgids(effects) == ["ask.age"]


def test_threats_get_sextortion_steps_before_routing() -> None:
    session, effects = run([Start(), Choice("me"), Choice("yes")])
    assert msgids(effects) == [
        "sextortion.not_your_fault",
        "sextortion.steps",
        "sextortion.report_general",
        "ask.age",
    ]
    assert session.threat is True
    assert session.state is State.ASK_AGE


def test_danger_comes_first_and_can_lead_to_helplines() -> None:
    session, effects = run([Start(), Choice("danger")])
    # straight to the country, for its emergency number and crisis lines
    assert msgids(effects) == ["danger.emergency", "danger.crisis", "ask.country"]
    assert session.state is State.ASK_COUNTRY
    session, effects = step(session, Choice("country:US"), make_ctx())
    assert session.state is State.DANGER  # back to where the person was
    session, _ = step(session, Choice("go"), make_ctx())
    assert session.state is State.ASK_ROLE


def test_welcome_says_never_send_pictures_first() -> None:
    _, effects = run([Start()])
    assert msgids(effects)[:2] == ["welcome.hello", "welcome.never_send"]


# --- hashes and cases -------------------------------------------------------------------------


def test_paste_then_open_case_and_show_pin_once() -> None:
    session, effects = run(REACH[State.CONFIRM_CASE])
    assert session.state is State.CONFIRM_CASE
    assert session.pending == (ITEM_A, ITEM_B, FILE_A)
    found = next(e for e in effects if isinstance(e, Say) and e.msgid == "hashes.found")
    assert dict(found.params) == {"images": 2, "files": 1}
    session, effects = step(session, Choice("open"), make_ctx())
    assert [e for e in effects if isinstance(e, OpenCase)] == [
        OpenCase((ITEM_A, ITEM_B, FILE_A), "stopncii", "test-token")
    ]
    session, effects = step(session, CaseOpened("ABCD-EFGH-JKMN-P", "123456"), make_ctx())
    opened = effects[0]
    assert isinstance(opened, Say)
    assert opened.msgid == "case.opened"
    assert dict(opened.params) == {"number": "ABCD-EFGH-JKMN-P", "pin": "123456"}
    assert "case.write_down" in msgids(effects)
    session, effects = step(session, CaseShown(), make_ctx())
    assert msgids(effects)[0] == "case.next"
    assert session.pending == ()
    assert session.state is State.MENU
    assert "123456" not in session_to_json(session)


def test_route_is_carried_into_the_case() -> None:
    session, _ = run(REACH[State.ROUTED] + [Choice("hash"), Text(CODE), Choice("open")])
    _, effects = step(session, Choice("open"), make_ctx(token="another"))
    # a second press while opening asks for the same case again, never a second one
    assert [e.token for e in effects if isinstance(e, OpenCase)] == ["test-token"]
    session, effects = run(REACH[State.ROUTED] + [Choice("hash"), Text(CODE)])
    _, effects = step(session, Choice("open"), make_ctx())
    assert [e.route for e in effects if isinstance(e, OpenCase)] == ["stopncii"]


def test_failed_case_open_keeps_the_codes_for_a_retry() -> None:
    session, _ = run([*REACH[State.CONFIRM_CASE], Choice("open")])
    session, effects = step(session, CaseOpenFailed(), make_ctx())
    assert msgids(effects) == ["case.open_failed", "ask.confirm_case"]
    assert session.state is State.CONFIRM_CASE
    assert len(session.pending) == 3
    _, effects = step(session, Choice("open"), make_ctx())
    assert any(isinstance(e, OpenCase) for e in effects)


def test_cancel_at_confirmation_drops_the_codes() -> None:
    session, effects = run([*REACH[State.CONFIRM_CASE], Choice("cancel")])
    assert session.pending == ()
    assert msgids(effects)[0] == "case.not_opened"


BAD_PASTES = [
    ("   ", "hashes.empty"),
    ("hello, can you help me", "hashes.not_a_hash"),
    (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  photo.jpg",
        "hashes.sha256",
    ),
    ("sha256:" + "ab" * 32, "hashes.sha256"),
    ("ab" * 20, "hashes.sha1"),
    ("ab" * 64, "hashes.sha512"),
    ("ab" * 25, "hashes.wrong_length"),
    ("0" * 64, "hashes.flat_pdq"),
    (CODE.replace(PDQ_B, PDQ_B[:-1] + "0"), "hashes.bad_checksum"),
    (CODE.rsplit("#end", 1)[0], "hashes.truncated"),
    (CODE.replace("#reclaim1", "#reclaim9"), "hashes.unknown_version"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_PASTES)
def test_bad_pastes_get_a_specific_answer_and_nothing_is_kept(text: str, expected: str) -> None:
    session, effects = run([*REACH[State.AWAIT_HASHES], Text(text)])
    said = msgids(effects)
    assert said[0] == expected
    assert session.state is State.AWAIT_HASHES
    assert session.pending == ()
    assert not any(isinstance(e, OpenCase) for e in effects)


def test_partly_good_paste_names_the_bad_line_and_opens_nothing() -> None:
    text = f"{PDQ_A}\n{'ab' * 20}\n{MD5_A}"
    session, effects = run([*REACH[State.AWAIT_HASHES], Text(text)])
    first = effects[0]
    assert isinstance(first, Say)
    assert (first.msgid, dict(first.params)) == ("hashes.sha1", {"line": 2})
    assert "hashes.partly_good" in msgids(effects)
    assert session.state is State.AWAIT_HASHES


def test_bare_hash_lines_are_accepted_and_deduplicated() -> None:
    text = f"{PDQ_A.upper()}\n{MD5_A}\n  {PDQ_A}  "
    session, effects = run([*REACH[State.AWAIT_HASHES], Text(text)])
    assert session.pending == (ITEM_A, FILE_A)
    assert "hashes.duplicates" in msgids(effects)


def test_too_many_items_are_refused_with_the_limit() -> None:
    many = "\n".join(f"{n:032x}" for n in range(1, 8))
    session, effects = run([*REACH[State.AWAIT_HASHES], Text(many)], ctx=make_ctx(max_items=5))
    first = effects[0]
    assert isinstance(first, Say)
    assert (first.msgid, dict(first.params)) == ("hashes.too_many", {"count": 7, "max": 5})
    assert session.pending == ()


def test_a_paste_split_over_two_messages_is_added_up() -> None:
    session, _ = run([*REACH[State.ROUTED], Choice("hash"), Text(PDQ_A)])
    session, effects = step(session, Text(f"{PDQ_A}\n{MD5_A}"), make_ctx())
    assert session.pending == (ITEM_A, FILE_A)
    assert session.state is State.CONFIRM_CASE
    assert "hashes.duplicates" in msgids(effects)
    # a bad second part leaves the first part waiting
    session, effects = step(session, Text("ab" * 20 + "\n" + PDQ_B), make_ctx())
    assert session.pending == (ITEM_A, FILE_A)
    assert msgids(effects)[0] == "hashes.sha1"


def test_codes_pasted_before_being_asked_are_taken() -> None:
    session, _ = run([Start(), Text(CODE)])
    # kept while the routing questions are asked (tests/engine/test_routes.py)
    assert session.state is State.ASK_ROLE
    assert len(session.pending) == 3


# --- lookups ----------------------------------------------------------------------------------

VIEW = CaseView("ABCD-EFGH-JKMN-P", "open", "stopncii", 2, 1, "2026-11-25", 1, 0)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ABCD", "case_number.length"),
        ("ABCD-EFGH-JKMN-!", "case_number.characters"),
    ],
)
def test_bad_case_numbers_are_explained(typed: str, expected: str) -> None:
    session, effects = run([*REACH[State.ASK_CASE_NUMBER], Text(typed)])
    assert msgids(effects)[0] == expected
    assert session.state is State.ASK_CASE_NUMBER


def test_a_typo_in_a_case_number_is_caught() -> None:
    number = ids.new_case_number()
    first = number[0]
    typo = ("1" if first != "1" else "2") + number[1:]
    _, effects = run([*REACH[State.ASK_CASE_NUMBER], Text(typo)])
    assert msgids(effects)[0] == "case_number.check"


def test_status_lookup_deletes_the_pin_and_never_keeps_it() -> None:
    number = ids.new_case_number()
    session, effects = run([Start(), Command("status"), Text(number.lower()), Text("12 34 56")])
    assert effects[0] == DeleteIncoming()
    assert LookupCase(number, "123456") in effects
    assert "123456" not in session_to_json(session)
    session, effects = step(session, CaseFound(VIEW), make_ctx())
    status = effects[0]
    assert isinstance(status, Say)
    assert status.msgid == "case.status"
    assert dict(status.params)["state"] == Msg("case.state.open")
    assert dict(status.params)["relay"] == Msg("relay.queued")
    assert session.state is State.MENU
    assert session.case_number is None


def test_a_malformed_pin_is_deleted_and_asked_again() -> None:
    session, effects = run([*REACH[State.ASK_PIN], Text("12")])
    assert effects[0] == DeleteIncoming()
    assert "pin.invalid" in msgids(effects)
    assert session.state is State.ASK_PIN


def test_withdraw_confirms_first_then_asks_number_and_pin() -> None:
    number = ids.new_case_number()
    session, effects = run([Start(), Command("withdraw")])
    assert msgids(effects) == ["withdraw.explain", "ask.confirm_withdraw"]
    session, _ = run([Choice("withdraw"), Text(number), Text("654321")], session)
    assert session.intent is Intent.WITHDRAW
    _, effects = run(
        [Start(), Command("withdraw"), Choice("withdraw"), Text(number), Text("654321")]
    )
    assert WithdrawCase(number, "654321") in effects
    session, effects = step(session, CaseWithdrawn(VIEW), make_ctx())
    assert msgids(effects)[:2] == ["case.withdrawn", "case.status"]
    _, effects = run([Start(), Command("withdraw"), Choice("keep")])
    assert msgids(effects) == ["ask.menu"]


# --- things that never move the conversation ---------------------------------------------------


@pytest.mark.parametrize("state", list(REACH))
def test_help_reassures_and_reasks_in_every_state(state: State) -> None:
    before, asked = run(REACH[state])
    after, effects = step(before, Command("help"), make_ctx())
    assert msgids(effects)[:3] == ["help.not_alone", "help.what_we_do", "help.commands"]
    assert after.state is state
    assert after.pending == before.pending
    assert msgids(effects)[-1] == msgids(asked)[-1]


MEDIA_ANSWERS = {
    MediaKind.PHOTO: "media.refused",
    MediaKind.VIDEO: "media.refused",
    MediaKind.DOCUMENT: "media.refused",
    MediaKind.ANIMATION: "media.refused",
    MediaKind.VIDEO_NOTE: "media.refused",
    MediaKind.STICKER: "media.text_only",
    MediaKind.VOICE: "media.sound",
    MediaKind.AUDIO: "media.sound",
    MediaKind.CONTACT: "media.personal",
    MediaKind.LOCATION: "media.personal",
    MediaKind.VENUE: "media.personal",
    MediaKind.OTHER: "media.text_only",
}


def test_every_media_kind_has_an_answer() -> None:
    assert set(MEDIA_ANSWERS) == set(MediaKind)


@pytest.mark.parametrize("kind", list(MediaKind))
@pytest.mark.parametrize("state", list(REACH))
def test_media_is_deleted_refused_and_loses_nothing(kind: MediaKind, state: State) -> None:
    before, _ = run(REACH[state])
    after, effects = step(before, Media(kind), make_ctx())
    assert effects[0] == DeleteIncoming()
    assert msgids(effects)[0] == MEDIA_ANSWERS[kind]
    assert (after.state, after.pending, after.case_number) == (
        before.state,
        before.pending,
        before.case_number,
    )


def test_media_on_a_new_conversation_is_refused_after_the_welcome() -> None:
    session, effects = run([Media(MediaKind.PHOTO)])
    said = msgids(effects)
    assert said[:2] == ["welcome.hello", "welcome.never_send"]
    assert "media.refused" in said
    assert DeleteIncoming() in effects
    assert session.state is State.ASK_ROLE


@pytest.mark.parametrize("state", list(REACH))
def test_edits_are_declined_in_every_state(state: State) -> None:
    before, _ = run(REACH[state])
    after, effects = step(before, Edited(), make_ctx())
    assert msgids(effects)[0] == "edit.ignored"
    assert after.state is before.state


def test_group_chats_get_one_line_and_the_bot_leaves() -> None:
    _, effects = run([GroupChat()])
    assert effects == [Say("group.leaving"), LeaveChat()]


def test_floods_are_slowed_once_then_dropped_until_the_window_ends() -> None:
    ctx = make_ctx(flood_limit=5, flood_window=10.0)
    session, _ = run([Start()], ctx=ctx)
    warnings = 0
    for _ in range(10):
        session, effects = step(session, Text("hello"), ctx)
        warnings += msgids(effects).count("flood.slow_down")
    assert warnings == 1
    session, effects = step(session, Text("hello"), ctx)
    assert effects == []
    later = make_ctx(now=ctx.now + 11, flood_limit=5, flood_window=10.0)
    session, effects = step(session, Text("hello"), later)
    assert msgids(effects)[0] == "choice.use_buttons"


def test_stale_buttons_and_unknown_text_reask() -> None:
    session, effects = run([Start(), Choice("under18")])
    assert msgids(effects) == ["choice.stale", "ask.role"]
    assert session.state is State.ASK_ROLE
    _, effects = run([Start(), Text("banana")])
    assert msgids(effects) == ["choice.use_buttons", "ask.role"]


def test_overlong_text_is_refused_without_moving() -> None:
    session, effects = run([*REACH[State.AWAIT_HASHES], Text("a" * 20_000)])
    assert msgids(effects)[0] == "text.too_long"
    assert session.state is State.AWAIT_HASHES


def test_unknown_command_is_explained() -> None:
    session, effects = run([Start(), Command("frobnicate")])
    assert msgids(effects) == ["command.unknown", "ask.role"]
    assert session.state is State.ASK_ROLE


def test_text_on_a_new_or_expired_conversation_starts_with_the_welcome() -> None:
    session, effects = run([Text("hi")])
    assert msgids(effects)[0] == "welcome.hello"
    assert session.state is State.ASK_ROLE


def test_reopen_welcomes_back_and_keeps_the_place() -> None:
    before, _ = run(REACH[State.CONFIRM_CASE])
    after, effects = step(before, Reopen(), make_ctx())
    assert msgids(effects) == ["resume.welcome_back", "ask.confirm_case"]
    assert after.pending == before.pending


# --- commands ---------------------------------------------------------------------------------


def test_forget_erases_everything_but_the_language() -> None:
    before, _ = run([Start("fr"), Choice("me"), Choice("no"), Choice("adult")])
    after, effects = step(before, Command("forget"), make_ctx())
    assert effects == [Forget(), Say("forget.done")]
    assert after == Session(lang="fr")


def test_cancel_goes_back_to_the_start_and_drops_answers() -> None:
    before, _ = run(REACH[State.CONFIRM_CASE])
    after, effects = step(before, Command("cancel"), make_ctx())
    assert msgids(effects) == ["cancel.done", "ask.role"]
    assert (after.state, after.pending, after.role, after.age) == (State.ASK_ROLE, (), None, None)


def test_start_payload_sets_language_country_and_referral() -> None:
    session, effects = run([Start("fr-c_gb-r_helpline_7")])
    assert (session.lang, session.country, session.referral) == ("fr", "GB", "helpline_7")
    assert effects[0] == say("welcome.referred_by", helpline="UK line")
    assert Referred("helpline_7") in effects


def test_an_unknown_referral_code_is_greeted_but_not_stored() -> None:
    session, effects = run([Start("fr-c_gb-r_my_name_is_sam")])
    assert (session.lang, session.country, session.referral) == ("fr", "GB", None)
    assert "my_name_is_sam" not in session_to_json(session)
    assert msgids(effects)[0] == "welcome.referred"


@pytest.mark.parametrize("payload", ["../etc", "x" * 65, "de", "c_ZZ", "r_" + "a" * 70])
def test_odd_payloads_are_ignored_safely(payload: str) -> None:
    session, effects = run([Start(payload)])
    assert session.lang == "en"
    assert session.country is None
    assert session.referral is None
    assert msgids(effects)[0] == "welcome.hello"


@pytest.mark.parametrize(
    ("hint", "lang"), [("fr-CA", "fr"), ("FR", "fr"), ("de", "en"), (None, "en")]
)
def test_client_language_is_used_when_nothing_else_picks_one(hint: str | None, lang: str) -> None:
    session, _ = run([Start(locale_hint=hint)])
    assert session.lang == lang


def test_language_side_trip_returns_to_the_question() -> None:
    session, _ = run(REACH[State.ASK_AGE])
    session, effects = step(session, Command("language"), make_ctx())
    assert last_say(effects).buttons[1].choice == "lang:fr"
    session, effects = step(session, Choice("lang:fr"), make_ctx())
    assert session.lang == "fr"
    assert msgids(effects) == ["language.set", "ask.age"]
    assert session.state is State.ASK_AGE


def test_language_with_one_catalog_says_so() -> None:
    _, effects = run([Start(), Command("language")], ctx=make_ctx(languages=("en",)))
    assert msgids(effects)[0] == "language.only_one"


def test_helplines_are_filtered_by_country_and_age() -> None:
    session, _ = run([Start(), Choice("me"), Choice("no"), Choice("under18"), Choice("no")])
    session, _ = run([Choice("where:unknown")], session)
    session, effects = run([Choice("talk"), Choice("country:US")], session)
    names = [dict(e.params).get("name") for e in effects if isinstance(e, Say)]
    assert "Tipline" in names
    assert "Adult line" not in names
    assert "INHOPE" in names
    assert session.state is State.MENU
    # /helplines asks again: the person may be somewhere else now
    session, effects = step(session, Command("helplines"), make_ctx())
    assert msgids(effects) == ["ask.country"]


def test_somewhere_else_gets_global_helplines() -> None:
    session, effects = run([Start(), Command("helplines"), Choice("country:other")])
    said = msgids(effects)
    assert "helplines.none_for_country" in said
    names = [dict(e.params).get("name") for e in effects if isinstance(e, Say)]
    assert names.count("INHOPE") == 1
    assert session.country is None
    assert session.state is State.ASK_ROLE


def test_answers_are_remembered_in_the_session() -> None:
    session, _ = run([Start(), Choice("helping"), Choice("yes"), Choice("unsure")])
    assert (session.role, session.threat, session.age) == (Role.HELPING, True, Age.UNSURE)


def test_a_button_from_a_forgotten_conversation_says_so_and_starts_again() -> None:
    session, effects = run([Choice("under18")])
    assert msgids(effects)[:2] == ["choice.expired", "welcome.hello"]
    assert session.state is State.ASK_ROLE


@pytest.mark.parametrize(
    ("state", "queued", "relay"),
    [
        ("open", 1, "relay.queued"),
        ("open", 0, "relay.delivered"),
        ("withdrawn", 1, "relay.withdraw_queued"),
        ("withdrawn", 0, "relay.withdrawn"),
    ],
)
def test_status_says_honestly_where_the_codes_are(state: str, queued: int, relay: str) -> None:
    view = CaseView("ABCD-EFGH-JKMN-P", state, "stopncii", 1, 0, "2026-11-25", queued, 1 - queued)
    session, _ = run([*REACH[State.ASK_PIN], Text("123456")])
    _, effects = step(session, CaseFound(view), make_ctx())
    status = effects[0]
    assert isinstance(status, Say)
    assert dict(status.params)["relay"] == Msg(relay)


def test_a_part_that_would_overfill_the_case_waits_for_the_next_case() -> None:
    ctx = make_ctx(max_items=3)
    first = "\n".join(f"{n:032x}" for n in range(1, 3))
    second = "\n".join(f"{n:032x}" for n in range(3, 5))
    session, _ = run([*REACH[State.ROUTED], Choice("hash"), Text(first)], ctx=ctx)
    session, effects = step(session, Text(second), ctx)
    kept = effects[0]
    assert isinstance(kept, Say)
    assert (kept.msgid, dict(kept.params)) == ("hashes.queued", {"count": 2, "max": 3})
    assert (len(session.pending), len(session.queued)) == (2, 2)
    assert session.state is State.CONFIRM_CASE


def test_a_code_that_starts_a_conversation_is_kept_while_the_questions_come() -> None:
    # Someone who made the code first (or comes back after their conversation expired) pastes
    # it straight away: it must not be lost behind the greeting.
    session, effects = step(Session(), Text(CODE), make_ctx())
    said = msgids(effects)
    assert said[0] == "welcome.hello"
    assert "hashes.kept_for_later" in said
    assert said[-1] == "ask.role"
    assert said.count("ask.role") == 1
    assert len(session.pending) == 3
    session, effects = run([Choice("me"), Choice("no"), Choice("adult")], session=session)
    assert len(session.pending) == 3
    assert session.state is State.CONFIRM_CASE
    assert msgids(effects)[-2:] == ["hashes.found", "ask.confirm_case"]


def test_plain_words_that_start_a_conversation_still_just_get_the_greeting() -> None:
    session, effects = step(Session(), Text("hello?"), make_ctx())
    assert session.pending == ()
    assert msgids(effects)[-1] == "ask.role"
    assert "choice.use_buttons" not in msgids(effects)
