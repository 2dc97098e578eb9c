// Bundles one of the Worker's TypeScript modules for Node so a benchmark measures the same
// code the Worker runs. `cloudflare:*` imports stay external (benchmarks avoid them).
import { build } from "esbuild";
import path from "node:path";
import fs from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export async function loadTs(entry) {
  const outdir = path.join(root, "bench/.out");
  await fs.mkdir(outdir, { recursive: true });
  const outfile = path.join(outdir, path.basename(entry).replace(/\.tsx?$/, "") + ".mjs");
  await build({
    entryPoints: [path.join(root, entry)],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external: ["cloudflare:*"],
    loader: { ".wasm": "binary" },
    logLevel: "error",
  });
  return import(pathToFileURL(outfile).href + `?t=${Date.now()}`);
}
