"""The companion page in real Chromium: files, outcomes, the code, copying, privacy, layout.

Most tests use a stand-in worker (``pagekit``) that answers each file with the result written
in it, to test the page's own behaviour for every outcome. The tests at the end hash real
pictures with the page's own worker, and are skipped where that worker is not there yet.
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot import web
from bot.companion.codeplan import code_parts
from bot.companion.hasher import FileKind, hash_file
from bot.hashes.hashcode import parse
from bot.hashes.items import HashItem, ItemKind
from bot.i18n import Catalogs
from tests.browser import RequestLog
from tests.companion import pictures
from tests.companion.web import pagekit
from tests.companion.web.conftest import WEB_ROOT
from tests.companion.web.pagekit import picture, result, stand_in_file

Context = tuple[Any, RequestLog]

CSP_INDEX = web.INDEX_CSP.removesuffix("; frame-ancestors 'none'")
"""The server's policy, less frame-ancestors: browsers ignore it in a ``<meta>`` (and say so)."""
CSP_MINIAPP = web.MINIAPP_CSP


@pytest.fixture(scope="module")
def words() -> Catalogs:
    return Catalogs.load()


def _item(answer: dict[str, Any]) -> HashItem:
    if answer["pdq"] is None:
        return HashItem(ItemKind.FILE, (("md5", answer["md5"]),))
    hashes = [("pdq", answer["pdq"]), ("md5", answer["md5"])]
    hashes += [(name, answer[name]) for name in ("phash", "dhash") if answer[name]]
    return HashItem(ItemKind.IMAGE, tuple(hashes), pdq_quality=answer["quality"])


async def _stand_in_page(ctx: Any, url: str) -> Any:
    page = await ctx.new_page()
    await pagekit.use_stand_in_worker(page)
    await pagekit.open_page(page, url)
    return page


async def test_each_file_shows_its_outcome_and_the_code_carries_the_hashes(
    context: Context, static_site: str, words: Catalogs
) -> None:
    ctx, _ = context
    page = await _stand_in_page(ctx, static_site + "index.html")
    answers = {
        "photo.jpg": picture(1),
        "plain.png": picture(2, quality=31, note="low_quality"),
        "white.png": result(kind="image", md5="b" * 32, note="blank"),
        "clip.mp4": result(kind="video", md5="c" * 32),
        "iphone.heic": result(kind="image", md5="d" * 32, note="heic_not_decoded"),
        "notes.txt": result(kind="other", md5="e" * 32, note="not_media"),
        "broken.jpg": result(error="damaged"),
        "nothing.jpg": result(error="empty"),
        "half.jpg": result(error="truncated"),
        "huge.png": result(error="too_large"),
        "gone.jpg": result(error="read_error"),
    }
    await pagekit.choose(page, [stand_in_file(name, answer) for name, answer in answers.items()])
    text = await pagekit.code_text(page)

    t = words.text
    expected = [
        t("en", "web.file.image"),
        t("en", "web.file.low_quality").replace("{quality}", "31"),
        t("en", "web.file.blank"),
        t("en", "web.file.video"),
        t("en", "web.file.heic"),
        t("en", "web.file.left_out"),
        t("en", "web.error.damaged"),
        t("en", "web.error.empty"),
        t("en", "web.error.truncated"),
        t("en", "web.error.too_large"),
        t("en", "web.error.read_error"),
    ]
    assert await pagekit.statuses(page) == list(zip(answers, expected, strict=True))
    kept = ["photo.jpg", "plain.png", "white.png", "clip.mp4", "iphone.heic"]
    parsed = parse(text)
    assert parsed.problems == ()
    assert list(parsed.items) == [_item(answers[name]) for name in kept]

    bars = page.get_by_role("progressbar")
    assert await bars.count() == len(answers)
    assert await bars.first.get_attribute("aria-labelledby") is not None
    assert await page.eval_on_selector_all("progress", "bars => bars.map(b => b.value)") == [
        1
    ] * len(answers)
    summary = await page.inner_text("#summary")
    assert "Done: 6 of 11 files have fingerprints. 5 couldn't be used" in summary
    assert t("en", "web.summary.left_out_one") in summary
    assert await page.is_visible("#heic-note")
    assert await page.inner_text("#private") == t("en", "web.private")
    assert t("en", "web.paste.one") in await page.inner_text("#instructions")


