// Decodes HEIF files with the page's heic.js and the vendored libheif, as the worker does, and
// writes each picture's RGB bytes beside it (<file>.rgb) for the Python test to compare.
//   node heic_check.js <web folder> <file>...  ->  JSON [{width, height} | {answer}] on stdout
"use strict";

const fs = require("fs");
const path = require("path");

const web = process.argv[2];
console.log = console.error; // libheif reports its failures with console.log
const heic = require(path.join(web, "heic.js"));
const load = () => require(path.join(web, "vendor", "libheif-bundle.js"));

(async () => {
  const answers = [];
  for (const file of process.argv.slice(3)) {
    const pixels = await heic.decode(new Uint8Array(fs.readFileSync(file)), load, 210000000);
    if (pixels === null || pixels === "too_large") {
      answers.push({ answer: pixels });
      continue;
    }
    const rgb = Buffer.alloc(pixels.width * pixels.height * 3);
    let opaque = true;
    for (let i = 0, j = 0; i < pixels.data.length; i += 4, j += 3) {
      rgb[j] = pixels.data[i];
      rgb[j + 1] = pixels.data[i + 1];
      rgb[j + 2] = pixels.data[i + 2];
      opaque = opaque && pixels.data[i + 3] === 255;
    }
    fs.writeFileSync(`${file}.rgb`, rgb);
    answers.push({ width: pixels.width, height: pixels.height, opaque });
  }
  process.stdout.write(JSON.stringify(answers));
})();
