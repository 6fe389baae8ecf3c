"""The companion page as a Telegram Mini App, end to end: the real bot process (with
``RECLAIM_PUBLIC_URL``) against the Bot API emulator.

The bot serves the page itself and offers it as a keyboard button; the person's Mini App sends
a code made by ``bot.hashes.hashcode.encode`` back as ``web_app_data`` (a long one in two
parts, two sends), and a case opens as it would from a paste. The keyboard is taken away once
the case is shown, and nothing of the data reaches the logs.
"""

from __future__ import annotations

import hashlib
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import web
from bot.hashes import hashcode
from bot.hashes.items import HashItem, ItemKind
from bot.i18n import Catalogs
from tests.e2e.telegram_process import BotProcess, Person, free_port
from tests.samples import CREDENTIALS
from tests.telegram_emulator import BotApiEmulator, EmulatorThread

CATALOGS = Catalogs.load()
LABEL = CATALOGS.text("en", "button.open_page")
PUBLIC = "https://reclaim.example.org/"
MINIAPP = b"<!doctype html><title>miniapp</title>"


def _hex(seed: str, length: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


ITEMS = [
    HashItem(ItemKind.IMAGE, (("pdq", _hex("picture one", 64)), ("md5", _hex("md5 one", 32)))),
    HashItem(ItemKind.IMAGE, (("pdq", _hex("picture two", 64)),)),
    HashItem(ItemKind.FILE, (("md5", _hex("video three", 32)),)),
]
PART_ONE = hashcode.encode(ITEMS[:2])
PART_TWO = hashcode.encode(ITEMS[2:])
HASHES = [value for item in ITEMS for _, value in item.hashes]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    (root / "index.html").write_bytes(b"<!doctype html><title>index</title>")
    (root / "miniapp.html").write_bytes(MINIAPP)
    return root


@pytest.fixture(scope="module")
def running(
    tmp_path_factory: pytest.TempPathFactory, site: Path
) -> Iterator[tuple[BotApiEmulator, BotProcess, int]]:
    port = free_port()
    with EmulatorThread() as emu:
        process = BotProcess(
            emu,
            tmp_path_factory.mktemp("mini") / "data",
            RECLAIM_PUBLIC_URL=PUBLIC,
            RECLAIM_WEB_PORT=str(port),
            RECLAIM_WEB_ROOT=str(site),
        )
        try:
            started = emu.wait_until_sync(
                lambda: True if emu.calls_to("getUpdates") or process.proc.poll() else None, 15.0
            )
            assert started, process.errors
            assert process.proc.poll() is None, process.errors
            yield emu, process, port
            assert process.stop() == 0, process.errors
        finally:
            process.kill()


def _press(person: Person, label: str) -> None:
    question = person.question()
    person.press(question, label)


def test_the_bot_serves_the_mini_app(running: tuple[BotApiEmulator, BotProcess, int]) -> None:
    _, _, port = running
    url = f"http://127.0.0.1:{port}/companion/miniapp.html?lang=en"
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == MINIAPP
        assert response.headers["Content-Security-Policy"] == web.MINIAPP_CSP


def test_a_code_sent_from_the_mini_app_opens_a_case(
    running: tuple[BotApiEmulator, BotProcess, int],
) -> None:
    emu, process, _ = running
    person = Person(emu, emu.add_user(first_name="Robin", language_code="en"))
    emu.user_sends_command(person.user, "/start")
    person.expect("Please don't send them here.")
    for label in ("It's me", "No", "18 or older", "Yes", "Make the codes"):
        _press(person, label)
    offer = person.expect("right here, on this phone or computer")
    assert offer.web_app_urls == [f"{PUBLIC}companion/miniapp.html?lang=en"]
    assert offer.reply_keyboard is not None
    assert offer.reply_keyboard["keyboard"][0][0]["text"] == LABEL
    assert emu.chat(person.user).reply_keyboard == offer.reply_keyboard

    emu.user_sends_web_app_data(person.user, PART_ONE)
    person.expect("pictures: 2, videos and other files: 0")
    assert emu.chat(person.user).reply_keyboard is not None  # more parts may come
    emu.user_sends_web_app_data(person.user, PART_TWO)
    person.expect("pictures: 2, videos and other files: 1")
    person.press(person.question(), "Open my case")
    found = CREDENTIALS.search(person.expect("Case number:").text or "")
    assert found
    person.expect("Is there anything else I can help with?")
    assert emu.chat(person.user).reply_keyboard is None
    removals = [
        m.message_id
        for m in emu.bot_messages(person.user)
        if m.reply_keyboard == {"remove_keyboard": True}
    ]
    # One on the greeting (a button an expired conversation left behind), one after the case.
    assert len(removals) == 2
    assert removals[0] < offer.message_id < removals[1]

    process.stop()
    logs = process.errors + process.output
    assert "event Text" in logs  # the logs are on, and did see the sends
    for private in (*HASHES, PART_ONE, PART_TWO, *found.groups(), LABEL):
        assert private not in logs
