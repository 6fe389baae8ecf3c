/*
 * The page inside Telegram (Mini App): Telegram's colours, and sending the code back to the
 * chat with Telegram.WebApp.sendData.
 *
 * sendData works only when the Mini App was opened from a keyboard button (the bot's reply
 * keyboard), takes at most 4,096 bytes and closes the Mini App. A Mini App opened any other
 * way (a menu button, an inline button, a link) gets the data of the person in initData and
 * cannot send: there, and outside Telegram, the page says so and the code is copied instead.
 * One part (up to 25 files) is sent at once. With more parts, each part has its own send
 * button and the person is told plainly that the page closes after sending one, so the
 * other parts are copied and pasted (the bot adds all the parts of a case together).
 *
 * What belongs here: everything Telegram-specific. What does not: the page (app.js).
 */
"use strict";

(function (root) {
  const Reclaim = (root.Reclaim = root.Reclaim || {});
  const hooks = (Reclaim.hooks = Reclaim.hooks || { codeReady: [], reset: [] });
  const MAX_BYTES = 4096;
  const webApp = root.Telegram && root.Telegram.WebApp;
  const inTelegram = Boolean(webApp) && webApp.platform !== "unknown";
  let mainButtonSend = null;

  /**
   * Whether Telegram will take data from this Mini App: it was opened from a keyboard
   * button, which passes no initData.
   * @returns {boolean}
   */
  function canSend() {
    return inTelegram && typeof webApp.sendData === "function" && !webApp.initData;
  }

  /**
   * Whether a text fits in one sendData call.
   * @param {string} text
   * @returns {boolean}
   */
  function fits(text) {
    return new TextEncoder().encode(text).length <= MAX_BYTES;
  }

  function applyTheme() {
    const theme = webApp.themeParams || {};
    const style = document.documentElement.style;
    for (const [name, value] of Object.entries(theme)) {
      if (typeof value === "string" && /^#[0-9a-fA-F]{3,8}$/.test(value)) {
        style.setProperty(`--tg-theme-${name.replace(/_/g, "-")}`, value);
      }
    }
    document.documentElement.classList.add("telegram");
    document.documentElement.style.colorScheme = webApp.colorScheme === "dark" ? "dark" : "light";
  }

  function send(text) {
    try {
      webApp.sendData(text);
    } catch (error) {
      showNote(Reclaim.i18n.t("web.telegram.cannot_send"));
    }
  }

  function showNote(words) {
    const note = document.getElementById("send-note");
    note.textContent = words;
    note.hidden = false;
  }

  function sendButton(text, words) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button primary big send";
    button.textContent = words;
    button.addEventListener("click", () => send(text));
    return button;
  }

  function hideMainButton() {
    if (!webApp || !webApp.MainButton) return;
    if (mainButtonSend) webApp.MainButton.offClick(mainButtonSend);
    mainButtonSend = null;
    webApp.MainButton.hide();
  }

  function onCodeReady(parts, actions) {
    const { t } = Reclaim.i18n;
    hideMainButton();
    if (!inTelegram) return;
    const sendable = parts.filter((part) => fits(part.text));
    if (!canSend() || sendable.length === 0) {
      showNote(t("web.telegram.cannot_send"));
      return;
    }
    if (parts.length === 1) {
      const text = parts[0].text;
      actions[0].prepend(sendButton(text, t("web.telegram.send")));
      if (webApp.MainButton) {
        mainButtonSend = () => send(text);
        webApp.MainButton.setText(t("web.telegram.send"));
        webApp.MainButton.onClick(mainButtonSend);
        webApp.MainButton.show();
      }
      return;
    }
    showNote(t("web.telegram.parts"));
    parts.forEach((part, index) => {
      if (fits(part.text)) actions[index].prepend(sendButton(part.text, t("web.telegram.send_part")));
    });
  }

  if (webApp) {
    try {
      webApp.ready();
      if (inTelegram) {
        webApp.expand();
        applyTheme();
        if (typeof webApp.onEvent === "function") webApp.onEvent("themeChanged", applyTheme);
      }
    } catch (error) {
      // An old Telegram app without one of these: the page works without them.
    }
  }
  function reset() {
    hideMainButton();
    for (const button of document.querySelectorAll("button.send")) button.remove();
  }

  hooks.codeReady.push(onCodeReady);
  hooks.reset.push(reset);
  Reclaim.miniapp = { canSend, fits };
})(self);
