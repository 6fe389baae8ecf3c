"""The real bot process (`python -m bot run`) on Telegram, against the Bot API emulator.

One bot process serves the whole module (long polling), each test as different people in
their own chats; the last tests check what the module as a whole must never have seen: a file
fetched, a button press left unanswered, or private words, the token or a chat id in the logs.
A second process runs a conversation through a webhook.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.cases.sessions import sessions_path
from bot.chatkeys import derive_chat_key
from bot.config import derive_key
from bot.i18n import Catalogs
from tests.e2e.telegram_process import BotProcess, Person, RawAnswer, free_port, post_raw
from tests.samples import CODE, CREDENTIALS, MD5, PDQ
from tests.telegram_emulator import BotApiEmulator, EmulatorThread

CATALOGS = Catalogs.load()
EXPIRED = CATALOGS.text("en", "callback.expired")
GROUP_LINE = CATALOGS.text("en", "group.leaving")
STARTED = 15.0
HUGE = str(95 * 1024 * 1024)

#: Words typed or shown in tests that must never reach the logs.
PRIVATE: set[str] = {
    PDQ,
    MD5,
    "2" * 32,
    "Robin",
    "Make the codes",
    "my first try",
    "an edit",
    "hello again",
    "helpline42",
}


@pytest.fixture(scope="module")
def emu() -> Iterator[BotApiEmulator]:
    with EmulatorThread() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("telegram") / "data"


@pytest.fixture(scope="module")
def bot(emu: BotApiEmulator, data_dir: Path) -> Iterator[BotProcess]:
    process = BotProcess(emu, data_dir)
    try:
        polling = emu.wait_until_sync(
            lambda: True if emu.calls_to("getUpdates") or process.proc.poll() is not None else None,
            STARTED,
        )
        assert polling, process.errors
        assert process.proc.poll() is None, process.errors
        yield process
        assert process.stop() == 0, process.errors
    finally:
        process.kill()


def new_person(emu: BotApiEmulator, language_code: str = "en") -> Person:
    person = Person(emu, emu.add_user(first_name="Robin", language_code=language_code))
    PRIVATE.add(str(person.chat))
    return person


def answered(emu: BotApiEmulator, query_id: str) -> dict[str, object]:
    """Wait for the answer to a button press; returns what it said."""
    call = emu.wait_for_call_sync("answerCallbackQuery", callback_query_id=query_id, timeout=10)
    assert call.ok
    return call.params


def session_keys(data_dir: Path) -> set[str]:
    with sqlite3.connect(sessions_path(data_dir / "reclaim.sqlite3")) as conn:
        return {row[0] for row in conn.execute("SELECT key FROM sessions")}


def session_key(data_dir: Path, chat_id: int) -> str:
    """The key the runtime stores a Telegram chat's conversation under."""
    secret = (data_dir / "secret.key").read_bytes().strip()
    return derive_chat_key(derive_key(secret, "chat-key"), "telegram", str(chat_id))


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll a condition on the database or the logs, which the emulator can't wait on."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def open_case(person: Person, emu: BotApiEmulator) -> tuple[str, str]:
    """From the hash code prompt: paste a code, open the case, return number and PIN."""
    person.say(CODE)
    person.expect("pictures: 1, videos and other files: 1")
    confirm = person.question()
    answered(emu, person.press(confirm, "Open my case"))
    found = CREDENTIALS.search(person.expect("Case number:").text or "")
    assert found
    number, pin = found.groups()
    PRIVATE.update({number, pin})
    return number, pin


def check_status(person: Person, emu: BotApiEmulator, number: str, pin: str) -> None:
    emu.user_sends_command(person.user, "/status")
    person.expect("What's the case number?")
    person.say(number.lower().replace("-", " "))
    person.expect("And the PIN?")
    pin_message = person.say(pin)
    emu.wait_for_call_sync("deleteMessage", chat_id=person.chat, message_id=pin_message)
    status = person.expect("Sent anywhere:").text or ""
    assert f"Case {number}" in status
    assert "State: open" in status


# --- conversations -----------------------------------------------------------------------------


