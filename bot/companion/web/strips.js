// Reading a decoded picture's pixels in strips of upright rows, for the worker's hashing loop:
// through a VideoFrame where the browser has one for the picture (a plain copy of the stored
// pixels, several times faster), otherwise by drawing into a canvas a strip high. Each read gives
// the strip's RGBA bytes with where each upright row starts and its step, so the hot loop in
// worker.js has one shape for both.
// What does not belong here: decoding (the browser, jpeg.js, heic.js) and the hashes (worker.js,
// pdq.js, perceptual.js).
"use strict";

(function (root) {
  const { media } = root.Reclaim;

  /** EXIF orientation of a VideoFrame's stored pixels, from its rotation and flip. */
  const FRAME_ORIENTATIONS = {
    "0": 1, "0f": 2, "180": 3, "180f": 4, "90f": 5, "90": 6, "270f": 7, "270": 8,
  };

  /**
   * Reads upright strips of an opaque picture through a VideoFrame: its copyTo is a plain copy of
   * a rectangle of the stored pixels, several times faster than drawing into a canvas and reading
   * it back. The frame keeps the pixels as stored, with the turn to apply, so each upright row is
   * read from the strip with a start and a step (a row, a reversed row or a column).
   * @returns {{width: number, height: number, read: function(number, number):
   *   Promise<{pixels: Uint8Array, start: function(number): number, step: number}>,
   *   close: function(): void}|null} null where the browser has no such frame for the picture
   */
  function frameStrips(bitmap, orientation) {
    if (typeof VideoFrame !== "function" || orientation !== 1) return null;
    let frame;
    try {
      frame = new VideoFrame(bitmap, { timestamp: 0 });
    } catch (error) {
      return null;
    }
    const turn = FRAME_ORIENTATIONS[`${frame.rotation || 0}${frame.flip ? "f" : ""}`];
    // Only opaque formats: how a frame holds transparent pixels is not Pillow's way.
    if (!/X$/.test(frame.format || "") || turn === undefined) {
      frame.close();
      return null;
    }
    const storedWidth = frame.codedWidth;
    const storedHeight = frame.codedHeight;
    const turned = turn >= 5;
    const width = turned ? storedHeight : storedWidth;
    const height = turned ? storedWidth : storedHeight;
    if (width !== bitmap.width || height !== bitmap.height) {
      frame.close();
      return null;
    }
    let buffer = new Uint8Array(0);
    return {
      width,
      height,
      async read(y, count) {
        const W = storedWidth;
        const H = storedHeight;
        const rect = turned
          ? { x: turn <= 6 ? y : W - y - count, y: 0, width: count, height: H }
          : { x: 0, y: turn <= 2 ? y : H - y - count, width: W, height: count };
        const size = rect.width * rect.height * 4;
        if (buffer.length < size) buffer = new Uint8Array(size);
        await frame.copyTo(buffer, { rect, format: "RGBA" });
        const n = count;
        const starts = {
          1: (r) => r * W,
          2: (r) => r * W + W - 1,
          3: (r) => (n - 1 - r) * W + W - 1,
          4: (r) => (n - 1 - r) * W,
          5: (r) => r,
          6: (r) => (H - 1) * n + r,
          7: (r) => (H - 1) * n + (n - 1 - r),
          8: (r) => n - 1 - r,
        };
        const steps = { 1: 1, 2: -1, 3: -1, 4: 1, 5: n, 6: -n, 7: -n, 8: n };
        return { pixels: buffer, start: starts[turn], step: steps[turn] };
      },
      close() {
        frame.close();
      },
    };
  }

  /**
   * Reads upright strips by drawing the picture into a canvas a strip high and reading it back.
   * Works everywhere OffscreenCanvas does, for every picture; the canvas is never narrower than
   * the picture and strips are drawn at 1:1, with no blending and no smoothing.
   * @returns {object|null} as frameStrips; null when no canvas can be had (too large)
   */
  function canvasStrips(bitmap, orientation, rows) {
    const turned = orientation >= 5;
    const width = turned ? bitmap.height : bitmap.width;
    const height = turned ? bitmap.width : bitmap.height;
    const transform = media.orientationTransform(orientation, bitmap.width, bitmap.height);
    let context = null;
    try {
      const canvas = new OffscreenCanvas(width, Math.min(rows(width), height));
      context = canvas.getContext("2d", { willReadFrequently: true });
    } catch (error) {
      context = null;
    }
    if (context === null) return null;
    context.globalCompositeOperation = "copy";
    context.imageSmoothingEnabled = false;
    return {
      width,
      height,
      async read(y, count) {
        if (orientation === 1) {
          context.drawImage(bitmap, 0, y, width, count, 0, 0, width, count);
        } else {
          // Whole quarter turns and flips: every pixel lands exactly on one pixel.
          const [a, b, c, d, e, f] = transform;
          context.setTransform(a, b, c, d, e, f - y);
          context.drawImage(bitmap, 0, 0);
        }
        const data = context.getImageData(0, 0, width, count).data;
        // As plain bytes, the same type as frameStrips gives: one shape for the hot loop.
        const pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
        return { pixels, start: (r) => r * width, step: 1 };
      },
      close() {},
    };
  }

  const strips = { frame: frameStrips, canvas: canvasStrips };
  root.Reclaim.strips = strips;
})(self);