async def test_other_files_go_in_only_when_ticked_and_copies_once(
    context: Context, static_site: str, words: Catalogs
) -> None:
    ctx, _ = context
    page = await _stand_in_page(ctx, static_site + "index.html")
    notes = result(kind="other", md5="e" * 32, note="not_media")
    files = [
        stand_in_file("a.jpg", picture(1)),
        stand_in_file("copy of a.jpg", picture(1)),
        stand_in_file("notes.txt", notes),
    ]
    await pagekit.choose(page, files)
    assert list(parse(await pagekit.code_text(page)).items) == [_item(picture(1))]
    assert words.text("en", "web.summary.copy") in await page.inner_text("#summary")
    statuses = await pagekit.statuses(page)
    assert statuses[1][1].endswith("the same file as a.jpg, so the code holds it once.")

    await page.check("#include-other")
    await page.wait_for_selector("#hash-code:has-text('#reclaim1 2')")
    items = list(parse(await pagekit.code_text(page)).items)
    assert items == [_item(picture(1)), _item(notes)]
    assert words.text("en", "web.summary.left_out_one") not in await page.inner_text("#summary")


async def test_many_files_come_in_parts_with_headings_and_a_copy_button_each(
    context: Context, static_site: str
) -> None:
    ctx, _ = context
    page = await _stand_in_page(ctx, static_site + "index.html")
    await pagekit.choose(page, [stand_in_file(f"{n}.jpg", picture(n)) for n in range(31)])
    text = await pagekit.code_text(page)
    parts = code_parts([_item(picture(n)) for n in range(31)])
    assert len(parts) == 3
    assert text == "\n\n".join(part.text for part in parts)
    assert await page.eval_on_selector_all("#parts h3", "hs => hs.map(h => h.textContent)") == [
        "Case 1 of 2, part 1 of 2:",
        "Case 1 of 2, part 2 of 2:",
        "Case 2 of 2:",
    ]
    assert await page.eval_on_selector_all(
        "#parts pre", "pres => pres.map(p => p.textContent)"
    ) == [part.text for part in parts]
    assert await page.locator("#parts button").count() == 3
    files = await page.eval_on_selector_all(".part-files", "ps => ps.map(p => p.textContent)")
    assert files[2] == "Files in this part: 30.jpg"
    assert files[0] == "Files in this part: " + ", ".join(f"{n}.jpg" for n in range(15))
    assert "they make 2 cases" in await page.inner_text("#instructions")
    assert len(parse(text).items) == 31


async def test_the_copy_button_puts_the_code_on_the_clipboard(
    browser: Any, static_site: str, words: Catalogs
) -> None:
    ctx = await browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    try:
        page = await _stand_in_page(ctx, static_site + "index.html")
        await pagekit.choose(page, [stand_in_file("a.jpg", picture(7))])
        text = await pagekit.code_text(page)
        await page.click("#copy")
        await page.wait_for_selector(".copy-status")
        assert await page.evaluate("navigator.clipboard.readText()") == text
        assert await page.inner_text(".copy-status") == words.text("en", "web.copied")
    finally:
        await ctx.close()


async def test_more_files_are_added_and_start_over_clears_the_list(
    context: Context, static_site: str, words: Catalogs
) -> None:
    ctx, _ = context
    page = await _stand_in_page(ctx, static_site + "index.html")
    assert await page.inner_text("#choose-label") == words.text("en", "web.choose")
    await pagekit.choose(page, [stand_in_file("a.jpg", picture(1))])
    await pagekit.code_text(page)
    assert await page.inner_text("#choose-label") == words.text("en", "web.choose_more")
    await pagekit.choose(page, [stand_in_file("b.jpg", picture(2))])
    await page.wait_for_selector("#hash-code:has-text('#reclaim1 2')")
    assert [name for name, _ in await pagekit.statuses(page)] == ["a.jpg", "b.jpg"]
    await page.click("#start-over")
    assert await pagekit.statuses(page) == []
    assert await page.is_hidden("#result")
    await pagekit.choose(page, [stand_in_file("c.jpg", picture(3))])
    assert list(parse(await pagekit.code_text(page)).items) == [_item(picture(3))]


RTL_TEXT = """
self.Reclaim = self.Reclaim || {};
self.Reclaim.text = {lang: "ar", dir: "rtl",
  messages: {"web.choose": "\\u0627\\u062e\\u062a\\u0631"}};
"""


async def test_a_right_to_left_language_mirrors_the_layout(
    context: Context, static_site: str
) -> None:
    ctx, _ = context
    page = await ctx.new_page()
    await page.set_viewport_size({"width": 400, "height": 800})

    async def arabic(route: Any) -> None:
        await route.fulfill(status=200, content_type="text/javascript", body=RTL_TEXT)

    await page.route("**/i18n/ar.js", arabic)
    await pagekit.open_page(page, static_site + "index.html?lang=ar")
    assert await page.evaluate("[document.dir, document.documentElement.lang]") == ["rtl", "ar"]
    box = await page.locator("#choose-label").bounding_box()
    assert box is not None
    assert box["x"] > 400 / 2  # the button starts on the right
    assert await page.inner_text("#choose-label") == "\u0627\u062e\u062a\u0631"

    await pagekit.open_page(page, static_site + "index.html?lang=en")
    box = await page.locator("#choose-label").bounding_box()
    assert box is not None
    assert box["x"] < 400 / 4


