// PDQ of a picture fed row by row, following bot/companion/pdq.py (and so ThreatExchange's
// reference): the reference's two box-filter passes plus cell-centre sampling are fixed separable
// weights per axis, so the 64x64 cells are sum over rows of Wr[i][y] * (sum over x of
// Wc[j][x] * luma[y][x]). Each weight row is nonzero only on a short span, and every picture row is
// used once and forgotten: memory is a few small arrays whatever the picture's size.
// Then the 16x16 DCT, the median (the 128th smallest coefficient), bits, hex and quality.
// What does not belong here: decoding (worker.js), pHash and dHash (perceptual.js).
"use strict";

(function (root) {
  const CELLS = 64;
  /** The reference gives an all-zero hash with quality 0 to pictures smaller than this. */
  const MIN_SIDE = 5;
  /** Below this spread of luma across the 64x64 cells, a picture is blank (as pdq.py). */
  const FLAT_RANGE = 1.0;

  /**
   * Sparse weights along one axis of `size` pixels: cell i uses pixels start[i] .. start[i] +
   * length[i] - 1 with weights values[offset[i] + k]. Same numbers as pdq.py's _pixel_weights.
   * @param {number} size
   */
  function axisWeights(size) {
    const window = Math.floor((size + 2 * CELLS - 1) / (2 * CELLS));
    const half = Math.floor((window + 2) / 2);
    const behind = window - half;
    const ahead = half - 1;
    const low = (p) => Math.max(p - behind, 0);
    const high = (p) => Math.min(p + ahead, size - 1);
    const start = new Int32Array(CELLS);
    const length = new Int32Array(CELLS);
    const offset = new Int32Array(CELLS + 1);
    const parts = [];
    for (let i = 0; i < CELLS; i++) {
      const sample = Math.floor(((i + 0.5) * size) / CELLS);
      const first = low(sample);
      const last = high(sample);
      const from = low(first);
      const to = high(Math.min(first + window - 1, size - 1));
      const spread = new Float64Array(to - from + 2);
      const share = 1.0 / (last - first + 1);
      for (let t = 0; t < window; t++) {
        if (first + t > last) continue;
        const output = Math.min(first + t, size - 1);
        const a = low(output);
        const b = high(output);
        const amount = share / (b - a + 1);
        spread[a - from] += amount;
        spread[b + 1 - from] -= amount;
      }
      const weights = new Float64Array(to - from + 1);
      let running = 0;
      for (let k = 0; k < weights.length; k++) {
        running += spread[k];
        weights[k] = running;
      }
      start[i] = from;
      length[i] = weights.length;
      offset[i + 1] = offset[i] + weights.length;
      parts.push(weights);
    }
    return packed(parts, start, length, offset);
  }

  /** Each cell's weights laid end to end in one array, found by ``offset``. */
  function packed(parts, start, length, offset) {
    const values = new Float64Array(offset[CELLS]);
    parts.forEach((weights, i) => values.set(weights, offset[i]));
    return { start, length, offset, values };
  }

  /**
   * The same weights for a picture whose pixels stand for blocks of full-resolution pixels
   * (pdq.py's _block_weights): block b covers pixels edges[b] .. edges[b + 1] - 1 and weighs
   * their sum, taken as pdq.py takes it (differences of running sums), so the numbers agree.
   * @param {number} size full-resolution pixels along the axis
   * @param {Int32Array} edges blocks + 1 increasing positions from 0 to size
   */
  function blockWeights(size, edges) {
    const pixel = axisWeights(size);
    const blocks = edges.length - 1;
    const blockOf = new Int32Array(size);
    for (let b = 0; b < blocks; b++) blockOf.fill(b, edges[b], edges[b + 1]);
    const start = new Int32Array(CELLS);
    const length = new Int32Array(CELLS);
    const offset = new Int32Array(CELLS + 1);
    const parts = [];
    for (let i = 0; i < CELLS; i++) {
      const from = pixel.start[i];
      const to = from + pixel.length[i];
      const first = blockOf[from];
      const last = blockOf[to - 1];
      const weights = new Float64Array(last - first + 1);
      // Running sum up to each edge inside the span; before `from` it is exactly 0.
      let running = 0;
      let p = from;
      let below = 0;
      for (let b = first; b <= last; b++) {
        const end = Math.min(edges[b + 1], to);
        for (; p < end; p++) running += pixel.values[pixel.offset[i] + p - from];
        weights[b - first] = running - below;
        below = running;
      }
      start[i] = first;
      length[i] = weights.length;
      offset[i + 1] = offset[i] + weights.length;
      parts.push(weights);
    }
    return packed(parts, start, length, offset);
  }

  /** Rows 1..16 of the 64-point DCT-II matrix, 16 x 64, row-major. */
  const DCT = (() => {
    const matrix = new Float64Array(16 * CELLS);
    const scale = Math.sqrt(2.0 / CELLS);
    for (let k = 1; k <= 16; k++) {
      for (let n = 0; n < CELLS; n++) {
        matrix[(k - 1) * CELLS + n] = scale * Math.cos((Math.PI / (2.0 * CELLS)) * (k * (2 * n + 1)));
      }
    }
    return matrix;
  })();

  /**
   * ``M X M^T`` for a ``k x n`` matrix M and an ``n x n`` matrix X (both row-major): the
   * ``k x k`` lowest frequencies of a separable transform. Columns are transformed first,
   * then rows, always summed in the same order; pHash (perceptual.js) uses it too.
   * @param {Float64Array} matrix k x n
   * @param {number} k
   * @param {ArrayLike<number>} values n x n
   * @param {number} n
   * @returns {Float64Array} k x k
   */
  function lowFrequencies(matrix, k, values, n) {
    const partial = new Float64Array(k * n);
    for (let i = 0; i < k; i++) {
      for (let c = 0; c < n; c++) {
        let sum = 0;
        for (let r = 0; r < n; r++) sum += matrix[i * n + r] * values[r * n + c];
        partial[i * n + c] = sum;
      }
    }
    const low = new Float64Array(k * k);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        let sum = 0;
        for (let m = 0; m < n; m++) sum += partial[i * n + m] * matrix[j * n + m];
        low[i * k + j] = sum;
      }
    }
    return low;
  }

  /**
   * The hash of 64x64 cells: 64 hex digits, bit 255 first (ThreatExchange's format).
   * @param {Float64Array} cells 64x64, row-major
   * @returns {string}
   */
  function hashOfCells(cells) {
    const coefficients = lowFrequencies(DCT, 16, cells, CELLS);
    // The reference's median (Torben's) is the 128th smallest of the 256: index 127, an integer.
    const median = Float64Array.from(coefficients).sort()[127];
    let hex = "";
    for (let word = 15; word >= 0; word--) {
      let value = 0;
      for (let bit = 15; bit >= 0; bit--) {
        value = (value << 1) | (coefficients[word * 16 + bit] > median ? 1 : 0);
      }
      hex += value.toString(16).padStart(4, "0");
    }
    return hex;
  }

  /**
   * The reference's quality: gradients of the cells, truncated toward zero, summed, over 90.
   * @param {Float64Array} cells
   * @returns {number}
   */
  function qualityOfCells(cells) {
    let gradient = 0;
    for (let r = 0; r < CELLS - 1; r++) {
      for (let c = 0; c < CELLS; c++) {
        gradient += Math.abs(Math.trunc(((cells[r * CELLS + c] - cells[(r + 1) * CELLS + c]) * 100) / 255));
      }
    }
    for (let r = 0; r < CELLS; r++) {
      for (let c = 0; c < CELLS - 1; c++) {
        gradient += Math.abs(Math.trunc(((cells[r * CELLS + c] - cells[r * CELLS + c + 1]) * 100) / 255));
      }
    }
    return Math.min(100, Math.floor(gradient / 90));
  }

  /**
   * PDQ of a picture whose rows are given in order, top to bottom.
   * @param {number} width full-resolution width
   * @param {number} height full-resolution height
   * @param {{rows: Int32Array, cols: Int32Array}} [edges] for a reduced picture whose pixels are
   *   means of blocks of the full one: the blocks' edges (see blockWeights); rows and their
   *   positions are then the reduced picture's
   * @returns {{addRows: function(Uint8Array|Uint8ClampedArray, number, number, number): void,
   *   addLumaRow: function(Float64Array, number): void,
   *   finish: function(): {hash: string, quality: number}}}
   *   addRows(pixels, firstRow, rowCount, channels): `rowCount` rows of `width` pixels with
   *   `channels` bytes each (3 for RGB, 4 for RGBA), starting at picture row `firstRow`;
   *   addLumaRow(luma, y): one row already turned into float luma (a Float64Array of width).
   */
  function createPdq(width, height, edges) {
    const tiny = width < MIN_SIDE || height < MIN_SIDE;
    const along = (size, blockEdges) =>
      blockEdges ? blockWeights(size, blockEdges) : axisWeights(size);
    const rows = tiny ? null : along(height, edges && edges.rows);
    const cols = tiny ? null : along(width, edges && edges.cols);
    const cells = new Float64Array(CELLS * CELLS);
    const luma = new Float64Array(edges ? edges.cols.length - 1 : width);
    const projected = new Float64Array(CELLS);
    let firstCell = 0;

    /** Adds one row of luma (0.299 R + 0.587 G + 0.114 B, as floats) at picture row y. */
    function addLumaRow(luma, y) {
      const rowStart = rows.start;
      const rowLength = rows.length;
      while (firstCell < CELLS && rowStart[firstCell] + rowLength[firstCell] <= y) firstCell++;
      if (firstCell === CELLS || rowStart[firstCell] > y) return; // no cell uses this row
      const colStart = cols.start;
      const colLength = cols.length;
      const colOffset = cols.offset;
      const colValues = cols.values;
      for (let j = 0; j < CELLS; j++) {
        const from = colStart[j] - colOffset[j];
        const end = colOffset[j] + colLength[j];
        let sum = 0;
        for (let k = colOffset[j]; k < end; k++) sum += colValues[k] * luma[from + k];
        projected[j] = sum;
      }
      for (let i = firstCell; i < CELLS && rowStart[i] <= y; i++) {
        const k = y - rowStart[i];
        if (k >= rowLength[i]) continue;
        const weight = rows.values[rows.offset[i] + k];
        const line = i * CELLS;
        for (let j = 0; j < CELLS; j++) cells[line + j] += weight * projected[j];
      }
    }

    return {
      addRows(pixels, firstRow, rowCount, channels) {
        if (tiny) return;
        const across = luma.length;
        for (let r = 0; r < rowCount; r++) {
          for (let x = 0, p = r * across * channels; x < across; x++, p += channels) {
            luma[x] = pixels[p] * 0.299 + pixels[p + 1] * 0.587 + pixels[p + 2] * 0.114;
          }
          addLumaRow(luma, firstRow + r);
        }
      },
      addLumaRow(row, y) {
        if (!tiny) addLumaRow(row, y);
      },
      finish() {
        if (tiny) return { hash: "0".repeat(64), quality: 0 };
        let lowest = Infinity;
        let highest = -Infinity;
        for (const value of cells) {
          if (value < lowest) lowest = value;
          if (value > highest) highest = value;
        }
        if (highest - lowest < FLAT_RANGE) return { hash: "0".repeat(64), quality: 0 };
        return { hash: hashOfCells(cells), quality: qualityOfCells(cells) };
      },
    };
  }

  /**
   * True when a hash is usable: not all 0 bits or all 1 bits (as PdqSignal.is_valid).
   * @param {string} hash
   */
  function isValid(hash) {
    return !/^0{64}$/.test(hash) && !/^f{64}$/.test(hash);
  }

  const pdq = { createPdq, isValid, axisWeights, blockWeights, lowFrequencies };
  root.Reclaim = root.Reclaim || {};
  root.Reclaim.pdq = pdq;
  if (typeof module !== "undefined") module.exports = pdq;
})(typeof self !== "undefined" ? self : globalThis);
