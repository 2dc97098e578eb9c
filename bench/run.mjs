// npm run bench: runs every bench/*.bench.mjs in turn, each in its own process so one
// benchmark's memory does not colour the next. A figure is printed beside its reference.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const dir = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
// The history bench builds a 90-day database (minutes): it runs when named, not by default.
const heavy = ["history.bench.mjs"];
const files = fs.readdirSync(dir).filter((f) => f.endsWith(".bench.mjs") && (only ? f.includes(only) : !heavy.includes(f))).sort();
let failed = 0;
for (const file of files) {
  const r = spawnSync(process.execPath, ["--expose-gc", path.join(dir, file)], { stdio: "inherit" });
  if (r.status !== 0) { failed++; console.error(`bench ${file} exited with ${r.status}`); }
}
process.exit(failed ? 1 : 0);
