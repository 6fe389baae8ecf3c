// PDQ, pHash and dHash of a large JPEG from its 1/8-scale decode (jpeg.js), as
// bot/companion/imaging.py makes them from Pillow's draft decode: PDQ weighs each reduced pixel
// as the 8x8 block of full-resolution pixels it stands for (pdq.js's block edges); pHash and
// dHash come from the reduced picture itself. A picture needing a larger block is reduced the rest
// of the way as Pillow's Image.reduce does (perceptual.js's meanOf), and the EXIF orientation is
// applied to the reduced picture, its block edges mapped from stored to upright as imaging.py's
// _hash_loaded maps them.
// Needs media.js, pdq.js, perceptual.js, jpeg-scan.js and jpeg.js loaded first.
// What does not belong here: decoding (jpeg.js), files and MD5 (worker.js).
"use strict";

(function (root) {
  const { media, pdq, perceptual, jpeg } = root.Reclaim;
  /** The scale jpeg.js decodes at. */
  const SCALE = 8;

  /** For each orientation, where the upright rows and columns come from in the stored picture:
   * [stored axis (0 rows, 1 columns), reversed?] for the rows, then for the columns
   * (imaging.py's _AXES_AFTER). */
  const AXES_AFTER = {
    1: [[0, false], [1, false]], 2: [[0, false], [1, true]], 3: [[0, true], [1, true]],
    4: [[0, true], [1, false]], 5: [[1, false], [0, false]], 6: [[1, false], [0, true]],
    7: [[1, true], [0, true]], 8: [[1, true], [0, false]],
  };

  /**
   * Whether a picture is one this path hashes: a JPEG whose short side keeps 256 pixels or more
   * at 1/8 (imaging.py's _block_size of 8 or more).
   * @param {Uint8Array} head the file's first bytes
   * @param {{width: number, height: number}|null} stored the size its header gives
   */
  function applies(head, stored) {
    const isJpeg = head.length > 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
    return Boolean(isJpeg && stored && perceptual.blockSize(stored.width, stored.height) >= SCALE);
  }

  /** pdq.py's block_edges: ceil(size / block) + 1 positions from 0 to size. */
  function blockEdges(size, block) {
    const count = Math.ceil(size / block);
    const edges = new Int32Array(count + 1);
    for (let i = 0; i < count; i++) edges[i] = i * block;
    edges[count] = size;
    return edges;
  }

  /** imaging.py's _merge_edges: every `factor` blocks become one. */
  function mergeEdges(edges, factor) {
    const blocks = edges.length - 1;
    const count = Math.ceil(blocks / factor);
    const merged = new Int32Array(count + 1);
    for (let i = 0; i < count; i++) merged[i] = edges[i * factor];
    merged[count] = edges[blocks];
    return merged;
  }

  /** pdq.py's reverse_edges: the same blocks seen from the other end. */
  function reverseEdges(edges) {
    const last = edges[edges.length - 1];
    return Int32Array.from(edges, (_, i) => last - edges[edges.length - 1 - i]);
  }

  /** Pillow's Image.reduce(factor) of interleaved 8-bit samples (the last blocks partial). */
  function reduce(pixels, width, height, channels, factor) {
    const outWidth = Math.ceil(width / factor);
    const outHeight = Math.ceil(height / factor);
    const out = new Uint8Array(outWidth * outHeight * channels);
    const sums = new Float64Array(channels);
    for (let oy = 0; oy < outHeight; oy++) {
      const y1 = Math.min(height, (oy + 1) * factor);
      for (let ox = 0; ox < outWidth; ox++) {
        const x1 = Math.min(width, (ox + 1) * factor);
        sums.fill(0);
        for (let y = oy * factor; y < y1; y++) {
          for (let x = ox * factor, at = (y * width + x) * channels; x < x1; x++) {
            for (let k = 0; k < channels; k++, at++) sums[k] += pixels[at];
          }
        }
        const count = (y1 - oy * factor) * (x1 - ox * factor);
        for (let k = 0; k < channels; k++) {
          out[(oy * outWidth + ox) * channels + k] = perceptual.meanOf(sums[k], count);
        }
      }
    }
    return { pixels: out, width: outWidth, height: outHeight };
  }

  /**
   * The hashes of a JPEG file's bytes, or null where jpeg.js cannot decode it.
   * @param {Uint8Array} data the whole file
   * @param {Uint8Array} head its first bytes (for the EXIF orientation)
   * @param {function(string): void} [mark] the bench's stopwatch (worker.js), called after each
   *   stage
   * @returns {{pdq: {hash: string, quality: number}, perceptual: {phash: string, dhash: string},
   *   width: number, height: number}|null} width and height upright, at full resolution
   */
  function hashJpeg(data, head, mark = () => {}) {
    const decoded = jpeg.decodeEighth(data, mark);
    if (decoded === null) return null;
    const { fullWidth, fullHeight, channels } = decoded;
    const block = perceptual.blockSize(fullWidth, fullHeight);
    if (block < SCALE) return null;
    let { pixels, width, height } = decoded;
    let edges = [blockEdges(fullHeight, SCALE), blockEdges(fullWidth, SCALE)];
    const factor = block / SCALE;
    if (factor > 1) {
      ({ pixels, width, height } = reduce(pixels, width, height, channels, factor));
      edges = edges.map((axis) => mergeEdges(axis, factor));
    }
    const orientation = media.exifOrientation(head);
    const [[rowAxis, rowFlip], [colAxis, colFlip]] = AXES_AFTER[orientation] || AXES_AFTER[1];
    const rows = rowFlip ? reverseEdges(edges[rowAxis]) : edges[rowAxis];
    const cols = colFlip ? reverseEdges(edges[colAxis]) : edges[colAxis];
    const sizes = [height, width];
    const uprightWidth = sizes[colAxis];
    const uprightHeight = sizes[rowAxis];
    // Moving one upright pixel right or down moves this far in the stored pixels.
    const strides = [width * channels, channels];
    const across = (colFlip ? -1 : 1) * strides[colAxis];
    const down = (rowFlip ? -1 : 1) * strides[rowAxis];
    const origin = (rowFlip ? (sizes[rowAxis] - 1) * strides[rowAxis] : 0) +
      (colFlip ? (sizes[colAxis] - 1) * strides[colAxis] : 0);
    const pdqAccumulator = pdq.createPdq(cols[cols.length - 1], rows[rows.length - 1], { rows, cols });
    const perceptualAccumulator = perceptual.createPerceptual(uprightWidth, uprightHeight);
    const floatLuma = new Float64Array(uprightWidth);
    const byteLuma = new Uint8Array(uprightWidth);
    const lumaOf = perceptual.lumaOf;
    const green = channels === 3 ? 1 : 0;
    const blue = channels === 3 ? 2 : 0;
    for (let y = 0; y < uprightHeight; y++) {
      for (let x = 0, at = origin + y * down; x < uprightWidth; x++, at += across) {
        const r = pixels[at];
        const g = pixels[at + green];
        const b = pixels[at + blue];
        floatLuma[x] = r * 0.299 + g * 0.587 + b * 0.114;
        byteLuma[x] = lumaOf(r, g, b);
      }
      pdqAccumulator.addLumaRow(floatLuma, y);
      perceptualAccumulator.addLumaRow(byteLuma, y);
    }
    mark("hash rows");
    const pdqHash = pdqAccumulator.finish();
    mark("pdq finish");
    const perceptualHashes = perceptualAccumulator.finish();
    mark("phash/dhash finish");
    return {
      pdq: pdqHash,
      perceptual: perceptualHashes,
      width: cols[cols.length - 1],
      height: rows[rows.length - 1],
    };
  }

  const jpegHash = { applies, hashJpeg, blockEdges };
  root.Reclaim.jpegHash = jpegHash;
  if (typeof module !== "undefined") module.exports = jpegHash;
})(typeof self !== "undefined" ? self : globalThis);