def test_startup_sets_menu_and_descriptions(bot: BotProcess, emu: BotApiEmulator) -> None:
    for language in ("", "en"):
        commands = emu.commands[("all_private_chats", language)]
        names = [c["command"] for c in commands]
        # /language is offered: the bot speaks more than one.
        assert names == [
            "start",
            "help",
            "hash",
            "status",
            "withdraw",
            "helplines",
            "language",
            "cancel",
            "forget",
        ]
        assert all(c["description"] for c in commands)
        assert emu.descriptions[("description", language)].startswith("I help people")
        assert 0 < len(emu.descriptions[("short_description", language)]) <= 120
    # Each complete catalog is published under its own language code, in its own words.
    assert emu.descriptions[("description", "fr")].startswith("J'aide les gens")
    assert emu.descriptions[("description", "ar")].startswith("أساعد الناس")
    assert ("all_private_chats", "pt") in emu.commands
    polls = emu.calls_to("getUpdates")
    assert polls[0].params["allowed_updates"] == [
        "message",
        "edited_message",
        "callback_query",
        "my_chat_member",
    ]


def test_whole_conversation_by_buttons(bot: BotProcess, emu: BotApiEmulator) -> None:
    person = new_person(emu)
    emu.user_sends_command(person.user, "/start")
    person.expect("Please don't send them here.")
    question = person.question()
    for label in ("It's me", "Yes", "Under 18", "Yes"):
        query = person.press(question, label)
        pressed = question
        question = person.question()
        labels = [button["text"] for row in question.buttons for button in row]
        if labels == ["Where to report in my country"]:  # after the threats: its own button
            question = person.question()
        assert answered(emu, query).get("text") is None
        # The pressed message loses its buttons, so it can't be answered twice.
        emu.wait_for_call_sync(
            "editMessageReplyMarkup", chat_id=person.chat, message_id=pressed.message_id
        )
        assert emu.find_message(person.chat, pressed.message_id).buttons == []  # type: ignore[union-attr]
    assert "Take It Down" in emu.transcript(person.user)
    answered(emu, person.press(question, "Make the codes"))
    person.expect("paste it here")
    number, pin = open_case(person, emu)
    check_status(person, emu, number, pin)
    sent = [c.params for c in emu.calls_to("sendMessage") if c.params["chat_id"] == person.chat]
    data = [
        button["callback_data"]
        for params in sent
        for row in params.get("reply_markup", {}).get("inline_keyboard", [])
        for button in row
    ]
    assert len(data) > 10
    assert all(re.fullmatch(r"1\|[a-z0-9_:.-]+", item) for item in data), data


def test_whole_conversation_by_typed_labels(bot: BotProcess, emu: BotApiEmulator) -> None:
    person = new_person(emu)
    person.say("hello")
    person.question()
    for label, reply in [
        ("it's me", "asking for money or more pictures?"),
        ("No", "How old"),
        ("18 or older", "on your phone or computer?"),
        ("yes", "StopNCII"),
    ]:
        person.say(label)
        person.expect(reply)
    person.say("Make the codes")
    person.expect("paste it here")
    number, pin = open_case(person, emu)
    check_status(person, emu, number, pin)


FRENCH_COUNTRY_QUESTION = "Dans quel pays es-tu ?"


def test_deep_link_carries_referral_and_country(bot: BotProcess, emu: BotApiEmulator) -> None:
    person = new_person(emu, language_code="fr")
    emu.user_sends_command(person.user, "/start", "fr-c_GB-r_helpline42")
    # The link picks French and says who sent the person.
    person.expect("Les personnes qui t'ont envoyé ici m'ont demandé de t'aider.")
    person.question()
    emu.user_sends_command(person.user, "/helplines")
    # the country is asked again (the linked one first); typed names and aliases work
    person.expect(FRENCH_COUNTRY_QUESTION)
    person.say("UK")
    person.expect("Revenge Porn Helpline")


