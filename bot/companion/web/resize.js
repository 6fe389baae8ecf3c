// resize.wat's horizontal pass for perceptual.js: the module started from its bytes
// (resize-wasm.js, loaded first in a worker) and a batch of rows run through it, the
// coefficients and rows copied into its memory and the output bytes copied out. Where
// WebAssembly or its SIMD is missing (or the module cannot start), `available` is false and
// perceptual.js runs its own loop.
// What does not belong here: the coefficients and the rest of the resize (perceptual.js).
"use strict";

(function (root) {
  /** resize.wat's exports, or null. */
  const exports = (function start() {
    try {
      const source =
        typeof module !== "undefined" ? require("./resize-wasm.js") : root.Reclaim.resizeWasm;
      if (!source || typeof WebAssembly !== "object") return null;
      const bytes = Uint8Array.from(atob(source.base64), (c) => c.charCodeAt(0));
      return new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
    } catch (error) {
      return null; // no WebAssembly, or no SIMD
    }
  })();

  /**
   * perceptual.js's horizontalPass over `count` rows of `width` bytes laid end to end in `rows`,
   * written row after row to `out` from `at`; false (nothing written) where the module cannot.
   * @param {Uint8Array} rows
   * @param {number} count
   * @param {number} width
   * @param {{ksize: number, bounds: Int32Array, coeffs: Int32Array}} h the coefficients
   * @param {number} outWidth
   * @param {Uint8Array} out
   * @param {number} at
   * @returns {boolean}
   */
  function horizontal(rows, count, width, h, outWidth, out, at) {
    if (exports === null) return false;
    const coeffsAt = h.bounds.length * 4;
    const rowsAt = coeffsAt + h.coeffs.length * 4;
    const outAt = rowsAt + ((count * width + 7) & ~7);
    const needed = outAt + count * outWidth;
    const memory = exports.memory;
    if (needed > memory.buffer.byteLength) {
      try {
        memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536));
      } catch (error) {
        return false;
      }
    }
    const buffer = memory.buffer;
    new Int32Array(buffer, 0, h.bounds.length).set(h.bounds);
    new Int32Array(buffer, coeffsAt, h.coeffs.length).set(h.coeffs);
    new Uint8Array(buffer, rowsAt, count * width).set(rows.subarray(0, count * width));
    exports.horizontal(rowsAt, count, width, 0, coeffsAt, h.ksize, outWidth, outAt);
    out.set(new Uint8Array(buffer, outAt, count * outWidth), at);
    return true;
  }

  const resize = { available: exports !== null, horizontal };
  root.Reclaim = root.Reclaim || {};
  root.Reclaim.resize = resize;
  if (typeof module !== "undefined") module.exports = resize;
})(typeof self !== "undefined" ? self : globalThis);
