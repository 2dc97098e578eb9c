// The Worker's own log lines (one JSON line per step) during a benchmark go to a file, so the
// terminal shows the benchmark's tables; `.sandbox/bench/<name>.log` keeps them for a look.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Miniflare options that route the runtime's stdout/stderr and structured logs to one file. */
export function workerLogOptions(name) {
  const file = path.join(root, ".sandbox/bench", `${name}.log`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const out = fs.createWriteStream(file);
  return {
    file,
    options: {
      handleRuntimeStdio: (stdout, stderr) => { stdout.pipe(out, { end: false }); stderr.pipe(out, { end: false }); },
      handleStructuredLogs: (log) => out.write(`${log.message}\n`),
    },
  };
}
