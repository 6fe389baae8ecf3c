/*
 * The page inside Telegram (Mini App): Telegram's colours, and sending the code back to the
 * chat with Telegram.WebApp.sendData.
 *
 * sendData works only when the Mini App was opened from a keyboard button (the bot's reply
 * keyboard), takes at most 4,096 bytes and closes the Mini App. A Mini App opened any other
 * way (a menu button, an inline button, a link) gets the data of the person in initData and
 * cannot send: there, and outside Telegram, the page says so and the code is copied instead.
 * One part (up to 25 files) is sent at once. With more parts, each part has its own send
 * button, and sending one keeps the parts not sent yet on the person's device (keep.js):
 * opened again from the same keyboard button, the page offers the next part at once, without
 * choosing the files again. Choosing files replaces what was kept, and "Forget the rest"
 * removes it. Where nothing can be kept, the other parts are copied and pasted instead (the
 * bot adds all the parts of a case together).
 *
 * What belongs here: everything Telegram-specific. What does not: the page (app.js), how
 * parts are kept (keep.js).
 */
"use strict";

(function (root) {
  const Reclaim = (root.Reclaim = root.Reclaim || {});
  const hooks = (Reclaim.hooks = Reclaim.hooks || { codeReady: [], reset: [], ready: [] });
  const MAX_BYTES = 4096;
  /** How long a send waits for the parts left to be kept (Telegram answers in milliseconds). */
  const KEEP_WAIT_MS = 1500;
  const webApp = root.Telegram && root.Telegram.WebApp;
  const inTelegram = Boolean(webApp) && webApp.platform !== "unknown";
  const $ = (id) => document.getElementById(id);
  let mainButtonSend = null;
  /** Parts of the code on the page not sent yet. */
  let unsent = [];
  /** Parts kept from an earlier opening, offered one by one. */
  let kept = [];
  /** Whether the store may hold parts (kept now, or found at opening). */
  let stored = false;
  let sends = 0;
  /** Whether a send waits for the parts left to be kept. */
  let sending = false;
  /** Whether the kept parts are being read, and whether files were chosen meanwhile. */
  let loading = false;
  let resetWhileLoading = false;
  /** Whether sending keeps the parts left (not after the device refused to keep them). */
  let keeping = true;

  /**
   * Whether Telegram will take data from this Mini App: it was opened from a keyboard
   * button, which passes no initData.
   * @returns {boolean}
   */
  function canSend() {
    return inTelegram && typeof webApp.sendData === "function" && !webApp.initData;
  }

  /** Where unsent parts are kept: only inside Telegram, when the page can send. */
  const keeper = (function () {
    if (!canSend() || !Reclaim.keep) return null;
    const store = Reclaim.keep.chooseStore(webApp, () => root.localStorage);
    return store ? Reclaim.keep.keeper(store) : null;
  })();

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
      document.body.dataset.sent = String(++sends);
    } catch (error) {
      showNote(Reclaim.i18n.t("web.telegram.cannot_send"));
    }
  }

  /**
   * Keep the parts left (none: forget them), then send one. sendData closes the Mini App, so
   * it waits until they are kept, or a moment at most. If they cannot be kept and nothing was
   * kept before (`fresh`, the parts of a code just made), it does not send: it says to copy the
   * other parts. A part offered from what an earlier opening kept is sent anyway: the store
   * still holds the earlier list, this part included, so at worst it is offered once more.
   */
  function keepThenSend(rest, text, done, fresh) {
    if (sending) return; // one send at a time: a second tap would race the first
    if (!keeper || !keeping) {
      if (done) done();
      send(text);
      return;
    }
    sending = true;
    stored = rest.length > 0;
    let settled = false;
    const settle = (kept) => {
      if (settled) return;
      settled = true;
      sending = false;
      if (!kept && rest.length && fresh) {
        // Nothing could be kept: say to copy the other parts, and send only when asked again.
        keeping = false;
        showNote(Reclaim.i18n.t("web.telegram.parts_copy"));
        $("keep-note").hidden = true;
        return;
      }
      if (done) done();
      send(text);
    };
    keeper.save(rest).then(settle, () => settle(false));
    root.setTimeout(() => settle(false), KEEP_WAIT_MS);
  }

  function showNote(words) {
    const note = $("send-note");
    note.textContent = words;
    note.hidden = false;
  }

  function sendButton(words, onClick) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button primary big send";
    button.textContent = words;
    button.addEventListener("click", onClick);
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
      actions[0].prepend(sendButton(t("web.telegram.send"), () => send(text)));
      if (webApp.MainButton) {
        mainButtonSend = () => send(text);
        webApp.MainButton.setText(t("web.telegram.send"));
        webApp.MainButton.onClick(mainButtonSend);
        webApp.MainButton.show();
      }
      return;
    }
    showNote(t(keeper ? "web.telegram.parts" : "web.telegram.parts_copy"));
    $("keep-note").hidden = !keeper;
    unsent = sendable;
    parts.forEach((part, index) => {
      if (!fits(part.text)) return;
      const button = sendButton(t("web.telegram.send_part"), () => {
        const rest = Reclaim.keep ? Reclaim.keep.withoutPart(unsent, part.text) : [];
        const done = () => {
          unsent = rest;
        };
        keepThenSend(rest, part.text, done, true);
      });
      actions[index].prepend(button);
    });
  }

  /** "Part 2 of 3 is ready", in the same shapes as the parts' headings (app.js). */
  function readyWords(part) {
    return Reclaim.page.partWords(part, [
      "web.telegram.ready_part",
      "web.telegram.ready_case",
      "web.telegram.ready_case_part",
    ]);
  }

  /** Offer the next kept part (the first), or nothing when none is left. */
  function showKept(parts) {
    const { t } = Reclaim.i18n;
    kept = parts;
    const panel = $("kept");
    if (!parts.length) {
      panel.hidden = true;
      return;
    }
    const next = parts[0];
    $("kept-heading").textContent = readyWords(next);
    const order = $("kept-order");
    const later = Reclaim.keep.startsLaterCase(next);
    order.textContent = later
      ? t("web.telegram.case_first", { previous: next.case - 1, case: next.case })
      : "";
    order.hidden = !later;
    const left = parts.length - 1;
    $("kept-left").textContent = left
      ? t("web.telegram.left", { count: left })
      : t("web.telegram.last");
    const actions = $("kept-actions");
    for (const old of actions.querySelectorAll("button.send")) old.remove();
    actions.prepend(sendButton(t("web.telegram.send_part"), sendKept));
    panel.hidden = false;
  }

  function sendKept() {
    if (!kept.length) return;
    const [next, ...rest] = kept;
    keepThenSend(rest, next.text, () => showKept(rest), false);
  }

  function forgetKept() {
    kept = [];
    stored = false;
    $("kept").hidden = true;
    const status = $("kept-status");
    const done = (forgotten) => {
      const words = forgotten ? "web.telegram.forgotten" : "web.telegram.forget_failed";
      status.textContent = Reclaim.i18n.t(words);
      status.hidden = false;
    };
    keeper.forget().then(done, () => done(false));
    $("choose-label").focus();
  }

  /** The page has its words: offer what an earlier opening kept. */
  function onReady() {
    if (!keeper) return;
    loading = true;
    $("forget-kept").addEventListener("click", forgetKept);
    keeper.load().then((parts) => {
      if (resetWhileLoading) {
        // Files were chosen before the kept parts were read: they replace them.
        keeper.forget();
        parts = [];
      }
      stored = parts.length > 0;
      if (document.body.dataset.state === "ready") showKept(parts);
      loading = false;
      document.body.dataset.kept = String(kept.length); // looked: how many parts are offered
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

  /** New files (or a new code) replace what was kept. */
  function reset() {
    hideMainButton();
    for (const button of document.querySelectorAll("#result button.send")) button.remove();
    $("keep-note").hidden = true;
    unsent = [];
    if (!keeper) return;
    $("kept").hidden = true;
    $("kept-status").hidden = true;
    kept = [];
    if (stored) keeper.forget();
    if (loading) resetWhileLoading = true;
    stored = false;
  }

  hooks.codeReady.push(onCodeReady);
  hooks.reset.push(reset);
  hooks.ready.push(onReady);
  if (document.body && document.body.dataset.state) onReady(); // the page started first
  Reclaim.miniapp = { canSend, fits, keeps: () => (keeper ? keeper.kind : null) };
})(self);
