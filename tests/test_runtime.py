"""The runtime on a real SQLite file: whole conversations, privacy, expiry, forget, concurrency."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from pathlib import Path

import pytest

from bot.cases import ids
from bot.cases.lockout import FREE_FAILURES
from bot.cases.sessions import sessions_path
from bot.cases.store import Store
from bot.config import Settings
from bot.engine.events import Command, Event, GroupChat, Media, MediaKind, Start, Text
from bot.engine.states import State
from bot.i18n import Catalogs, Rendered
from bot.runtime import DELETABLE_FOR, Runtime
from tests.conftest import TEST_SECRET, FakeClock, RecordingTransport
from tests.samples import CODE, CREDENTIALS, MD5, PDQ

ROUTE = [Text("It's me"), Text("No"), Text("18 or older"), Text("Yes")]
"""Answers to the routing questions, which come before any case."""

CHAT = "chat-987654321"


async def say(
    runtime: Runtime, transport: RecordingTransport, *events: Event, chat: str = CHAT
) -> None:
    for n, event in enumerate(events):
        await runtime.handle(transport, chat, event, incoming_ref=f"in-{n}-{len(transport.sent)}")


async def open_case(
    runtime: Runtime, transport: RecordingTransport, chat: str = CHAT
) -> tuple[str, str]:
    await say(
        runtime, transport, Start(), Text("It's me"), Text("no"), Text("18 or older"), Text("yes")
    )
    await say(
        runtime, transport, Text("Make the codes"), Text(CODE), Text("Open my case"), chat=chat
    )
    found = [m for m in (CREDENTIALS.search(t) for t in transport.texts(chat)) if m]
    assert len(found) == 1, transport.texts(chat)[-6:]
    return found[0].group(1), found[0].group(2)


def dump_database(path: Path) -> str:
    """Every cell of every table of the database and its sessions file, plus the raw bytes of
    both files and their logs."""
    cells = []
    for file in (path, Path(sessions_path(path))):
        with sqlite3.connect(file) as db:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            cells += [repr(row) for table in tables for row in db.execute(f"SELECT * FROM {table}")]
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.stem + "*"))
    return "\n".join(cells) + raw.decode("latin-1")


async def test_a_whole_conversation_opens_looks_up_and_withdraws_a_case(
    runtime: Runtime, transport: RecordingTransport
) -> None:
    number, pin = await open_case(runtime, transport)
    await say(runtime, transport, Command("status"), Text(number), Text(pin))
    status = transport.texts()[-2]
    assert f"Case {number}" in status
    assert "State: open" in status
    assert "Pictures: 1. Videos and other files: 1." in status
    assert "Fingerprints: MD5 2, PDQ 1" in status
    # no partner is connected: the status says nothing was sent
    assert "Sent anywhere: no." in status
    await say(
        runtime, transport, Command("withdraw"), Text("Withdraw a case"), Text(number), Text(pin)
    )
    assert f"Case {number} is withdrawn" in "\n".join(transport.texts()[-4:])
    await say(runtime, transport, Command("status"), Text(number), Text(pin))
    assert "State: withdrawn" in transport.texts()[-2]


async def test_typed_labels_pick_buttons(runtime: Runtime, transport: RecordingTransport) -> None:
    await say(runtime, transport, Start(), Text("  i'm HELPING someone! "))
    assert transport.last().text.startswith("Is someone threatening")
    assert [label for _, label in transport.last().buttons] == ["Yes", "No"]


async def test_nothing_identifying_is_stored(
    runtime: Runtime, transport: RecordingTransport, store: Store, tmp_path: Path
) -> None:
    number, pin = await open_case(runtime, transport)
    await say(
        runtime, transport, Text("my name is banana-split-xyz"), Command("status"), Text(number)
    )
    await store.close()
    dumped = dump_database(tmp_path / "reclaim.sqlite3")
    assert "987654321" not in dumped
    assert "banana-split" not in dumped
    assert pin not in re.sub(r"[^0-9]", " ", dumped).split()
    assert "It's me" not in dumped


async def test_the_session_key_is_keyed_and_separates_platforms(
    runtime: Runtime, tmp_path: Path
) -> None:
    key = runtime.key_for("telegram", "12345")
    assert "12345" not in key
    assert len(key) == 64
    assert key != runtime.key_for("matrix", "12345")
    other = Runtime(
        runtime.store,
        runtime.catalogs,
        secret=TEST_SECRET[::-1],
        settings=Settings(data_dir=tmp_path),
    )
    assert other.key_for("telegram", "12345") != key


async def test_a_restart_resumes_the_conversation(
    runtime: Runtime,
    transport: RecordingTransport,
    catalogs: Catalogs,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    await say(runtime, transport, Start(), Text("It's me"), Text("no"))
    assert transport.last().text == "How old were you in the pictures or videos?"
    await runtime.store.close()
    reopened = await Store.open(tmp_path / "reclaim.sqlite3", pepper=b"x" * 32, scrypt_n=16)
    try:
        again = Runtime(
            reopened,
            catalogs,
            secret=TEST_SECRET,
            settings=Settings(data_dir=tmp_path),
            clock=clock,
        )
        await say(again, transport, Text("Under 18"))
        assert transport.last().text.startswith("Are the pictures or videos on your phone")
    finally:
        await reopened.close()


async def test_idle_sessions_expire(
    runtime: Runtime, transport: RecordingTransport, clock: FakeClock
) -> None:
    await say(runtime, transport, Start(), Text("It's me"))
    clock.now += runtime.settings.session_ttl + 1
    assert await runtime.purge() == 1
    await say(runtime, transport, Text("no"))
    assert transport.texts()[-4].startswith("Hi, I'm Reclaim")
    session = await runtime.load(runtime.key_for("test", CHAT), clock.now)
    assert session.state is State.ASK_ROLE


async def test_forget_deletes_recent_messages_and_the_session(
    runtime: Runtime, transport: RecordingTransport, clock: FakeClock
) -> None:
    await say(runtime, transport, Start())
    old_refs = {str(n) for n in range(1001, 1001 + len(transport.sent))} | {"in-0-0"}
    # Keep the conversation alive (each gap shorter than the idle expiry) until the first
    # messages are too old for the platform to delete.
    gap = runtime.settings.session_ttl * 0.9
    while clock.now < 1_764_000_000.0 + DELETABLE_FOR + 60:
        clock.now += gap
        await runtime.handle(transport, CHAT, Command("nothing"))
    await say(runtime, transport, Text("It's me"), Text("no"))
    recent = len(transport.sent)
    await runtime.handle(transport, CHAT, Command("forget"), incoming_ref="forget-msg")
    deleted = {ref for _, ref in transport.deleted}
    assert "forget-msg" in deleted
    assert {str(n) for n in range(1001 + recent - 2, 1001 + recent)} <= deleted
    assert not deleted & old_refs
    assert transport.last().text.startswith("Done. I've erased this conversation")
    key = runtime.key_for("test", CHAT)
    assert await runtime.store.load_session(key, clock.now) is None


async def test_media_is_deleted_and_refused(
    runtime: Runtime, transport: RecordingTransport
) -> None:
    await say(runtime, transport, Start())
    await runtime.handle(transport, CHAT, Media(MediaKind.PHOTO), incoming_ref="photo-1")
    assert ("chat-987654321", "photo-1") in transport.deleted
    assert any("Please don't send pictures" in t for t in transport.texts())


async def test_pin_messages_are_deleted(runtime: Runtime, transport: RecordingTransport) -> None:
    number, pin = await open_case(runtime, transport)
    await say(runtime, transport, Command("status"), Text(number))
    await runtime.handle(transport, CHAT, Text(pin), incoming_ref="pin-message")
    assert (CHAT, "pin-message") in transport.deleted


async def test_a_store_failure_keeps_the_codes_for_a_retry(
    runtime: Runtime, transport: RecordingTransport, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = runtime.store.open_case

    async def broken(*args: object, **kwargs: object) -> object:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(runtime.store, "open_case", broken)
    await say(
        runtime, transport, Start(), Text("It's me"), Text("no"), Text("18 or older"), Text("yes")
    )
    await say(runtime, transport, Text("Make the codes"), Text(CODE), Text("Open my case"))
    assert any("something went wrong on our side" in t for t in transport.texts())
    monkeypatch.setattr(runtime.store, "open_case", real)
    await say(runtime, transport, Text("Open my case"))
    assert any(CREDENTIALS.search(t) for t in transport.texts())


async def test_wrong_tries_make_the_number_wait_for_every_chat_alike(
    runtime: Runtime, transport: RecordingTransport
) -> None:
    number, pin = await open_case(runtime, transport)
    made_up = ids.new_case_number()
    other = RecordingTransport(name="other")
    answers = []
    for typed in (number, made_up):
        for n in range(FREE_FAILURES):
            await say(runtime, other, Command("status"), Text(f"{typed} 00000{n}"), chat=f"c{n}")
        await say(runtime, other, Command("status"), Text(f"{typed} 000009"), chat=f"late-{typed}")
        answers.append(other.texts(f"late-{typed}")[-2:])
    real, fake = answers
    assert real == fake  # a made-up number gets exactly the same answers
    assert "too many tries" in real[-2]
    await say(runtime, transport, Command("status"), Text(f"{number} {pin}"))
    assert "too many tries" in transport.texts()[-2]  # waits, but is never locked for good


async def test_forget_lifts_neither_the_lookup_wait_nor_the_case_limit(
    runtime: Runtime, transport: RecordingTransport
) -> None:
    for n in range(FREE_FAILURES):
        await say(runtime, transport, Command("status"), Text(f"{ids.new_case_number()} 12345{n}"))
    await say(runtime, transport, Command("forget"))
    await say(runtime, transport, Start(), Command("status"))
    await say(runtime, transport, Text(f"{ids.new_case_number()} 123456"))
    assert "too many tries" in transport.texts()[-2]

    chat = "chat-limits"
    for _ in range(3):
        await say(runtime, transport, Start(), *ROUTE, Text(CODE), Text("Open my case"), chat=chat)
        await say(runtime, transport, Command("forget"), chat=chat)
    await say(runtime, transport, Start(), *ROUTE, Text(CODE), Text("Open my case"), chat=chat)
    texts = transport.texts(chat)
    assert len([t for t in texts if CREDENTIALS.search(t)]) == 3
    assert "as many cases as it can today" in texts[-2]
    with sqlite3.connect(runtime.settings.database_path) as db:
        assert db.execute("SELECT COUNT(*) FROM cases").fetchone() == (3,)


async def test_a_wrong_pin_asks_for_the_pin_again_and_both_may_come_together(
    runtime: Runtime, transport: RecordingTransport
) -> None:
    number, pin = await open_case(runtime, transport)
    await say(runtime, transport, Command("status"), Text(number), Text("000000"))
    assert transport.texts()[-1].startswith("And the PIN?")
    transport.deleted.clear()
    await say(runtime, transport, Text(pin))
    assert f"Case {number}" in transport.texts()[-2]
    await say(runtime, transport, Command("status"), Text(f"Case number: {number}\nPIN: {pin}"))
    assert f"Case {number}" in transport.texts()[-2]
    assert len(transport.deleted) == 2  # both messages holding the PIN were deleted


async def test_logs_never_contain_text_hashes_or_ids(
    runtime: Runtime, transport: RecordingTransport, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    number, pin = await open_case(runtime, transport)
    await say(
        runtime, transport, Text("secret words 42"), Command("status"), Text(number), Text(pin)
    )
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert logged  # the runtime does log, just nothing private
    for private in (CHAT, "987654321", number, pin, PDQ, MD5, "secret words"):
        assert private not in logged


async def test_chats_run_concurrently_and_each_chat_is_serialised(
    runtime: Runtime, transport: RecordingTransport
) -> None:
    chats = [f"chat-{n}" for n in range(20)]
    await asyncio.gather(*(say(runtime, transport, Start(), chat=c) for c in chats))
    await asyncio.gather(
        *(runtime.handle(transport, c, Text("It's me")) for c in chats for _ in range(1))
    )
    # Five racing events in one chat are applied one after another, none lost.
    await asyncio.gather(*(runtime.handle(transport, chats[0], Command("help")) for _ in range(5)))
    session = await runtime.load(runtime.key_for("test", chats[0]), runtime.clock())
    assert session.flood_count == 7
    for chat in chats[1:]:
        state = (await runtime.load(runtime.key_for("test", chat), runtime.clock())).state
        assert state is State.ASK_THREAT


async def test_drop_erases_a_conversation_quietly(
    runtime: Runtime, transport: RecordingTransport, clock: FakeClock
) -> None:
    await say(runtime, transport, Start(), Text("It's me"))
    sent = len(transport.sent)
    await runtime.drop("test", CHAT)
    assert len(transport.sent) == sent
    assert await runtime.store.load_session(runtime.key_for("test", CHAT), clock.now) is None


async def test_group_chats_are_left_and_nothing_is_kept(
    runtime: Runtime, transport: RecordingTransport, clock: FakeClock
) -> None:
    await runtime.handle(transport, "-100200", GroupChat())
    assert transport.left == ["-100200"]
    assert transport.texts() == [
        "I only talk in private chats, to keep things safe. "
        "Please message me directly. Bye for now."
    ]
    assert await runtime.store.load_session(runtime.key_for("test", "-100200"), clock.now) is None


async def test_recent_sessions_are_served_from_memory_and_written_through(
    runtime: Runtime,
    transport: RecordingTransport,
    monkeypatch: pytest.MonkeyPatch,
    clock: FakeClock,
) -> None:
    await say(runtime, transport, Start())
    reads: list[str] = []
    real_load = runtime.store.load_session

    async def counting_load(key: str, now: float) -> str | None:
        reads.append(key)
        return await real_load(key, now)

    monkeypatch.setattr(runtime.store, "load_session", counting_load)
    await say(runtime, transport, Text("It's me"))
    assert reads == []  # served from memory
    stored = await real_load(runtime.key_for("test", CHAT), clock.now)
    assert stored is not None
    assert '"state":"ask_threat"' in stored  # and written through to the store
    clock.now += runtime.settings.session_ttl + 1  # expired: memory is not trusted any more
    await say(runtime, transport, Text("no"))
    assert len(reads) == 1
    assert transport.texts()[-4].startswith("Hi, I'm Reclaim")


async def test_the_memory_copy_is_bounded(
    runtime: Runtime, transport: RecordingTransport, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.runtime.CACHED_SESSIONS", 3)
    for n in range(6):
        await say(runtime, transport, Start(), Text("It's me"), chat=f"chat-{n}")
    assert len(runtime._cache) == 3
    await say(runtime, transport, Text("no"), chat="chat-0")  # evicted: read back from the store
    assert transport.last().text == "How old were you in the pictures or videos?"


async def test_the_new_state_is_stored_before_anything_is_sent(
    runtime: Runtime, transport: RecordingTransport, clock: FakeClock
) -> None:
    """A crash between storing and replying re-asks the question; it never skips one."""
    await say(runtime, transport, Start())

    class Crashing(RecordingTransport):
        async def send(self, chat_id: str, message: Rendered) -> str | None:
            raise ConnectionError("the process died here")

    with pytest.raises(ConnectionError):
        await runtime.handle(Crashing(name="test"), CHAT, Text("It's me"))
    runtime._cache.clear()  # as after a restart
    session = await runtime.load(runtime.key_for("test", CHAT), clock.now)
    assert session.state is State.ASK_THREAT


async def test_stored_times_keep_the_minute_and_no_finer(
    runtime: Runtime, transport: RecordingTransport, clock: FakeClock, tmp_path: Path
) -> None:
    clock.now = 1_764_000_037.25
    await runtime.handle(transport, CHAT, Start(), incoming_ref="start-msg")
    stored = await runtime.store.load_session(runtime.key_for("test", CHAT), clock.now)
    assert stored is not None
    minute = int(clock.now // 60)
    assert f'"start-msg@{minute}"' in stored
    assert f"@{int(clock.now)}" not in stored
    with sqlite3.connect(sessions_path(tmp_path / "reclaim.sqlite3")) as db:
        (expires_at,) = db.execute("SELECT expires_at FROM sessions").fetchone()
    assert expires_at % 60 == 0
    assert 0 <= expires_at - (clock.now + runtime.settings.session_ttl) < 60


async def test_a_referral_code_in_the_link_is_kept_only_if_a_helpline_has_it(
    runtime: Runtime, transport: RecordingTransport, clock: FakeClock
) -> None:
    await runtime.handle(transport, CHAT, Start("r_sam_from_school"))
    assert transport.texts()[0].startswith("Hi, I'm Reclaim. The people who sent you here")
    stored = await runtime.store.load_session(runtime.key_for("test", CHAT), clock.now)
    assert stored is not None
    assert "sam_from_school" not in stored
