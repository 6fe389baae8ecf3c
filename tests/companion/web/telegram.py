"""A stand-in for Telegram's Mini App script, for tests of the page inside Telegram.

It defines ``window.Telegram.WebApp`` as Telegram's script does and records in
``window.recorded`` what the page asks of it: ``sendData`` (refusing more than 4,096 bytes, as
Telegram does), ``ready``, ``expand`` and the MainButton's click handler. Tests serve it in
place of Telegram's script with :func:`serve_stand_in`.

With ``device_storage`` it is a Telegram app of Mini Apps 9.0 with ``DeviceStorage``: its
``setItem``, ``getItem`` and ``removeItem`` answer their callbacks (error first) a moment
later, as Telegram's do. What it keeps survives a reload of the page, as the Telegram app's
storage does; it is written to the origin's localStorage under :data:`DEVICE_PREFIX`, apart
from anything the page itself keeps there.
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

DEVICE_PREFIX = "stand-in-device-storage:"
"""Where the stand-in's DeviceStorage keeps its keys (in the origin's localStorage)."""

DEVICE_STORAGE = """
window.Telegram.WebApp.DeviceStorage = (function () {
  const prefix = DEVICE_PREFIX;
  const later = (callback, ...answer) => setTimeout(() => callback && callback(...answer), 0);
  return {
    setItem(key, value, callback) {
      localStorage.setItem(prefix + key, String(value));
      recorded.device.push(["set", key]);
      later(callback, null, true);
    },
    getItem(key, callback) {
      const value = localStorage.getItem(prefix + key);
      recorded.device.push(["get", key]);
      later(callback, null, value === null ? "" : value);
    },
    removeItem(key, callback) {
      localStorage.removeItem(prefix + key);
      recorded.device.push(["remove", key]);
      later(callback, null, true);
    },
  };
})();
"""

STAND_IN = """
window.recorded = { sent: [], ready: false, expanded: false, click: null, device: [] };
window.Telegram = { WebApp: {
  initData: INIT_DATA, initDataUnsafe: {}, platform: PLATFORM, version: VERSION,
  colorScheme: "dark", themeParams: THEME,
  ready() { recorded.ready = true; },
  expand() { recorded.expanded = true; },
  sendData(data) {
    if (new TextEncoder().encode(data).length > 4096) throw new Error("WebAppDataInvalid");
    recorded.sent.push(data);
  },
  close() {},
  isVersionAtLeast(wanted) {
    const have = this.version.split(".").map(Number);
    const want = String(wanted).split(".").map(Number);
    for (let i = 0; i < Math.max(have.length, want.length); i++) {
      if ((have[i] || 0) !== (want[i] || 0)) return (have[i] || 0) > (want[i] || 0);
    }
    return true;
  },
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


def stand_in(
    init_data: str = "", platform: str = "android", *, device_storage: bool = False
) -> str:
    """The stand-in script; ``init_data`` is empty as when a keyboard button opened the page.

    ``device_storage``: a Telegram app of Mini Apps 9.0 with ``DeviceStorage`` (else 7.10,
    which has none).
    """
    script = (
        STAND_IN.replace("INIT_DATA", json.dumps(init_data))
        .replace("PLATFORM", json.dumps(platform))
        .replace("VERSION", json.dumps("9.0" if device_storage else "7.10"))
        .replace("THEME", json.dumps(THEME))
    )
    if device_storage:
        script += DEVICE_STORAGE.replace("DEVICE_PREFIX", json.dumps(DEVICE_PREFIX))
    return script


async def serve_stand_in(page: Any, **options: Any) -> None:
    """Answer the page's request for Telegram's script with the stand-in."""
    script = stand_in(**options)

    async def telegram(route: Any) -> None:
        await route.fulfill(status=200, content_type="text/javascript", body=script)

    await page.route(TELEGRAM_SCRIPT, telegram)
