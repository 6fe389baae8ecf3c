// Compiles the page's WebAssembly with wabt (web/package.json): each .wat in bot/companion/web
// below into its -wasm.js beside it, the module's bytes in base64, for the worker's importScripts
// (the page cannot fetch a .wasm file: its policy has connect-src 'none') and Node's require.
// The output is committed; run after changing a .wat: `node web/build-wasm.mjs` (or `make web`).
// `--check` only tells whether the committed output matches a fresh build.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import wabtFactory from "wabt";

const here = dirname(fileURLToPath(import.meta.url));
const web = join(here, "..", "bot", "companion", "web");
/** [source, output, what the module does, who starts it, the global it is kept in] */
const MODULES = [
  ["jpeg-scan.wat", "jpeg-scan-wasm.js", "decodes JPEG scans for jpeg.js", "jpeg-wasm.js", "jpegScanWasm"],
  ["resize.wat", "resize-wasm.js", "runs Pillow's horizontal resize pass for perceptual.js",
    "perceptual.js", "resizeWasm"],
];

const wabt = await wabtFactory();
let stale = false;
for (const [source, output, does, starter, name] of MODULES) {
  const parsed = wabt.parseWat(source, readFileSync(join(web, source), "utf8"));
  parsed.validate();
  const { buffer } = parsed.toBinary({});
  parsed.destroy();
  const base64 = Buffer.from(buffer).toString("base64");
  const lines = base64.match(/.{1,96}/g).map((line) => `    "${line}" +`);
  lines[lines.length - 1] = lines[lines.length - 1].slice(0, -2) + ",";
  const text = `// Built by web/build-wasm.mjs from ${source}: do not edit. The WebAssembly module that
// ${does} (started by ${starter}), as base64.
"use strict";

(function (root) {
  const wasm = {
    base64:
${lines.join("\n")}
  };
  root.Reclaim = root.Reclaim || {};
  root.Reclaim.${name} = wasm;
  if (typeof module !== "undefined") module.exports = wasm;
})(typeof self !== "undefined" ? self : globalThis);
`;
  const target = join(web, output);
  if (process.argv.includes("--check")) {
    let same = false;
    try {
      same = readFileSync(target, "utf8") === text;
    } catch (error) {
      same = false;
    }
    console.log(same ? `${output} is up to date` : `${output} differs from a fresh build`);
    stale ||= !same;
  } else {
    writeFileSync(target, text);
    console.log(`${output}  ${buffer.length} bytes of WebAssembly`);
  }
}
process.exit(stale ? 1 : 0);