@pytest.mark.parametrize(
    ("action", "refusal"),
    [
        ("user_sends_photo", "Please don't send pictures or videos here."),
        ("user_sends_video", "Please don't send pictures or videos here."),
        ("user_sends_document", "Please don't send pictures or videos here."),
        ("user_sends_animation", "Please don't send pictures or videos here."),
        ("user_sends_video_note", "Please don't send pictures or videos here."),
        ("user_sends_sticker", "I can only read text."),
        ("user_sends_voice", "I can't listen to voice or audio messages"),
        ("user_sends_audio", "I can't listen to voice or audio messages"),
        ("user_sends_contact", "Please don't share contact details or locations here."),
        ("user_sends_location", "Please don't share contact details or locations here."),
        ("user_sends_venue", "Please don't share contact details or locations here."),
    ],
)
def test_media_is_deleted_unseen_and_refused(
    bot: BotProcess, emu: BotApiEmulator, action: str, refusal: str
) -> None:
    person = new_person(emu)
    emu.user_sends_command(person.user, "/start")
    person.question()
    sent = getattr(emu, action)(person.user)["message"]
    emu.wait_for_call_sync("deleteMessage", chat_id=person.chat, message_id=sent["message_id"])
    person.expect(refusal)
    assert emu.find_message(person.chat, sent["message_id"]).deleted  # type: ignore[union-attr]
    if refusal.startswith("Please don't send pictures"):
        person.expect("type /hash to see how")
    person.question()  # and the conversation carries on where it was


def test_edits_are_not_read_and_forwarded_codes_are(bot: BotProcess, emu: BotApiEmulator) -> None:
    person = new_person(emu)
    emu.user_sends_command(person.user, "/hash")
    person.expect("paste it here")
    typed = person.say("my first try")
    person.expect("doesn't look like a code")
    emu.user_edits_message(person.user, typed, "an edit")
    person.expect("I only read new messages")
    emu.user_forwards(person.user, CODE)
    person.expect("pictures: 1, videos and other files: 1")


def test_groups_and_channels_get_one_line_and_are_left(
    bot: BotProcess, emu: BotApiEmulator, data_dir: Path
) -> None:
    for kind in ("group", "supergroup", "channel"):
        chat = emu.bot_added_to_group(f"A {kind}", kind)
        PRIVATE.add(str(chat.id))
        emu.wait_for_call_sync("leaveChat", chat_id=chat.id, timeout=10)
        # The bot's own leaving comes back as an update; once it is fetched, the join's
        # service message has been handled too.
        emu.wait_until_sync(lambda: True if not emu.pending_updates else None, 10)
        said = [c for c in emu.calls_to("sendMessage") if c.params.get("chat_id") == chat.id]
        assert [c.params["text"] for c in said] == [GROUP_LINE], kind
        wait_for(
            lambda chat_id=chat.id: session_key(data_dir, chat_id) not in session_keys(data_dir)
        )


def test_forget_deletes_the_visible_conversation(
    bot: BotProcess, emu: BotApiEmulator, data_dir: Path
) -> None:
    person = new_person(emu)
    emu.user_sends_command(person.user, "/start")
    question = person.question()
    answered(emu, person.press(question, "I'm helping someone"))
    person.question()
    emu.user_sends_command(person.user, "/help")
    person.question()
    wait_for(lambda: session_key(data_dir, person.chat) in session_keys(data_dir))
    emu.user_sends_command(person.user, "/forget")
    done = person.expect("I've erased this conversation")
    kept = [m.message_id for m in emu.messages(person.user) if not m.deleted]
    assert kept == [done.message_id], emu.transcript(person.user)
    assert session_key(data_dir, person.chat) not in session_keys(data_dir)


def test_old_buttons_after_forget_get_a_kind_answer(bot: BotProcess, emu: BotApiEmulator) -> None:
    person = new_person(emu)
    emu.user_sends_command(person.user, "/start")
    question = person.question()
    # Two days later the old messages can no longer be deleted, so their buttons stay.
    emu.clock.advance(hours=49)
    try:
        emu.user_sends_command(person.user, "/forget")
        person.expect("I've erased this conversation")
        assert not emu.find_message(person.chat, question.message_id).deleted  # type: ignore[union-attr]
        query = person.press(question, "It's me")
        assert "text" not in answered(emu, query)
        person.expect("That button is from an earlier conversation")
        person.expect("Hi, I'm Reclaim.")
        # A button whose data is not ours (an older version) is answered kindly too.
        fresh = person.question()
        odd = emu.user_presses_button(person.user, fresh.message_id, "0|me", check_button=False)[
            "callback_query"
        ]["id"]
        assert answered(emu, odd)["text"] == EXPIRED
        person.expect("That button is from an earlier step.")
    finally:
        emu.clock.advance(hours=-49)


# --- failures ----------------------------------------------------------------------------------


