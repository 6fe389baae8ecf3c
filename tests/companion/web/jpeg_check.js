// Runs jpeg.js under Node on the JPEG files named on the command line and prints, per file, its
// 1/8-scale decode: {width, height, channels, pixels (base64)}, or null where jpeg.js leaves the
// picture to the browser.
//   node jpeg_check.js <web folder> <file>...     Used by test_jpeg_node.py.
"use strict";
const fs = require("fs");
const path = require("path");

const [web, ...files] = process.argv.slice(2);
const jpeg = require(path.resolve(web, "jpeg.js"));

const answers = files.map((file) => {
  const decoded = jpeg.decodeEighth(new Uint8Array(fs.readFileSync(file)));
  if (decoded === null) return null;
  const { width, height, channels, pixels } = decoded;
  return { width, height, channels, pixels: Buffer.from(pixels).toString("base64") };
});
console.log(JSON.stringify(answers));
