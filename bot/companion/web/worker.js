// The companion page's Web Worker: turns each File it is sent into the hashes `reclaim hash`
// makes (bot/companion/hasher.py), one file at a time in the order received.
//   page -> worker: {type: "hash", id, file}
//   worker -> page: {type: "progress", id, fraction} (a few per second at most), then
//                   {type: "result", id, result}: kind, md5, pdq, quality, phash, dhash,
//                   note, error, width, height, meaning what bot.companion.hasher's FileHashes
//                   fields mean (kind "other" is FileKind.OTHER, note "blank" BLANK_PICTURE).
//   With `timing: true` in the request (the bench), the result message also has `stages`:
//   milliseconds spent in each stage of that file's work (read, md5, the JPEG decoder's parts...).
// MD5 is streamed through two reused 1 MiB buffers, so a video of any size is never held whole.
// A JPEG large enough for `reclaim hash` to decode at 1/8 scale is decoded here the same way, from
// its DC coefficients (jpeg.js, jpeg-hash.js), several times faster than the browser's full decode
// and with the Python companion's hashes; one that decoder does not handle, or too plain a picture
// to trust a reduced decode, goes the browser's way below.
// Other pictures are decoded by the browser with their EXIF orientation (the worker turns WebP itself
// where the browser does not), read in strips of a few hundred rows (VideoFrame.copyTo, or a
// canvas) and fed row by row to PDQ and pHash/dHash, which keep only small arrays. As in
// `reclaim hash`, pHash and dHash of a large picture come from a box-reduced copy (perceptual.js),
// and again from every pixel when PDQ finds the picture too plain (a second read of the pixels).
// HEIC/HEIF (iPhone photos): hashed like any picture where the browser decodes it (Safari);
// where it cannot (Chromium, Firefox), libheif decodes it (heic.js, loaded on first use); if
// that fails too, the result keeps the file's MD5 with the note "heic_not_decoded", so an exact
// copy can still be matched. Pictures are limited to
// bot.companion.imaging.MAX_PIXELS from their header, before any decoding; a picture the browser
// fails to decode or draw for want of memory (48 MP works in desktop Chromium) is "too_large".
// What does not belong here: the hash arithmetic (pdq.js, perceptual.js), telling kinds apart
// (media.js), anything shown to people (the page).
"use strict";

importScripts(
  "vendor/hash-wasm-md5.umd.min.js", "media.js", "pdq.js", "resize-wasm.js", "resize.js",
  "perceptual.js", "jpeg-scan-wasm.js", "jpeg-wasm.js", "jpeg-scan.js",
  "jpeg-progressive.js", "jpeg.js", "jpeg-hash.js", "heic.js", "strips.js",
);