def test_flood_wait_is_waited_out(bot: BotProcess, emu: BotApiEmulator) -> None:
    person = new_person(emu)
    emu.user_sends_command(person.user, "/start")
    person.question()
    emu.fail_next("sendMessage", retry_after=1)
    emu.user_sends_command(person.user, "/help")
    person.expect("You're not alone")
    calls = [c for c in emu.calls_to("sendMessage") if c.params.get("chat_id") == person.chat]
    refused = next(c for c in calls if c.status == 429)
    retried = calls[calls.index(refused) + 1]
    assert retried.ok
    assert retried.at - refused.at >= 0.9


def test_a_burst_of_server_errors_is_waited_out(bot: BotProcess, emu: BotApiEmulator) -> None:
    person = new_person(emu)
    emu.fail_next_in(person.user, "sendMessage", error_code=502, description="Bad Gateway", times=6)
    emu.user_sends_command(person.user, "/help")
    person.expect("You're not alone")
    calls = [c for c in emu.calls_to("sendMessage") if c.params.get("chat_id") == person.chat]
    assert [c.status for c in calls[:7]] == [502] * 6 + [200]
    texts = [m.text for m in emu.bot_messages(person.user)]
    assert len(texts) == len(set(texts))


def test_a_lost_send_is_not_repeated_and_the_next_message_carries_on(
    bot: BotProcess, emu: BotApiEmulator
) -> None:
    person = new_person(emu)
    emu.drop_next_in(person.user, "sendMessage")
    emu.user_sends_command(person.user, "/start")
    lost = "Telegram sendMessage failed: NetworkError (not repeated: it may have arrived)"
    wait_for(lambda: lost in bot.errors)
    calls = [c for c in emu.calls_to("sendMessage") if c.params.get("chat_id") == person.chat]
    assert [c.status for c in calls] == [-1]
    emu.user_sends_command(person.user, "/start")
    person.expect("Hi, I'm Reclaim.")
    person.question()


def test_a_failing_update_does_not_stop_the_bot(bot: BotProcess, emu: BotApiEmulator) -> None:
    person = new_person(emu)
    emu.fail_next("sendMessage", error_code=400, description="Bad Request: injected failure")
    emu.user_sends_command(person.user, "/help")
    emu.wait_for_call_sync("sendMessage", chat_id=person.chat, predicate=lambda c: not c.ok)
    emu.user_sends_command(person.user, "/help")
    person.expect("You're not alone")
    wait_for(lambda: "an update failed: BadRequest" in bot.errors)


def test_blocking_the_bot_ends_the_conversation(
    bot: BotProcess, emu: BotApiEmulator, data_dir: Path
) -> None:
    person = new_person(emu)
    emu.user_sends_command(person.user, "/start")
    person.question()
    key = session_key(data_dir, person.chat)
    wait_for(lambda: key in session_keys(data_dir))  # saved just after the reply
    emu.user_blocks_bot(person.user)
    wait_for(lambda: key not in session_keys(data_dir))

    other = new_person(emu)
    emu.user_sends_command(other.user, "/start")
    other.question()
    wait_for(lambda: session_key(data_dir, other.chat) in session_keys(data_dir))
    emu.fail_next(
        "sendMessage", error_code=403, description="Forbidden: bot was blocked by the user"
    )
    other.say("hello again")
    wait_for(lambda: session_key(data_dir, other.chat) not in session_keys(data_dir))


# --- what the whole module must never have seen ------------------------------------------------


def test_no_file_was_ever_fetched(bot: BotProcess, emu: BotApiEmulator) -> None:
    assert emu.files, "the tests sent no media"
    assert emu.calls_to("getFile") == []
    assert emu.downloads == []


def test_every_button_press_was_answered(bot: BotProcess, emu: BotApiEmulator) -> None:
    assert emu.callback_queries
    wait_for(lambda: not emu.unanswered_callback_queries())


def test_logs_hold_no_token_words_or_chat_ids(bot: BotProcess, emu: BotApiEmulator) -> None:
    assert "event Choice" in bot.errors  # the logs are on (DEBUG) and did record the tests
    assert emu.token not in bot.errors
    assert emu.token.split(":", 1)[1] not in bot.errors
    for private in PRIVATE:
        assert private not in bot.errors, private
    assert "Bad Request" not in bot.errors  # error descriptions are not logged either


# --- webhook -----------------------------------------------------------------------------------


