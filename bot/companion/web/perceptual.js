// pHash and dHash of a picture fed row by row, as bot/companion/imaging.py makes them. Pictures
// whose short side is 512 pixels or more are first box-reduced as Pillow's Image.reduce(block)
// reduces the stored picture (libImaging Reduce.c: block sums, its fixed-point rounding of the
// means, partial blocks at the stored picture's far edges), turned upright; smaller ones, and
// plain ones (PDQ quality below 50) again from every pixel, are hashed whole, which equals
// imagehash's phash and dhash of the upright RGB picture. imagehash shrinks with Pillow:
// convert("L") then resize(LANCZOS), so this follows Pillow's integer arithmetic (libImaging
// Convert.c and Resample.c): 16-bit fixed-point luma, Lanczos-3 coefficients in 22-bit fixed
// point, the horizontal pass first (rounded to bytes) on the rows the vertical pass needs, then
// the vertical pass. Only block sums of one row of blocks and the shrunk rows are kept.
// The horizontal pass runs in WebAssembly (resize.js), batches of rows at a time, where it can.
// Needs pdq.js loaded first (its lowFrequencies, the separable DCT product both hashes use), and
// in a worker resize-wasm.js and resize.js.
// What does not belong here: PDQ (pdq.js), decoding (worker.js).
"use strict";

