"""A small test page that sends chosen files to the companion's worker and keeps its answers.

The page's own entry (index.html) belongs to the page's UI; the worker is tested on its own
here: ``open_hash_page`` serves a page at ``__hash_test__.html`` beside the real files (so the
worker and its helpers load from the same origin, exactly as shipped), and ``hash_files`` sets
files on its input and waits for every result.

What belongs here: driving the worker from a page. What does not: the assertions (the tests).
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TEST_PAGE = "__hash_test__.html"
CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; "
    "worker-src 'self'; connect-src 'none'; base-uri 'none'; form-action 'none'"
)
"""The page's policy, with inline script allowed for this test page only (it is inline)."""

HTML = """<!doctype html>
<meta charset=utf-8>
<meta http-equiv="Content-Security-Policy" content="@CSP@">
<input type=file multiple id=files>
<script>
window.results = {};
window.progress = {};
window.expected = 0;
window.timings = {};
window.stages = {};
window.timing = false;  // true: the worker also reports where each file's time went
const sent = {};
const worker = new Worker("worker.js");
worker.onmessage = (event) => {
  const message = event.data;
  if (message.type === "progress") (window.progress[message.id] ||= []).push(message.fraction);
  if (message.type === "result") {
    window.timings[message.id] = performance.now() - sent[message.id];
    window.results[message.id] = message.result;
    if (message.stages) window.stages[message.id] = message.stages;
  }
};
worker.onerror = (event) => { window.workerError = String(event.message || event); };
let next = 0;
document.getElementById("files").addEventListener("change", (event) => {
  for (const file of event.target.files) {
    window.expected += 1;
    sent[next] = performance.now();
    worker.postMessage({type: "hash", id: next++, file, timing: window.timing});
  }
  event.target.value = "";  // so choosing the same file again is a change too
});
</script>
""".replace("@CSP@", CSP.replace("'", "&#39;"))


async def open_hash_page(context: Any, static_site: str) -> Any:
    """A new page at the test page's address, with the worker's files served as shipped."""
    page = await context.new_page()

    async def fulfil(route: Any) -> None:
        await route.fulfill(status=200, content_type="text/html; charset=utf-8", body=HTML)

    await page.route(static_site + TEST_PAGE, fulfil)
    await page.goto(static_site + TEST_PAGE)
    return page


async def hash_files(page: Any, paths: Sequence[Path], timeout_ms: int = 120_000) -> list[Any]:
    """Set ``paths`` on the page's input; return the worker's results in the same order."""
    start = await page.evaluate("window.expected")
    await page.set_input_files("#files", [str(path) for path in paths])
    await page.wait_for_function(
        "(n) => window.workerError || Object.keys(window.results).length >= n",
        arg=start + len(paths),
        timeout=timeout_ms,
        polling=100,
    )
    error = await page.evaluate("window.workerError || null")
    if error:
        raise AssertionError(f"the worker failed: {error}")
    results = await page.evaluate("window.results")
    return [results[str(start + index)] for index in range(len(paths))]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def serve(root: Path) -> Iterator[str]:
    """``root`` on a loopback HTTP server (for runs outside pytest); yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