def test_a_conversation_through_the_webhook(tmp_path: Path) -> None:
    port = free_port()
    secret = "hook_Secret-0123456789"
    url = f"http://127.0.0.1:{port}/telegram/hook"
    with EmulatorThread() as emu:
        process = BotProcess(
            emu,
            tmp_path / "data",
            TELEGRAM_WEBHOOK_URL=url,
            TELEGRAM_WEBHOOK_SECRET=secret,
            TELEGRAM_WEBHOOK_LISTEN="127.0.0.1",
            TELEGRAM_WEBHOOK_PORT=str(port),
        )
        try:
            emu.wait_for_call_sync("setWebhook", timeout=STARTED)
            assert emu.webhook_url == url
            assert emu.webhook_secret == secret
            person = Person(emu, emu.add_user())
            emu.user_sends_command(person.user, "/start")
            question = person.question()
            query = person.press(question, "It's me")
            person.expect("asking for money or more pictures?")
            answered(emu, query)
            emu.user_sends_photo(person.user)
            person.expect("Please don't send pictures or videos here.")

            forged = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "chat": {"id": 424242, "type": "private", "first_name": "Mallory"},
                    "from": {"id": 424242, "is_bot": False, "first_name": "Mallory"},
                    "text": "/start",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                request = urllib.request.Request(
                    url,
                    data=json.dumps(forged).encode(),
                    headers={"Content-Type": "application/json", **headers},
                    method="POST",
                )
                with pytest.raises(urllib.error.HTTPError) as refused:
                    urllib.request.urlopen(request, timeout=5)
                assert refused.value.code == 403
            hook = urlsplit(url).path
            for wrong in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                # 95 MiB declared and 64 KiB sent: answered without waiting for the rest.
                declared = {"Content-Type": "application/json", "Content-Length": HUGE, **wrong}
                assert post_raw(port, hook, declared, b"{" * 65536, keep_alive=True) == (
                    RawAnswer(403, closed=True)
                )
            oversized = {
                "Content-Type": "application/json",
                "Content-Length": str(2 * 1024 * 1024),
                "X-Telegram-Bot-Api-Secret-Token": secret,
            }
            assert post_raw(port, hook, oversized, b"{" * 65536).status == 413
            emu.user_sends_command(person.user, "/help")
            person.expect("You're not alone")
            assert not any(c.params.get("chat_id") == 424242 for c in emu.calls_to("sendMessage"))
            assert process.stop() == 0, process.errors
        finally:
            process.kill()
        assert emu.calls_to("getUpdates") == []
        assert emu.token not in process.errors


def test_a_wrong_token_stops_the_bot_without_showing_it(tmp_path: Path) -> None:
    with EmulatorThread() as emu:
        wrong = "123456789:AAHthisTOKENisNOTknownANYWHERE000000"
        process = BotProcess(emu, tmp_path / "data", TELEGRAM_BOT_TOKEN=wrong)
        try:
            assert process.proc.wait(STARTED) != 0
        finally:
            process.kill()
        wait_for(lambda: "refused TELEGRAM_BOT_TOKEN" in process.errors)
        assert wrong.split(":", 1)[1] not in process.errors
        assert "Traceback" not in process.errors


def test_without_network_at_start_up_it_keeps_trying_then_works(tmp_path: Path) -> None:
    port = free_port()
    later = EmulatorThread(port=port)  # its port is closed until it starts
    emu = later.emulator
    process = BotProcess(emu, tmp_path / "data")
    try:
        wait_for(lambda: process.errors.count("can't reach the Bot API") >= 4, STARTED)
        with later:
            assert emu.wait_until_sync(
                lambda: True if emu.calls_to("getUpdates") else None, STARTED
            )
            person = Person(emu, emu.add_user())
            emu.user_sends_command(person.user, "/start")
            person.question()
            assert process.stop() == 0, process.errors
    finally:
        process.kill()
    tries = [line for line in process.errors.splitlines() if "can't reach the Bot API" in line]
    pauses = [float(re.findall(r"trying again in ([\d.]+) s", line)[0]) for line in tries]
    assert pauses[:4] == [0.05, 0.1, 0.2, 0.4]
    assert pauses == sorted(pauses)
    assert all("(NetworkError, try" in line for line in tries)
    assert "Traceback" not in process.errors
    assert emu.token.split(":", 1)[1] not in process.errors
