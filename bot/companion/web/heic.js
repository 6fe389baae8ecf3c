// Decoding HEIC/HEIF pictures (iPhone photos) where the browser cannot (Chromium, Firefox), with
// libheif compiled to WebAssembly (vendor/libheif-bundle.js, libheif-js on npm). That file is
// about 2 MB, so it is fetched from the page's own folder only when such a picture comes, and
// at most once; the pixels are libheif's, as pillow-heif gives them to `reclaim hash`: the
// primary image, turned by the file's own rotation and mirror boxes, alpha dropped.
// What does not belong here: deciding that a file is HEIF (media.js), hashing the pixels
// (worker.js, pdq.js, perceptual.js).
"use strict";

(function (root) {
  let library = null;

  /**
   * libheif, started once. `load` makes the global `libheif` factory exist (importScripts in
   * the worker, require in Node); the factory may call back before it returns, so the module is
   * resolved a microtask later.
   * @param {function(): function(object): object} load
   * @returns {Promise<object>}
   */
  function start(load) {
    if (library === null) {
      library = new Promise((resolve, reject) => {
        try {
          const factory = load();
          const module = factory({
            onRuntimeInitialized() {
              queueMicrotask(() => resolve(module));
            },
          });
        } catch (error) {
          reject(error);
        }
      });
      // A failed load (offline before it was ever fetched) may succeed on a later picture.
      library.catch(() => {
        library = null;
      });
    }
    return library;
  }

  /**
   * The picture's pixels, or null when libheif cannot read it.
   * @param {Uint8Array} bytes the whole file
   * @param {function(): function(object): object} load see start()
   * @param {number} maxPixels larger pictures are refused before decoding
   * @returns {Promise<{width: number, height: number, data: Uint8ClampedArray}|null|"too_large">}
   *   RGBA pixels with every alpha at 255
   */
  async function decode(bytes, load, maxPixels) {
    const lib = await start(load);
    const decoder = new lib.HeifDecoder();
    let images = [];
    try {
      images = decoder.decode(bytes);
    } catch (error) {
      return null;
    }
    if (!images || images.length === 0) {
      if (decoder.decoder) lib.heif_context_free(decoder.decoder);
      return null;
    }
    const image = images.find((candidate) => candidate.is_primary()) || images[0];
    try {
      const width = image.get_width();
      const height = image.get_height();
      if (!(width > 0 && height > 0)) return null;
      if (width * height > maxPixels) return "too_large";
      const data = new Uint8ClampedArray(width * height * 4);
      const shown = await new Promise((resolve) => {
        image.display({ data, width, height }, (out) => resolve(out));
      });
      if (!shown) return null;
      // Pillow's convert("RGB") drops alpha without touching the colour values.
      for (let i = 3; i < data.length; i += 4) data[i] = 255;
      return { width, height, data };
    } finally {
      for (const each of images) if (typeof each.free === "function") each.free();
      // The decoder keeps the file's context until its next decode: let it go now.
      if (decoder.decoder) lib.heif_context_free(decoder.decoder);
      decoder.decoder = null;
    }
  }

  const heic = { decode };
  root.Reclaim = root.Reclaim || {};
  root.Reclaim.heic = heic;
  if (typeof module !== "undefined") module.exports = heic;
})(typeof self !== "undefined" ? self : globalThis);
