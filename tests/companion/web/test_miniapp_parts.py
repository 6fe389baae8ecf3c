"""A code of several parts, sent from the Mini App part after part without choosing files again.

In real Chromium with the stand-in for Telegram's script (``telegram.py``): sending one part
keeps the parts not sent yet on the device (Telegram's DeviceStorage from Mini Apps 9.0, else
localStorage), and the Mini App opened again offers the next one at once. What is kept is only
the parts' code text, for an hour; new files replace it, "Forget the rest" removes it, and
outside Telegram nothing is kept at all. The parts sent go through the Telegram emulator as
``web_app_data`` to the bot, where they add up to one case.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot, Update

from bot.cases.store import Store
from bot.companion.codeplan import CodePart, code_parts
from bot.i18n import Catalogs
from bot.transports.telegram import UpdateRouter
from bot.transports.telegram_transport import TelegramTransport
from tests.browser import RequestLog
from tests.companion.web import pagekit
from tests.companion.web.pagekit import picture, picture_items, stand_in_file
from tests.companion.web.telegram import DEVICE_PREFIX, serve_stand_in
from tests.conftest import FakeClock, make_runtime
from tests.telegram_emulator import BotApiEmulator

Context = tuple[Any, RequestLog]
KEY = "reclaim_unsent_parts"
PUBLIC = "https://reclaim.example.org/"
STORAGES = ["device", "local"]

# python-telegram-bot warns about its own RetryAfter type change when it raises one.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def _mini_app(ctx: Any, url: str, storage: str = "local", **options: Any) -> Any:
    page = await ctx.new_page()
    await serve_stand_in(page, device_storage=storage == "device", **options)
    await pagekit.use_stand_in_worker(page)
    await pagekit.open_page(page, url + "miniapp.html")
    await page.wait_for_selector("body[data-kept]", state="attached")
    return page


def _files(count: int) -> list[dict[str, Any]]:
    return [stand_in_file(f"photo{n}.jpg", picture(n)) for n in range(count)]


async def _kept(page: Any, storage: str = "local") -> str | None:
    """What the page keeps, read where it keeps it."""
    key = DEVICE_PREFIX + KEY if storage == "device" else KEY
    value: str | None = await page.evaluate("key => localStorage.getItem(key)", key)
    return value


async def _kept_texts(page: Any, storage: str = "local") -> list[str]:
    value = await _kept(page, storage)
    return [] if value is None else [part["text"] for part in json.loads(value)["parts"]]


async def _sent(page: Any, count: int) -> list[str]:
    """Wait until the page has handed ``count`` sends to Telegram; what it sent."""
    await page.wait_for_selector(f"body[data-sent='{count}']", state="attached")
    sent: list[str] = await page.evaluate("recorded.sent")
    return sent


async def _offered(page: Any) -> tuple[str, str, str | None]:
    """After opening: the heading, the count line and the case note of the part offered."""
    await page.wait_for_selector("#kept", state="visible")
    order = page.locator("#kept-order")
    note = await order.inner_text() if await order.is_visible() else None
    return await page.inner_text("#kept-heading"), await page.inner_text("#kept-left"), note


async def _reopen(page: Any) -> None:
    await pagekit.reopen(page)
    await page.wait_for_selector("body[data-kept]", state="attached")


async def _send_one_and_reopen(page: Any, files: int, index: int) -> None:
    """Choose ``files`` pictures, send part ``index`` of the code, and open the page again."""
    await pagekit.choose(page, _files(files))
    await pagekit.code_text(page)
    await page.locator("#parts button.send").nth(index).click()
    await _sent(page, 1)
    await _reopen(page)
    await _offered(page)


@pytest.mark.parametrize("storage", STORAGES)
async def test_the_next_part_is_offered_again_without_choosing_files(
    context: Context,
    static_site: str,
    catalogs: Catalogs,
    storage: str,
    emu: BotApiEmulator,
    bot: Bot,
    store: Store,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    ctx, log = context
    page = await _mini_app(ctx, static_site, storage)
    assert await page.evaluate("Reclaim.miniapp.keeps()") == storage
    assert await page.is_hidden("#kept")
    parts = code_parts(picture_items(range(30)))
    assert [(p.part, p.parts, p.count) for p in parts] == [(1, 2, 15), (2, 2, 15)]

    mark = log.mark()
    await pagekit.choose(page, _files(30))
    await pagekit.code_text(page)
    assert await page.inner_text("#send-note") == catalogs.text("en", "web.telegram.parts")
    where = catalogs.text("en", "web.telegram.kept_where")
    assert await page.inner_text("#keep-note") == where
    assert await _kept(page, storage) is None  # nothing is kept before a part is sent
    await page.locator("#parts button.send").nth(0).click()
    assert await _sent(page, 1) == [parts[0].text]
    value = await _kept(page, storage)
    assert value is not None
    assert await _kept_texts(page, storage) == [parts[1].text]
    assert "photo" not in value  # the code only: no file names
    assert set(json.loads(value)) == {"v", "kept", "parts"}
    assert set(json.loads(value)["parts"][0]) == {"case", "cases", "part", "parts", "text"}
    if storage == "device":
        assert await _kept(page, "local") is None  # not in the page's own storage as well
    assert log.since(mark) == []

    await _reopen(page)
    assert await page.is_hidden("#files")  # no files chosen
    heading, left, note = await _offered(page)
    assert heading == catalogs.text("en", "web.telegram.ready_part").format(part=2, parts=2)
    assert left == catalogs.text("en", "web.telegram.last")
    assert note is None
    assert await page.locator("#kept .private").inner_text() == where
    mark = log.mark()
    await page.click("#kept button.send")
    assert await _sent(page, 1) == [parts[1].text]
    assert await page.is_hidden("#kept")
    assert await _kept(page, storage) is None  # removed once sent
    assert log.since(mark) == []

    await _reopen(page)
    assert await page.get_attribute("body", "data-kept") == "0"
    assert await page.is_hidden("#kept")

    items = await _deliver(emu, bot, store, clock, tmp_path, catalogs, [parts[0], parts[1]])
    assert items == {pair for item in picture_items(range(30)) for pair in item.hashes}


async def _deliver(
    emu: BotApiEmulator,
    bot: Bot,
    store: Store,
    clock: FakeClock,
    data: Path,
    catalogs: Catalogs,
    parts: list[CodePart],
) -> set[tuple[str, str]]:
    """Send the parts to the bot as a Mini App does (``web_app_data``), then open the case;
    the hashes the case holds."""
    runtime = make_runtime(store, catalogs, clock, data, public_url=PUBLIC)
    settings = runtime.settings
    router = UpdateRouter(runtime, TelegramTransport(bot))
    user = emu.add_user(first_name="Sam", language_code="en")

    async def deliver(payload: dict[str, object]) -> None:
        update = Update.de_json(payload, bot)
        assert update is not None
        await router.on_update(update)

    async def press(label: str) -> None:
        asked = [m for m in emu.bot_messages(user) if m.buttons][-1]
        (data,) = [b["callback_data"] for row in asked.buttons for b in row if b["text"] == label]
        await deliver(emu.user_presses_button(user, asked.message_id, data))

    await deliver(emu.user_sends_command(user, "/start"))
    for label in ("It's me", "No", "18 or older", "Yes", "Make the codes"):
        await press(label)
    assert emu.chat(user).reply_keyboard is not None  # the page's keyboard button
    more = catalogs.text("en", "page.more_parts")
    for number, part in enumerate(parts, start=1):
        seen = len(emu.bot_messages(user))
        await deliver(emu.user_sends_web_app_data(user, part.text))
        said = [m.text for m in emu.bot_messages(user)[seen:]]
        total = sum(p.count for p in parts[:number])
        assert f"pictures: {total}," in said[0]
        # Until the case is full, the person is told to send the other parts first.
        assert (more in said) is (total < settings.max_items)
    await press("Open my case")
    assert any("Case number:" in (m.text or "") for m in emu.bot_messages(user))
    with sqlite3.connect(data / "reclaim.sqlite3") as db:
        return set(db.execute("SELECT signal, value FROM case_hashes"))


async def test_a_part_sent_twice_and_a_second_case_keep_the_count_right(
    context: Context, static_site: str, catalogs: Catalogs
) -> None:
    ctx, _ = context
    page = await _mini_app(ctx, static_site)
    parts = code_parts(picture_items(range(40)))
    assert [(p.case, p.cases, p.part, p.parts) for p in parts] == [
        (1, 2, 1, 2),
        (1, 2, 2, 2),
        (2, 2, 1, 1),
    ]
    await pagekit.choose(page, _files(40))
    await pagekit.code_text(page)
    first = page.locator("#parts button.send").nth(0)
    await first.click()
    await _sent(page, 1)
    await first.click()  # sent twice: what is left is the same
    assert await _sent(page, 2) == [parts[0].text, parts[0].text]
    assert await _kept_texts(page) == [parts[1].text, parts[2].text]

    await _reopen(page)
    words = catalogs.text("en", "web.telegram.ready_case_part").format(
        case=1, cases=2, part=2, parts=2
    )
    assert await _offered(page) == (
        words,
        catalogs.text("en", "web.telegram.left").format(count=1),
        None,
    )
    await page.click("#kept button.send")
    assert await _sent(page, 1) == [parts[1].text]
    # Still open (Telegram would close it): the next case is offered, with what to do first.
    case_first = catalogs.text("en", "web.telegram.case_first").format(previous=1, case=2)
    expected = (
        catalogs.text("en", "web.telegram.ready_case").format(case=2, cases=2),
        catalogs.text("en", "web.telegram.last"),
        case_first,
    )
    assert await _offered(page) == expected
    await _reopen(page)
    assert await _offered(page) == expected
    await page.click("#kept button.send")
    assert await _sent(page, 1) == [parts[2].text]
    assert await _kept(page) is None  # the last part sent: nothing is kept


async def test_new_files_replace_what_was_kept(context: Context, static_site: str) -> None:
    ctx, _ = context
    page = await _mini_app(ctx, static_site)
    await _send_one_and_reopen(page, 30, 1)
    await pagekit.choose(page, [stand_in_file("new.jpg", picture(99))])
    await pagekit.code_text(page)
    assert await page.is_hidden("#kept")
    assert await _kept(page) is None
    await _reopen(page)
    assert await page.get_attribute("body", "data-kept") == "0"

    # New files chosen after a part was sent (the page stayed open) replace the rest too.
    await pagekit.choose(page, _files(30))
    await pagekit.code_text(page)
    await page.locator("#parts button.send").nth(0).click()
    await _sent(page, 1)
    assert await _kept(page) is not None
    await pagekit.choose(page, _files(2))
    await pagekit.code_text(page)
    assert await _kept(page) is None


@pytest.mark.parametrize("storage", STORAGES)
async def test_kept_parts_expire_after_an_hour(
    context: Context, static_site: str, storage: str
) -> None:
    ctx, _ = context
    page = await _mini_app(ctx, static_site, storage)
    parts = code_parts(picture_items(range(30)))
    key = DEVICE_PREFIX + KEY if storage == "device" else KEY

    async def keep(minutes_ago: int) -> None:
        plain = [{"case": 1, "cases": 1, "part": 2, "parts": 2, "text": parts[1].text}]
        value = (
            f"JSON.stringify({{v: 1, kept: Date.now() - {minutes_ago} * 60000,"
            f" parts: {json.dumps(plain)}}})"
        )
        await page.evaluate(f"localStorage.setItem({json.dumps(key)}, {value})")

    await keep(59)
    await _reopen(page)
    assert await page.get_attribute("body", "data-kept") == "1"
    await keep(61)
    await _reopen(page)
    assert await page.get_attribute("body", "data-kept") == "0"
    assert await page.is_hidden("#kept")
    assert await _kept(page, storage) is None  # thrown away, not only left unoffered
    await page.evaluate(f"localStorage.setItem({json.dumps(key)}, '{{broken')")
    await _reopen(page)
    assert await page.get_attribute("body", "data-kept") == "0"
    assert await _kept(page, storage) is None


@pytest.mark.parametrize("storage", STORAGES)
async def test_forget_the_rest_removes_them(
    context: Context, static_site: str, catalogs: Catalogs, storage: str
) -> None:
    ctx, _ = context
    page = await _mini_app(ctx, static_site, storage)
    await _send_one_and_reopen(page, 40, 0)
    assert await page.inner_text("#forget-kept") == catalogs.text("en", "web.telegram.forget")
    await page.click("#forget-kept")
    status = page.locator("#kept-status")
    await status.wait_for(state="visible")
    assert await status.inner_text() == catalogs.text("en", "web.telegram.forgotten")
    assert await page.is_hidden("#kept")
    assert await _kept(page, storage) is None
    await _reopen(page)
    assert await page.get_attribute("body", "data-kept") == "0"


_REFUSE = """method => {
  const real = Storage.prototype[method];
  Storage.prototype[method] = function (key, ...rest) {
    if (key === "reclaim_unsent_parts") throw new Error("QuotaExceededError");
    return real.call(this, key, ...rest);
  };
}"""


async def test_a_part_is_not_sent_while_the_rest_cannot_be_kept(
    context: Context, static_site: str, catalogs: Catalogs
) -> None:
    """If the device refuses to keep the other parts, the page does not close on the person:
    it says to copy them, and sends this part when asked again."""
    ctx, _ = context
    page = await _mini_app(ctx, static_site)
    await page.evaluate(_REFUSE, "setItem")
    await pagekit.choose(page, _files(30))
    await pagekit.code_text(page)
    parts = code_parts(picture_items(range(30)))
    await page.locator("#parts button.send").nth(0).click()
    note = catalogs.text("en", "web.telegram.parts_copy")
    shown = "t => document.getElementById('send-note').textContent === t"
    await page.wait_for_function(shown, arg=note)
    assert await page.evaluate("recorded.sent") == []
    assert await page.is_hidden("#keep-note")
    await page.locator("#parts button.send").nth(0).click()
    assert await _sent(page, 1) == [parts[0].text]


async def test_a_kept_part_is_sent_even_when_the_rest_cannot_be_kept_again(
    context: Context, static_site: str, catalogs: Catalogs
) -> None:
    """From the kept panel the earlier list is still stored (this part in it), so the part is
    sent; "Forget the rest" still works afterwards."""
    ctx, _ = context
    page = await _mini_app(ctx, static_site)
    await _send_one_and_reopen(page, 40, 0)
    parts = code_parts(picture_items(range(40)))
    await page.evaluate(_REFUSE, "setItem")
    await page.click("#kept button.send")
    assert await _sent(page, 1) == [parts[1].text]
    assert await _kept_texts(page) == [parts[1].text, parts[2].text]  # the earlier list
    await page.click("#forget-kept")
    status = page.locator("#kept-status")
    await status.wait_for(state="visible")
    assert await status.inner_text() == catalogs.text("en", "web.telegram.forgotten")
    assert await _kept(page) is None


async def test_forgetting_says_so_when_the_device_refuses(
    context: Context, static_site: str, catalogs: Catalogs
) -> None:
    ctx, _ = context
    page = await _mini_app(ctx, static_site)
    await _send_one_and_reopen(page, 40, 0)
    await page.evaluate(_REFUSE, "removeItem")
    await page.click("#forget-kept")
    status = page.locator("#kept-status")
    await status.wait_for(state="visible")
    assert await status.inner_text() == catalogs.text("en", "web.telegram.forget_failed")


@pytest.mark.parametrize(
    "options", [{"platform": "unknown"}, {"init_data": "query_id=AAH&user=%7B%7D&hash=ab"}]
)
async def test_nothing_is_kept_where_the_page_cannot_send(
    context: Context, static_site: str, options: dict[str, str]
) -> None:
    ctx, _ = context
    page = await ctx.new_page()
    await serve_stand_in(page, device_storage=True, **options)
    await pagekit.use_stand_in_worker(page)
    await pagekit.open_page(page, static_site + "miniapp.html")
    assert await page.evaluate("Reclaim.miniapp.keeps()") is None
    await pagekit.choose(page, _files(30))
    await pagekit.code_text(page)
    assert await page.locator("button.send").count() == 0
    assert await page.is_hidden("#keep-note")
    assert await page.evaluate("localStorage.length") == 0
    assert await page.evaluate("recorded.device") == []


async def test_the_plain_page_keeps_nothing(context: Context, static_site: str) -> None:
    ctx, _ = context
    page = await ctx.new_page()
    await pagekit.use_stand_in_worker(page)
    await pagekit.open_page(page, static_site)
    await pagekit.choose(page, _files(30))
    await pagekit.code_text(page)
    await page.locator("#parts button").nth(0).click()  # copying a part
    assert await page.evaluate("localStorage.length") == 0
    assert await page.evaluate("typeof Reclaim.keep") == "undefined"


async def test_without_any_storage_the_page_says_to_copy(
    context: Context, static_site: str, catalogs: Catalogs
) -> None:
    ctx, _ = context
    page = await ctx.new_page()
    # Storage turned off: reading localStorage throws, as Chromium does when it is blocked.
    await page.add_init_script(
        "Object.defineProperty(window, 'localStorage', {get() {"
        " throw new DOMException('The operation is insecure.', 'SecurityError'); }});"
    )
    await serve_stand_in(page)
    await pagekit.use_stand_in_worker(page)
    await pagekit.open_page(page, static_site + "miniapp.html")
    assert await page.evaluate("Reclaim.miniapp.keeps()") is None
    await pagekit.choose(page, _files(30))
    await pagekit.code_text(page)
    assert await page.inner_text("#send-note") == catalogs.text("en", "web.telegram.parts_copy")
    assert await page.is_hidden("#keep-note")
    parts = code_parts(picture_items(range(30)))
    await page.locator("#parts button.send").nth(1).click()
    assert await _sent(page, 1) == [parts[1].text]
