// jpeg-scan.wat's loop that skips AC coefficients, for jpeg-scan.js: the module started from
// its bytes (jpeg-scan-wasm.js, loaded first in a worker), the scan's words kept in its memory,
// and Huffman tables copied in as the .wat lays them out. Where WebAssembly is missing (or the
// module cannot start), `skipAc` is null and jpeg-scan.js skips in JavaScript.
// What does not belong here: decoding anything (jpeg-scan.wat, jpeg-scan.js), building the
// bytes (web/build-wasm.mjs).
"use strict";

(function (root) {
  /** Memory: Huffman table slots from 0, the scan's words after them (jpeg-scan.wat). */
  const SLOT_BYTES = 36864;
  const SLOTS = 4;
  const WORDS_AT = SLOT_BYTES * SLOTS;
  const SKIP_ENTRIES = 16384;
  const FAST_ENTRIES = 512;

  /** jpeg-scan.wat's exports, or null. */
  const exports = (function start() {
    try {
      const source =
        typeof module !== "undefined" ? require("./jpeg-scan-wasm.js") : root.Reclaim.jpegScanWasm;
      if (!source || typeof WebAssembly !== "object") return null;
      const bytes = Uint8Array.from(atob(source.base64), (c) => c.charCodeAt(0));
      return new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
    } catch (error) {
      return null;
    }
  })();

  /**
   * `size` 32-bit words in the module's memory (grown if need be; earlier views of it may then
   * be gone), or null without the module.
   */
  function words(size) {
    if (exports === null) return null;
    const needed = WORDS_AT + size * 4;
    const memory = exports.memory;
    if (needed > memory.buffer.byteLength) {
      try {
        memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536));
      } catch (error) {
        return null;
      }
    }
    return new Int32Array(memory.buffer, WORDS_AT, size);
  }

  /** Whether `array` is the module's words (made by `words` since the memory last grew). */
  function holds(array) {
    return exports !== null && array.buffer === exports.memory.buffer && array.byteOffset === WORDS_AT;
  }

  /**
   * Copies an AC table (jpeg.js's huffmanTable) into slot `slot`: its address for skipAc, or -1
   * where it does not fit there (the JavaScript loop then skips with it).
   */
  function install(table, slot) {
    if (slot >= SLOTS || table.symbols.length > 256) return -1;
    if (table.skip.length !== SKIP_ENTRIES || table.fast.length !== FAST_ENTRIES) return -1;
    const base = slot * SLOT_BYTES;
    const buffer = exports.memory.buffer;
    new Uint16Array(buffer, base, SKIP_ENTRIES).set(table.skip);
    new Int32Array(buffer, base + 32768, FAST_ENTRIES).set(table.fast);
    new Int32Array(buffer, base + 34816, 17).set(table.maxCode);
    new Int32Array(buffer, base + 34888, 17).set(table.offset);
    new Uint8Array(buffer, base + 34960, table.symbols.length).set(table.symbols);
    new Int32Array(buffer, base + 35216, 1)[0] = table.symbols.length;
    return base;
  }

  const wasm = {
    WORDS_AT, words, holds, install,
    /** skipAc(bitpos, table address, WORDS_AT, limit): see jpeg-scan.wat. */
    skipAc: exports === null ? null : exports.skipAc,
  };
  root.Reclaim = root.Reclaim || {};
  root.Reclaim.jpegWasm = wasm;
  if (typeof module !== "undefined") module.exports = wasm;
})(typeof self !== "undefined" ? self : globalThis);