async def test_a_language_without_a_file_falls_back_to_english(
    context: Context, static_site: str, words: Catalogs
) -> None:
    ctx, _ = context
    page = await ctx.new_page()
    await pagekit.open_page(page, static_site + "index.html?lang=xx")
    assert await page.evaluate("[document.dir, document.documentElement.lang]") == ["ltr", "en"]
    assert await page.inner_text("h1") == words.text("en", "web.title")


async def test_small_screen_large_targets_and_dark_mode(browser: Any, static_site: str) -> None:
    ctx = await browser.new_context(
        viewport={"width": 320, "height": 640}, color_scheme="dark", is_mobile=True
    )
    try:
        page = await _stand_in_page(ctx, static_site + "index.html")
        await pagekit.choose(page, [stand_in_file(f"{n}.jpg", picture(n)) for n in range(3)])
        await pagekit.code_text(page)
        sizes = await page.eval_on_selector_all(
            ".button, .check, summary",
            "els => els.filter(e => e.offsetParent !== null)"
            ".map(e => [e.textContent, e.getBoundingClientRect().height])",
        )
        assert len(sizes) >= 3
        assert [label for label, height in sizes if height < 48] == []
        body = await page.evaluate(
            "[getComputedStyle(document.body).fontSize, getComputedStyle(document.body)"
            ".backgroundColor, document.scrollingElement.scrollWidth]"
        )
        assert float(body[0].removesuffix("px")) >= 16
        assert body[1] == "rgb(21, 22, 26)"
        assert body[2] <= 320  # nothing wider than the screen: no sideways scrolling
    finally:
        await ctx.close()


@pytest.mark.parametrize(
    ("name", "csp"), [("index.html", CSP_INDEX), ("miniapp.html", CSP_MINIAPP)]
)
def test_each_entry_carries_the_strict_policy_and_readable_viewport(name: str, csp: str) -> None:
    html = (WEB_ROOT / name).read_text("utf-8")
    policies = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', html)
    assert policies == [csp]
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "user-scalable" not in html
    assert "maximum-scale" not in html


def test_only_the_mini_app_loads_anything_from_elsewhere() -> None:
    index = (WEB_ROOT / "index.html").read_text("utf-8")
    miniapp = (WEB_ROOT / "miniapp.html").read_text("utf-8")
    assert not re.search(r"https?:|//[a-z]", index)
    assert re.findall(r"https?://[^\s\"'<>;]+", miniapp) == [
        "https://telegram.org",
        "https://telegram.org/js/telegram-web-app.js",
    ]
    for script in WEB_ROOT.glob("*.js"):
        assert not re.search(r"https?://", script.read_text("utf-8")), script.name


def test_both_entries_show_the_same_page(words: Catalogs) -> None:
    def body(name: str) -> str:
        html = (WEB_ROOT / name).read_text("utf-8")
        return html[html.index("<body>") :]

    assert body("index.html") == body("miniapp.html")
    noscript = re.search(r"<noscript><p[^>]*>([^<]*)</p></noscript>", body("index.html"))
    assert noscript is not None
    assert noscript.group(1) == words.text("en", "web.noscript")


# ---------------------------------------------------------------------------------------------
# The page's own worker, on real pictures


def _real_files(folder: Path) -> dict[str, Path]:
    files = {
        "photo.jpg": pictures.save(pictures.photo(640, 480, 1), folder / "photo.jpg", quality=90),
        "grey.png": pictures.save(pictures.photo(300, 400, 2).convert("L"), folder / "grey.png"),
        "turned.jpg": pictures.save(
            pictures.photo(500, 300, 3), folder / "turned.jpg", orientation=6, quality=85
        ),
    }
    flat = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 10, 10)).save(flat, "PNG")
    png = flat.getvalue()
    # The header's checksum zeroed: a picture both the companion and the page call damaged.
    (folder / "broken.png").write_bytes(png[:29] + b"\0\0\0\0" + png[33:])
    (folder / "nothing.jpg").write_bytes(b"")
    (folder / "notes.txt").write_text("just some notes\n", "utf-8")
    return files


