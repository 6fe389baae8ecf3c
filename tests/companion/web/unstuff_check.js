// Takes the byte stuffing out of the first scan of each JPEG file named on the command line with
// jpeg-scan.js's createReader and prints, per file: {inWasm: whether the words are WebAssembly's
// (jpeg-wasm.js), ends, marker, words: the words up to the end of the data and three more, as
// a plain array}.   node unstuff_check.js <web folder> <file>...     Used by test_jpeg_node.py.
// With RECLAIM_NO_WASM=1 in the environment, WebAssembly is taken away first.
"use strict";
if (process.env.RECLAIM_NO_WASM === "1") delete globalThis.WebAssembly;
const fs = require("fs");
const path = require("path");

const [web, ...files] = process.argv.slice(2);
const scanning = require(path.resolve(web, "jpeg-scan.js"));
const wasm = require(path.resolve(web, "jpeg-wasm.js"));

const answers = files.map((file) => {
  const data = new Uint8Array(fs.readFileSync(file));
  let pos = 2;
  while (data[pos + 1] !== 0xda) pos += 2 + ((data[pos + 2] << 8) | data[pos + 3]);
  const start = pos + 2 + ((data[pos + 2] << 8) | data[pos + 3]);
  const frame = { components: [{ samples: new Uint8Array(64) }] };
  const reader = scanning.createReader(data, start, null, frame);
  const used = Math.ceil(reader.ends[reader.ends.length - 1] / 4) + 3;
  return {
    inWasm: wasm.holds(reader.words),
    ends: reader.ends,
    marker: reader.marker,
    words: Array.from(reader.words.subarray(0, used)),
  };
});
console.log(JSON.stringify(answers));