(function (root) {
  const simd = typeof module !== "undefined" ? require("./resize.js") : root.Reclaim.resize;
  /** Rows kept for one call of the WebAssembly horizontal pass. */
  const BATCH_ROWS = 64;
  const PRECISION_BITS = 32 - 8 - 2;
  const ONE = 2 ** PRECISION_BITS;
  const HALF = 2 ** (PRECISION_BITS - 1);
  const LANCZOS_SUPPORT = 3.0;
  /** imaging.py's _MIN_REDUCED_SIDE and _RELIABLE_QUALITY: below that PDQ quality, pHash and
   * dHash are made again from every pixel. */
  const MIN_REDUCED_SIDE = 256;
  const RELIABLE_QUALITY = 50;

  function sinc(x) {
    if (x === 0.0) return 1.0;
    const scaled = x * Math.PI;
    return Math.sin(scaled) / scaled;
  }

  function lanczos(x) {
    return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
  }

  /**
   * Pillow's precompute_coeffs + normalize_coeffs_8bpc for shrinking `inSize` to `outSize`.
   * @param {number} inSize
   * @param {number} outSize
   * @returns {{ksize: number, bounds: Int32Array, coeffs: Int32Array}}
   *   bounds[2k], bounds[2k+1]: first input and count for output k; coeffs: fixed-point integers
   */
  function coefficients(inSize, outSize) {
    const scale = inSize / outSize;
    const filterScale = Math.max(scale, 1.0);
    const support = LANCZOS_SUPPORT * filterScale;
    const ksize = Math.ceil(support) * 2 + 1;
    const bounds = new Int32Array(outSize * 2);
    const coeffs = new Int32Array(outSize * ksize);
    const weights = new Float64Array(ksize);
    for (let out = 0; out < outSize; out++) {
      const center = (out + 0.5) * scale;
      const inverse = 1.0 / filterScale;
      const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
      const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
      let total = 0.0;
      for (let x = 0; x < xmax; x++) {
        const w = lanczos((x + xmin - center + 0.5) * inverse);
        weights[x] = w;
        total += w;
      }
      for (let x = 0; x < xmax; x++) {
        const w = total !== 0.0 ? weights[x] / total : weights[x];
        coeffs[out * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
      }
      bounds[out * 2] = xmin;
      bounds[out * 2 + 1] = xmax;
    }
    return { ksize, bounds, coeffs };
  }

  /** Pillow's clip8: a fixed-point sum (with its rounding half) to a byte. */
  function clip8(sum) {
    const value = Math.floor(sum / ONE);
    return value < 0 ? 0 : value > 255 ? 255 : value;
  }

  /**
   * Pillow's horizontal pass over one row: `outWidth` output bytes from `row` (L bytes). The
   * sums are 32-bit integers as in Pillow (they cannot overflow: the coefficients of an output
   * add up to 1 << 22), which also lets the JIT keep them in integer registers.
   * @param {Uint8Array} row @param {{ksize: number, bounds: Int32Array, coeffs: Int32Array}} h
   * @param {number} outWidth @param {Uint8Array} out @param {number} at where to write in `out`
   */
  function horizontalPass(row, h, outWidth, out, at) {
    const bounds = h.bounds;
    const coeffs = h.coeffs;
    for (let o = 0; o < outWidth; o++) {
      const xmin = bounds[o * 2];
      const count = bounds[o * 2 + 1];
      const base = o * h.ksize;
      let s0 = HALF;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let x = 0;
      for (; x + 3 < count; x += 4) {
        const p = xmin + x;
        const q = base + x;
        s0 = (s0 + Math.imul(row[p], coeffs[q])) | 0;
        s1 = (s1 + Math.imul(row[p + 1], coeffs[q + 1])) | 0;
        s2 = (s2 + Math.imul(row[p + 2], coeffs[q + 2])) | 0;
        s3 = (s3 + Math.imul(row[p + 3], coeffs[q + 3])) | 0;
      }
      for (; x < count; x++) s0 = (s0 + Math.imul(row[xmin + x], coeffs[base + x])) | 0;
      out[at + o] = clip8((s0 + s1 + s2 + s3) | 0);
    }
  }

  /**
   * One Pillow LANCZOS resize of an L picture, fed row by row. Pillow runs the two passes
   * horizontal first, except when the height shrinks by more than twice as many pixels as the
   * width (found by comparing with Pillow on many shapes): then vertical first. The order changes
   * the rounding between the passes, so both are followed. Either way only the rows the second
   * pass needs are kept, as bytes (or as 32-bit-like sums while the vertical pass is open).
   * @param {number} width
   * @param {number} height
   * @param {number} outWidth
   * @param {number} outHeight
   */
  function createResize(width, height, outWidth, outHeight) {
    const horizontal = outWidth !== width;
    const vertical = outHeight !== height;
    const h = coefficients(width, outWidth);
    const v = coefficients(height, outHeight);
    const verticalFirst =
      horizontal && vertical && height > outHeight && height - outHeight > 2 * (width - outWidth);
    if (verticalFirst) {
      const sums = new Float64Array(outHeight * width).fill(HALF);
      let firstOut = 0;
      return {
        addRow(luma, y) {
          while (firstOut < outHeight && v.bounds[firstOut * 2] + v.bounds[firstOut * 2 + 1] <= y) firstOut++;
          for (let o = firstOut; o < outHeight && v.bounds[o * 2] <= y; o++) {
            const k = y - v.bounds[o * 2];
            if (k >= v.bounds[o * 2 + 1]) continue;
            const weight = v.coeffs[o * v.ksize + k];
            const at = o * width;
            for (let x = 0; x < width; x++) sums[at + x] += luma[x] * weight;
          }
        },
        finish() {
          const row = new Uint8Array(width);
          const result = new Uint8Array(outWidth * outHeight);
          for (let o = 0; o < outHeight; o++) {
            for (let x = 0; x < width; x++) row[x] = clip8(sums[o * width + x]);
            horizontalPass(row, h, outWidth, result, o * outWidth);
          }
          return result;
        },
      };
    }
    const first = v.bounds[0];
    const last = v.bounds[outHeight * 2 - 2] + v.bounds[outHeight * 2 - 1];
    const keptWidth = horizontal ? outWidth : width;
    const kept = new Uint8Array((last - first) * keptWidth);
    // Rows waiting for the WebAssembly pass (consecutive, from row `batchFirst`).
    const batch = horizontal && simd.available ? new Uint8Array(BATCH_ROWS * width) : null;
    let batchFirst = first;
    let batchCount = 0;
    const flush = () => {
      if (batchCount === 0) return;
      const at = (batchFirst - first) * keptWidth;
      if (!simd.horizontal(batch, batchCount, width, h, outWidth, kept, at)) {
        for (let r = 0; r < batchCount; r++) {
          horizontalPass(batch.subarray(r * width), h, outWidth, kept, at + r * outWidth);
        }
      }
      batchFirst += batchCount;
      batchCount = 0;
    };
    return {
      /** @param {Uint8Array} luma one picture row of L bytes @param {number} y its row */
      addRow(luma, y) {
        if (y < first || y >= last) return;
        const at = (y - first) * keptWidth;
        if (batch !== null && y === batchFirst + batchCount) {
          batch.set(luma.subarray(0, width), batchCount * width);
          if (++batchCount === BATCH_ROWS) flush();
        } else if (horizontal) {
          flush();
          horizontalPass(luma, h, outWidth, kept, at);
          batchFirst = y + 1;
        } else {
          kept.set(luma, at);
        }
      },
      /** @returns {Uint8Array} outWidth x outHeight bytes, row-major */
      finish() {
        flush();
        if (!vertical) return kept;
        const result = new Uint8Array(outWidth * outHeight);
        for (let o = 0; o < outHeight; o++) {
          const ymin = v.bounds[o * 2] - first;
          const count = v.bounds[o * 2 + 1];
          const base = o * v.ksize;
          for (let x = 0; x < outWidth; x++) {
            let sum = HALF;
            for (let y = 0; y < count; y++) sum += kept[(ymin + y) * keptWidth + x] * v.coeffs[base + y];
            result[o * outWidth + x] = clip8(sum);
          }
        }
        return result;
      },
    };
  }

  /** Bits (true/false), most significant first, as hex digits (imagehash's str of a hash). */
  function hexOfBits(bits) {
    let hex = "";
    for (let i = 0; i < bits.length; i += 4) {
      hex += ((bits[i] << 3) | (bits[i + 1] << 2) | (bits[i + 2] << 1) | bits[i + 3]).toString(16);
    }
    return hex;
  }

  /** imagehash.phash of 32x32 bytes: unnormalised DCT-II (scipy's), top-left 8x8 > median. */
  function phashOf(pixels) {
    const n = 32;
    const rows = new Float64Array(8 * n);
    for (let k = 0; k < 8; k++) {
      for (let i = 0; i < n; i++) rows[k * n + i] = 2.0 * Math.cos((Math.PI * k * (2.0 * i + 1.0)) / (2.0 * n));
    }
    const low = root.Reclaim.pdq.lowFrequencies(rows, 8, pixels, n);
    const sorted = Float64Array.from(low).sort();
    const median = (sorted[31] + sorted[32]) / 2;
    return hexOfBits(Array.from(low, (value) => (value > median ? 1 : 0)));
  }

  /** imagehash.dhash of 9x8 bytes: each pixel darker than its right neighbour, row by row. */
  function dhashOf(pixels) {
    const bits = [];
    for (let r = 0; r < 8; r++) {
      for (let c = 0; c < 8; c++) bits.push(pixels[r * 9 + c + 1] > pixels[r * 9 + c] ? 1 : 0);
    }
    return hexOfBits(bits);
  }

  /** Pillow's L24 >> 16: ITU-R 601-2 luma in 16-bit fixed point, rounded, as convert("L"). */
  function lumaOf(red, green, blue) {
    return (red * 19595 + green * 38470 + blue * 7471 + 0x8000) >>> 16;
  }

  /**
   * Where each pixel of one upright axis of `size` pixels falls among `block`-pixel cells laid
   * out as Pillow's reduce lays them out on the stored picture: from the stored origin, the last
   * cell partial. Where the upright axis runs the other way (`flipped`), the partial cell is first.
   * @returns {{cells: number, cellOf: Int32Array, length: Int32Array}} cellOf: cell of each pixel
   */
  function cellLayout(size, block, flipped) {
    const cells = Math.ceil(size / block);
    const partial = size % block;
    const shift = flipped && partial ? block - partial : 0;
    const cellOf = new Int32Array(size);
    const length = new Int32Array(cells);
    for (let i = 0; i < size; i++) {
      const cell = Math.floor((i + shift) / block);
      cellOf[i] = cell;
      length[cell] += 1;
    }
    return { cells, cellOf, length };
  }

  /** Pillow's Reduce.c rounding of a sum of `count` bytes to their mean: a 24-bit fixed-point
   * reciprocal computed in single-precision floats (division_UINT32), then (half the count +
   * sum) times it in 32-bit unsigned arithmetic, shifted down 24 bits. */
  function meanOf(sum, count) {
    const multiplier = Math.floor(Math.fround(4294967296 / Math.fround(256 * count)));
    return Math.floor((((sum + Math.floor(count / 2)) * multiplier) % 4294967296) / 16777216);
  }

  /**
   * Box means of R, G and B over `block` x `block` cells of upright rows, as Pillow's
   * Image.reduce(block) on the stored picture then turned upright; each finished row of means is
   * handed on as L bytes (convert("L")) to `useRow(lumaRow, cellRow)`.
   * @param {number} width upright
   * @param {number} height upright
   * @param {number} block cell side in pixels
   * @param {boolean} flipX whether upright columns run against the stored axis they come from
   * @param {boolean} flipY whether upright rows do
   */
  function createReducer(width, height, block, flipX, flipY, useRow) {
    const across = cellLayout(width, block, flipX);
    const down = cellLayout(height, block, flipY);
    const edges = new Int32Array(across.cells + 1);
    for (let c = 0; c < across.cells; c++) edges[c + 1] = edges[c] + across.length[c];
    const sums = new Int32Array(across.cells * 3);
    const luma = new Uint8Array(across.cells);
    function flush(cellRow) {
      const rows = down.length[cellRow];
      for (let c = 0; c < across.cells; c++) {
        const count = across.length[c] * rows;
        luma[c] = lumaOf(
          meanOf(sums[c * 3], count), meanOf(sums[c * 3 + 1], count), meanOf(sums[c * 3 + 2], count),
        );
      }
      sums.fill(0);
      useRow(luma, cellRow);
    }
    return {
      width: across.cells,
      height: down.cells,
      /**
       * One upright row of pixels read from `pixels` (4 bytes a pixel, R G B first) at byte
       * `at`, moving `stride` bytes a pixel (negative for a reversed row). When `floatLuma` is
       * given, PDQ's luma of each pixel (pdq.js) is written there too, so the pixels are read
       * once for both.
       * @param {Uint8Array} pixels @param {number} at @param {number} stride @param {number} y
       * @param {Float64Array} [floatLuma]
       */
      addPixels(pixels, at, stride, y, floatLuma) {
        const cells = across.cells;
        for (let c = 0, x = 0; c < cells; c++) {
          const end = edges[c + 1];
          let red = 0;
          let green = 0;
          let blue = 0;
          if (floatLuma) {
            for (; x < end; x++, at += stride) {
              const r = pixels[at];
              const g = pixels[at + 1];
              const b = pixels[at + 2];
              red += r;
              green += g;
              blue += b;
              floatLuma[x] = r * 0.299 + g * 0.587 + b * 0.114;
            }
          } else {
            for (; x < end; x++, at += stride) {
              red += pixels[at];
              green += pixels[at + 1];
              blue += pixels[at + 2];
            }
          }
          sums[c * 3] += red;
          sums[c * 3 + 1] += green;
          sums[c * 3 + 2] += blue;
        }
        const cellRow = down.cellOf[y];
        if (y + 1 === height || down.cellOf[y + 1] !== cellRow) flush(cellRow);
      },
    };
  }

  /**
   * pHash and dHash of an RGB(A) picture whose rows are given in order, top to bottom, the way
   * bot/companion/imaging.py makes them: with `block` 1 on every pixel (imagehash's phash and
   * dhash of the upright picture); with a larger block, on the picture first reduced by Pillow's
   * reduce(block) on the stored picture (see createReducer), then turned upright.
   * @param {number} width upright
   * @param {number} height upright
   * @param {{block?: number, flipX?: boolean, flipY?: boolean}} [layout] block 1 if left out
   * @returns {{block: number, addRows: function(Uint8Array|Uint8ClampedArray, number, number,
   *   number): void, addLumaRow: function(Uint8Array, number): void,
   *   addPixels: function(Uint8Array, number, number, number, Float64Array=): void,
   *   finish: function(): {phash: string, dhash: string}}} addRows as in pdq.js; addLumaRow
   *   (block 1 only) takes one row already turned into L bytes (lumaOf); addPixels (block > 1
   *   only) one row of RGBA bytes read from a start with a stride, as the worker has them, and
   *   optionally PDQ's float luma of that row written to a given array (createReducer)
   */
  function createPerceptual(width, height, layout) {
    const block = (layout && layout.block) || 1;
    let reducer = null;
    let p;
    let d;
    if (block > 1) {
      const flipX = Boolean(layout.flipX);
      const flipY = Boolean(layout.flipY);
      reducer = createReducer(width, height, block, flipX, flipY, (row, y) => {
        p.addRow(row, y);
        d.addRow(row, y);
      });
      p = createResize(reducer.width, reducer.height, 32, 32);
      d = createResize(reducer.width, reducer.height, 9, 8);
    } else {
      p = createResize(width, height, 32, 32);
      d = createResize(width, height, 9, 8);
    }
    const luma = new Uint8Array(width);
    const rgba = new Uint8Array(width * 4);
    return {
      block,
      addRows(pixels, firstRow, rowCount, channels) {
        for (let r = 0; r < rowCount; r++) {
          let at = r * width * channels;
          if (reducer !== null) {
            for (let x = 0; x < width; x++, at += channels) {
              rgba[x * 4] = pixels[at];
              rgba[x * 4 + 1] = pixels[at + 1];
              rgba[x * 4 + 2] = pixels[at + 2];
            }
            reducer.addPixels(rgba, 0, 4, firstRow + r);
            continue;
          }
          for (let x = 0; x < width; x++, at += channels) {
            luma[x] = lumaOf(pixels[at], pixels[at + 1], pixels[at + 2]);
          }
          p.addRow(luma, firstRow + r);
          d.addRow(luma, firstRow + r);
        }
      },
      addLumaRow(row, y) {
        p.addRow(row, y);
        d.addRow(row, y);
      },
      addPixels(pixels, at, stride, y, floatLuma) {
        reducer.addPixels(pixels, at, stride, y, floatLuma);
      },
      finish() {
        return { phash: phashOf(p.finish()), dhash: dhashOf(d.finish()) };
      },
    };
  }

  /**
   * The block bot/companion/imaging.py's _block_size picks: the largest power of two that keeps
   * the short side at 256 pixels or more (1 below 512).
   * @param {number} width @param {number} height @returns {number}
   */
  function blockSize(width, height) {
    const short = Math.min(width, height);
    if (short < 2 * MIN_REDUCED_SIDE) return 1;
    return 2 ** Math.floor(Math.log2(Math.floor(short / MIN_REDUCED_SIDE)));
  }

  /** For each EXIF orientation, whether the upright columns and rows run against the stored
   * axes they come from (imaging.py's _AXES_AFTER): [flipX, flipY]. */
  const FLIPS = {
    1: [false, false], 2: [true, false], 3: [true, true], 4: [false, true],
    5: [false, false], 6: [true, false], 7: [true, true], 8: [false, true],
  };

  /**
   * How imaging.py reduces a picture before pHash and dHash.
   * @param {number} width upright @param {number} height upright
   * @param {number} orientation the stored EXIF orientation, 1-8
   * @returns {{block: number, flipX: boolean, flipY: boolean}}
   */
  function layoutFor(width, height, orientation) {
    const [flipX, flipY] = FLIPS[orientation] || FLIPS[1];
    return { block: blockSize(width, height), flipX, flipY };
  }

  const perceptual = {
    createPerceptual, createReducer, createResize, coefficients, lumaOf, meanOf, layoutFor, blockSize,
    RELIABLE_QUALITY,
  };
  root.Reclaim = root.Reclaim || {};
  root.Reclaim.perceptual = perceptual;
  if (typeof module !== "undefined") module.exports = perceptual;
})(typeof self !== "undefined" ? self : globalThis);
