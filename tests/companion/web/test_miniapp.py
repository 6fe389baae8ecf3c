"""The page as a Telegram Mini App, in real Chromium with a stand-in for Telegram's script.

The stand-in defines ``window.Telegram.WebApp`` as Telegram's script does and records what the
page asks of it (``sendData``, the MainButton). The data captured must be a code the bot reads
to the same hashes, and fit in one ``sendData`` call (4,096 bytes).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from bot.companion.codeplan import code_parts
from bot.hashes.hashcode import parse
from bot.i18n import Catalogs
from tests.browser import RequestLog
from tests.companion import pictures
from tests.companion.web import pagekit
from tests.companion.web.pagekit import picture, picture_items, stand_in_file
from tests.companion.web.telegram import TELEGRAM_SCRIPT, stand_in

Context = tuple[Any, RequestLog]


async def _mini_app(ctx: Any, url: str, **options: str) -> Any:
    page = await ctx.new_page()
    script = stand_in(**options)

    async def telegram(route: Any) -> None:
        await route.fulfill(status=200, content_type="text/javascript", body=script)

    await page.route(TELEGRAM_SCRIPT, telegram)
    await pagekit.use_stand_in_worker(page)
    await pagekit.open_page(page, url + "miniapp.html")
    return page


async def test_one_part_is_sent_to_the_chat_with_the_main_button(
    context: Context, static_site: str
) -> None:
    ctx, log = context
    page = await _mini_app(ctx, static_site)
    recorded = await page.evaluate("recorded")
    assert recorded["ready"]
    assert recorded["expanded"]
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(16, 24, 32)"  # Telegram's colours

    mark = log.mark()
    await pagekit.choose(page, [stand_in_file(f"{n}.jpg", picture(n)) for n in range(25)])
    text = await pagekit.code_text(page)
    assert log.since(mark) == []
    assert await page.evaluate("Telegram.WebApp.MainButton.isVisible")
    assert await page.evaluate("Telegram.WebApp.MainButton.text") == "Send the code to the chat"
    await page.evaluate("recorded.click()")
    sent = await page.evaluate("recorded.sent")
    assert sent == [text]
    assert len(sent[0].encode()) <= 4096
    assert list(parse(sent[0]).items) == picture_items(range(25))

    await page.click("button.send")
    assert await page.evaluate("recorded.sent.length") == 2


async def test_adding_files_takes_the_old_code_away_until_the_new_one_is_ready(
    context: Context, static_site: str
) -> None:
    ctx, _ = context
    page = await _mini_app(ctx, static_site)
    await pagekit.choose(page, [stand_in_file("a.jpg", picture(1))])
    await pagekit.code_text(page)
    assert await page.evaluate("Telegram.WebApp.MainButton.isVisible")
    await pagekit.choose(page, [stand_in_file("b.jpg", {**picture(2), "hold": True})])
    await page.wait_for_selector("body[data-state=hashing]", state="attached")
    assert not await page.evaluate("Telegram.WebApp.MainButton.isVisible")
    assert await page.evaluate("recorded.click") is None
    assert await page.locator("button.send").count() == 0
    assert await page.eval_on_selector("#hash-code", "pre => pre.textContent") == ""


async def test_many_files_send_one_part_and_say_how_to_bring_the_others(
    context: Context, static_site: str, catalogs: Catalogs
) -> None:
    ctx, _ = context
    page = await _mini_app(ctx, static_site)
    await pagekit.choose(page, [stand_in_file(f"{n}.jpg", picture(n)) for n in range(40)])
    await pagekit.code_text(page)
    parts = code_parts(picture_items(range(40)))
    assert len(parts) == 3
    assert not await page.evaluate("Telegram.WebApp.MainButton.isVisible")
    assert await page.inner_text("#send-note") == catalogs.text("en", "web.telegram.parts")
    buttons = page.locator("#parts button.send")
    assert await buttons.count() == 3
    await buttons.nth(1).click()
    (sent,) = await page.evaluate("recorded.sent")
    assert sent == parts[1].text
    assert len(sent.encode()) <= 4096
    assert list(parse(sent).items) == picture_items(range(15, 30))


async def test_opened_other_than_from_a_keyboard_button_it_says_to_copy(
    context: Context, static_site: str, catalogs: Catalogs
) -> None:
    ctx, _ = context
    page = await _mini_app(ctx, static_site, init_data="query_id=AAH&user=%7B%7D&hash=ab")
    await pagekit.choose(page, [stand_in_file("a.jpg", picture(1))])
    await pagekit.code_text(page)
    assert await page.locator("button.send").count() == 0
    assert not await page.evaluate("Telegram.WebApp.MainButton.isVisible")
    assert await page.inner_text("#send-note") == catalogs.text("en", "web.telegram.cannot_send")
    assert await page.is_visible("#copy")


async def test_outside_telegram_the_mini_app_entry_is_the_plain_page(
    context: Context, static_site: str
) -> None:
    ctx, _ = context
    page = await _mini_app(ctx, static_site, platform="unknown")
    await pagekit.choose(page, [stand_in_file("a.jpg", picture(1))])
    await pagekit.code_text(page)
    assert await page.locator("button.send").count() == 0
    assert await page.is_hidden("#send-note")
    assert not await page.evaluate("document.documentElement.classList.contains('telegram')")


async def test_without_telegram_s_script_the_page_still_works(
    context: Context, static_site: str
) -> None:
    ctx, _ = context
    page = await ctx.new_page()

    async def unreachable(route: Any) -> None:
        await route.abort()

    await page.route(TELEGRAM_SCRIPT, unreachable)
    await pagekit.use_stand_in_worker(page)
    await pagekit.open_page(page, static_site + "miniapp.html")
    await pagekit.choose(page, [stand_in_file("a.jpg", picture(1))])
    assert list(parse(await pagekit.code_text(page)).items) == picture_items(range(1, 2))


async def test_real_pictures_go_back_to_the_chat_as_their_hashes(
    context: Context, static_site: str, tmp_path: Path
) -> None:
    ctx, log = context
    page = await ctx.new_page()
    script = stand_in()

    async def telegram(route: Any) -> None:
        await route.fulfill(status=200, content_type="text/javascript", body=script)

    await page.route(TELEGRAM_SCRIPT, telegram)
    await pagekit.open_page(page, static_site + "miniapp.html")
    paths = [
        pictures.save(pictures.photo(400, 300, seed), tmp_path / f"{seed}.jpg", quality=88)
        for seed in range(3)
    ]
    mark = log.mark()
    await pagekit.choose(page, [str(path) for path in paths])
    await pagekit.code_text(page)
    assert log.since(mark) == []
    await page.evaluate("recorded.click()")
    (sent,) = await page.evaluate("recorded.sent")
    assert len(sent.encode()) <= 4096
    items = parse(sent).items
    assert [item.get("md5") for item in items] == [
        hashlib.md5(path.read_bytes()).hexdigest() for path in paths
    ]
    for item, path in zip(items, paths, strict=True):
        pdq = item.get("pdq")
        assert pdq is not None
        assert pictures.bits_apart(pdq, pictures.reference_pdq(path)[0]) <= 10
