// Progressive JPEG scans for jpeg.js: Huffman decoding of the DC scans and of the AC scans a
// 2x2 IDCT needs (4:2:0 chroma at 1/8) into the components' coefficients, then, after the last
// scan, each block's 1/8-scale samples from them (libjpeg's 1x1 and 2x2 scaled IDCTs). Always
// JavaScript: progressive photos are rarer, and their coefficients are kept between scans.
// What does not belong here: the bit reader and sequential blocks (jpeg-scan.js), markers and
// tables (jpeg.js).
"use strict";

(function (root) {
  const scanning =
    typeof module !== "undefined" ? require("./jpeg-scan.js") : root.Reclaim.jpegScan;
  const { Unsupported, ZIGZAG, LOOKAHEAD, ROW_WEIGHTS } = scanning;
  const { peek, slowSymbol, oneByOne, twoByTwoSums } = scanning;
  /** The 2x2 IDCT's column sums, reused. */
  const columnSums = new Float64Array(16);

  /**
   * libjpeg's jpeg_idct_2x2 (jidctred.c) of the coefficients at `block[at..at+63]` (natural
   * order, not yet dequantised), written as 2x2 samples of the component's sample plane.
   */
  function twoByTwo(block, at, quant, samples, index, stride) {
    columnSums.fill(0);
    for (let position = 0; position < 64; position++) {
      const row = position >> 3;
      const col = position & 7;
      if (col !== 0 && (col & 1) === 0) continue;
      columnSums[row === 0 ? col : 8 + col] += block[at + position] * quant[position] * ROW_WEIGHTS[row];
    }
    twoByTwoSums(columnSums, samples, index, stride);
  }

  /** Reads `count` bits (up to 16) from the reader. */
  function bits(reader, count) {
    const bitpos = reader.bitpos;
    const word = peek(reader.words, bitpos);
    reader.bitpos = bitpos + count;
    return count === 0 ? 0 : word >>> (32 - count);
  }

  /** One Huffman symbol from the reader. */
  function symbolOf(reader, table) {
    const bitpos = reader.bitpos;
    const word = peek(reader.words, bitpos);
    let entry = table.fast[word >>> (32 - LOOKAHEAD)];
    if (entry === 0) entry = slowSymbol(table, word);
    reader.bitpos = bitpos + (entry >> 8);
    return entry & 255;
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

  const progressive = { progressiveUnit, progressiveSamples };
  root.Reclaim = root.Reclaim || {};
  root.Reclaim.jpegProgressive = progressive;
  if (typeof module !== "undefined") module.exports = progressive;
})(typeof self !== "undefined" ? self : globalThis);
