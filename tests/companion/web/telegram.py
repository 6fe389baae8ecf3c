"""A stand-in for Telegram's Mini App script, for tests of the page inside Telegram.

It defines ``window.Telegram.WebApp`` as Telegram's script does and records in
``window.recorded`` what the page asks of it: ``sendData`` (refusing more than 4,096 bytes, as
Telegram does), ``ready``, ``expand`` and the MainButton's click handler. Tests serve it in
place of Telegram's script with :func:`serve_stand_in`.
"""

from __future__ import annotations

import json
from typing import Any

TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
THEME = {
    "bg_color": "#101820",
    "text_color": "#fafafa",
    "hint_color": "#a0a0a0",
    "button_color": "#ff8800",
    "button_text_color": "#000000",
    "secondary_bg_color": "#202830",
}

STAND_IN = """
window.recorded = { sent: [], ready: false, expanded: false, click: null };
window.Telegram = { WebApp: {
  initData: INIT_DATA, initDataUnsafe: {}, platform: PLATFORM, version: "7.10",
  colorScheme: "dark", themeParams: THEME,
  ready() { recorded.ready = true; },
  expand() { recorded.expanded = true; },
  sendData(data) {
    if (new TextEncoder().encode(data).length > 4096) throw new Error("WebAppDataInvalid");
    recorded.sent.push(data);
  },
  close() {},
  isVersionAtLeast() { return true; },
  onEvent() {}, offEvent() {},
  MainButton: {
    text: "", isVisible: false,
    setText(text) { this.text = text; return this; },
    show() { this.isVisible = true; return this; },
    hide() { this.isVisible = false; return this; },
    onClick(callback) { recorded.click = callback; return this; },
    offClick() { recorded.click = null; return this; },
  },
} };
"""


def stand_in(init_data: str = "", platform: str = "android") -> str:
    """The stand-in script; ``init_data`` is empty as when a keyboard button opened the page."""
    return (
        STAND_IN.replace("INIT_DATA", json.dumps(init_data))
        .replace("PLATFORM", json.dumps(platform))
        .replace("THEME", json.dumps(THEME))
    )


async def serve_stand_in(page: Any, **options: str) -> None:
    """Answer the page's request for Telegram's script with the stand-in."""
    script = stand_in(**options)

    async def telegram(route: Any) -> None:
        await route.fulfill(status=200, content_type="text/javascript", body=script)

    await page.route(TELEGRAM_SCRIPT, telegram)
