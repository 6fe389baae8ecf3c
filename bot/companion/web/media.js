// Telling pictures, videos and other files apart from their first bytes and their name, reading a
// picture's size from its header (before anything is decoded), and spotting truncated pictures.
// The rules follow bot/companion/hasher.py so the page and `reclaim hash` answer alike.
// What does not belong here: decoding pixels and the hashes (worker.js, pdq.js, perceptual.js).
"use strict";

(function (root) {
  const IMAGE_EXTENSIONS = new Set(
    "jpg jpeg jpe jfif png apng webp gif bmp dib tif tiff heic heif hif avif".split(" "),
  );
  const VIDEO_EXTENSIONS = new Set(
    ("mp4 m4v mov qt webm mkv avi 3gp 3g2 wmv asf flv f4v mpg mpeg mpe m2v ts mts m2ts ogv " +
      "vob divx").split(" "),
  );
  const HEIF_BRANDS = new Set([
    "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif", "avis",
  ]);
  const QUICKTIME_BOXES = new Set(["moov", "mdat", "wide", "free", "skip", "pnot"]);
  /** Bytes read to tell the kind of a file (as hasher.py's _SNIFF_SIZE). */
  const SNIFF_SIZE = 16;
  /** Bytes read to find a picture's size: JPEG headers (EXIF, ICC) come before the frame. */
  const HEADER_SIZE = 512 * 1024;

  /** @param {Uint8Array} bytes @param {number} start @param {number} end */
  function ascii(bytes, start, end) {
    let text = "";
    for (let i = start; i < Math.min(end, bytes.length); i++) text += String.fromCharCode(bytes[i]);
    return text;
  }

  /** @param {Uint8Array} bytes @param {number[]} prefix */
  function startsWith(bytes, prefix) {
    if (bytes.length < prefix.length) return false;
    return prefix.every((value, i) => bytes[i] === value);
  }

  /**
   * The kind a file's name suggests: "image", "video" or "other".
   * @param {string} name
   * @returns {"image"|"video"|"other"}
   */
  function kindFromName(name) {
    const dot = name.lastIndexOf(".");
    const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
    if (IMAGE_EXTENSIONS.has(extension)) return "image";
    if (VIDEO_EXTENSIONS.has(extension)) return "video";
    return "other";
  }

  /** @param {Uint8Array} head the first bytes of a file */
  function looksLikeHeif(head) {
    return ascii(head, 4, 8) === "ftyp" && HEIF_BRANDS.has(ascii(head, 8, 12));
  }

  /** @param {Uint8Array} head */
  function looksLikeImage(head) {
    return (
      startsWith(head, [0xff, 0xd8, 0xff]) ||
      startsWith(head, [0x89, 0x50, 0x4e, 0x47]) ||
      ascii(head, 0, 4) === "GIF8" ||
      startsWith(head, [0x49, 0x49, 0x2a, 0x00]) ||
      startsWith(head, [0x4d, 0x4d, 0x00, 0x2a]) ||
      (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 12) === "WEBP") ||
      looksLikeHeif(head)
    );
  }

  /** @param {Uint8Array} head */
  function looksLikeVideo(head) {
    if (ascii(head, 4, 8) === "ftyp") return !HEIF_BRANDS.has(ascii(head, 8, 12));
    return (
      QUICKTIME_BOXES.has(ascii(head, 4, 8)) ||
      startsWith(head, [0x1a, 0x45, 0xdf, 0xa3]) ||
      (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 12) === "AVI ") ||
      startsWith(head, [0x00, 0x00, 0x01, 0xba]) ||
      startsWith(head, [0x00, 0x00, 0x01, 0xb3]) ||
      ascii(head, 0, 3) === "FLV" ||
      startsWith(head, [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11]) ||
      ascii(head, 0, 4) === "OggS"
    );
  }

  /**
   * What to do with a file, from its name and first bytes, as hasher.py decides.
   * @param {string} name
   * @param {Uint8Array} head at least the first SNIFF_SIZE bytes (fewer for tiny files)
   * @returns {{kind: "image"|"video"|"other", decode: boolean, heif: boolean}}
   *   `decode`: worth trying to decode as a picture; `kind` is the answer if it is not one.
   */
  function classify(name, head) {
    const guess = kindFromName(name);
    const heif = looksLikeHeif(head);
    if (looksLikeVideo(head) || (guess === "video" && !heif)) {
      return { kind: "video", decode: false, heif: false };
    }
    // Pillow also reads formats hasher.py does not sniff (BMP...): a name or a BMP mark is
    // reason enough to try, and a failed decode then means "damaged" only for named pictures.
    const picture = guess === "image" || looksLikeImage(head);
    const bitmap = ascii(head, 0, 2) === "BM";
    return { kind: picture ? "image" : "other", decode: picture || bitmap, heif };
  }

  /** @param {Uint8Array} b @param {number} i */
  const be16 = (b, i) => (b[i] << 8) | b[i + 1];
  /** @param {Uint8Array} b @param {number} i */
  const be32 = (b, i) => ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
  /** @param {Uint8Array} b @param {number} i */
  const le16 = (b, i) => b[i] | (b[i + 1] << 8);
  /** @param {Uint8Array} b @param {number} i */
  const le24 = (b, i) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
  /** @param {Uint8Array} b @param {number} i */
  const le32 = (b, i) => (le24(b, i) + b[i + 3] * 16777216);

  /**
   * Where a JPEG's first scan starts and its frame size, walking the marker segments.
   * @param {Uint8Array} b
   * @returns {{width: number, height: number, scan: number}|null} scan: offset of the first SOS
   */
  function jpegLayout(b) {
    let i = 2;
    let width = 0;
    let height = 0;
    while (i + 4 <= b.length) {
      if (b[i] !== 0xff) return null;
      const marker = b[i + 1];
      if (marker === 0xff) { i += 1; continue; }
      if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { i += 2; continue; }
      const length = be16(b, i + 2);
      const isFrame = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
      if (isFrame && i + 9 <= b.length) {
        height = be16(b, i + 5);
        width = be16(b, i + 7);
      }
      if (marker === 0xda) return { width, height, scan: i };
      if (marker === 0xd9) return null;
      i += 2 + length;
    }
    return width && height ? { width, height, scan: -1 } : null;
  }

  /**
   * A picture's stored size from its header, when the format is one we read; null otherwise.
   * Used to refuse pictures with too many pixels before the browser tries to decode them.
   * @param {Uint8Array} b the first HEADER_SIZE bytes (or the whole file if smaller)
   * @returns {{width: number, height: number}|null}
   */
  function headerSize(b) {
    if (startsWith(b, [0x89, 0x50, 0x4e, 0x47]) && ascii(b, 12, 16) === "IHDR") {
      return { width: be32(b, 16), height: be32(b, 20) };
    }
    if (startsWith(b, [0xff, 0xd8, 0xff])) {
      const layout = jpegLayout(b);
      return layout && layout.width ? { width: layout.width, height: layout.height } : null;
    }
    if (ascii(b, 0, 4) === "GIF8" && b.length >= 10) return { width: le16(b, 6), height: le16(b, 8) };
    if (ascii(b, 0, 2) === "BM" && b.length >= 26) {
      return { width: Math.abs(le32(b, 18) | 0), height: Math.abs(le32(b, 22) | 0) };
    }
    if (ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP" && b.length >= 30) {
      const chunk = ascii(b, 12, 16);
      if (chunk === "VP8X") return { width: le24(b, 24) + 1, height: le24(b, 27) + 1 };
      if (chunk === "VP8L") {
        const bits = le32(b, 21);
        return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
      }
      if (chunk === "VP8 ") return { width: le16(b, 26) & 0x3fff, height: le16(b, 28) & 0x3fff };
    }
    return null;
  }

  /**
   * The EXIF orientation (1-8) stored in a WebP's EXIF chunk, or 1. Chromium does not apply it
   * when decoding, while Pillow's exif_transpose does; the worker applies it itself then.
   * @param {Uint8Array} b the header bytes (the EXIF chunk of a camera WebP comes early)
   * @returns {number}
   */
  function webpOrientation(b) {
    if (!(ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP" && ascii(b, 12, 16) === "VP8X")) {
      return 1;
    }
    for (let at = 12; at + 8 <= b.length; ) {
      const size = le32(b, at + 4);
      if (ascii(b, at, at + 4) === "EXIF") {
        let tiff = at + 8;
        if (ascii(b, tiff, tiff + 6) === "Exif\0\0") tiff += 6;
        return tiffOrientation(b, tiff, Math.min(b.length, at + 8 + size));
      }
      at += 8 + size + (size & 1);
    }
    return 1;
  }

  /**
   * The EXIF orientation (1-8) a JPEG (APP1 "Exif"), PNG (eXIf chunk before the pixels) or WebP
   * stores, or 1: what Pillow's getexif reads. The browser turns JPEG and PNG itself; the worker
   * still needs the stored orientation to lay out pHash's blocks as Pillow's reduce does.
   * @param {Uint8Array} b the header bytes
   * @returns {number}
   */
  function exifOrientation(b) {
    if (startsWith(b, [0xff, 0xd8, 0xff])) {
      for (let i = 2; i + 4 <= b.length; ) {
        if (b[i] !== 0xff) return 1;
        const marker = b[i + 1];
        if (marker === 0xff) { i += 1; continue; }
        if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { i += 2; continue; }
        if (marker === 0xda || marker === 0xd9) return 1;
        const length = be16(b, i + 2);
        if (marker === 0xe1 && ascii(b, i + 4, i + 10) === "Exif\0\0") {
          return tiffOrientation(b, i + 10, Math.min(b.length, i + 2 + length));
        }
        i += 2 + length;
      }
      return 1;
    }
    if (startsWith(b, [0x89, 0x50, 0x4e, 0x47])) {
      for (let at = 8; at + 8 <= b.length; ) {
        const size = be32(b, at);
        const type = ascii(b, at + 4, at + 8);
        if (type === "eXIf") return tiffOrientation(b, at + 8, Math.min(b.length, at + 8 + size));
        if (type === "IDAT" || type === "IEND") return 1;
        at += 12 + size;
      }
      return 1;
    }
    return webpOrientation(b);
  }

  /** The most bytes of a WebP EXIF chunk read when it lies past the header. */
  const WEBP_EXIF_LIMIT = 1 << 20;

  /**
   * The EXIF orientation of a WebP whose EXIF chunk may come after the header bytes: libwebp
   * writes it after the pixels, so a large picture's EXIF is past HEADER_SIZE. The chunks are
   * walked by reading their 8-byte headers from the file (a handful of small reads).
   * @param {Uint8Array} head the header bytes
   * @param {number} size the file's size in bytes
   * @param {function(number, number): Promise<Uint8Array>} readAt bytes [start, end) of the file
   * @returns {Promise<number>} 1-8
   */
  async function webpFileOrientation(head, size, readAt) {
    const found = webpOrientation(head);
    const extended = ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 16) === "WEBPVP8X";
    // VP8X flags: bit 3 says the file has EXIF.
    if (found !== 1 || !extended || head.length < 21 || !(head[20] & 0x08) || size <= head.length) {
      return found;
    }
    const end = Math.min(size, 8 + le32(head, 4));
    for (let at = 12; at + 8 <= end; ) {
      const chunk = at + 8 <= head.length ? head.subarray(at, at + 8) : await readAt(at, at + 8);
      if (chunk.length < 8) return 1;
      const length = le32(chunk, 4);
      if (ascii(chunk, 0, 4) === "EXIF") {
        const body = await readAt(at + 8, at + 8 + Math.min(length, WEBP_EXIF_LIMIT));
        const tiff = ascii(body, 0, 6) === "Exif\0\0" ? 6 : 0;
        return tiffOrientation(body, tiff, body.length);
      }
      at += 8 + length + (length & 1);
    }
    return 1;
  }

  /** Tag 0x0112 of the first IFD of the TIFF data at b[start..end), or 1. */
  function tiffOrientation(b, start, end) {
    const order = ascii(b, start, start + 2);
    if (order !== "II" && order !== "MM") return 1;
    const u16 = (i) => (order === "II" ? le16(b, i) : be16(b, i));
    const u32 = (i) => (order === "II" ? le32(b, i) : be32(b, i));
    const ifd = start + u32(start + 4);
    if (ifd + 2 > end) return 1;
    const count = u16(ifd);
    for (let k = 0; k < count; k++) {
      const entry = ifd + 2 + k * 12;
      if (entry + 12 > end) return 1;
      if (u16(entry) === 0x0112) {
        const value = u16(entry + 8);
        return value >= 1 && value <= 8 ? value : 1;
      }
    }
    return 1;
  }

  /**
   * A 2x1 lossless WebP whose EXIF says "rotate 90 degrees" (orientation 6): a browser that
   * applies WebP orientation decodes it as 1x2.
   */
  const WEBP_ORIENTATION_PROBE =
    "UklGRlIAAABXRUJQVlA4WAoAAAAIAAAAAQAAAAAAVlA4TBEAAAAvAQAAAA8Q87//8x8OMqL/AQBFWElGGgAAAE1N" +
    "ACoAAAAIAAEBEgADAAAAAQAGAAAAAAAA";

  /**
   * The canvas transform that draws a stored picture (width x height) upright for an EXIF
   * orientation, as Pillow's exif_transpose turns it: [a, b, c, d, e, f] for setTransform.
   * @param {number} orientation 1-8
   * @param {number} width stored width
   * @param {number} height stored height
   * @returns {number[]}
   */
  function orientationTransform(orientation, width, height) {
    const w = width;
    const h = height;
    return {
      1: [1, 0, 0, 1, 0, 0],
      2: [-1, 0, 0, 1, w, 0],
      3: [-1, 0, 0, -1, w, h],
      4: [1, 0, 0, -1, 0, h],
      5: [0, 1, 1, 0, 0, 0],
      6: [0, 1, -1, 0, h, 0],
      7: [0, -1, -1, 0, h, w],
      8: [0, -1, 1, 0, 0, w],
    }[orientation] || [1, 0, 0, 1, 0, 0];
  }

  /**
   * Watches a file's bytes go by (the chunks read for MD5) and tells whether the picture in it is
   * complete, as Pillow judges it: a JPEG needs an end-of-image marker after its first scan, a PNG
   * its IEND chunk, a GIF every data block of its first frame (the trailer may be missing), and a
   * WebP the whole length its RIFF header gives. Pillow reports cut-off JPEG, PNG and GIF files as
   * truncated and a cut-off WebP as damaged; the browser may draw them half grey instead.
   * @param {Uint8Array} head the header bytes read before
   */
  function endWatcher(head) {
    // Only a picture whose header is whole can be cut off: one without a frame is damaged.
    const layout = startsWith(head, [0xff, 0xd8, 0xff]) ? jpegLayout(head) : null;
    const jpeg = layout !== null && layout.scan >= 0;
    const png = startsWith(head, [0x89, 0x50, 0x4e, 0x47]) && ascii(head, 12, 16) === "IHDR";
    const gif = head.length >= 13 && (ascii(head, 0, 6) === "GIF87a" || ascii(head, 0, 6) === "GIF89a");
    const webp = head.length >= 12 && ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 12) === "WEBP";
    const riffEnd = webp ? 8 + (head[4] | (head[5] << 8) | (head[6] << 16)) + head[7] * 2 ** 24 : 0;
    const frame = gif ? gifFrameWatcher() : null;
    const scan = jpeg ? layout.scan : 0;
    let seenEnd = false;
    let previous = -1;
    let seen = 0;
    let tail = new Uint8Array(0);
    return {
      /** @param {Uint8Array} chunk @param {number} offset where the chunk starts in the file */
      feed(chunk, offset) {
        seen = Math.max(seen, offset + chunk.length);
        if (jpeg && !seenEnd) {
          if (previous === 0xff && chunk[0] === 0xd9 && offset - 1 >= scan) seenEnd = true;
          let i = Math.max(0, scan - offset);
          while (!seenEnd && (i = chunk.indexOf(0xff, i)) !== -1 && i + 1 < chunk.length) {
            if (chunk[i + 1] === 0xd9) seenEnd = true;
            i += 1;
          }
          previous = chunk.length ? chunk[chunk.length - 1] : previous;
        }
        if (png) {
          const keep = Math.min(12, tail.length + chunk.length);
          const joined = new Uint8Array(keep);
          const fromChunk = Math.min(keep, chunk.length);
          joined.set(tail.subarray(tail.length - (keep - fromChunk)), 0);
          joined.set(chunk.subarray(chunk.length - fromChunk), keep - fromChunk);
          tail = joined;
        }
        if (frame) frame.feed(chunk);
      },
      /** @returns {boolean} true when the bytes seen end before the picture does */
      truncated() {
        return this.error() !== null;
      },
      /** @returns {?string} the error Pillow gives the bytes seen ("truncated", "damaged"), or null */
      error() {
        if (jpeg) return seenEnd ? null : "truncated";
        if (png) return ascii(tail, 4, 8) === "IEND" ? null : "truncated";
        if (frame) return frame.cut() ? "truncated" : null;
        if (webp) return seen < riffEnd ? "damaged" : null;
        return null;
      },
    };
  }

  /**
   * Follows a GIF's blocks up to the end of its first frame's image data, byte by byte, so any
   * chunk size works. Pillow reads only the first frame: it calls the file truncated when that
   * frame's data blocks stop short, and damaged when the frame's descriptor is missing (the
   * browser cannot draw that either, so only the first case needs telling).
   */
  function gifFrameWatcher() {
    const GCT = 13;
    let step = "header"; // header, skip, block, label, sublen, subskip, descriptor, lzw, data, datalen, done
    let need = GCT; // bytes left in the current fixed-size part
    let packed = 0;
    let after = "block"; // where a skip goes on
    let inImage = false;
    let dataBlocks = 0;
    let at = 0;
    return {
      /** @param {Uint8Array} chunk */
      feed(chunk) {
        let i = 0;
        while (i < chunk.length && step !== "done") {
          if (step === "skip" || step === "subskip" || step === "data") {
            const take = Math.min(need, chunk.length - i);
            need -= take;
            i += take;
            at += take;
            if (need === 0) step = step === "skip" ? after : step === "data" ? "datalen" : "sublen";
            continue;
          }
          const byte = chunk[i];
          i += 1;
          at += 1;
          if (step === "header") {
            if (at === 11) packed = byte;
            if (--need === 0) skipTable(packed, "block");
          } else if (step === "block") {
            if (byte === 0x2c) { step = "descriptor"; need = 9; }
            else if (byte === 0x21) step = "label";
            else step = "done"; // the trailer, or something Pillow stops at
          } else if (step === "label") {
            step = "sublen";
          } else if (step === "sublen") {
            if (byte === 0) step = "block";
            else { step = "subskip"; need = byte; }
          } else if (step === "descriptor") {
            if (--need === 0) { inImage = true; skipTable(byte, "lzw"); }
          } else if (step === "lzw") {
            step = "datalen";
          } else if (step === "datalen") {
            if (byte === 0) step = "done";
            else { step = "data"; need = byte; dataBlocks += 1; }
          }
        }
      },
      /** @returns {boolean} true when the first frame's data stops short */
      cut() {
        if (!inImage || step === "done") return false;
        if (step === "datalen") return dataBlocks === 0; // every block whole: only the end is missing
        return true;
      },
    };

    /** A colour table follows when bit 7 of ``flags`` is set: 3 * 2^(size + 1) bytes. */
    function skipTable(flags, next) {
      const size = flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0;
      if (size) { step = "skip"; need = size; after = next; }
      else step = next;
    }
  }

  const media = {
    SNIFF_SIZE, HEADER_SIZE, classify, kindFromName, looksLikeHeif, looksLikeImage,
    looksLikeVideo, headerSize, endWatcher, webpOrientation, webpFileOrientation, exifOrientation,
    orientationTransform,
    WEBP_ORIENTATION_PROBE,
  };
  root.Reclaim = root.Reclaim || {};
  root.Reclaim.media = media;
  if (typeof module !== "undefined") module.exports = media;
})(typeof self !== "undefined" ? self : globalThis);
