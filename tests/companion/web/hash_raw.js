// Runs pdq.js and perceptual.js under Node on raw pixels, as the worker feeds them (in strips):
//   node hash_raw.js <web folder> <pixels file> <width> <height> <channels> <strip rows>
//        [<block> <orientation>]
// prints {hash, quality, phash, dhash} as JSON. With a block and the stored EXIF orientation of
// the (upright) pixels, pHash and dHash are made on the reduced picture as imaging.py makes
// them, "reduced" holds that picture's L bytes (row-major, as a plain array) and "again" the
// PDQ made from the float luma the reducer fills in.
// With RECLAIM_NO_WASM=1 in the environment, WebAssembly is taken away first: perceptual.js's
// JavaScript horizontal pass runs, as in a browser without it.
// Used by test_hash_node.py.
"use strict";
if (process.env.RECLAIM_NO_WASM === "1") delete globalThis.WebAssembly;
const fs = require("fs");
const path = require("path");

const [web, file, w, h, c, s, k, o] = process.argv.slice(2);
const pdq = require(path.resolve(web, "pdq.js"));
const perceptual = require(path.resolve(web, "perceptual.js"));
const data = fs.readFileSync(file);
const [width, height, channels, strip] = [w, h, c, s].map(Number);
const block = Number(k || 1);
const orientation = Number(o || 1);
const layout = { ...perceptual.layoutFor(width, height, orientation), block };
const a = pdq.createPdq(width, height);
const b = perceptual.createPerceptual(width, height, layout);
const reduced = block > 1 ? [] : null;
const reducer =
  block > 1
    ? perceptual.createReducer(width, height, block, layout.flipX, layout.flipY, (row) =>
        reduced.push(...row),
      )
    : null;
// PDQ again from the float luma the reducer writes as it reads the pixels (as the worker does).
const c2 = block > 1 ? pdq.createPdq(width, height) : null;
const floatLuma = new Float64Array(width);
const rgba = new Uint8Array(width * 4);
for (let y = 0; y < height; y += strip) {
  const count = Math.min(strip, height - y);
  const rows = data.subarray(y * width * channels, (y + count) * width * channels);
  a.addRows(rows, y, count, channels);
  b.addRows(rows, y, count, channels);
  if (reducer === null) continue;
  for (let r = 0; r < count; r++) {
    for (let x = 0; x < width; x++) {
      for (let i = 0; i < 3; i++) rgba[x * 4 + i] = rows[(r * width + x) * channels + i];
    }
    // Read backwards from the row's last pixel: the stride may be negative, as in the worker.
    const reversed = new Uint8Array(width * 4);
    for (let x = 0; x < width; x++) reversed.set(rgba.subarray(x * 4, x * 4 + 4), (width - 1 - x) * 4);
    reducer.addPixels(reversed, (width - 1) * 4, -4, y + r, floatLuma);
    c2.addLumaRow(floatLuma, y + r);
  }
}
const again = c2 && c2.finish();
console.log(JSON.stringify({ ...a.finish(), ...b.finish(), reduced, again }));
