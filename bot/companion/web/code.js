/*
 * The hash code the page shows: what goes into it and how it is written, exactly as the
 * command-line companion does it.
 *
 * What belongs here: turning the worker's results into items (as FileHashes.item() does),
 * choosing the code's contents (bot/companion/codeplan.py code_contents), cutting it into
 * cases and parts (code_parts) and writing each part (bot/hashes/hashcode.py encode, with
 * its CRC-32). What does not: hashing (worker.js), words and the page (app.js).
 * Pure code, no DOM: tested under Node against the Python originals.
 */
"use strict";

(function (root) {
  const START = "#reclaim1";
  const END = "#end";
  const MISSING = "-";
  const LINE_WIDTH = 72;
  /** Items one case holds: the bot's default max_items. */
  const ITEMS_PER_CASE = 30;
  /** Items per code, so that each code fits in one chat message. */
  const ITEMS_PER_PART = 25;

  const MARKS = { image: "i", file: "m" };
  /** Written before a picture's PDQ quality score, right after its PDQ (hashcode.py). */
  const QUALITY_MARK = "q";
  const LAYOUTS = {
    image: [["pdq", 64], ["md5", 32], ["phash", 16], ["dhash", 16]],
    file: [["md5", 32]],
  };
  const FLAT_PDQ = ["0".repeat(64), "f".repeat(64)];

  const CRC_TABLE = (function () {
    const table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
    return table;
  })();

  /**
   * CRC-32 (zlib's) of an ASCII string, as 8 lowercase hex digits.
   * @param {string} text
   * @returns {string}
   */
  function crc32(text) {
    let crc = 0xffffffff;
    for (let i = 0; i < text.length; i++) {
      crc = CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff] ^ (crc >>> 8);
    }
    return ((crc ^ 0xffffffff) >>> 0).toString(16).padStart(8, "0");
  }

  /**
   * @typedef {{kind: "image"|"file", hashes: Array<[string, string]>, quality: ?number}} Item
   * @typedef {{kind: string, md5: ?string, pdq: ?string, quality: ?number, phash: ?string,
   *            dhash: ?string, error: ?string}} Result
   */

  function normalise(value, length, name) {
    const text = String(value).replace(/\s+/g, "").toLowerCase();
    if (!/^[0-9a-f]+$/.test(text) || text.length !== length) {
      throw new Error(`invalid ${name} hash`);
    }
    return text;
  }

  /**
   * The item a result puts in a code, or null when the file failed (FileHashes.item()).
   * A PDQ of only 0 or only 1 bits (a blank picture) is never written: such a file gets an
   * exact-copy item, as the bot would refuse the PDQ.
   * @param {Result} result
   * @returns {?Item}
   */
  function itemOf(result) {
    if (result.error || !result.md5) return null;
    const pdq = result.pdq ? result.pdq.toLowerCase() : null;
    if (!pdq || FLAT_PDQ.includes(pdq)) {
      return { kind: "file", hashes: [["md5", result.md5]], quality: null };
    }
    const hashes = [["pdq", result.pdq], ["md5", result.md5]];
    if (result.phash) hashes.push(["phash", result.phash]);
    if (result.dhash) hashes.push(["dhash", result.dhash]);
    const quality = result.quality === undefined ? null : result.quality;
    return { kind: "image", hashes, quality };
  }

  function fields(item) {
    const layout = LAYOUTS[item.kind];
    if (!layout) throw new Error(`unknown item kind ${item.kind}`);
    const given = new Map(item.hashes);
    if (given.size !== item.hashes.length) throw new Error("a hash is given twice");
    for (const name of given.keys()) {
      if (!layout.some(([allowed]) => allowed === name)) {
        throw new Error(`a ${item.kind} item cannot carry ${name}`);
      }
    }
    const out = layout.map(([name, length]) =>
      given.has(name) ? normalise(given.get(name), length, name) : MISSING,
    );
    if (out[0] === MISSING) throw new Error(`a ${item.kind} item needs a ${layout[0][0]} hash`);
    if (item.kind === "image" && FLAT_PDQ.includes(out[0])) throw new Error("flat pdq hash");
    while (out[out.length - 1] === MISSING) out.pop();
    const quality = item.quality === undefined ? null : item.quality;
    if (quality !== null) {
      if (layout[0][0] !== "pdq") throw new Error(`a ${item.kind} item has no pdq for a quality`);
      if (!Number.isInteger(quality) || quality < 0 || quality > 100) {
        throw new Error("a pdq quality is a whole number from 0 to 100");
      }
      out.splice(1, 0, QUALITY_MARK + String(quality));
    }
    return out;
  }

  function wrap(mark, values) {
    const lines = [];
    let current = mark;
    for (const value of values) {
      if (current.length + 1 + value.length > LINE_WIDTH) {
        lines.push(current);
        current = " ";
      }
      current += " " + value;
    }
    lines.push(current);
    return lines;
  }

  /**
   * Write items as one hash code block, lines joined by "\n", no trailing newline.
   * @param {Item[]} items
   * @returns {string}
   */
  function encode(items) {
    const encoded = items.map((item) => [MARKS[item.kind], fields(item)]);
    const header = [START, String(items.length)];
    const canonical = header.slice();
    const lines = [header.join(" ")];
    for (const [mark, values] of encoded) {
      canonical.push(mark, ...values);
      lines.push(...wrap(mark, values));
    }
    lines.push(`${END} ${crc32(canonical.join(" "))}`);
    return lines.join("\n");
  }

  /** What makes two items the same file: their hashes (the quality only describes the PDQ). */
  function itemKey(item) {
    return item.kind + " " + item.hashes.map(([name, value]) => `${name}=${value}`).join(" ");
  }

  /**
   * Which results go into the code: each identical file once, "other" files only when asked.
   * @param {Result[]} results every file's result, in the order shown
   * @param {boolean} [allFiles] also include files that are neither pictures nor videos
   * @returns {{items: Item[], copyOf: Map<number, number>, leftOut: Set<number>}}
   */
  function codeContents(results, allFiles = false) {
    const items = [];
    const first = new Map();
    const copyOf = new Map();
    const leftOut = new Set();
    results.forEach((result, index) => {
      const item = itemOf(result);
      if (item === null) return;
      const key = itemKey(item);
      if (result.kind === "other" && !allFiles) leftOut.add(index);
      else if (first.has(key)) copyOf.set(index, first.get(key));
      else {
        first.set(key, index);
        items.push(item);
      }
    });
    return { items, copyOf, leftOut };
  }

  /**
   * Cut items into cases of perCase, and each case into the fewest even parts of perPart.
   * @param {Item[]} items
   * @param {number} [perCase]
   * @param {number} [perPart]
   * @returns {Array<{case: number, cases: number, part: number, parts: number,
   *                  count: number, text: string}>}
   */
  function codeParts(items, perCase = ITEMS_PER_CASE, perPart = ITEMS_PER_PART) {
    const groups = [];
    for (let start = 0; start < items.length; start += perCase) {
      groups.push(items.slice(start, start + perCase));
    }
    const parts = [];
    groups.forEach((group, caseIndex) => {
      const count = Math.ceil(group.length / perPart);
      const base = Math.floor(group.length / count);
      const extra = group.length % count;
      let start = 0;
      for (let index = 0; index < count; index++) {
        const size = base + (index < extra ? 1 : 0);
        const chunk = group.slice(start, start + size);
        start += size;
        parts.push({
          case: caseIndex + 1,
          cases: groups.length,
          part: index + 1,
          parts: count,
          count: size,
          text: encode(chunk),
        });
      }
    });
    return parts;
  }

  const api = {
    ITEMS_PER_CASE,
    ITEMS_PER_PART,
    crc32,
    itemOf,
    encode,
    codeContents,
    codeParts,
  };
  root.Reclaim = root.Reclaim || {};
  root.Reclaim.code = api;
  if (typeof module !== "undefined") module.exports = api;
})(typeof self !== "undefined" ? self : globalThis);
