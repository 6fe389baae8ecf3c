// The entropy-coded part of a JPEG for jpeg.js: the bit reader (byte stuffing, restart markers,
// the end of a scan) and Huffman decoding of one block, sequential or progressive. A sequential
// block's AC coefficients are decoded only to be skipped, except where a 2x2 IDCT needs them
// (4:2:0 chroma at 1/8); each block turns straight into its 1/8-scale samples. Progressive scans
// keep the coefficients they need until the last scan.
// The hot loops keep the reader's state in local variables and look codes up LOOKAHEAD bits at a
// time, so no function is called per bit or per coefficient.
// What does not belong here: markers and tables (jpeg.js), colours (jpeg.js), hashes.
"use strict";

(function (root) {
  /** The data cannot be decoded here (the caller decodes the picture some other way). */
  class Unsupported extends Error {}

  const ZIGZAG = Int32Array.from([
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27,
    20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58,
    59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
  ]);
  /** Bits looked up at once when decoding a Huffman code (codes up to this long: one lookup). */
  const LOOKAHEAD = 9;
  const LOOK_MASK = (1 << LOOKAHEAD) - 1;
  /**
   * The bit reader's state, kept in a plain object: each decoder copies it into locals.
   * buf holds cnt unread bits (the low ones); fake counts the zero bits put in past a marker.
   */
  function createReader(data, pos) {
    return {
      data, pos, buf: 0, cnt: 0, fake: 0, marker: false, eobrun: 0,
      /** After a restart interval: the RSTn marker must come next. */
      restart() {
        this.check();
        const at = this.markerAt();
        if (this.data[at + 1] < 0xd0 || this.data[at + 1] > 0xd7) throw new Unsupported("no restart marker");
        this.pos = at + 2;
        this.buf = 0;
        this.cnt = 0;
        this.fake = 0;
        this.marker = false;
        this.eobrun = 0;
      },
      /** @returns {number} where the marker after the scan starts */
      finish() {
        this.check();
        return this.markerAt();
      },
      check() {
        if (this.fake > this.cnt) throw new Unsupported("data ends inside the scan");
      },
      markerAt() {
        let at = this.pos;
        const bytes = this.data;
        // The bits decoded end within the bytes read; only fill bytes may come before the marker.
        while (at + 1 < bytes.length && bytes[at] === 0xff && bytes[at + 1] === 0xff) at += 1;
        if (at + 1 >= bytes.length || bytes[at] !== 0xff || bytes[at + 1] === 0) {
          throw new Unsupported("extra data before marker");
        }
        return at;
      },
    };
  }

  /**
   * Decodes sequential blocks: `decode(part, index)` reads the block at `index` of the component's
   * padded block grid and writes its 1/8-scale samples.
   */
  function sequentialUnit(reader) {
    const data = reader.data;
    const length = data.length;
    const block = new Int32Array(64);
    return function decodeBlock(part, index) {
      const c = part.component;
      let buf = reader.buf;
      let cnt = reader.cnt;
      let pos = reader.pos;
      let fake = reader.fake;
      let marker = reader.marker;
      // --- DC
      let table = part.dc;
      let fast = table.fast;
      while (cnt <= 24) {
        let byte = 0;
        if (!marker) {
          if (pos >= length) marker = true;
          else {
            byte = data[pos];
            if (byte !== 0xff) pos += 1;
            else if (data[pos + 1] === 0) pos += 2;
            else { marker = true; byte = 0; }
          }
        }
        if (marker) fake += 8;
        buf = (buf << 8) | byte;
        cnt += 8;
      }
      let entry = fast[(buf >>> (cnt - LOOKAHEAD)) & LOOK_MASK];
      let symbol;
      if (entry !== 0) {
        cnt -= entry >> 8;
        symbol = entry & 255;
      } else {
        symbol = slowSymbol(table, buf, cnt);
        cnt -= symbol >> 8;
        symbol &= 255;
      }
      let value = 0;
      if (symbol !== 0) {
        if (symbol > 11) throw new Unsupported("bad DC");
        value = (buf >>> (cnt - symbol)) & ((1 << symbol) - 1);
        cnt -= symbol;
        if (value < 1 << (symbol - 1)) value -= (1 << symbol) - 1;
      }
      c.pred += value;
      const full = c.size > 1;
      // --- AC
      table = part.ac;
      fast = table.fast;
      let k = 1;
      while (k < 64) {
        if (cnt <= 24) {
          while (cnt <= 24) {
            let byte = 0;
            if (!marker) {
              if (pos >= length) marker = true;
              else {
                byte = data[pos];
                if (byte !== 0xff) pos += 1;
                else if (data[pos + 1] === 0) pos += 2;
                else { marker = true; byte = 0; }
              }
            }
            if (marker) fake += 8;
            buf = (buf << 8) | byte;
            cnt += 8;
          }
        }
        entry = fast[(buf >>> (cnt - LOOKAHEAD)) & LOOK_MASK];
        if (entry !== 0) {
          cnt -= entry >> 8;
          symbol = entry & 255;
        } else {
          symbol = slowSymbol(table, buf, cnt);
          cnt -= symbol >> 8;
          symbol &= 255;
        }
        const size = symbol & 15;
        if (size === 0) {
          if (symbol !== 0xf0) break;
          k += 16;
          continue;
        }
        // After a code (16 bits at most), at least 9 bits are left: refill for longer values.
        if (cnt < size) {
          while (cnt <= 24) {
            let byte = 0;
            if (!marker) {
              if (pos >= length) marker = true;
              else {
                byte = data[pos];
                if (byte !== 0xff) pos += 1;
                else if (data[pos + 1] === 0) pos += 2;
                else { marker = true; byte = 0; }
              }
            }
            if (marker) fake += 8;
            buf = (buf << 8) | byte;
            cnt += 8;
          }
        }
        k += symbol >> 4;
        if (full && k < 64) {
          let coefficient = (buf >>> (cnt - size)) & ((1 << size) - 1);
          if (coefficient < 1 << (size - 1)) coefficient -= (1 << size) - 1;
          block[ZIGZAG[k]] = coefficient;
        }
        cnt -= size;
        k += 1;
      }
      if (k > 64) throw new Unsupported("coefficients past the block");
      reader.buf = buf;
      reader.cnt = cnt;
      reader.pos = pos;
      reader.fake = fake;
      reader.marker = marker;
      if (full) {
        block[0] = c.pred;
        twoByTwo(block, 0, c.table, c.samples, index, c.stride);
        block.fill(0);
      } else {
        c.samples[index] = oneByOne(c.pred, c.table[0]);
      }
    };
  }

  /** A code longer than LOOKAHEAD bits: (length << 8) | symbol, as libjpeg's jpeg_huff_decode. */
  function slowSymbol(table, buf, cnt) {
    const maxCode = table.maxCode;
    let length = LOOKAHEAD + 1;
    let code = (buf >>> (cnt - length)) & ((1 << length) - 1);
    while (code > maxCode[length]) {
      length += 1;
      code = (buf >>> (cnt - length)) & ((1 << length) - 1);
    }
    if (length > 16) throw new Unsupported("bad Huffman code");
    const index = code + table.offset[length];
    if (index < 0 || index >= table.symbols.length) throw new Unsupported("bad Huffman code");
    return (length << 8) | table.symbols[index];
  }

  /** libjpeg's jpeg_idct_1x1: the block mean from its DC coefficient, as a sample. */
  function oneByOne(dc, quant) {
    const value = ((dc * quant + 4) >> 3) + 128;
    return value < 0 ? 0 : value > 255 ? 255 : value;
  }

  const descale = (value, bits) => Math.floor((value + 2 ** (bits - 1)) / 2 ** bits);
  const clamp = (value) => (value < 0 ? 0 : value > 255 ? 255 : value);

  /**
   * libjpeg's jpeg_idct_2x2 (jidctred.c) of the coefficients at `block[at..at+63]` (natural
   * order, not yet dequantised), written as 2x2 samples of the component's sample plane.
   * In doubles: libjpeg's 64-bit intermediate values do not fit 32-bit integers.
   */
  function twoByTwo(block, at, quant, samples, index, stride) {
    const work = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    for (const col of [0, 1, 3, 5, 7]) {
      const z = (row) => block[at + row * 8 + col] * quant[row * 8 + col];
      if (block[at + 8 + col] === 0 && block[at + 24 + col] === 0 && block[at + 40 + col] === 0 &&
        block[at + 56 + col] === 0) {
        const dc = z(0) * 4;
        work[col] = dc;
        work[8 + col] = dc;
        continue;
      }
      const even = z(0) * 32768;
      const odd = z(7) * -5906 + z(5) * 6967 + z(3) * -10426 + z(1) * 29692;
      work[col] = descale(even + odd, 13);
      work[8 + col] = descale(even - odd, 13);
    }
    const bx = index % stride;
    const by = (index - bx) / stride;
    const width = stride * 2;
    for (let row = 0; row < 2; row++) {
      const w = row * 8;
      const out = (by * 2 + row) * width + bx * 2;
      if (work[w + 1] === 0 && work[w + 3] === 0 && work[w + 5] === 0 && work[w + 7] === 0) {
        const value = clamp(descale(work[w], 5) + 128);
        samples[out] = value;
        samples[out + 1] = value;
        continue;
      }
      const even = work[w] * 32768;
      const odd = work[w + 7] * -5906 + work[w + 5] * 6967 + work[w + 3] * -10426 + work[w + 1] * 29692;
      samples[out] = clamp(descale(even + odd, 20) + 128);
      samples[out + 1] = clamp(descale(even - odd, 20) + 128);
    }
  }

  /** Fills the reader's bits to more than 24 (progressive scans, where speed matters less). */
  function fill(reader) {
    const data = reader.data;
    while (reader.cnt <= 24) {
      let byte = 0;
      if (!reader.marker) {
        const pos = reader.pos;
        if (pos >= data.length) reader.marker = true;
        else {
          byte = data[pos];
          if (byte !== 0xff) reader.pos = pos + 1;
          else if (data[pos + 1] === 0) reader.pos = pos + 2;
          else { reader.marker = true; byte = 0; }
        }
      }
      if (reader.marker) reader.fake += 8;
      reader.buf = (reader.buf << 8) | byte;
      reader.cnt += 8;
    }
  }

  /** Reads `count` bits (up to 16) from the reader. */
  function bits(reader, count) {
    if (reader.cnt < count) fill(reader);
    reader.cnt -= count;
    return (reader.buf >>> reader.cnt) & ((1 << count) - 1);
  }

  /** One Huffman symbol from the reader. */
  function symbolOf(reader, table) {
    if (reader.cnt < 16) fill(reader);
    const entry = table.fast[(reader.buf >>> (reader.cnt - LOOKAHEAD)) & LOOK_MASK];
    if (entry !== 0) {
      reader.cnt -= entry >> 8;
      return entry & 255;
    }
    const found = slowSymbol(table, reader.buf, reader.cnt);
    reader.cnt -= found >> 8;
    return found & 255;
  }

  const extend = (value, size) => (value < 1 << (size - 1) ? value - (1 << size) + 1 : value);

  /**
   * Decodes progressive blocks into the components' coefficients (only scans jpeg.js does not
   * skip reach here: DC scans, and AC scans of components with a 2x2 IDCT).
   */
  function progressiveUnit(frame, start, end, high, low, reader) {
    if (start === 0) {
      if (end !== 0) throw new Unsupported("bad progressive scan");
      return function decodeDc(part, index) {
        const c = part.component;
        const at = c.size > 1 ? index * 64 : index;
        if (high === 0) {
          const size = symbolOf(reader, part.dc);
          if (size > 11) throw new Unsupported("bad DC");
          const value = size ? extend(bits(reader, size), size) : 0;
          c.pred += value;
          c.coefficients[at] = c.pred * (1 << low);
        } else if (bits(reader, 1)) {
          c.coefficients[at] |= 1 << low;
        }
      };
    }
    if (end > 63 || start > end) throw new Unsupported("bad progressive scan");
    if (high === 0) {
      return function decodeAcFirst(part, index) {
        const coefficients = part.component.coefficients;
        const at = index * 64;
        if (reader.eobrun > 0) {
          reader.eobrun -= 1;
          return;
        }
        for (let k = start; k <= end; k++) {
          const symbol = symbolOf(reader, part.ac);
          const run = symbol >> 4;
          const size = symbol & 15;
          if (size === 0) {
            if (run < 15) {
              reader.eobrun = (1 << run) - 1 + (run ? bits(reader, run) : 0);
              return;
            }
            k += 15;
            continue;
          }
          k += run;
          if (k > 63) throw new Unsupported("coefficients past the block");
          coefficients[at + ZIGZAG[k]] = extend(bits(reader, size), size) * (1 << low);
        }
      };
    }
    const plus = 1 << low;
    const minus = -1 << low;
    return function decodeAcRefine(part, index) {
      const coefficients = part.component.coefficients;
      const at = index * 64;
      let k = start;
      const refine = (position) => {
        const value = coefficients[position];
        if (bits(reader, 1) && (value & plus) === 0) coefficients[position] = value + (value >= 0 ? plus : minus);
      };
      if (reader.eobrun === 0) {
        for (; k <= end; k++) {
          const symbol = symbolOf(reader, part.ac);
          let run = symbol >> 4;
          const size = symbol & 15;
          let value = 0;
          if (size) {
            if (size !== 1) throw new Unsupported("bad refinement");
            value = bits(reader, 1) ? plus : minus;
          } else if (run !== 15) {
            reader.eobrun = (1 << run) + (run ? bits(reader, run) : 0);
            break;
          }
          while (k <= end) {
            const position = at + ZIGZAG[k];
            if (coefficients[position] !== 0) refine(position);
            else if (--run < 0) break;
            k += 1;
          }
          if (value && k <= end) coefficients[at + ZIGZAG[k]] = value;
        }
      }
      if (reader.eobrun > 0) {
        for (; k <= end; k++) {
          const position = at + ZIGZAG[k];
          if (coefficients[position] !== 0) refine(position);
        }
        reader.eobrun -= 1;
      }
    };
  }

  /** After the last progressive scan: every block's samples from its coefficients. */
  function progressiveSamples(frame) {
    for (const c of frame.components) {
      const blocks = c.stride * c.rows;
      if (c.size === 1) {
        const q = c.table[0];
        for (let i = 0; i < blocks; i++) c.samples[i] = oneByOne(c.coefficients[i], q);
      } else {
        for (let i = 0; i < blocks; i++) twoByTwo(c.coefficients, i * 64, c.table, c.samples, i, c.stride);
      }
    }
  }

  const scan = {
    Unsupported, ZIGZAG, LOOKAHEAD, createReader, sequentialUnit, progressiveUnit, progressiveSamples,
  };
  root.Reclaim = root.Reclaim || {};
  root.Reclaim.jpegScan = scan;
  if (typeof module !== "undefined") module.exports = scan;
})(typeof self !== "undefined" ? self : globalThis);
