"""The removal-request composer in real Chromium: each law's request, copy, save, and privacy.

Every request the page makes is recorded: after it has loaded, writing, copying and saving
requests ask for nothing (the language's words are same-origin GETs of the page's own files),
and nothing is left in cookies, localStorage, sessionStorage or IndexedDB.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot import web
from bot.i18n import Catalogs
from tests.browser import RequestLog
from tests.companion.web.conftest import WEB_ROOT

NEEDED = {
    "tida": {"links": "https://www.instagram.com/p/abc", "contact": "me@mail.example",
             "signature": "Sam Doe"},
    "dsa": {"links": "https://www.instagram.com/p/abc", "name": "Sam Doe",
            "email": "me@mail.example"},
    "esafety": {"links": "https://www.instagram.com/p/abc", "contact": "me@mail.example"},
    "dmca": {"links": "https://www.instagram.com/p/abc", "contact": "me@mail.example",
             "signature": "Sam Doe"},
}  # fmt: skip


@pytest.fixture(scope="module")
def words() -> Catalogs:
    return Catalogs.load()


async def _open(browser: Any, url: str) -> tuple[Any, Any, RequestLog]:
    ctx = await browser.new_context(
        permissions=["clipboard-read", "clipboard-write"], accept_downloads=True
    )
    log = RequestLog()
    log.attach(ctx)
    page = await ctx.new_page()
    await page.goto(url)
    await page.wait_for_selector("body[data-state=ready]", state="attached")
    return ctx, page, log


async def _nothing_kept(page: Any) -> None:
    kept = await page.evaluate(
        "async () => [localStorage.length, sessionStorage.length, document.cookie,"
        " (await indexedDB.databases()).length]"
    )
    assert kept == [0, 0, "", 0]


async def test_each_law_is_written_copied_and_saved_without_a_request(
    browser: Any, static_site: str, words: Catalogs, tmp_path: Path
) -> None:
    ctx, page, log = await _open(browser, static_site + "request.html#law=tida&platform=instagram")
    try:
        assert await page.is_checked("#law-tida")
        assert await page.input_value("#platform") == "instagram"
        assert await page.inner_text("h1") == words.text("en", "web.request.title")
        mark = log.mark()
        for law, typed in NEEDED.items():
            await page.check(f"#law-{law}")
            await page.click("#clear")
            await page.click("#compose")  # nothing typed: the page says what is needed
            await page.wait_for_selector("body[data-state=missing]", state="attached")
            assert await page.is_visible("#missing")
            for name, value in typed.items():
                await page.fill(f"#{name}", value)
            await page.click("#compose")
            await page.wait_for_selector("body[data-state=done]", state="attached")
            text = await page.inner_text("#request-text")
            assert text.startswith(words.text("en", f"web.request.{law}.subject"))
            assert "https://www.instagram.com/p/abc" in text
            for value in typed.values():
                assert value in text

            await page.click("#copy")
            await page.wait_for_selector(".copy-status")
            assert await page.evaluate("navigator.clipboard.readText()") == text
            assert await page.inner_text(".copy-status") == words.text("en", "web.request.copied")

            async with page.expect_download() as waiting:
                await page.click("#save")
            download = await waiting.value
            assert download.suggested_filename == "removal-request.txt"
            saved = tmp_path / f"{law}.txt"
            await download.save_as(saved)
            assert saved.read_text("utf-8") == text + "\n"

            send = await page.inner_text("#send")
            if law == "esafety":
                assert "esafety.gov.au" in send
            else:
                assert send.startswith("Send it with Instagram's form:")
            assert await page.locator("#guide li").count() >= 2

        # No request at all while writing, copying and saving (the download is made in the page).
        made = log.since(mark)
        assert [(m, u) for m, u, _ in made if not u.startswith("blob:")] == []
        assert all(method == "GET" and not body for method, _, body in made)
        assert "abc" not in page.url
        assert "mail" not in page.url
        await _nothing_kept(page)
    finally:
        await ctx.close()


async def test_changing_the_language_only_loads_the_pages_own_words(
    browser: Any, static_site: str
) -> None:
    ctx, page, log = await _open(browser, static_site + "request.html#lang=en&law=dsa")
    try:
        await page.fill("#links", "https://site.example/1")
        mark = log.mark()
        await page.select_option("#language", "de")
        await page.wait_for_selector("html[lang=de]", state="attached")
        made = log.since(mark)
        assert made == [("GET", static_site + "i18n/de.js", False)]
        assert await page.input_value("#links") == "https://site.example/1"  # nothing lost
        await _nothing_kept(page)
    finally:
        await ctx.close()


async def test_optional_boxes_say_so_and_only_the_laws_boxes_show(
    browser: Any, static_site: str, words: Catalogs
) -> None:
    ctx, page, _ = await _open(browser, static_site + "request.html")
    try:
        assert await page.is_hidden("#details")  # no law in the link: the page asks first
        optional = words.text("en", "web.request.optional")
        await page.check("#law-dsa")
        assert await page.is_visible("#name")
        assert optional not in await page.inner_text("label[for=name]")
        await page.check("#minor")
        assert optional in await page.inner_text("label[for=name]")
        assert await page.get_attribute("#email", "aria-required") == "false"
        await page.check("#law-esafety")
        assert await page.is_hidden("#email")
        assert await page.is_hidden("#signature")
        assert optional in await page.inner_text("label[for=name]")
        await page.check("#law-dmca")
        assert await page.is_visible("#signature")
        assert await page.is_hidden("#name")
    finally:
        await ctx.close()


async def test_small_screen_large_targets(browser: Any, static_site: str) -> None:
    ctx = await browser.new_context(viewport={"width": 320, "height": 640}, is_mobile=True)
    try:
        page = await ctx.new_page()
        await page.goto(static_site + "request.html#law=tida")
        await page.wait_for_selector("body[data-state=ready]", state="attached")
        sizes = await page.eval_on_selector_all(
            ".button, .choice, .input",
            "els => els.filter(e => e.offsetParent !== null)"
            ".map(e => [e.id || e.textContent, e.getBoundingClientRect().height])",
        )
        assert len(sizes) >= 8
        assert [label for label, height in sizes if height < 48] == []
        assert await page.evaluate("document.scrollingElement.scrollWidth") <= 320
    finally:
        await ctx.close()


def test_both_entries_show_the_same_page_under_the_strict_policy(words: Catalogs) -> None:
    def read(name: str) -> str:
        return (WEB_ROOT / name).read_text("utf-8")

    def policy(html: str) -> list[str]:
        return re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', html)

    plain, mini = read("request.html"), read("request-miniapp.html")
    assert plain[plain.index("<body>") :] == mini[mini.index("<body>") :]
    strict = policy(plain)[0]
    assert "connect-src 'none'" in strict
    assert "form-action 'none'" in strict
    assert not re.search(r"https?:|//[a-z]", plain)
    assert policy(mini) == [
        strict.replace("script-src 'self'", "script-src 'self' https://telegram.org")
    ]
    assert re.findall(r"https?://[^\s\"'<>;]+", mini) == [
        "https://telegram.org",
        "https://telegram.org/js/telegram-web-app.js",
    ]
    noscript = re.search(r"<noscript><p[^>]*>([^<]*)</p></noscript>", plain)
    assert noscript is not None
    assert noscript.group(1) == words.text("en", "web.request.noscript")
    for name in ("request.js", "requests.js"):
        assert not re.search(r"https?://|localStorage\.|sessionStorage\.|indexedDB\.|\.cookie|fetch\(",
                             read(name)), name  # fmt: skip


def test_the_server_sends_the_mini_app_policy_for_the_composers_telegram_entry() -> None:
    assert web.headers_for("request-miniapp.html", '"x"')["Content-Security-Policy"] == (
        web.MINIAPP_CSP
    )
    assert web.headers_for("request.html", '"x"')["Content-Security-Policy"] == web.INDEX_CSP
