// Runs `wrangler dev` (the local runtime: workerd + miniflare) for a benchmark and waits until
// it answers. Each Worker gets its own persistence directory under .sandbox/bench.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const wrangler = path.join(root, "node_modules/.bin/wrangler");

export async function startWranglerDev({ config, port, envFile, persist, migrate = false, probe = "/" }) {
  fs.rmSync(persist, { recursive: true, force: true });
  if (migrate) {
    const r = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist, "-c", config], { cwd: root, stdio: "ignore", env: { ...process.env, CI: "1" } });
    if (r.status !== 0) throw new Error("could not apply migrations for the benchmark");
  }
  const args = ["dev", "-c", config, "--port", String(port), "--ip", "127.0.0.1", "--persist-to", persist, "--show-interactive-dev-session=false", "--log-level", process.env.BENCH_LOG ?? "error"];
  if (envFile) args.push("--env-file", envFile);
  const child = spawn(wrangler, args, { cwd: root, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, CI: "1" } });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 240; i++) {
    try {
      const r = await fetch(base + probe);
      await r.arrayBuffer();
      if (r.status < 500) return { base, stop: () => new Promise((res) => { child.once("exit", res); child.kill("SIGINT"); }) };
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  child.kill("SIGKILL");
  throw new Error(`wrangler dev for ${config} did not come up`);
}
