// Runs jpeg.js and jpeg-hash.js under Node on the JPEG files named on the command line and
// prints, per file: {decoded: {width, height, channels, pixels (base64)} or null where jpeg.js
// leaves the picture to the browser, hashes: what jpeg-hash.js makes of the file or null}.
//   node jpeg_check.js <web folder> <file>...     Used by test_jpeg_node.py.
// With RECLAIM_NO_WASM=1 in the environment, WebAssembly is taken away first: jpeg-scan.js's
// JavaScript loop decodes, as in a browser without it.
"use strict";
if (process.env.RECLAIM_NO_WASM === "1") delete globalThis.WebAssembly;
const fs = require("fs");
const path = require("path");

const [web, ...files] = process.argv.slice(2);
for (const name of ["media.js", "pdq.js", "perceptual.js", "jpeg-scan.js", "jpeg.js"]) {
  require(path.resolve(web, name));
}
const jpeg = require(path.resolve(web, "jpeg.js"));
const jpegHash = require(path.resolve(web, "jpeg-hash.js"));

const answers = files.map((file) => {
  const data = new Uint8Array(fs.readFileSync(file));
  const decoded = jpeg.decodeEighth(data);
  const hashes = decoded && jpegHash.hashJpeg(data, data.subarray(0, 512 * 1024));
  if (decoded === null) return { decoded, hashes };
  const { width, height, channels, pixels } = decoded;
  const picture = { width, height, channels, pixels: Buffer.from(pixels).toString("base64") };
  return { decoded: picture, hashes };
});
console.log(JSON.stringify(answers));
