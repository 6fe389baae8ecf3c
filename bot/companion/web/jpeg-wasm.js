// jpeg-scan.wat's sequential scan decoder, for jpeg.js: the module started from its bytes
// (jpeg-scan-wasm.js, loaded first in a worker), its memory laid out as the .wat describes it
// (Huffman tables, the scan's description, the scan's words, the components' sample planes, the
// file's bytes, copied in once a picture, and where restart intervals end), the byte stuffing
// taken out of a scan (for jpeg-scan.js's createReader), and a scan decoded a run of MCUs a call. Where WebAssembly is missing (or the module
// cannot start), `available` is false and jpeg-scan.js decodes in JavaScript.
// What does not belong here: decoding anything (jpeg-scan.wat, jpeg-scan.js), markers (jpeg.js),
// building the bytes (web/build-wasm.mjs).
"use strict";

(function (root) {
  /** Memory: Huffman table slots from 0, the scan's description, then the scan's words. */
  const SLOT_BYTES = 36864;
  const SLOTS = 8;
  const DESC_AT = SLOT_BYTES * SLOTS;
  const DESC_BYTES = 8192;
  const WORDS_AT = DESC_AT + DESC_BYTES;
  /** In the description: where the blocks of an MCU and the components' records start. */
  const BLOCKS_AT = 64;
  const MAX_BLOCKS = 64;
  const COMPONENTS_AT = 1024;
  const COMPONENT_BYTES = 1024;
  /** Units decoded a call at most: the first picture's later calls already run the optimised
   * code the engine compiles while the first ones run (its first tier does not speed up a
   * call under way). */
  const UNITS_A_CALL = 2048;
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

  /** Bytes between the words and the sample planes: a block may read this far past the words. */
  const WORDS_SLACK = 1024;
  /** Restart intervals a scan may have for `unstuff` (more: jpeg-scan.js's loop unstuffs). */
  const ENDS_CAPACITY = 65536;
  /** Each component's sample plane a whole number of 8 bytes. */
  const planeBytes = (c) => (c.samples.length + 7) & ~7;
  /** A larger file is not copied in (the module's memory never shrinks): JavaScript unstuffs. */
  const COPY_BYTES = 32 * 1024 * 1024;
  /** Where the file's bytes are (0: not copied in), and for which frame. */
  let dataAt = 0;
  let dataFrame = null;

  /**
   * `size` 32-bit words in the module's memory, with room after them for every sample plane of
   * `frame`, then `data` (the file, up to COPY_BYTES) copied in once for the frame and room for
   * its restart intervals' ends (grown if need be; earlier views of it may then be gone); null
   * without the module.
   */
  function words(size, frame, data) {
    if (exports === null) return null;
    let planes = 0;
    for (const c of frame.components) planes += planeBytes(c);
    const at = WORDS_AT + size * 4 + WORDS_SLACK + planes;
    const copy = data.length <= COPY_BYTES;
    const needed = at + (copy ? ((data.length + 7) & ~7) + ENDS_CAPACITY * 4 : 0);
    const memory = exports.memory;
    if (needed > memory.buffer.byteLength) {
      try {
        memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536));
      } catch (error) {
        return null;
      }
    }
    if (!copy) {
      dataAt = 0;
    } else if (dataFrame !== frame || dataAt !== at) {
      new Uint8Array(memory.buffer, at, data.length).set(data);
      dataAt = at;
    }
    dataFrame = frame;
    return new Int32Array(memory.buffer, WORDS_AT, size);
  }

  /**
   * The byte stuffing taken out of the scan from `pos` of `data` (the file `words` copied in)
   * into the words `words` gave: {out: bytes written, marker: where the marker after the scan
   * starts, ends: bytes written at the end of each restart interval}; "cut" where no marker
   * ends the scan; null where the module cannot (the caller then does it).
   * @param {Uint8Array} data @param {number} pos @param {Int32Array} array the words
   */
  function unstuff(data, pos, array) {
    if (!holds(array) || dataAt === 0 || dataFrame === null) return null;
    const result = DESC_AT + 32;
    const endsAt = dataAt + ((data.length + 7) & ~7);
    const count = exports.unstuff(
      dataAt + pos, dataAt + data.length - 1, WORDS_AT, endsAt, ENDS_CAPACITY, result,
    );
    if (count === -1) return "cut";
    if (count < 0) return null;
    const buffer = exports.memory.buffer;
    const [out, marker] = new Int32Array(buffer, result, 2);
    return { out, marker: marker - dataAt, ends: Array.from(new Int32Array(buffer, endsAt, count)) };
  }

  /** Whether `array` is the module's words (made by `words` since the memory last grew). */
  function holds(array) {
    return exports !== null && array.buffer === exports.memory.buffer && array.byteOffset === WORDS_AT;
  }

  /**
   * Copies a Huffman table (jpeg.js's huffmanTable) into slot `slot`: its address, or -1 where it
   * does not fit there. The skip table only for a table that has one (AC, 1x1 IDCT).
   */
  function install(table, slot) {
    if (slot >= SLOTS || table.symbols.length > 256 || table.fast.length !== FAST_ENTRIES) return -1;
    if (table.skip !== null && table.skip.length !== SKIP_ENTRIES) return -1;
    const base = slot * SLOT_BYTES;
    const buffer = exports.memory.buffer;
    if (table.skip !== null) new Uint16Array(buffer, base, SKIP_ENTRIES).set(table.skip);
    new Int32Array(buffer, base + 32768, FAST_ENTRIES).set(table.fast);
    new Int32Array(buffer, base + 34816, 17).set(table.maxCode);
    new Int32Array(buffer, base + 34888, 17).set(table.offset);
    new Uint8Array(buffer, base + 34960, table.symbols.length).set(table.symbols);
    new Int32Array(buffer, base + 35216, 1)[0] = table.symbols.length;
    return base;
  }

  /**
   * Decodes a sequential scan (jpeg.js's readScan has checked its tables) into its components'
   * `samples`, restart interval by restart interval. False, with nothing decoded, where the
   * module cannot take this scan (the caller then decodes it in JavaScript).
   * @param {object} reader jpeg-scan.js's createReader, its words made by `words`
   * @param {object} frame jpeg.js's frame
   * @param {Array<{component: object, dc: object, ac: object}>} scan
   * @param {{unitsX: number, unitsY: number, single: boolean, restart: number,
   *   blockParts: Array<object>, blockOffsets: Array<number>}} layout as readScan walks the scan
   * @returns {number|boolean} true when decoded, false where not taken; -1 where the data
   *   ends inside the scan, -2 for bad data
   */
  function decodeScan(reader, frame, scan, layout) {
    if (!holds(reader.words) || layout.blockParts.length > MAX_BLOCKS) return false;
    const buffer = exports.memory.buffer;
    const ints = new Int32Array(buffer, DESC_AT, DESC_BYTES / 4);
    const doubles = new Float64Array(buffer, DESC_AT, DESC_BYTES / 8);
    const slots = new Map();
    const slotOf = (table) => {
      if (!slots.has(table)) slots.set(table, install(table, slots.size));
      return slots.get(table);
    };
    let plane = WORDS_AT + reader.words.length * 4 + WORDS_SLACK;
    const records = new Map();
    frame.components.forEach((c, i) => {
      records.set(c, { record: COMPONENTS_AT + i * COMPONENT_BYTES, plane });
      plane += planeBytes(c);
    });
    for (const { component: c, dc, ac } of scan) {
      const { record, plane: at } = records.get(c);
      const dcAt = slotOf(dc);
      const acAt = slotOf(ac);
      if (dcAt < 0 || acAt < 0) return false;
      const r = record / 4;
      ints[r] = c.stride;
      ints[r + 1] = c.h;
      ints[r + 2] = c.v;
      ints[r + 3] = at;
      ints[r + 4] = c.table[0];
      ints[r + 5] = c.size;
      ints[r + 6] = dcAt;
      ints[r + 7] = acAt;
      doubles[record / 8 + 4] = 0;
      if (c.size > 1) {
        ints.set(c.slots, r + 16);
        doubles.set(c.weights, record / 8 + 40);
      }
    }
    ints[0] = layout.unitsX;
    ints[1] = layout.blockParts.length;
    ints[2] = layout.single ? 1 : 0;
    ints[3] = reader.words.length * 32 - 64;
    ints[4] = WORDS_AT;
    layout.blockParts.forEach((part, b) => {
      ints[BLOCKS_AT / 4 + b * 2] = DESC_AT + records.get(part.component).record;
      ints[BLOCKS_AT / 4 + b * 2 + 1] = layout.blockOffsets[b];
    });
    const total = layout.unitsX * layout.unitsY;
    const interval = layout.restart > 0 ? layout.restart : total;
    for (let unit = 0; unit < total; unit += interval) {
      if (unit > 0) {
        reader.restart();
        for (const { component } of scan) doubles[records.get(component).record / 8 + 4] = 0;
      }
      const end = Math.min(total, unit + interval);
      for (let from = unit; from < end; from += UNITS_A_CALL) {
        const after = exports.scan(DESC_AT, from, Math.min(end, from + UNITS_A_CALL), reader.bitpos);
        if (after < 0) return after;
        reader.bitpos = after;
      }
    }
    for (const { component: c } of scan) {
      const at = records.get(c).plane;
      c.samples.set(new Uint8Array(buffer, at, c.samples.length));
    }
    return true;
  }

  const wasm = { available: exports !== null, words, holds, unstuff, decodeScan };
  root.Reclaim = root.Reclaim || {};
  root.Reclaim.jpegWasm = wasm;
  if (typeof module !== "undefined") module.exports = wasm;
})(typeof self !== "undefined" ? self : globalThis);
