// Copies the npm libraries the companion page uses into bot/companion/web/vendor/ and writes
// vendor/manifest.json (each file, its package, version and SHA-256). The copied files are
// committed, so running the page or its tests needs no npm; run this after changing
// web/package.json: `npm ci --prefix web && node web/build.mjs` (or `make web`).
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const vendor = join(here, "..", "bot", "companion", "web", "vendor");

/** [package, file inside the package, name in vendor/] */
const FILES = [
  ["hash-wasm", "dist/md5.umd.min.js", "hash-wasm-md5.umd.min.js"],
  ["hash-wasm", "LICENSE", "hash-wasm-LICENSE.txt"],
  ["libheif-js", "libheif-wasm/libheif-bundle.js", "libheif-bundle.js"],
  ["libheif-js", "libheif-wasm/LICENSE", "libheif-LICENSE.txt"],
];

mkdirSync(vendor, { recursive: true });
const manifest = FILES.map(([name, source, target]) => {
  const root = join(here, "node_modules", name);
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  copyFileSync(join(root, source), join(vendor, target));
  const sha256 = createHash("sha256").update(readFileSync(join(vendor, target))).digest("hex");
  return { file: target, package: name, version, source, sha256 };
});
writeFileSync(join(vendor, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
for (const entry of manifest) console.log(`${entry.file}  ${entry.package}@${entry.version}`);
