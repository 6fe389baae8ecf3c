// Runs media.js under Node on files named on the command line and prints, per file, what the
// worker would learn from it before decoding: {size, truncated: [per chunk size], error: [per
// chunk size], orientation}.
//   node media_check.js <web folder> <file>...     Used by test_media_node.py.
"use strict";
const fs = require("fs");
const path = require("path");

const [web, ...files] = process.argv.slice(2);
const media = require(path.resolve(web, "media.js"));
const CHUNK_SIZES = [1, 2, 3, 7, 4096, 1 << 20];

const answers = files.map((file) => {
  const data = new Uint8Array(fs.readFileSync(file));
  const head = data.subarray(0, media.HEADER_SIZE);
  const watchers = CHUNK_SIZES.map((size) => {
    const watcher = media.endWatcher(head);
    for (let at = 0; at < data.length; at += size) watcher.feed(data.subarray(at, at + size), at);
    return watcher;
  });
  const truncated = watchers.map((watcher) => watcher.truncated());
  const error = watchers.map((watcher) => watcher.error());
  const plan = media.classify(path.basename(file), data.subarray(0, media.SNIFF_SIZE));
  return {
    size: media.headerSize(head), truncated, error, orientation: media.webpOrientation(head), plan,
  };
});
console.log(JSON.stringify(answers));
