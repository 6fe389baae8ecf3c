// A JPEG decoder that gives a picture at 1/8 scale, the way libjpeg(-turbo) decodes it when asked
// for 1/8 (Pillow's Image.draft, as bot/companion/imaging.py uses it), without decoding the rest:
// each 8x8 block becomes one pixel, its DC coefficient's mean (libjpeg's 1x1 scaled IDCT), and a
// chroma component with half the luma's sampling both ways (4:2:0) becomes 2x2 pixels a block
// (libjpeg scales such chroma up by a 2x2 IDCT rather than by upsampling); other chroma is
// replicated, as libjpeg's plain upsampling does at this scale. Then JFIF YCbCr -> RGB in libjpeg's
// fixed point. Every coefficient is still Huffman-decoded to be skipped (baseline); progressive
// AC scans are skipped whole unless a 4:2:0 chroma component needs them.
// Handles baseline and extended sequential Huffman and progressive Huffman JPEGs with 8-bit
// samples, 1 or 3 components, any whole-number sampling factors and restart intervals. Anything
// else (arithmetic coding, 12-bit, lossless, CMYK, Adobe RGB, data that does not decode
// cleanly) gives null, and the caller decodes the picture some other way.
// Sequential scans are decoded in WebAssembly where it runs (jpeg-wasm.js), else in JavaScript
// (jpeg-scan.js); progressive ones by jpeg-progressive.js.
// What does not belong here: the hashes (jpeg-hash.js, pdq.js, perceptual.js), EXIF (media.js).
"use strict";