async def test_real_pictures_give_their_md5_and_pdq_in_the_code(
    context: Context, static_site: str, tmp_path: Path, words: Catalogs
) -> None:
    ctx, log = context
    page = await ctx.new_page()
    await pagekit.open_page(page, static_site + "index.html")
    good = _real_files(tmp_path)
    mark = log.mark()
    await ctx.set_offline(True)
    names = [*good, "broken.png", "nothing.jpg", "notes.txt"]
    await pagekit.choose(page, [str(tmp_path / name) for name in names])
    text = await pagekit.code_text(page)
    assert log.since(mark) == []  # hashing made no request, and needed none: it is offline

    parsed = parse(text)
    assert parsed.problems == ()
    assert len(parsed.items) == len(good)
    for item, path in zip(parsed.items, good.values(), strict=True):
        assert item.kind is ItemKind.IMAGE
        assert item.get("md5") == hashlib.md5(path.read_bytes()).hexdigest()
        reference, _quality = pictures.reference_pdq(path)
        pdq = item.get("pdq")
        assert pdq is not None
        assert pictures.bits_apart(pdq, reference) <= 10
    statuses = dict(await pagekit.statuses(page))
    for name in ("broken.png", "nothing.jpg"):
        error = hash_file(str(tmp_path / name)).error  # what `reclaim hash` says of it
        assert error is not None
        assert statuses[name] == words.text("en", f"web.error.{error}")
    assert hash_file(str(tmp_path / "notes.txt")).kind is FileKind.OTHER
    assert statuses["notes.txt"] == words.text("en", "web.file.left_out")


async def test_without_a_worker_the_page_says_so_and_every_file_is_told(
    context: Context, static_site: str, words: Catalogs
) -> None:
    ctx, _ = context
    page = await ctx.new_page()

    async def missing(route: Any) -> None:
        await route.fulfill(status=404, body="")

    await page.route("**/worker.js", missing)
    await pagekit.open_page(page, static_site + "index.html")
    await pagekit.choose(page, [stand_in_file("a.jpg", picture(1))])
    await pagekit.done(page)
    assert await page.is_visible("#no-worker")
    assert await pagekit.statuses(page) == [("a.jpg", words.text("en", "web.error.read_error"))]
    assert await page.inner_text("#summary") == words.text("en", "web.summary.none")


async def test_on_an_iphone_the_page_says_what_it_hashes(
    browser: Any, static_site: str, words: Catalogs
) -> None:
    iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15"
    for agent, shown in ((iphone, True), (None, False)):
        ctx = await browser.new_context(user_agent=agent)
        try:
            page = await ctx.new_page()
            await pagekit.open_page(page, static_site + "index.html")
            assert await page.is_visible("#heic-note") is shown
            assert await page.inner_text("#heic-note") == words.text("en", "web.heic")
        finally:
            await ctx.close()


async def test_without_the_clipboard_api_the_code_is_selected_and_copied(
    context: Context, static_site: str
) -> None:
    ctx, _ = context
    page = await ctx.new_page()
    await page.add_init_script(
        "Object.defineProperty(navigator, 'clipboard', {value: {writeText: () =>"
        " Promise.reject(new Error('denied'))}});"
        "document.execCommand = (name) => { window.copiedWith = name; return true; };"
    )
    await pagekit.use_stand_in_worker(page)
    await pagekit.open_page(page, static_site + "index.html")
    await pagekit.choose(page, [stand_in_file("a.jpg", picture(1))])
    text = await pagekit.code_text(page)
    await page.click("#copy")
    await page.wait_for_selector(".copy-status")
    assert await page.evaluate("window.copiedWith") == "copy"
    assert await page.evaluate("String(getSelection())") == text


async def test_the_policy_is_in_force_the_page_cannot_send_anything(
    context: Context, static_site: str
) -> None:
    ctx, log = context
    page = await ctx.new_page()
    await pagekit.open_page(page, static_site + "index.html")
    mark = log.mark()
    outcome = await page.evaluate(
        "Promise.all([fetch('app.js').then(() => 'sent', () => 'blocked'),"
        " new Promise(done => { const i = new Image(); i.onload = () => done('sent');"
        " i.onerror = () => done('blocked'); i.src = 'https://example.org/x.png'; })])"
    )
    assert outcome == ["blocked", "blocked"]
    assert [url for _, url, _ in log.since(mark) if url.endswith("app.js")] == []


async def test_loading_the_page_asks_only_for_its_own_files_and_finds_each(
    context: Context, static_site: str
) -> None:
    ctx, _ = context
    page = await ctx.new_page()
    answers: list[tuple[int, str]] = []
    page.on("response", lambda response: answers.append((response.status, response.url)))
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text))
    await pagekit.open_page(page, static_site)
    await page.wait_for_timeout(300)  # a browser asks for an icon after the load
    assert answers
    assert [url for status, url in answers if status != 200] == []
    assert all(url.startswith(static_site) for _, url in answers)
    assert problems == []
