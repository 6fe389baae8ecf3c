// The entropy-coded part of a JPEG for jpeg.js: the bit reader (byte stuffing, restart markers,
// the end of a scan) and Huffman decoding of one block, sequential or progressive. A sequential
// block's AC coefficients are decoded only to be skipped, except where a 2x2 IDCT needs them
// (4:2:0 chroma at 1/8); each block turns straight into its 1/8-scale samples. Progressive scans
// keep the coefficients they need until the last scan (jpeg-progressive.js).
// The byte stuffing is taken out of a scan first, into big-endian 32-bit words, so any 32 bits
// are two loads; the hot loop keeps its bits in local variables and skips several AC coefficients
// (codes and values) in one lookup of a small table, so no function is called per coefficient.
// Where WebAssembly runs, jpeg-scan.wat decodes whole sequential scans (jpeg-wasm.js, which must
// come first in a worker) from the words, written into its memory here; the JavaScript below
// decodes them elsewhere.
// What does not belong here: markers and tables (jpeg.js), colours (jpeg.js), hashes.
"use strict";

(function (root) {
  const wasm = typeof module !== "undefined" ? require("./jpeg-wasm.js") : root.Reclaim.jpegWasm;
  /** The data cannot be decoded here (the caller decodes the picture some other way). */
  class Unsupported extends Error {}

  const ZIGZAG = Int32Array.from([
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27,
    20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58,
    59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
  ]);
  /** Bits looked up at once when decoding a Huffman code (codes up to this long: one lookup). */
  const LOOKAHEAD = 9;
  /** Bits looked up at once when skipping AC coefficients: as many codes and values as fit. */
  const SKIP_BITS = 14;
  /** In a skip entry: bits used (low 5 bits), this flag for an end of block, then k's advance. */
  const SKIP_EOB = 32;
  const SKIP_ADVANCE = 6;

  /**
   * A scan's entropy-coded bytes with the byte stuffing taken out, cut into its restart
   * intervals, as big-endian 32-bit words (any 32 bits are then two loads: see `peek`), and a
   * position in bits. `reuse` may be the previous scan's reader (its words as long as the file).
   * Where WebAssembly runs, the words are in its memory (jpeg-wasm.js), made there.
   */
  function createReader(data, pos, reuse, frame) {
    const size = (data.length >> 2) + 4;
    const words =
      wasm.words(size, frame, data) ||
      (reuse && reuse.words.length >= size ? reuse.words : new Int32Array(size));
    const made = wasm.unstuff(data, pos, words);
    if (made === "cut") throw new Unsupported("scan runs to the end");
    return made === null ? unstuffed(data, pos, words) : reader(words, made.ends, made.marker);
  }

  /** createReader's words made here: {ends, marker} as jpeg-wasm.js's unstuff gives them. */
  function unstuffed(data, pos, words) {
    const view = new DataView(data.buffer, data.byteOffset, data.length);
    const ends = [];
    let out = 0; // bytes written
    let word = 0; // the bytes of the word being filled (out & 3 of them)
    let at = pos;
    let marker = -1;
    const last = data.length - 1;
    while (marker < 0) {
      // Four bytes at a time while none is 0xFF and the output is at a whole word.
      if ((out & 3) === 0) {
        while (at + 4 <= last) {
          const four = view.getInt32(at);
          if (((~four - 0x01010101) & four & 0x80808080) !== 0) break;
          words[out >> 2] = four;
          at += 4;
          out += 4;
        }
      }
      if (at >= last) throw new Unsupported("scan runs to the end");
      if (data[at] !== 0xff) {
        word = (word << 8) | data[at++];
        if ((++out & 3) === 0) words[(out >> 2) - 1] = word;
        continue;
      }
      const next = at;
      const second = data[next + 1];
      if (second === 0) {
        word = (word << 8) | 0xff;
        if ((++out & 3) === 0) words[(out >> 2) - 1] = word;
        at = next + 2;
      } else if (second === 0xff) {
        at = next + 1; // a fill byte
      } else if (second >= 0xd0 && second <= 0xd7) {
        ends.push(out);
        at = next + 2;
      } else {
        ends.push(out);
        marker = next;
      }
    }
    // Past the data, zero bits (as libjpeg supplies them); using them means the data is cut.
    if ((out & 3) !== 0) words[out >> 2] = word << (8 * (4 - (out & 3)));
    const first = (out + 3) >> 2;
    words.fill(0, first, first + 3);
    return reader(words, ends, marker);
  }

  /** The reader of a scan's words. */
  function reader(words, ends, marker) {
    return {
      words, bitpos: 0, ends, segment: 0, marker, eobrun: 0,
      /** After a restart interval: the next interval starts at the next whole byte. */
      restart() {
        this.check();
        this.bitpos = this.ends[this.segment] * 8;
        this.segment += 1;
        this.eobrun = 0;
        if (this.segment >= this.ends.length) throw new Unsupported("restart marker missing");
      },
      /** @returns {number} where the marker after the scan starts */
      finish() {
        this.check();
        if (this.segment !== this.ends.length - 1) throw new Unsupported("restart markers left over");
        return this.marker;
      },
      check() {
        if (this.bitpos > this.ends[this.segment] * 8) throw new Unsupported("data ends inside the scan");
      },
    };
  }

  /** The 32 bits from `bitpos` on, left-aligned (as a signed 32-bit integer). */
  function peek(words, bitpos) {
    const p = bitpos >>> 5;
    const shift = bitpos & 31;
    return (words[p] << shift) | ((words[p + 1] >>> 1) >>> (31 - shift));
  }

  /**
   * The table that skips AC coefficients in one lookup of SKIP_BITS bits: as many codes with
   * their value bits as fit, ending at an end of block if one fits. Entry: (k advance <<
   * SKIP_ADVANCE) | SKIP_EOB if it ends the block | bits used, where an end of block adds 1 to
   * the advance (it counts only with k below 64), so one comparison (k + advance <= 64) tells
   * whether the entry applies; an advance of 127 where not even one code and its value fit (or
   * the code is not a valid AC code), and the general decoding is used.
   */
  function skipTable(table) {
    const skip = new Uint16Array(1 << SKIP_BITS);
    for (let bits = 0; bits < 1 << SKIP_BITS; bits++) {
      let used = 0;
      let advance = 0;
      let eob = 0;
      while (advance < 64 && used < SKIP_BITS) {
        const entry = codeAt(table, (bits << (32 - SKIP_BITS + used)) | 0);
        if (entry === 0) break;
        const length = entry >> 8;
        const symbol = entry & 255;
        const size = symbol & 15;
        if (used + length + size > SKIP_BITS) break;
        if (symbol === 0) {
          used += length;
          eob = SKIP_EOB;
          break;
        }
        if (size === 0 && symbol !== 0xf0) break;
        used += length + size;
        advance += size === 0 ? 16 : (symbol >> 4) + 1;
      }
      skip[bits] = used > 0 ? ((advance + (eob ? 1 : 0)) << SKIP_ADVANCE) | eob | used : 127 << SKIP_ADVANCE;
    }
    return skip;
  }

  /** For the skip table: the code at the top of `word` as slowSymbol gives it, 0 if none. */
  function codeAt(table, word) {
    const entry = table.fast[word >>> (32 - LOOKAHEAD)];
    return entry !== 0 ? entry : longCode(table, word);
  }

  /** An AC table's skip table (skipTable), made the first time it is needed. */
  function skipOf(table) {
    if (table.skip === null) table.skip = skipTable(table);
    return table.skip;
  }

  /**
   * Decodes sequential blocks: `decode(part, index)` reads the block at `index` of the component's
   * padded block grid and writes its 1/8-scale samples.
   */
  function sequentialUnit(reader) {
    const words = reader.words;
    const sums = new Float64Array(16);
    return function decodeBlock(part, index) {
      const c = part.component;
      let bitpos = reader.bitpos;
      // --- DC (code and value fit in 32 bits: 16 + 11)
      let word = peek(words, bitpos);
      let table = part.dc;
      let entry = table.fast[word >>> (32 - LOOKAHEAD)];
      if (entry === 0) entry = slowSymbol(table, word);
      let length = entry >> 8;
      let size = entry & 255;
      let value = 0;
      if (size !== 0) {
        if (size > 11) throw new Unsupported("bad DC");
        value = (word << length) >>> (32 - size);
        if (value < 1 << (size - 1)) value -= (1 << size) - 1;
      }
      bitpos += length + size;
      c.pred += value;
      // --- AC
      table = part.ac;
      let k = 1;
      if (c.size === 1) {
        // Only skipped: several coefficients a lookup; one at a time where they do not fit.
        const skip = skipOf(table);
        const fast = table.fast;
        for (;;) {
          word = peek(words, bitpos);
          const step = skip[word >>> (32 - SKIP_BITS)];
          const next = k + (step >> SKIP_ADVANCE);
          if (next <= 64) {
            bitpos += step & 31;
            if ((step & SKIP_EOB) !== 0 || next === 64) break;
            k = next;
            continue;
          }
          entry = fast[word >>> (32 - LOOKAHEAD)];
          if (entry === 0) entry = slowSymbol(table, word);
          const symbol = entry & 255;
          bitpos += (entry >> 8) + (symbol & 15);
          if ((symbol & 15) === 0) {
            if (symbol === 0) break;
            if (symbol !== 0xf0) throw new Unsupported("bad AC");
            k += 16;
          } else {
            k += (symbol >> 4) + 1;
          }
          if (k >= 64) {
            if (k > 64) throw new Unsupported("coefficients past the block");
            break;
          }
        }
        reader.bitpos = bitpos;
        c.samples[index] = oneByOne(c.pred, c.table[0]);
        return;
      }
      // Summed straight into the 2x2 IDCT's columns (see twoByTwoWeights).
      const weights = c.weights;
      const slots = c.slots;
      // (slots 2, 4, 6, 10, 12 and 14 are never read: their weights are 0)
      sums[0] = c.pred * weights[0];
      sums[1] = 0;
      sums[3] = 0;
      sums[5] = 0;
      sums[7] = 0;
      sums[8] = 0;
      sums[9] = 0;
      sums[11] = 0;
      sums[13] = 0;
      sums[15] = 0;
      while (k < 64) {
        word = peek(words, bitpos);
        entry = table.fast[word >>> (32 - LOOKAHEAD)];
        if (entry === 0) entry = slowSymbol(table, word);
        length = entry >> 8;
        const symbol = entry & 255;
        size = symbol & 15;
        if (size === 0) {
          bitpos += length;
          if (symbol === 0) break;
          if (symbol !== 0xf0) throw new Unsupported("bad AC");
          k += 16;
          continue;
        }
        k += symbol >> 4;
        if (k > 63) throw new Unsupported("coefficients past the block");
        value = (word << length) >>> (32 - size); // code and value fit: 16 + 15 bits
        if (value < 1 << (size - 1)) value -= (1 << size) - 1;
        sums[slots[k]] += value * weights[k];
        bitpos += length + size;
        k += 1;
      }
      reader.bitpos = bitpos;
      twoByTwoSums(sums, c.samples, index, c.stride);
    };
  }

  /**
   * A code longer than LOOKAHEAD bits, from the next 32 bits (left-aligned; 25 or more of them
   * read): (length << 8) | symbol, as libjpeg's jpeg_huff_decode finds it.
   */
  function slowSymbol(table, word) {
    const entry = longCode(table, word);
    if (entry === 0) throw new Unsupported("bad Huffman code");
    return entry;
  }

  /** slowSymbol's answer, 0 where the bits are no code of the table. */
  function longCode(table, word) {
    const maxCode = table.maxCode;
    let length = LOOKAHEAD + 1;
    let code = word >>> (32 - length);
    while (length <= 16 && code > maxCode[length]) {
      length += 1;
      code = word >>> (32 - length);
    }
    if (length > 16) return 0;
    const index = code + table.offset[length];
    if (index < 0 || index >= table.symbols.length) return 0;
    return (length << 8) | table.symbols[index];
  }

  /** libjpeg's jpeg_idct_1x1: the block mean from its DC coefficient, as a sample. */
  function oneByOne(dc, quant) {
    const value = ((dc * quant + 4) >> 3) + 128;
    return value < 0 ? 0 : value > 255 ? 255 : value;
  }

  const clamp = (value) => (value < 0 ? 0 : value > 255 ? 255 : value);
  /** The 2x2 IDCT's intermediate rows (libjpeg's workspace), reused. */
  const work = new Float64Array(16);
  /** jidctred.c's constants by coefficient row (0: the even part, scaled as there). */
  const ROW_WEIGHTS = [32768, 29692, 0, -10426, 0, 6967, 0, -5906];

  /**
   * For a component decoded with the 2x2 IDCT: by zigzag position, what a coefficient adds
   * (value x weight) to which column sum (slot: the column for row 0, 8 + column for the odd
   * rows), so that the sums are jpeg_idct_2x2's first pass: even (slot col) and odd (8 + col)
   * parts of columns 0, 1, 3, 5 and 7. Coefficients the 2x2 IDCT does not use weigh 0.
   * @param {Int32Array} quant the quantisation table in natural order
   */
  function twoByTwoWeights(quant) {
    const weights = new Float64Array(64);
    const slots = new Int32Array(64);
    for (let k = 0; k < 64; k++) {
      const position = ZIGZAG[k];
      const row = position >> 3;
      const col = position & 7;
      const used = col === 0 || (col & 1) === 1;
      weights[k] = used ? quant[position] * ROW_WEIGHTS[row] : 0;
      slots[k] = row === 0 ? col : 8 + col;
    }
    return { weights, slots };
  }


  /**
   * The rest of jpeg_idct_2x2 from its first pass's column sums (twoByTwoWeights): 2x2 samples
   * of the component's sample plane for the block at `index`. In doubles: libjpeg's 64-bit
   * intermediate values do not fit 32-bit integers; every value stays an integer well below
   * 2^53, so the results are exact (a product by 2^-13 or 2^-20 is exact too).
   */
  function twoByTwoSums(sums, samples, index, stride) {
    for (let col = 0; col < 8; col++) {
      if (col === 2 || col === 4 || col === 6) continue;
      const even = sums[col];
      const odd = sums[8 + col];
      work[col] = Math.floor((even + odd + 4096) * 2 ** -13);
      work[8 + col] = Math.floor((even - odd + 4096) * 2 ** -13);
    }
    const bx = index % stride;
    const by = (index - bx) / stride;
    const width = stride * 2;
    for (let row = 0; row < 2; row++) {
      const w = row * 8;
      const out = (by * 2 + row) * width + bx * 2;
      const even = work[w] * 32768;
      const odd = work[w + 7] * -5906 + work[w + 5] * 6967 + work[w + 3] * -10426 + work[w + 1] * 29692;
      samples[out] = clamp(Math.floor((even + odd + 524288) * 2 ** -20) + 128);
      samples[out + 1] = clamp(Math.floor((even - odd + 524288) * 2 ** -20) + 128);
    }
  }

  const scan = {
    /** Whether sequential scans are decoded by jpeg-scan.wat (WebAssembly) rather than here. */
    usesWasm: wasm.available,
    Unsupported, ZIGZAG, LOOKAHEAD, ROW_WEIGHTS, createReader, skipOf, twoByTwoWeights,
    sequentialUnit, peek, slowSymbol, oneByOne, twoByTwoSums,
  };
  root.Reclaim = root.Reclaim || {};
  root.Reclaim.jpegScan = scan;
  if (typeof module !== "undefined") module.exports = scan;
})(typeof self !== "undefined" ? self : globalThis);
