/*
 * The page's words: choose the language, load its i18n/<lang>.js, and put words on the page.
 *
 * What belongs here: language negotiation (?lang=xx, then the browser's languages, then
 * English), loading the words as a script (the page may not fetch), `t(msgid, params)` and
 * filling elements marked `data-text`. What does not: the words themselves (generated from
 * the catalogs by `reclaim i18n web`), the page's behaviour (app.js).
 */
"use strict";

(function (root) {
  const Reclaim = (root.Reclaim = root.Reclaim || {});
  const DEFAULT = "en";
  const CODE = /^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?$/;

  function variants(code) {
    const parts = code.split(/[-_]/);
    const full = parts.length > 1 ? `${parts[0].toLowerCase()}_${parts[1]}` : null;
    return full ? [full, parts[0].toLowerCase()] : [parts[0].toLowerCase()];
  }

  /**
   * The language files to try, best first: the one asked for in the URL (even when it is not
   * listed: a file may still be there), the browser's listed languages, then English.
   * @param {string} search location.search
   * @param {readonly string[]} browser navigator.languages
   * @param {readonly string[]} listed languages that have a file (i18n/languages.js)
   * @returns {string[]}
   */
  function candidates(search, browser, listed) {
    const out = [];
    const asked = new URLSearchParams(search).get("lang");
    if (asked && CODE.test(asked)) out.push(...variants(asked));
    for (const wanted of browser) {
      if (!CODE.test(wanted)) continue;
      for (const code of variants(wanted)) if (listed.includes(code)) out.push(code);
    }
    out.push(DEFAULT);
    return [...new Set(out)];
  }

  /**
   * Load the first language file that exists, then call `done` (also when none loads).
   * @param {() => void} done
   * @param {string} [search] where `lang=` is asked for (default: location.search; a page
   *     that takes its choices from the address's fragment passes that)
   */
  function load(done, search) {
    const browser = root.navigator ? root.navigator.languages || [root.navigator.language] : [];
    const asked = search === undefined ? root.location.search : search;
    const queue = candidates(asked, browser, Reclaim.languages || [DEFAULT]);
    const next = () => {
      const code = queue.shift();
      if (code === undefined) return done();
      const script = document.createElement("script");
      script.src = `i18n/${code}.js`;
      script.onload = () => (Reclaim.text ? done() : next());
      script.onerror = () => {
        script.remove();
        next();
      };
      document.head.appendChild(script);
    };
    next();
  }

  /**
   * The words of a msgid with {name} placeholders filled in (unknown ones left visible).
   * @param {string} msgid
   * @param {Object<string, string|number>} [params]
   * @returns {string}
   */
  function t(msgid, params) {
    const messages = (Reclaim.text && Reclaim.text.messages) || {};
    const words = messages[msgid] === undefined ? msgid : messages[msgid];
    return words.replace(/\{(\w+)\}/g, (whole, name) =>
      params && params[name] !== undefined ? String(params[name]) : whole,
    );
  }

  /** Put the loaded words on every element with data-text, and lang and dir on <html>. */
  function apply() {
    const text = Reclaim.text;
    if (text) {
      document.documentElement.lang = text.lang;
      document.documentElement.dir = text.dir === "rtl" ? "rtl" : "ltr";
    }
    for (const element of document.querySelectorAll("[data-text]")) {
      element.textContent = t(element.dataset.text);
    }
    document.title = t("web.title");
  }

  Reclaim.i18n = { candidates, load, t, apply };
  if (typeof module !== "undefined") module.exports = Reclaim.i18n;
})(typeof self !== "undefined" ? self : globalThis);