(function (root) {
  const { media, pdq, perceptual, jpegHash, heic, strips: pixelStrips } = root.Reclaim;
  /** Bytes hashed at a time (as hasher.CHUNK_SIZE): small chunks let the browser fill the next
   * buffer while this one is hashed, which measured faster than 4 or 8 MiB. */
  const CHUNK_SIZE = 1 << 20;
  /** Pixels drawn per strip (about 4 MB of RGBA); a strip is at least one row. */
  const STRIP_PIXELS = 1 << 20;
  /** bot.companion.imaging.MAX_PIXELS: more is refused as a possible decompression bomb. */
  const MAX_PIXELS = 210000000;
  /** Beyond this (iOS's canvas limit), a picture the browser cannot decode is taken to be too
   * large for this device rather than damaged. */
  const BROWSER_DECODE_PIXELS = 16777216;
  /** bot.companion.hasher.LOW_QUALITY */
  const LOW_QUALITY = 50;
  const PROGRESS_INTERVAL_MS = 250;
  /** A file named as a JPEG up to this size is read whole before it is looked at. */
  const WHOLE_JPEG_BYTES = 64 * 1024 * 1024;
  const DECODE_OPTIONS = {
    imageOrientation: "from-image",
    colorSpaceConversion: "none",
    premultiplyAlpha: "none",
  };

  /** @returns {object} a result with every field of the protocol, null where not known */
  function result(kind, fields) {
    return Object.assign(
      {
        kind, md5: null, pdq: null, quality: null, phash: null, dhash: null, note: null,
        error: null, width: null, height: null,
      },
      fields,
    );
  }

  /** A file could not be read (removed, permission lost, changed while reading). */
  class ReadError extends Error {}

  /** @param {Blob} blob @returns {Promise<Uint8Array>} */
  async function read(blob) {
    try {
      return new Uint8Array(await blob.arrayBuffer());
    } catch (error) {
      throw new ReadError(String(error));
    }
  }

  let md5Hasher = null;

  /**
   * Calls `use(chunk, offset)` for the whole file in order, chunk by chunk. Where the browser
   * allows, one buffer is read into again and again (a "BYOB" stream reader): with a fresh
   * ArrayBuffer per chunk, the garbage piles up faster than a worker collects it, and memory
   * grows with the file. Elsewhere slices are read one at a time.
   * @param {File} file
   * @param {function(Uint8Array, number): void} use
   */
  async function eachChunk(file, use) {
    if (file instanceof Uint8Array) {
      for (let offset = 0; offset < file.length; offset += CHUNK_SIZE) {
        use(file.subarray(offset, offset + CHUNK_SIZE), offset);
      }
      return;
    }
    let reader = null;
    try {
      reader = file.stream().getReader({ mode: "byob" });
    } catch (error) {
      reader = null;
    }
    if (reader === null) {
      for (let offset = 0; offset < file.size; offset += CHUNK_SIZE) {
        use(await read(file.slice(offset, offset + CHUNK_SIZE)), offset);
      }
      return;
    }
    // Two buffers: the next one fills while this one is hashed.
    let pending = fill(reader, new ArrayBuffer(CHUNK_SIZE));
    let spare = new ArrayBuffer(CHUNK_SIZE);
    for (let offset = 0; ; ) {
      const current = await pending;
      if (!current.done) {
        pending = fill(reader, spare);
        pending.catch(() => {}); // a failure is thrown by the next await, not reported twice
      }
      if (current.filled > 0) use(new Uint8Array(current.buffer, 0, current.filled), offset);
      offset += current.filled;
      if (current.done) return;
      spare = current.buffer;
    }
  }

  /**
   * Reads into `buffer` until it is full or the stream ends. The buffer is handed to the stream
   * and comes back (the same memory) in the answer.
   * @param {ReadableStreamBYOBReader} reader
   * @param {ArrayBuffer} buffer
   * @returns {Promise<{buffer: ArrayBuffer, filled: number, done: boolean}>}
   */
  async function fill(reader, buffer) {
    let filled = 0;
    while (filled < buffer.byteLength) {
      let step;
      try {
        step = await reader.read(new Uint8Array(buffer, filled, buffer.byteLength - filled));
      } catch (error) {
        throw new ReadError(String(error));
      }
      if (step.value) buffer = step.value.buffer;
      if (step.done) return { buffer, filled, done: true };
      filled += step.value.byteLength;
    }
    return { buffer, filled, done: false };
  }

  /**
   * MD5 of a whole file, streamed in chunks.
   * @param {File|Uint8Array} file a file, or its bytes already read
   * @param {function(number): void} progress called with the fraction of bytes done
   * @param {{feed: function(Uint8Array, number): void}|null} watcher sees every chunk
   * @returns {Promise<string>}
   */
  async function md5Of(file, progress, watcher) {
    if (md5Hasher === null) md5Hasher = await root.hashwasm.createMD5();
    md5Hasher.init();
    await eachChunk(file, (chunk, offset) => {
      if (watcher) watcher.feed(chunk, offset);
      md5Hasher.update(chunk);
      progress((offset + chunk.length) / (file.size === undefined ? file.length : file.size));
    });
    return md5Hasher.digest("hex");
  }

  /**
   * Compute PDQ, pHash and dHash of a decoded picture, strip by strip of upright rows.
   * @param {ImageBitmap} bitmap as decoded (upright, except WebP orientation: see hashFile)
   * @param {number} orientation EXIF orientation still to apply (1: none)
   * @param {function(number): void} progress
   * @param {{stored: number, pdq: boolean, full: boolean}} plan what to make (see hashStrips)
   * @returns {Promise<object|null>} the hashes and upright size; null when the browser cannot
   *   give us the picture's pixels (too large for a canvas)
   */
  async function hashPixels(bitmap, orientation, progress, plan) {
    const rows = (width) => Math.max(1, Math.floor(STRIP_PIXELS / width));
    let strips = pixelStrips.frame(bitmap, orientation);
    let fast = strips !== null;
    if (strips === null) strips = pixelStrips.canvas(bitmap, orientation, rows);
    if (strips === null) return null;
    try {
      return await hashStrips(strips, rows(strips.width), progress, plan);
    } catch (error) {
      if (!fast) throw error;
    } finally {
      strips.close();
    }
    // The frame could not be read after all: the canvas, which always can.
    strips = pixelStrips.canvas(bitmap, orientation, rows);
    if (strips === null) return null;
    return hashStrips(strips, rows(strips.width), progress, plan);
  }

  /**
   * @param {{stored: number, pdq: boolean, full: boolean}} plan stored: the file's EXIF
   *   orientation (where Pillow's reduce lays its blocks); pdq: whether to make PDQ; full:
   *   pHash and dHash from every pixel rather than from the reduced picture
   */
  async function hashStrips(strips, rows, progress, plan) {
    const { width, height } = strips;
    const layout = perceptual.layoutFor(width, height, plan.stored);
    if (plan.full) layout.block = 1;
    const pdqAccumulator = plan.pdq ? pdq.createPdq(width, height) : null;
    const perceptualAccumulator = perceptual.createPerceptual(width, height, layout);
    const reduced = layout.block > 1;
    const floatLuma = new Float64Array(width);
    const byteLuma = new Uint8Array(width);
    const lumaOf = perceptual.lumaOf;
    for (let y = 0; y < height; y += rows) {
      const count = Math.min(rows, height - y);
      const { pixels, start, step } = await strips.read(y, count);
      const stride = step * 4;
      for (let r = 0; r < count; r++) {
        const first = start(r) * 4;
        if (reduced) {
          // pHash and dHash only need block sums (perceptual.js), which also fills in PDQ's
          // luma of the row as it reads the pixels.
          if (pdqAccumulator === null) {
            perceptualAccumulator.addPixels(pixels, first, stride, y + r);
            continue;
          }
          perceptualAccumulator.addPixels(pixels, first, stride, y + r, floatLuma);
          pdqAccumulator.addLumaRow(floatLuma, y + r);
          continue;
        }
        // Each row's two lumas in one pass over the pixels: PDQ's floats, Pillow's bytes.
        for (let x = 0, at = first; x < width; x++, at += stride) {
          const red = pixels[at];
          const green = pixels[at + 1];
          const blue = pixels[at + 2];
          floatLuma[x] = red * 0.299 + green * 0.587 + blue * 0.114;
          byteLuma[x] = lumaOf(red, green, blue);
        }
        if (pdqAccumulator !== null) pdqAccumulator.addLumaRow(floatLuma, y + r);
        perceptualAccumulator.addLumaRow(byteLuma, y + r);
      }
      progress((y + count) / height);
    }
    return {
      pdq: pdqAccumulator && pdqAccumulator.finish(),
      perceptual: perceptualAccumulator.finish(),
      reduced,
      width,
      height,
    };
  }

  let webpProbe = null;

  /** Whether this browser turns WebP pictures by their EXIF orientation (asked once). */
  function webpOrientationApplied() {
    if (webpProbe === null) {
      const bytes = Uint8Array.from(atob(media.WEBP_ORIENTATION_PROBE), (c) => c.charCodeAt(0));
      const probe = new Blob([bytes], { type: "image/webp" });
      webpProbe = createImageBitmap(probe, DECODE_OPTIONS).then(
        (decoded) => {
          const applied = decoded.width === 1;
          decoded.close();
          return applied;
        },
        () => false,
      );
    }
    return webpProbe;
  }

  /** The vendored libheif factory, loaded from the page's own folder on first use. */
  function loadLibheif() {
    importScripts("vendor/libheif-bundle.js");
    return root.libheif;
  }

  /**
   * libheif's decode of a HEIF picture as an ImageBitmap; null where libheif cannot read it
   * (or could not be loaded, e.g. offline before its first use), "too_large" beyond MAX_PIXELS.
   * @param {File} file
   */
  async function heifBitmap(file) {
    let pixels;
    try {
      pixels = await heic.decode(await read(file), loadLibheif, MAX_PIXELS);
    } catch (error) {
      if (error instanceof ReadError) throw error;
      return null;
    }
    if (pixels === null || pixels === "too_large") return pixels;
    const image = new ImageData(pixels.data, pixels.width, pixels.height);
    return createImageBitmap(image, DECODE_OPTIONS);
  }

  /**
   * Every hash of one file, and what went wrong if something did; never throws for the file.
   * @param {File} file
   * @param {function(number): void} progress fraction 0..1 of the work for this file
   */
  async function hashFile(file, progress, mark) {
    const name = file.name || "";
    const guess = media.kindFromName(name);
    if (file.size === 0) return result(guess, { error: "empty" });
    // A JPEG by its name is read whole at once (within reason): its own decoder needs every byte,
    // and one read costs less than the header's and then the whole file's.
    const jpegName = /\.(jpe?g|jfif)$/i.test(name) && file.size <= WHOLE_JPEG_BYTES;
    const whole = jpegName ? await read(file) : null;
    mark("read");
    const head = whole
      ? whole.subarray(0, Math.min(whole.length, media.HEADER_SIZE))
      : await read(file.slice(0, Math.min(file.size, media.HEADER_SIZE)));
    const plan = media.classify(name, head.subarray(0, media.SNIFF_SIZE));
    if (!plan.decode) {
      const md5 = await md5Of(file, progress, null);
      return result(plan.kind, { md5, note: plan.kind === "other" ? "not_media" : null });
    }
    const stored = media.headerSize(head);
    if (stored && stored.width * stored.height > MAX_PIXELS) {
      return result("image", { error: "too_large" });
    }
    if (typeof createImageBitmap !== "function" || typeof OffscreenCanvas !== "function") {
      // A browser too old to decode pictures in a worker: the exact-copy fingerprint only.
      return result("image", { md5: await md5Of(file, progress, null) });
    }
    let exact = false;
    if (jpegHash.applies(head, stored)) {
      // A large JPEG: decoded here at 1/8 scale, as `reclaim hash` decodes it (jpeg-hash.js).
      const data = whole || (await read(file));
      const md5 = await md5Of(data, (done) => progress(done / 2), null);
      mark("md5");
      const hashes = jpegHash.hashJpeg(data, head, mark);
      if (hashes === null) {
        // Cut off? (A decode that gets through has reached the end marker, which is the test.)
        const watcher = media.endWatcher(head);
        watcher.feed(data, 0);
        if (watcher.error()) return result("image", { error: watcher.error() });
      }
      if (hashes !== null && hashes.pdq.quality >= perceptual.RELIABLE_QUALITY) {
        return imageResult(md5, hashes);
      }
      // Too plain to trust the reduced picture (imaging.py's hash_image): every pixel, as the
      // browser decodes it. Or a JPEG this decoder leaves to the browser.
      exact = hashes !== null;
      let reached = 0.5; // decoded again below: the progress shown never goes back
      const report = progress;
      progress = (done) => report((reached = Math.max(reached, done)));
    }
    const watcher = media.endWatcher(head);
    // The browser decodes on its own threads while the bytes go through MD5 here.
    const decoding = createImageBitmap(file, DECODE_OPTIONS).then(
      (decoded) => ({ decoded }),
      () => ({ decoded: null }),
    );
    let md5;
    try {
      md5 = await md5Of(file, (done) => progress(done / 2), watcher);
    } catch (error) {
      decoding.then(({ decoded }) => decoded && decoded.close());
      throw error;
    }
    let bitmap = (await decoding).decoded;
    // A HEIF picture the browser cannot open is decoded by libheif, already turned upright.
    const byLibheif = !bitmap && plan.heif;
    if (byLibheif) {
      const decoded = await heifBitmap(file);
      if (decoded === "too_large") return result("image", { error: "too_large" });
      if (decoded === null) return result("image", { md5, note: "heic_not_decoded" });
      bitmap = decoded;
    }
    if (!bitmap) {
      if (plan.kind !== "image") return result("other", { md5, note: "not_media" });
      if (watcher.error()) return result("image", { error: watcher.error() });
      if (stored && stored.width * stored.height > BROWSER_DECODE_PIXELS) {
        return result("image", { error: "too_large" });
      }
      return result("image", { error: "damaged" });
    }
    try {
      // The browser draws what it has of a cut-off picture; Pillow calls it truncated (damaged,
      // for a WebP).
      if (watcher.error()) return result("image", { error: watcher.error() });
      if (bitmap.width === 0 || bitmap.height === 0) return result("image", { error: "damaged" });
      if (bitmap.width * bitmap.height > MAX_PIXELS) return result("image", { error: "too_large" });
      // Browsers apply EXIF orientation to JPEG and PNG; Chromium ignores it in WebP.
      const webpTurn = byLibheif
        ? 1
        : await media.webpFileOrientation(head, file.size, (from, to) =>
            read(file.slice(from, to)),
          );
      const orientation = webpTurn !== 1 && !(await webpOrientationApplied()) ? webpTurn : 1;
      const storedTurn = byLibheif ? 1 : webpTurn !== 1 ? webpTurn : media.exifOrientation(head);
      let hashes = null;
      try {
        const plan = { stored: storedTurn, pdq: true, full: exact };
        hashes = await hashPixels(bitmap, orientation, (done) => progress(0.5 + done / 2), plan);
        if (hashes !== null && hashes.reduced && hashes.pdq.quality < perceptual.RELIABLE_QUALITY) {
          // As imaging.py's hash_image: a plain picture's pHash and dHash from every pixel.
          const again = { stored: storedTurn, pdq: false, full: true };
          const full = await hashPixels(bitmap, orientation, () => {}, again);
          hashes = full && { ...hashes, perceptual: full.perceptual };
        }
      } catch (error) {
        hashes = null; // out of memory drawing or reading the pixels
      }
      if (hashes === null) return result("image", { error: "too_large" });
      return imageResult(md5, hashes);
    } finally {
      bitmap.close();
    }
  }

  /** The result for a hashed picture: {pdq: {hash, quality}, perceptual, width, height}. */
  function imageResult(md5, hashes) {
    const { hash, quality } = hashes.pdq;
    // One flat colour: an all-zero PDQ would match every other blank picture (hasher.py).
    const blank = !pdq.isValid(hash);
    const note = blank ? "blank" : quality < LOW_QUALITY ? "low_quality" : null;
    return result("image", {
      md5, pdq: blank ? null : hash, quality, phash: hashes.perceptual.phash,
      dhash: hashes.perceptual.dhash, note, width: hashes.width, height: hashes.height,
    });
  }

  /** @param {number} id @returns {function(number): void} a throttled progress reporter */
  function reporter(id) {
    let last = 0;
    return (fraction) => {
      const now = Date.now();
      if (now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      root.postMessage({ type: "progress", id, fraction: Math.max(0, Math.min(1, fraction)) });
    };
  }

  /**
   * A stopwatch for the bench: `mark(stage)` adds the time since the last mark to `stage`.
   * @returns {function(string): void} with the totals so far in its `stages`
   */
  function stopwatch() {
    const stages = {};
    let last = performance.now();
    const mark = (stage) => {
      const now = performance.now();
      stages[stage] = (stages[stage] || 0) + (now - last);
      last = now;
    };
    mark.stages = stages;
    return mark;
  }

  const queue = [];
  let busy = false;

  async function drain() {
    if (busy) return;
    busy = true;
    while (queue.length > 0) {
      const { id, file, timing } = queue.shift();
      const mark = stopwatch(); // a few clock reads a file; posted only when asked for
      let outcome;
      try {
        outcome = await hashFile(file, reporter(id), mark);
      } catch (error) {
        const kind = media.kindFromName((file && file.name) || "");
        const failure = error instanceof RangeError ? "too_large" : "read_error";
        outcome = result(kind, { error: failure });
      }
      mark("finish");
      if (timing) root.postMessage({ type: "result", id, result: outcome, stages: mark.stages });
      else root.postMessage({ type: "result", id, result: outcome });
    }
    busy = false;
  }

  root.onmessage = (event) => {
    const message = event.data;
    if (message && message.type === "hash") {
      queue.push({ id: message.id, file: message.file, timing: message.timing === true });
      drain();
    }
  };
})(self);
