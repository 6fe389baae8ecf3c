/*
 * The parts of a code not sent yet, kept on the person's own device between openings of the
 * Mini App, so the next part can be sent without choosing the files again.
 *
 * Only the code text of each unsent part is kept, with its case and part numbers and the time
 * it was kept: no file names, no pictures, no sizes. It goes to Telegram's DeviceStorage (Mini
 * Apps 9.0: setItem, getItem and removeItem, each answering a callback with an error first)
 * where the Telegram app has it, else to the page's localStorage (which may be missing, or
 * throw), else nowhere. Kept parts are forgotten an hour after they were kept.
 *
 * What belongs here: choosing the storage, writing, reading (and throwing away what is old or
 * broken) and forgetting. What does not: when to keep and what to show (miniapp.js), words.
 * No DOM: tested under Node.
 */
"use strict";

(function (root) {
  /** The one key the parts are kept under (DeviceStorage allows letters, digits, _ and -). */
  const KEY = "reclaim_unsent_parts";
  /** Written and removed at once, to learn whether localStorage keeps anything. */
  const PROBE = "reclaim_probe";
  /** How long kept parts are offered: an hour. */
  const MAX_AGE_MS = 60 * 60 * 1000;
  /** A clock set back a little is forgiven; kept "later than now" beyond this is thrown away. */
  const CLOCK_SLACK_MS = 5 * 60 * 1000;
  const MAX_BYTES = 4096;
  const NUMBERS = ["case", "cases", "part", "parts"];

  /**
   * @typedef {{case: number, cases: number, part: number, parts: number, text: string}} Part
   * @typedef {{get: (done: (value: ?string) => void) => void,
   *            set: (value: string, done: (ok: boolean) => void) => void,
   *            remove: (done: (ok: boolean) => void) => void, kind: string}} Store
   */

  /**
   * Telegram's DeviceStorage as a Store, or null when this Telegram app has none.
   * @param {?Object} webApp Telegram.WebApp
   * @returns {?Store}
   */
  function deviceStore(webApp) {
    try {
      if (!webApp || typeof webApp.isVersionAtLeast !== "function") return null;
      if (!webApp.isVersionAtLeast("9.0")) return null;
      const storage = webApp.DeviceStorage;
      const methods = ["setItem", "getItem", "removeItem"];
      if (!storage || methods.some((name) => typeof storage[name] !== "function")) return null;
      return {
        kind: "device",
        get: (done) => {
          const answer = (error, found) => done(error ? null : found);
          call(() => storage.getItem(KEY, answer), done, null);
        },
        set: (value, done) =>
          call(() => storage.setItem(KEY, value, (error) => done(!error)), done, false),
        remove: (done) => call(() => storage.removeItem(KEY, (error) => done(!error)), done, false),
      };
    } catch (error) {
      return null;
    }
  }

  /** Run a DeviceStorage call; one that throws answers `fallback` at once. */
  function call(action, done, fallback) {
    try {
      action();
    } catch (error) {
      done(fallback);
    }
  }

  /**
   * The page's localStorage as a Store, or null when it is missing or refuses to keep anything
   * (private browsing, storage turned off).
   * @param {() => ?Storage} getStorage reads the storage (reading it may throw)
   * @returns {?Store}
   */
  function localStore(getStorage) {
    let storage;
    try {
      storage = getStorage();
      if (!storage) return null;
      storage.setItem(PROBE, "");
      storage.removeItem(PROBE);
    } catch (error) {
      return null;
    }
    const guarded = (action, done, fallback) => {
      let answer;
      try {
        answer = action();
      } catch (error) {
        answer = fallback;
      }
      done(answer);
    };
    return {
      kind: "local",
      get: (done) => guarded(() => storage.getItem(KEY), done, null),
      set: (value, done) => guarded(() => (storage.setItem(KEY, value), true), done, false),
      remove: (done) => guarded(() => (storage.removeItem(KEY), true), done, false),
    };
  }

  /**
   * Where parts can be kept: Telegram's DeviceStorage, else localStorage, else null (nowhere).
   * @param {?Object} webApp Telegram.WebApp
   * @param {() => ?Storage} getStorage reads localStorage
   * @returns {?Store}
   */
  function chooseStore(webApp, getStorage) {
    return deviceStore(webApp) || localStore(getStorage);
  }

  function isPart(part) {
    if (!part || typeof part !== "object" || typeof part.text !== "string") return false;
    const bytes = new TextEncoder().encode(part.text).length;
    if (!part.text.startsWith("#reclaim1") || bytes > MAX_BYTES) return false;
    if (!NUMBERS.every((name) => Number.isInteger(part[name]) && part[name] >= 1)) return false;
    return part.case <= part.cases && part.part <= part.parts;
  }

  /** Only what is kept of a part: its numbers and code text (a part also has a count). */
  function plain(part) {
    const { cases, parts, text } = part;
    return { case: part.case, cases, part: part.part, parts, text };
  }

  /**
   * What is written to the store: the parts' code text and numbers, and the time.
   * @param {Part[]} parts
   * @param {number} now milliseconds since 1970
   * @returns {string}
   */
  function encodeKept(parts, now) {
    return JSON.stringify({ v: 1, kept: now, parts: parts.map(plain) });
  }

  /**
   * The parts a stored value holds, or null when it is empty, broken or older than an hour.
   * @param {?string} value
   * @param {number} now milliseconds since 1970
   * @returns {?Part[]}
   */
  function decodeKept(value, now) {
    if (typeof value !== "string" || !value) return null;
    let data;
    try {
      data = JSON.parse(value);
    } catch (error) {
      return null;
    }
    if (!data || data.v !== 1 || !Number.isFinite(data.kept)) return null;
    if (!Array.isArray(data.parts)) return null;
    if (now - data.kept > MAX_AGE_MS || data.kept - now > CLOCK_SLACK_MS) return null;
    if (!data.parts.length || !data.parts.every(isPart)) return null;
    return data.parts.map(plain);
  }

  /**
   * The parts left once one (found by its code text) is sent; sending it again changes nothing.
   * A part of the next case sent before the case before it is opened is not lost: the bot keeps
   * it for that next case (bot/engine/machine.py).
   * @param {Part[]} parts
   * @param {string} text
   * @returns {Part[]}
   */
  function withoutPart(parts, text) {
    return parts.filter((part) => part.text !== text);
  }

  /** Whether a part starts a case after the first. */
  function startsLaterCase(part) {
    return part.case > 1 && part.part === 1;
  }

  /**
   * Keeping parts in a store, with promises.
   * @param {Store} store
   * @param {() => number} [clock]
   */
  function keeper(store, clock = () => Date.now()) {
    return {
      kind: store.kind,
      /** @returns {Promise<Part[]>} the parts kept, the old or broken thrown away */
      load: () =>
        new Promise((resolve) =>
          store.get((value) => {
            const parts = decodeKept(value, clock());
            if (parts === null && value) store.remove(() => resolve([]));
            else resolve(parts || []);
          }),
        ),
      /** @returns {Promise<boolean>} whether the parts were kept (none: the key removed) */
      save: (parts) =>
        new Promise((resolve) =>
          parts.length ? store.set(encodeKept(parts, clock()), resolve) : store.remove(resolve),
        ),
      /** @returns {Promise<boolean>} */
      forget: () => new Promise((resolve) => store.remove(resolve)),
    };
  }

  const api = {
    KEY,
    MAX_AGE_MS,
    chooseStore,
    deviceStore,
    localStore,
    encodeKept,
    decodeKept,
    withoutPart,
    startsLaterCase,
    keeper,
  };
  root.Reclaim = root.Reclaim || {};
  root.Reclaim.keep = api;
  if (typeof module !== "undefined") module.exports = api;
})(typeof self !== "undefined" ? self : globalThis);
