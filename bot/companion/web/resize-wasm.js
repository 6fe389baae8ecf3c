// Built by web/build-wasm.mjs from resize.wat: do not edit. The WebAssembly module that
// runs Pillow's horizontal resize pass for perceptual.js (started by perceptual.js), as base64.
"use strict";

(function (root) {
  const wasm = {
    base64:
    "AGFzbQEAAAABDAFgCH9/f39/f39/AAMCAQAFAwEAAQcXAgZtZW1vcnkCAApob3Jpem9udGFsAAAKuAIBtQIDBn8BewF/AkAD" +
    "QCABRQ0BQQAhCQJAA0AgCSAGTw0BIAAgAyAJQQN0aigCAGohCiADIAlBA3RqKAIEIQsgBCAJIAVsQQJ0aiEM/QwAAAAAAAAA" +
    "AAAAAAAAAAAAIQ5BACENAkADQCANQQRqIAtLDQEgDiAKIA1q/VwCAP2JAf2pASAMIA1BAnRq/QAEAP21Af2uASEOIA1BBGoh" +
    "DQwACwtBgICAASAO/RsAaiAO/RsBIA79GwIgDv0bA2pqaiEPAkADQCANIAtPDQEgDyAKIA1qLQAAIAwgDUECdGooAgBsaiEP" +
    "IA1BAWohDQwACwsgD0EWdSEPIAcgCWpBAEH/ASAPIA9B/wFKGyAPQQBIGzoAACAJQQFqIQkMAAsLIAAgAmohACAHIAZqIQcg" +
    "AUEBayEBDAALCws=",
  };
  root.Reclaim = root.Reclaim || {};
  root.Reclaim.resizeWasm = wasm;
  if (typeof module !== "undefined") module.exports = wasm;
})(typeof self !== "undefined" ? self : globalThis);
