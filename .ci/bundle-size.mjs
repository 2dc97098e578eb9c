// The deployable Worker's size as Cloudflare counts it: compressed, every module the dry run
// emitted (the script and its .wasm modules). Source maps are uploaded beside it and do not count.
// Usage: node .ci/bundle-size.mjs <outdir of `wrangler deploy --dry-run --outdir`>
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const MiB = 1024 * 1024;
const FREE = 3 * MiB;
const PAID = 10 * MiB;
const dir = process.argv[2];
const files = fs.readdirSync(dir).filter((f) => /\.(m?js|wasm)$/.test(f)).sort();
if (!files.includes("index.js")) {
  console.error(`no index.js in ${dir}: did the dry run emit the bundle?`);
  process.exit(1);
}
let raw = 0;
let gz = 0;
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
for (const f of files) {
  const bytes = fs.readFileSync(path.join(dir, f));
  const z = zlib.gzipSync(bytes, { level: 9 }).byteLength;
  raw += bytes.byteLength;
  gz += z;
  console.log(`  ${f.padEnd(60)} ${kib(bytes.byteLength).padStart(12)}  gzip ${kib(z).padStart(10)}`);
}
const pct = (limit) => `${((100 * gz) / limit).toFixed(0)}%`;
console.log(`bundle: ${kib(raw)}, gzip ${kib(gz)} = ${pct(FREE)} of the free plan's 3 MB, ${pct(PAID)} of the paid plan's 10 MB`);
if (gz > FREE) {
  console.error(`the compressed bundle (${kib(gz)}) is over the free plan's 3 MB limit`);
  process.exit(1);
}
