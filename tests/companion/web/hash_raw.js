// Runs pdq.js and perceptual.js under Node on raw pixels, as the worker feeds them (in strips):
//   node hash_raw.js <web folder> <pixels file> <width> <height> <channels> <strip rows>
// prints {hash, quality, phash, dhash} as JSON. Used by test_hash_node.py.
"use strict";
const fs = require("fs");
const path = require("path");

const [web, file, w, h, c, s] = process.argv.slice(2);
const pdq = require(path.resolve(web, "pdq.js"));
const perceptual = require(path.resolve(web, "perceptual.js"));
const data = fs.readFileSync(file);
const [width, height, channels, strip] = [w, h, c, s].map(Number);
const a = pdq.createPdq(width, height);
const b = perceptual.createPerceptual(width, height);
for (let y = 0; y < height; y += strip) {
  const count = Math.min(strip, height - y);
  const rows = data.subarray(y * width * channels, (y + count) * width * channels);
  a.addRows(rows, y, count, channels);
  b.addRows(rows, y, count, channels);
}
console.log(JSON.stringify({ ...a.finish(), ...b.finish() }));
