"""The whole Mini App loop with real parts: the bot process, its page server, Chromium, emulator.

A person reaches the offer in the Bot API emulator. The page at the address on the offered
button (served by the bot's own process, reached here on loopback instead of through the HTTPS
proxy) is opened in headless Chromium, with a stand-in for Telegram's script that records
``sendData``. The page hashes real photos; what it hands to ``sendData`` is delivered as
``web_app_data``, as Telegram would; a case opens holding exactly those photos' hashes. The chat
never receives a picture, and the page makes no request while it hashes.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.hashes.hashcode import parse
from tests import browser
from tests.companion import pictures
from tests.companion.web import pagekit
from tests.companion.web.telegram import serve_stand_in
from tests.e2e.telegram_process import BotProcess, Person, free_port
from tests.samples import CREDENTIALS
from tests.telegram_emulator import BotApiEmulator, EmulatorThread

PUBLIC = "https://reclaim.example.org/"


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[BotApiEmulator, BotProcess, int, Path]]:
    reason = browser.missing_reason()
    if reason is not None:
        pytest.skip(reason)
    port = free_port()
    data = tmp_path / "data"
    with EmulatorThread() as emu:
        process = BotProcess(emu, data, RECLAIM_PUBLIC_URL=PUBLIC, RECLAIM_WEB_PORT=str(port))
        try:
            started = emu.wait_until_sync(
                lambda: True if emu.calls_to("getUpdates") or process.proc.poll() else None, 15.0
            )
            assert started, process.errors
            assert process.proc.poll() is None, process.errors
            yield emu, process, port, data
        finally:
            process.kill()


def _reach_the_offer(emu: BotApiEmulator) -> tuple[Person, str]:
    person = Person(emu, emu.add_user(first_name="Sam", language_code="en"))
    emu.user_sends_command(person.user, "/start")
    person.expect("Please don't send them here.")
    for label in ("It's me", "No", "18 or older", "Yes", "Make the codes"):
        person.press(person.question(), label)
    offer = person.expect("right here, on this phone or computer")
    (url,) = offer.web_app_urls
    return person, url


async def _hash_in_the_mini_app(url: str, photos: list[Path]) -> tuple[str, list[object]]:
    async with browser.launched() as chromium:
        context = await chromium.new_context()
        log = browser.RequestLog()
        log.attach(context)
        page = await context.new_page()
        await serve_stand_in(page)
        await pagekit.open_page(page, url)
        mark = log.mark()
        await pagekit.choose(page, [str(path) for path in photos])
        await pagekit.code_text(page)
        await page.evaluate("recorded.click()")
        (sent,) = await page.evaluate("recorded.sent")
        return sent, log.since(mark)


async def test_photos_hashed_in_the_mini_app_open_a_case_with_their_hashes(
    running: tuple[BotApiEmulator, BotProcess, int, Path], tmp_path: Path
) -> None:
    emu, process, port, data = running
    person, offered = await asyncio.to_thread(_reach_the_offer, emu)
    assert offered == f"{PUBLIC}companion/miniapp.html?lang=en"
    photos = [
        pictures.save(pictures.photo(640, 480, seed), tmp_path / f"photo{seed}.jpg", quality=90)
        for seed in range(3)
    ]

    local = offered.replace(PUBLIC, f"http://127.0.0.1:{port}/")
    sent, requests_while_hashing = await _hash_in_the_mini_app(local, photos)
    assert requests_while_hashing == []
    items = parse(sent).items
    assert [item.get("md5") for item in items] == [
        hashlib.md5(path.read_bytes()).hexdigest() for path in photos
    ]

    def deliver() -> tuple[str, str]:
        emu.user_sends_web_app_data(person.user, sent)
        person.expect("pictures: 3, videos and other files: 0")
        person.press(person.question(), "Open my case")
        found = CREDENTIALS.search(person.expect("Case number:").text or "")
        assert found
        return found.group(1), found.group(2)

    await asyncio.to_thread(deliver)
    assert process.stop() == 0, process.errors
    with sqlite3.connect(data / "reclaim.sqlite3") as db:
        stored = set(db.execute("SELECT signal, value FROM case_hashes"))
    assert stored == {pair for item in items for pair in item.hashes}
    assert not [m for m in emu.method_names() if m.lower() in ("getfile", "sendphoto")]
