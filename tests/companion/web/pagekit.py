"""Helpers for the page's browser tests: opening the page, choosing files, a stand-in worker.

The stand-in worker answers each file with the result written inside it as JSON (never, when
it says ``hold``), so tests of the page's own behaviour (words, parts, copying, layout,
Telegram) can ask for any outcome. The real worker (``worker.js``) is tested with real
pictures where it is present.
"""

from __future__ import annotations

import json
from typing import Any

from bot.hashes.items import HashItem, ItemKind

STAND_IN_WORKER = """
"use strict";
self.onmessage = async (event) => {
  const { id, file } = event.data;
  self.postMessage({ type: "progress", id, fraction: 0.5 });
  const result = JSON.parse(await file.text());
  if (result.hold) return; // a file still being hashed, for as long as the test needs
  self.postMessage({ type: "result", id, result });
};
"""


_EMPTY = {
    "kind": "image",
    "md5": None,
    "pdq": None,
    "quality": None,
    "phash": None,
    "dhash": None,
    "note": None,
    "error": None,
    "width": None,
    "height": None,
}


def result(**fields: Any) -> dict[str, Any]:
    """A worker result with every field of the protocol, ``fields`` set."""
    return {**_EMPTY, **fields}


def picture(n: int, **fields: Any) -> dict[str, Any]:
    """The result of a picture whose hashes are made from ``n`` (all distinct)."""
    hashes: dict[str, Any] = {
        "kind": "image",
        "md5": f"{n:032x}",
        "pdq": f"{n:064x}".replace("0", "1", 1),
        "quality": 100,
        "phash": f"{n:016x}",
        "dhash": f"{n + 1:016x}",
    }
    return result(**{**hashes, **fields})


def picture_items(numbers: range) -> list[HashItem]:
    """The items the bot reads from the code of the pictures :func:`picture` makes."""
    items = []
    for n in numbers:
        answer = picture(n)
        hashes = tuple((name, answer[name]) for name in ("pdq", "md5", "phash", "dhash"))
        items.append(HashItem(ItemKind.IMAGE, hashes, pdq_quality=answer["quality"]))
    return items


def stand_in_file(name: str, answer: dict[str, Any]) -> dict[str, Any]:
    """A file for ``set_input_files`` that the stand-in worker answers with ``answer``."""
    return {"name": name, "mimeType": "application/json", "buffer": json.dumps(answer).encode()}


async def use_stand_in_worker(page: Any) -> None:
    """Serve the stand-in worker instead of the package's ``worker.js``."""

    async def fulfil(route: Any) -> None:
        await route.fulfill(status=200, content_type="text/javascript", body=STAND_IN_WORKER)

    await page.route("**/worker.js", fulfil)


async def open_page(page: Any, url: str) -> None:
    """Load the page and wait until its words are on it."""
    await page.goto(url)
    await page.wait_for_selector("body[data-state=ready]", state="attached")
    await worker_started(page)


async def reopen(page: Any) -> None:
    """Load the page again in the same tab (as opening a Mini App again from the same button
    does: the same origin, so the same storage) and wait until its words are on it."""
    await page.reload()
    await page.wait_for_selector("body[data-state=ready]", state="attached")
    await worker_started(page)


async def worker_started(page: Any) -> None:
    """Wait until the page's worker has run its script (and loaded its helpers).

    A worker runs one thing at a time, so something evaluated in it runs after its script,
    and every ``importScripts`` in it, has finished. A worker that could not start is left.
    """
    workers = page.workers
    if not workers:
        return
    try:
        await workers[0].evaluate("true")
    except Exception:  # a worker that failed to load is closed: nothing to wait for
        return


async def choose(page: Any, files: list[Any]) -> None:
    """Choose files with the page's file input."""
    await page.set_input_files("input[type=file][multiple]", files)


async def code_text(page: Any, timeout: float = 60_000) -> str:
    """Wait until the hash code is there and return its text."""
    await done(page, timeout)
    text: str = await page.eval_on_selector("#hash-code", "element => element.textContent")
    return text


async def done(page: Any, timeout: float = 60_000) -> None:
    """Wait until every chosen file has its outcome (the page's ``data-state`` is ``done``).

    Waiting by selector, not by a script: the page's CSP forbids evaluating strings.
    """
    await page.wait_for_selector("body[data-state=done]", state="attached", timeout=timeout)


async def statuses(page: Any) -> list[tuple[str, str]]:
    """Each file's name and the words shown about it, in order."""
    rows: list[list[str]] = await page.eval_on_selector_all(
        "#file-list li",
        "rows => rows.map(row => [row.querySelector('.name').textContent,"
        " Array.from(row.querySelectorAll('.status')).map(s => s.textContent).join(' ').trim()])",
    )
    return [(name, words) for name, words in rows]
