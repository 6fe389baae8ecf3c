// Compiles bot/companion/web/jpeg-scan.wat with wabt (web/package.json) into
// bot/companion/web/jpeg-scan-wasm.js: the module's bytes in base64, for the worker's importScripts
// (the page cannot fetch a .wasm file: its policy has connect-src 'none') and Node's require.
// The output is committed; run after changing the .wat: `node web/build-wasm.mjs` (or `make web`).
// `--check` only tells whether the committed output matches a fresh build.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import wabtFactory from "wabt";

const here = dirname(fileURLToPath(import.meta.url));
const web = join(here, "..", "bot", "companion", "web");
const source = join(web, "jpeg-scan.wat");
const target = join(web, "jpeg-scan-wasm.js");

const wabt = await wabtFactory();
const parsed = wabt.parseWat("jpeg-scan.wat", readFileSync(source, "utf8"));
parsed.validate();
const { buffer } = parsed.toBinary({});
parsed.destroy();
const base64 = Buffer.from(buffer).toString("base64");
const lines = base64.match(/.{1,96}/g).map((line) => `    "${line}" +`);
lines[lines.length - 1] = lines[lines.length - 1].slice(0, -2) + ",";
const text = `// Built by web/build-wasm.mjs from jpeg-scan.wat: do not edit. The WebAssembly module that
// skips AC coefficients for jpeg-scan.js (started by jpeg-wasm.js), as base64.
"use strict";

(function (root) {
  const wasm = {
    base64:
${lines.join("\n")}
  };
  root.Reclaim = root.Reclaim || {};
  root.Reclaim.jpegScanWasm = wasm;
  if (typeof module !== "undefined") module.exports = wasm;
})(typeof self !== "undefined" ? self : globalThis);
`;
if (process.argv.includes("--check")) {
  const same = readFileSync(target, "utf8") === text;
  console.log(same ? "jpeg-scan-wasm.js is up to date" : "jpeg-scan-wasm.js differs from a fresh build");
  process.exit(same ? 0 : 1);
}
writeFileSync(target, text);
console.log(`jpeg-scan-wasm.js  ${buffer.length} bytes of WebAssembly`);
