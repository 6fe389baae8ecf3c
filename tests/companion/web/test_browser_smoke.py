"""The browser the page tests rely on starts, runs a worker, and its requests are recorded."""

from __future__ import annotations

from typing import Any

from tests.browser import RequestLog


async def test_a_blank_page_runs_script_and_makes_no_request(
    context: tuple[Any, RequestLog],
) -> None:
    ctx, log = context
    page = await ctx.new_page()
    await page.set_content("<p id=out></p><script>out.textContent = typeof Worker</script>")
    assert await page.inner_text("#out") == "function"
    assert [url for _, url, _ in log.requests if not url.startswith("about:")] == []