(function (root) {
  const scanning =
    typeof module !== "undefined" ? require("./jpeg-scan.js") : root.Reclaim.jpegScan;
  const wasm = typeof module !== "undefined" ? require("./jpeg-wasm.js") : root.Reclaim.jpegWasm;
  const progressiveScans =
    typeof module !== "undefined" ? require("./jpeg-progressive.js") : root.Reclaim.jpegProgressive;
  const { Unsupported, ZIGZAG, LOOKAHEAD, createReader, sequentialUnit } = scanning;
  const { progressiveUnit, progressiveSamples } = progressiveScans;

  const be16 = (b, i) => (b[i] << 8) | b[i + 1];

  /**
   * A Huffman table: `fast[bits]` for the next LOOKAHEAD bits is (length << 8) | symbol, 0 when
   * the code is longer; `maxCode`, `offset` and `symbols` decode the longer codes (as libjpeg).
   */
  function huffmanTable(counts, symbols) {
    const fast = new Int32Array(1 << LOOKAHEAD);
    const maxCode = new Int32Array(17).fill(-1);
    const offset = new Int32Array(17);
    let code = 0;
    let k = 0;
    for (let length = 1; length <= 16; length++) {
      offset[length] = k - code;
      for (let i = 0; i < counts[length - 1]; i++, k++, code++) {
        if (length <= LOOKAHEAD) {
          const shift = LOOKAHEAD - length;
          const first = code << shift;
          for (let j = 0; j < 1 << shift; j++) fast[first + j] = (length << 8) | symbols[k];
        }
      }
      if (code > 1 << length) throw new Unsupported("bad Huffman table");
      maxCode[length] = counts[length - 1] ? code - 1 : -1;
      code <<= 1;
    }
    // skip: for skipping AC coefficients, made when first needed (jpeg-scan.js's skipOf)
    return { fast, maxCode, offset, symbols: Uint8Array.from(symbols), skip: null };
  }

  /**
   * Reads the markers up to each scan and decodes the scans.
   * @param {Uint8Array} data the whole file
   * @param {function(string): void} [mark] the bench's stopwatch (worker.js)
   * @returns {{width: number, height: number, channels: number, pixels: Uint8Array,
   *   fullWidth: number, fullHeight: number}|null} ceil(w/8) x ceil(h/8) pixels, RGB (channels
   *   3) or grey (channels 1), row-major; null when this decoder cannot decode the file
   */
  function decodeEighth(data, mark = () => {}) {
    try {
      return decode(data, mark);
    } catch (error) {
      if (error instanceof Unsupported || error instanceof RangeError || error instanceof TypeError) {
        return null;
      }
      throw error;
    }
  }

  function decode(data, mark) {
    if (data[0] !== 0xff || data[1] !== 0xd8) throw new Unsupported("not a JPEG");
    const quant = [];
    const dcTables = [];
    const acTables = [];
    let frame = null;
    let restart = 0;
    let adobe = -1;
    let jfif = false;
    let pos = 2;
    for (;;) {
      if (pos + 2 > data.length) throw new Unsupported("ends before the picture");
      if (data[pos] !== 0xff) throw new Unsupported("no marker");
      const marker = data[pos + 1];
      if (marker === 0xff) { pos += 1; continue; }
      if (marker === 0xd9) break;
      if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { pos += 2; continue; }
      if (pos + 4 > data.length) throw new Unsupported("ends before the picture");
      const length = be16(data, pos + 2);
      const body = pos + 4;
      const end = pos + 2 + length;
      if (end > data.length) throw new Unsupported("segment cut off");
      if (marker === 0xdb) {
        for (let at = body; at < end; ) {
          const precision = data[at] >> 4;
          const table = new Int32Array(64);
          for (let k = 0; k < 64; k++) {
            table[ZIGZAG[k]] = precision ? be16(data, at + 1 + 2 * k) : data[at + 1 + k];
          }
          quant[data[at] & 15] = table;
          at += 1 + (precision ? 128 : 64);
        }
      } else if (marker === 0xc4) {
        for (let at = body; at < end; ) {
          const counts = data.subarray(at + 1, at + 17);
          let total = 0;
          for (let i = 0; i < 16; i++) total += counts[i];
          const table = huffmanTable(counts, data.subarray(at + 17, at + 17 + total));
          (data[at] >> 4 ? acTables : dcTables)[data[at] & 15] = table;
          at += 17 + total;
        }
      } else if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) {
        if (frame !== null) throw new Unsupported("two frames");
        frame = readFrame(data, body, marker === 0xc2);
      } else if ((marker >= 0xc3 && marker <= 0xcf) && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        throw new Unsupported("lossless, hierarchical or arithmetic-coded");
      } else if (marker === 0xdd) {
        restart = be16(data, body);
      } else if (marker === 0xe0 && String.fromCharCode(...data.subarray(body, body + 5)) === "JFIF\0") {
        jfif = true;
      } else if (marker === 0xee && String.fromCharCode(...data.subarray(body, body + 5)) === "Adobe") {
        adobe = data[body + 11];
      } else if (marker === 0xda) {
        if (frame === null) throw new Unsupported("scan before frame");
        checkColour(frame, jfif, adobe);
        mark("markers and tables");
        pos = readScan(data, body, frame, quant, dcTables, acTables, restart, mark);
        continue;
      }
      pos = end;
    }
    if (frame === null || !frame.scanned) throw new Unsupported("no picture");
    const pixels = toPixels(frame);
    mark("colours");
    return pixels;
  }

  function readFrame(data, at, progressive) {
    if (data[at] !== 8) throw new Unsupported("not 8-bit");
    const height = be16(data, at + 1);
    const width = be16(data, at + 3);
    const count = data[at + 5];
    if (width === 0 || height === 0 || (count !== 1 && count !== 3)) {
      throw new Unsupported("size or components");
    }
    const components = [];
    for (let i = 0; i < count; i++) {
      const p = at + 6 + i * 3;
      const h = data[p + 1] >> 4;
      const v = data[p + 1] & 15;
      if (h < 1 || h > 4 || v < 1 || v > 4) throw new Unsupported("sampling");
      components.push({ id: data[p], h, v, quant: data[p + 2] });
    }
    const maxH = Math.max(...components.map((c) => c.h));
    const maxV = Math.max(...components.map((c) => c.v));
    const mcusX = Math.ceil(width / (8 * maxH));
    const mcusY = Math.ceil(height / (8 * maxV));
    for (const c of components) {
      if (maxH % c.h || maxV % c.v) throw new Unsupported("fractional sampling");
      // libjpeg's IDCT size for the component at 1/8 (jdmaster.c): doubled while the component
      // still needs upsampling by two or more both ways.
      let size = 1;
      while (size < 8 && (maxH % (c.h * size * 2)) === 0 && (maxV % (c.v * size * 2)) === 0) size *= 2;
      if (size > 2) throw new Unsupported("chroma sampled below 4:2:0");
      c.size = size;
      c.blocksX = Math.ceil(Math.ceil((width * c.h) / maxH) / 8);
      c.blocksY = Math.ceil(Math.ceil((height * c.v) / maxV) / 8);
      c.stride = mcusX * c.h; // blocks a row, padded to whole MCUs
      c.rows = mcusY * c.v;
      c.pred = 0;
      // Progressive: DC of every block; all coefficients where the 2x2 IDCT needs them.
      // Sequential: the output samples directly (size x size per block).
      c.coefficients = progressive
        ? new Int16Array(c.stride * c.rows * (size === 1 ? 1 : 64))
        : null;
      c.samples = new Uint8Array(c.stride * c.rows * size * size);
      c.weights = null; // the 2x2 IDCT's, by scan (scanning.twoByTwoWeights)
      c.slots = null;
    }
    return {
      width, height, progressive, components, maxH, maxV, mcusX, mcusY, scanned: false, buffer: null,
    };
  }

  function checkColour(frame, jfif, adobe) {
    if (frame.components.length !== 3) return;
    const ids = frame.components.map((c) => c.id).join(",");
    // libjpeg's guesses (jdapimin.c): RGB without JFIF when Adobe says no transform or the
    // component ids spell R, G, B. Pillow then keeps the samples as RGB: not handled here.
    if (adobe === 0 || (!jfif && adobe < 0 && ids === "82,71,66")) {
      throw new Unsupported("RGB JPEG");
    }
  }

  /**
   * Decodes one scan (or skips it when nothing at 1/8 needs it).
   * @returns {number} where the next marker starts
   */
  function readScan(data, at, frame, quant, dcTables, acTables, restart, mark) {
    const count = data[at];
    const scan = [];
    for (let i = 0; i < count; i++) {
      const id = data[at + 1 + i * 2];
      const component = frame.components.find((c) => c.id === id);
      if (!component) throw new Unsupported("unknown component");
      const tables = data[at + 2 + i * 2];
      scan.push({ component, dc: dcTables[tables >> 4], ac: acTables[tables & 15] });
    }
    const p = at + 1 + count * 2;
    const start = data[p];
    const end = data[p + 1];
    const high = data[p + 2] >> 4;
    const low = data[p + 2] & 15;
    let pos = at + be16(data, at - 2) - 2;
    for (const { component } of scan) {
      if (!quant[component.quant]) throw new Unsupported("no quantisation table");
      component.table = quant[component.quant];
      if (component.size > 1) Object.assign(component, scanning.twoByTwoWeights(component.table));
    }
    frame.scanned = true;
    const needed = start === 0 || scan.some(({ component }) => component.size > 1);
    if (!needed) return skipToMarker(data, pos);
    const reader = createReader(data, pos, frame.buffer, frame);
    frame.buffer = reader;
    mark("unstuffing");
    const decodeUnit = frame.progressive
      ? progressiveUnit(frame, start, end, high, low, reader)
      : sequentialUnit(reader);
    for (const part of scan) {
      if (!part.dc && start === 0 && high === 0) throw new Unsupported("no DC table");
      if (!part.ac && (!frame.progressive || start > 0)) throw new Unsupported("no AC table");
      if (!frame.progressive && part.component.size === 1) scanning.skipOf(part.ac);
      part.component.pred = 0;
    }
    const single = scan.length === 1;
    const c0 = scan[0].component;
    const unitsX = single ? c0.blocksX : frame.mcusX;
    const unitsY = single ? c0.blocksY : frame.mcusY;
    // Each MCU's blocks: which part, and where in its component's grid relative to the MCU's
    // top-left block.
    const blockParts = [];
    const blockOffsets = [];
    for (const part of scan) {
      const c = part.component;
      for (let v = 0; v < (single ? 1 : c.v); v++) {
        for (let h = 0; h < (single ? 1 : c.h); h++) {
          blockParts.push(part);
          blockOffsets.push(v * c.stride + h);
        }
      }
    }
    if (!frame.progressive) {
      const layout = { unitsX, unitsY, single, restart, blockParts, blockOffsets };
      const decoded = wasm.decodeScan(reader, frame, scan, layout);
      if (decoded === -1) throw new Unsupported("data ends inside the scan");
      if (decoded === -2) throw new Unsupported("bad data");
      if (decoded === true) {
        mark("scan");
        return reader.finish();
      }
    }
    const perUnit = blockParts.length;
    let unit = 0;
    for (let uy = 0; uy < unitsY; uy++) {
      for (let ux = 0; ux < unitsX; ux++, unit++) {
        if (restart > 0 && unit > 0 && unit % restart === 0) {
          reader.restart();
          for (const part of scan) part.component.pred = 0;
        }
        for (let b = 0; b < perUnit; b++) {
          const part = blockParts[b];
          const c = part.component;
          const corner = single ? uy * c.stride + ux : uy * c.v * c.stride + ux * c.h;
          decodeUnit(part, corner + blockOffsets[b]);
        }
      }
    }
    mark("scan");
    return reader.finish();
  }

  /** The position of the next marker that is not a restart marker (AC scans skipped whole). */
  function skipToMarker(data, pos) {
    for (;;) {
      const i = data.indexOf(0xff, pos);
      if (i < 0 || i + 1 >= data.length) throw new Unsupported("scan runs to the end");
      const next = data[i + 1];
      if (next !== 0 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) return i;
      pos = i + 1;
    }
  }

  /** libjpeg's YCbCr -> RGB tables (jdcolor.c, 16-bit fixed point). */
  const RED_CR = new Int32Array(256);
  const BLUE_CB = new Int32Array(256);
  const GREEN_CR = new Int32Array(256);
  const GREEN_CB = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    const x = i - 128;
    RED_CR[i] = (91881 * x + 32768) >> 16;
    BLUE_CB[i] = (116130 * x + 32768) >> 16;
    GREEN_CR[i] = -46802 * x;
    GREEN_CB[i] = -22554 * x + 32768;
  }

  /** The 1/8-scale picture from the components' samples: ceil(w/8) x ceil(h/8). */
  function toPixels(frame) {
    if (frame.progressive) progressiveSamples(frame);
    const width = Math.ceil(frame.width / 8);
    const height = Math.ceil(frame.height / 8);
    const planes = frame.components.map((c) => {
      const stepX = frame.maxH / (c.h * c.size);
      const stepY = frame.maxV / (c.v * c.size);
      const columns = new Int32Array(width);
      for (let x = 0; x < width; x++) columns[x] = Math.floor(x / stepX);
      return { c, stepY, columns, line: c.stride * c.size };
    });
    const channels = planes.length;
    const pixels = new Uint8Array(width * height * channels);
    if (channels === 1) {
      const { c, stepY, columns, line } = planes[0];
      const samples = c.samples;
      for (let y = 0; y < height; y++) {
        const row = Math.floor(y / stepY) * line;
        for (let x = 0; x < width; x++) pixels[y * width + x] = samples[row + columns[x]];
      }
    } else {
      const [a, b, d] = planes;
      const lumas = a.c.samples;
      const blues = b.c.samples;
      const reds = d.c.samples;
      // Each plane at the output's resolution (4:4:4, or 4:2:0 with the 2x2 IDCT): no lookups.
      const direct = [a, b, d].every(({ columns }) => columns[width - 1] === width - 1);
      for (let y = 0, at = 0; y < height; y++) {
        const rowY = Math.floor(y / a.stepY) * a.line;
        const rowB = Math.floor(y / b.stepY) * b.line;
        const rowR = Math.floor(y / d.stepY) * d.line;
        for (let x = 0; x < width; x++, at += 3) {
          const luma = lumas[rowY + (direct ? x : a.columns[x])];
          const cb = blues[rowB + (direct ? x : b.columns[x])];
          const cr = reds[rowR + (direct ? x : d.columns[x])];
          const red = luma + RED_CR[cr];
          const green = luma + ((GREEN_CB[cb] + GREEN_CR[cr]) >> 16);
          const blue = luma + BLUE_CB[cb];
          pixels[at] = red < 0 ? 0 : red > 255 ? 255 : red;
          pixels[at + 1] = green < 0 ? 0 : green > 255 ? 255 : green;
          pixels[at + 2] = blue < 0 ? 0 : blue > 255 ? 255 : blue;
        }
      }
    }
    return { width, height, channels, pixels, fullWidth: frame.width, fullHeight: frame.height };
  }

  const jpeg = { decodeEighth };
  root.Reclaim = root.Reclaim || {};
  root.Reclaim.jpeg = jpeg;
  if (typeof module !== "undefined") module.exports = jpeg;
})(typeof self !== "undefined" ? self : globalThis);
