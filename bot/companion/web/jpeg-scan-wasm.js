// Built by web/build-wasm.mjs from jpeg-scan.wat: do not edit. The WebAssembly module that
// skips AC coefficients for jpeg-scan.js (started by jpeg-wasm.js), as base64.
"use strict";

(function (root) {
  const wasm = {
    base64:
    "AGFzbQEAAAABDwJgAn9/AX9gBH9/f38BfwMEAwAAAQUDAQADBxMCBm1lbW9yeQIABnNraXBBYwACCtUDAy8BAn8gACABQQV2" +
    "QQJ0aiECIAFBH3EhAyACKAIAIAN0IAIoAgRBAXZBHyADa3ZyC4QBAQN/QQohAiABQRZ2IQMCQANAIAJBEEoNASADIAAgAkEC" +
    "dGooAoCQAkwNASACQQFqIQIgAUEgIAJrdiEDDAALCyACQRBKBEBBfw8LIAMgACACQQJ0aigCyJACaiEEIARBAEggBCAAKAKQ" +
    "kwJOcgRAQX8PCyACQQh0IAAgBGotAJCRAnILnAIBCH9BASEEA0AgACADSwRAQX8PCyACIABBBXZBAnRqIQogAEEfcSELIAoo" +
    "AgAgC3QgCigCBEEBdkEfIAtrdnIhBSABIAVBEnZBAXRqLwEAIQYgBCAGQQZ2aiEHIAdBwABMBEAgACAGQR9xaiEAIAZBIHFB" +
    "AEcgB0HAAEZyBEAgAA8LIAchBAwBCyABIAVBF3ZBAnRqKAKAgAIhCCAIRQRAIAEgBRABIQggCEEASARAQX4PCwsgCEH/AXEh" +
    "CSAAIAhBCHYgCUEPcWpqIQAgCUEPcUUEQCAJRQRAIAAPCyAJQfABRwRAQX4PCyAEQRBqIQQFIAQgCUEEdkEBamohBAsgBEHA" +
    "AE4EQCAEQcAASgRAQX4PCyAADwsMAAsACw==",
  };
  root.Reclaim = root.Reclaim || {};
  root.Reclaim.jpegScanWasm = wasm;
  if (typeof module !== "undefined") module.exports = wasm;
})(typeof self !== "undefined" ? self : globalThis);
