// npm start: the connector on one machine. Starts the partner simulators (Qargo, Palletways
// API + FTP, UPN, Hazchem), applies the D1 migrations locally, runs `wrangler dev` wired to
// the simulators, seeds a few demo consignments and prints where everything is.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startSandbox } from "../sandbox/index.mjs";
import { seedDemo } from "./demo.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PORT = Number(process.env.PORT ?? 8787);
const persist = path.join(root, ".wrangler/state");
const wrangler = path.join(root, "node_modules/.bin/wrangler");

const sandbox = await startSandbox({
  ports: { qargo: 8801, palletways: 8802, upn: 8803, hazchem: 8804, alerts: 8805, ftp: 2121, pasvMin: 42000, pasvMax: 42100 },
});
const envFile = path.join(root, ".sandbox/dev.vars");
fs.mkdirSync(path.dirname(envFile), { recursive: true });
// The sandbox's own fake credentials; a real deployment uses `wrangler secret put`.
// PUBLIC_URL: links in alerts (to the sandbox's alert receiver) point at this connector.
const vars = { ...sandbox.env, PUBLIC_URL: `http://127.0.0.1:${PORT}` };
fs.writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join("\n") + "\n");

// Wrangler draws a table row per migration; one line says the same. Its words stay for a failure.
const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], { cwd: root, stdio: "pipe", encoding: "utf8", env: { ...process.env, CI: "1" } });
if (migrate.status !== 0) {
  console.error(`${migrate.stdout}${migrate.stderr}\ncould not apply the D1 migrations locally`);
  await sandbox.stop();
  process.exit(1);
}
const applied = new Set([...migrate.stdout.matchAll(/(\d{4}_[\w-]+\.sql)\s*│\s*✅/g)].map((m) => m[1])).size;
console.log(`D1 (local, ${path.relative(root, persist)}): ${applied ? `${applied} migration${applied === 1 ? "" : "s"} applied` : "migrations up to date"}`);

const dev = spawn(wrangler, ["dev", "--port", String(PORT), "--ip", "127.0.0.1", "--persist-to", persist, "--env-file", envFile, "--test-scheduled", "--show-interactive-dev-session=false"], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
});

const base = `http://127.0.0.1:${PORT}`;
async function waitUp() {
  for (let i = 0; i < 120; i++) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) return true;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

async function stop(code = 0) {
  dev.kill("SIGINT");
  await sandbox.stop();
  process.exit(code);
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));
dev.on("exit", (code) => {
  console.error(`wrangler dev exited (${code})`);
  sandbox.stop().then(() => process.exit(code ?? 1));
});

if (!(await waitUp())) {
  console.error("the connector did not come up on " + base);
  await stop(1);
}
const demo = await seedDemo({ base, sandbox });
const token = sandbox.env.ADMIN_TOKEN;
console.log(`
palletbridge is running (local runtime, simulated TMS and networks)

  connector        ${base}
  health           ${base}/healthz
  operator console ${base}/ops            (token: ${token})
  operator API     curl -H "authorization: Bearer ${token}" ${base}/api/failures
  fire the cron    curl "${base}/cdn-cgi/handler/scheduled?cron=*/10+*+*+*+*"   (also ${base}/__scheduled)

  simulators       Qargo ${sandbox.urls.qargo}   Palletways ${sandbox.urls.palletwaysControl}   UPN ${sandbox.urls.upn}   Hazchem ${sandbox.urls.hazchem}
                   FTP ${sandbox.urls.ftp.replace(/:[^:@/]+@/, ":***@")}   alerts ${sandbox.urls.alerts}   (state of each: GET <simulator>/__sim/state)

  demo consignments
${demo.map((d) => `    ${d.network.padEnd(10)} ${d.reference.padEnd(16)} ${d.what}\n                                ${base}/api/consignments/${d.network}/${d.reference}`).join("\n")}

Ctrl-C stops everything.`);
