// npm run soak -- --seed N --minutes M
//
// The whole connector on the local runtime (wrangler dev: real D1, R2, Queues, Durable Objects),
// wired to the sandbox simulators, under a mixed workload (scripts/soak/workloads/, one module a
// kind) while faults are injected, all of them transient:
// - the simulators (seeded): 5xx, 429 with Retry-After, resets and short timeouts after the
//   partner stored the request, real timeouts (held past our 60 s timeout, then stored anyway),
//   FTP control connections dropped after STOR and after RNTO;
// - the soak's Worker wrapper (scripts/soak/worker.ts): D1 refusing each write that records a
//   partner call's outcome (document status, job done, event applied, upload id, alert sent),
//   R2 refusing writes, queue messages delivered twice;
// - this harness: overlapping cron passes, and the runtime killed mid-work and restarted (then
//   the claims it left are aged as if 30 minutes had passed, for the re-drive).
// Then the faults stop, the work drains, and the run is judged. It FAILS unless every item (by
// its own SHA-256 or event id) arrived exactly once, no job failed (every fault was transient),
// none is unfinished, no TMS stop's status stepped back and each delivered stop ended COMPLETED,
// every workload kind produced items, and every fault kind (and every partner's unclear-outcome
// path) was hit at least --min-faults times: the workload runs on, up to --max-extend minutes,
// until they are.
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { experimental_readRawConfig } from "wrangler";
import sharp from "sharp";
import { startSandbox } from "../sandbox/index.mjs";
import { prng, hashSeed } from "../sandbox/lib/faults.mjs";
import { documentCreated, palletOrder, stopCompleted } from "../sandbox/qargo-webhooks.mjs";
import { workloads } from "./soak/workloads/index.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const wrangler = path.join(root, "node_modules/.bin/wrangler");

function args() {
  const a = process.argv.slice(2);
  const get = (name, def) => {
    const i = a.indexOf(`--${name}`);
    return i >= 0 && a[i + 1] !== undefined ? a[i + 1] : def;
  };
  return {
    seed: Number(get("seed", 1)),
    minutes: Number(get("minutes", 2)),
    rate: Number(get("rate", 0.06)),
    d1Rate: Number(get("d1-rate", 0.15)),
    r2Rate: Number(get("r2-rate", 0.05)),
    queueDupRate: Number(get("queue-dup-rate", 0.1)),
    minFaults: Number(get("min-faults", 1)),
    maxExtend: Number(get("max-extend", 0)) || null,
    kills: Number(get("kills", 1)),
    drainMinutes: Number(get("drain-minutes", 0)) || null,
    verbose: a.includes("--verbose"),
  };
}

const opts = args();
if (!Number.isInteger(opts.seed) || !(opts.minutes > 0)) {
  console.error("usage: npm run soak -- --seed N --minutes M [--rate 0.06] [--d1-rate 0.15] [--r2-rate 0.05] [--queue-dup-rate 0.1] [--min-faults 1] [--max-extend MIN] [--kills 1] [--drain-minutes D] [--verbose]");
  process.exit(2);
}
const rand = prng(hashSeed(opts.seed, "workload"));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sha256 = (b) => createHash("sha256").update(b).digest("hex");
const say = (...m) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}]`, ...m);
const debug = (...m) => opts.verbose && say(...m);

/** Seeded bytes (the workload is reproducible too), shaped like the format they claim. */
function bytes(kind, n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  if (kind === "jpeg") {
    b.set([0xff, 0xd8, 0xff, 0xe0]);
    b.set([0xff, 0xd9], n - 2);
  }
  if (kind === "pdf") b.write("%PDF-1.4\n", 0, "latin1");
  return b;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function post(url, body) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${url} → ${res.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : null;
}
const get = async (url, headers = {}) => {
  const res = await fetch(url, { headers });
  if (!res.ok) throw new Error(`${url} → ${res.status}`);
  return res.json();
};

/** A real JPEG (Palletways' simulator builds PDFs from it) of seeded pixels. */
async function jpeg(size) {
  const w = 16 + Math.floor(size / 400);
  const raw = Buffer.alloc(w * w * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(rand() * 256);
  return sharp(raw, { raw: { width: w, height: w, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
}

// ---------------------------------------------------------------------------------------------
const started = Date.now();
const work = path.join(root, ".sandbox", `soak-${process.pid}`);
fs.mkdirSync(work, { recursive: true });
const sandbox = await startSandbox({ quiet: true });
const { urls, env } = sandbox;
let dev = null;

async function shutdown(code) {
  if (dev && dev.exitCode === null) {
    const exited = new Promise((r) => dev.once("exit", r));
    try {
      process.kill(-dev.pid, "SIGINT");
    } catch {}
    await Promise.race([exited, sleep(5_000)]);
    try {
      process.kill(-dev.pid, "SIGKILL");
    } catch {}
  }
  await sandbox.stop().catch(() => {});
  fs.rmSync(work, { recursive: true, force: true });
  process.exit(code);
}
process.on("SIGINT", () => shutdown(130));
process.on("SIGTERM", () => shutdown(143));

try {
  // The connector's own wrangler.jsonc, with the soak entry (its D1 wrapped) and a short
  // Palletways catch-up schedule so late photos happen within minutes.
  const { rawConfig } = experimental_readRawConfig({ config: path.join(root, "wrangler.jsonc") });
  const soakConfig = {
    ...rawConfig,
    $schema: undefined,
    main: path.join(root, "scripts/soak/worker.ts"),
    d1_databases: rawConfig.d1_databases.map((d) => ({ ...d, migrations_dir: path.join(root, "migrations") })),
    vars: { ...rawConfig.vars, PALLETWAYS_CATCHUP_SCHEDULE_S: "0,10,30,60" },
  };
  const config = path.join(work, "wrangler.json");
  fs.writeFileSync(config, JSON.stringify(soakConfig, null, 2));
  const envFile = path.join(work, "dev.vars");
  const vars = { ...env, SOAK_SEED: String(opts.seed), SOAK_D1_FAULT_RATE: String(opts.d1Rate), SOAK_R2_FAULT_RATE: String(opts.r2Rate), SOAK_QUEUE_DUP_RATE: String(opts.queueDupRate) };
  fs.writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join("\n") + "\n");
  const persist = path.join(work, "state");
  const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist, "-c", config], { cwd: root, stdio: opts.verbose ? "inherit" : "pipe", env: { ...process.env, CI: "1" } });
  if (migrate.status !== 0) throw new Error(`could not apply the D1 migrations: ${migrate.stderr?.toString().slice(-500)}`);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // Its own inspector port too: another wrangler dev on this machine must not stop the soak.
  const startDev = async () => {
    const inspector = await freePort();
    // Its own process group: killing the runtime must take workerd with it, not only wrangler.
    dev = spawn(wrangler, ["dev", "-c", config, "--port", String(port), "--inspector-port", String(inspector), "--ip", "127.0.0.1", "--persist-to", persist, "--env-file", envFile, "--test-scheduled", "--show-interactive-dev-session=false", "--log-level", opts.verbose ? "info" : "error"], {
      cwd: root,
      stdio: ["ignore", opts.verbose ? "inherit" : "ignore", "inherit"],
      env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false" },
      detached: true,
    });
    for (let i = 0; ; i++) {
      if (dev.exitCode !== null) throw new Error("wrangler dev exited");
      try {
        if ((await fetch(`${base}/healthz`)).ok) break;
      } catch {}
      if (i > 240) throw new Error("the connector did not come up");
      await sleep(500);
    }
  };
  await startDev();
  say(`connector up on ${base} (seed ${opts.seed}, ${opts.minutes} min, fault rate ${opts.rate}, D1 ${opts.d1Rate}, R2 ${opts.r2Rate}, queue twice ${opts.queueDupRate})`);


  // ---- faults --------------------------------------------------------------------------------
  const httpKinds = ["5xx", "429", "5xx-after-store", "reset-after-store", "timeout", "timeout-then-commit"];
  const ftpKinds = ["drop-after-stor", "drop-after-rnto"];
  const unclearKinds = new Set(["5xx-after-store", "reset-after-store", "timeout", "timeout-then-commit"]);
  const sims = { qargo: urls.qargo, palletways: urls.palletwaysControl, upn: urls.upn, hazchem: urls.hazchem, palletforce: urls.palletforce };
  const faultConfig = {
    // The token endpoint is allowed 5 calls an hour: a fault there would only test the hour.
    qargo: { exclude: ["^/v1/auth/token$"] },
    // Palletways' HTTP calls are reads; its unclear outcomes are the FTP ones.
    palletways: {},
    // UPN's tracking read is destructive: a lost answer loses the events at UPN itself.
    upn: { afterExclude: ["/tracking-events$"] },
    hazchem: {},
    // Every Palletforce read is repeatable and a booking is keyed by its transaction number: any fault may hit any call.
    palletforce: {},
  };
  async function faults(on) {
    for (const [name, url] of Object.entries(sims)) {
      await post(`${url}/__sim/faults`, on ? { seed: opts.seed, rate: opts.rate, kinds: httpKinds, holdMs: 1500, retryAfterS: 2, ...faultConfig[name] } : { off: true });
    }
    await post(`${urls.palletwaysControl}/__sim/ftp/faults`, on ? { seed: opts.seed, rate: Math.min(0.3, opts.rate * 4), rates: { "drop-after-rnto": Math.min(0.5, opts.rate * 8) }, kinds: ftpKinds } : { off: true });
  }
  /** Fault counts by kind, and the unclear-outcome ones by partner. */
  const harnessFaults = { "cron:overlap": 0, "runtime-killed": 0 };
  const workerFaults = { seen: {}, carried: {} };
  async function pollWorkerFaults() {
    try {
      const now = (await get(`${base}/__soak/state`)).faults;
      for (const [k, n] of Object.entries(now)) {
        // The wrapper's counters live in the isolate: a restarted runtime starts them at 0.
        if (n < (workerFaults.seen[k] ?? 0)) workerFaults.carried[k] = (workerFaults.carried[k] ?? 0) + workerFaults.seen[k];
        workerFaults.seen[k] = n;
      }
    } catch {}
  }
  async function faultCounts() {
    const byKind = {};
    const unclearBy = {};
    const add = (k, n) => (byKind[k] = (byKind[k] ?? 0) + n);
    for (const [name, url] of Object.entries(sims)) {
      const s = await get(`${url}/__sim/faults`);
      for (const [k, n] of Object.entries(s.counts)) {
        add(k, n);
        if (unclearKinds.has(k)) unclearBy[name] = (unclearBy[name] ?? 0) + n;
      }
    }
    const ftp = await get(`${urls.palletwaysControl}/__sim/ftp/faults`);
    for (const [k, n] of Object.entries(ftp.counts)) {
      add(k, n);
      unclearBy["palletways-ftp"] = (unclearBy["palletways-ftp"] ?? 0) + n;
    }
    await pollWorkerFaults();
    for (const k of new Set([...Object.keys(workerFaults.seen), ...Object.keys(workerFaults.carried)])) add(k, (workerFaults.seen[k] ?? 0) + (workerFaults.carried[k] ?? 0));
    for (const [k, n] of Object.entries(harnessFaults)) add(k, n);
    return { byKind, unclearBy };
  }
  const required = {
    kinds: [
      ...httpKinds,
      ...ftpKinds,
      ...(opts.d1Rate > 0 ? ["d1:document-final", "d1:job-done", "d1:event-applied", "d1:upload-id", "d1:outbox-sent"] : []),
      ...(opts.r2Rate > 0 ? ["r2:write-refused"] : []),
      ...(opts.queueDupRate > 0 ? ["queue:delivered-twice"] : []),
      "cron:overlap",
      ...(opts.kills > 0 ? ["runtime-killed"] : []),
    ],
    unclear: ["qargo", "upn", "hazchem", "palletforce", "palletways-ftp"],
  };
  const unmet = ({ byKind, unclearBy }) => [
    ...required.kinds.filter((k) => (byKind[k] ?? 0) < opts.minFaults).map((k) => `${k} ${byKind[k] ?? 0}/${opts.minFaults}`),
    ...required.unclear.filter((p) => (unclearBy[p] ?? 0) < opts.minFaults).map((p) => `unclear outcomes at ${p} ${unclearBy[p] ?? 0}/${opts.minFaults}`),
  ];
  await faults(true);

  // ---- workload ----------------------------------------------------------------------------
  /** Every item the workload created, with where it must end up and how it is known there. */
  const items = [];
  const pending = new Set();
  const track = (p) => {
    pending.add(p);
    p.catch((e) => say(`workload step failed: ${e.message}`)).finally(() => pending.delete(p));
  };
  const webhook = async (body) => {
    // Qargo retries a webhook that was not answered 2xx; so does the harness.
    for (let i = 0; i < 12; i++) {
      const r = await post(`${urls.qargo}/__sim/emit`, { target: `${base}/webhooks/tms`, body }).catch(() => ({ status: 0 }));
      if (r.status >= 200 && r.status < 300) return;
      await sleep(1000 * (i + 1));
    }
    throw new Error("the connector never accepted a webhook");
  };
  let n = 0;
  const ref = (prefix, digits = 8) => `${prefix}${String(opts.seed).padStart(2, "0").slice(-2)}${String(++n).padStart(digits - 2, "0")}`;
  const ctx = { ref, rand, bytes, jpeg, post, get, urls, env, base, items, webhook, sleep, sha256, palletOrder, stopCompleted, documentCreated };

  const cronOnce = () => fetch(`${base}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("*/10 * * * *")}`).then((r) => r.body?.cancel()).catch(() => {});
  /** A cron pass; now and then a second one starts while the first runs (an overlapping invocation). */
  const cron = async () => {
    if (rand() < 0.3) {
      harnessFaults["cron:overlap"]++;
      await Promise.all([cronOnce(), sleep(200 + Math.floor(rand() * 800)).then(cronOnce)]);
    } else await cronOnce();
  };
  /** The runtime killed mid-work (every isolate with it), restarted on the same state. */
  async function killAndRestart() {
    say("killing the runtime mid-work");
    harnessFaults["runtime-killed"]++;
    const old = dev;
    const exited = new Promise((r) => (old.exitCode !== null ? r() : old.once("exit", r)));
    process.kill(-old.pid, "SIGKILL");
    await exited;
    // Until the port is free again, nothing may answer there.
    for (let i = 0; i < 40; i++) {
      try {
        await fetch(`${base}/healthz`);
        await sleep(250);
      } catch {
        break;
      }
    }
    await startDev();
    const aged = await post(`${base}/__soak/age-claims`, {});
    say(`runtime back; claims aged for the re-drive: ${JSON.stringify(aged)}`);
  }

  const until = started + opts.minutes * 60_000;
  const maxExtendMs = (opts.maxExtend ?? Math.max(3, opts.minutes)) * 60_000;
  const killAt = new Set(Array.from({ length: opts.kills }, (_, i) => started + ((i + 1) / (opts.kills + 1)) * opts.minutes * 60_000));
  let lastCron = 0;
  let deck = [];
  let extended = false;
  let stillUnmet = [];
  for (;;) {
    const now = Date.now();
    if (now >= until) {
      stillUnmet = unmet(await faultCounts());
      if (stillUnmet.length === 0 || now >= until + maxExtendMs) break;
      if (!extended) say(`workload time is up but some fault minimums are not met (${stillUnmet.join(", ")}): running on`);
      extended = true;
    }
    for (const at of killAt) {
      if (now >= at) {
        killAt.delete(at);
        await killAndRestart();
      }
    }
    // Every kind of work in each round, in a seeded order.
    if (deck.length === 0) deck = workloads.map((w) => [rand(), w]).sort((a, b) => a[0] - b[0]).map(([, w]) => w);
    const w = deck.shift();
    debug(`workload: ${w.name}`);
    track(w.run.call(w, ctx));
    if (Date.now() - lastCron > 10_000) {
      lastCron = Date.now();
      track(cron());
      track(pollWorkerFaults());
    }
    await sleep(1500 + Math.floor(rand() * 2000));
  }
  await Promise.allSettled([...pending]);
  const counted = await faultCounts();
  stillUnmet = unmet(counted);
  // The faults stop (networks recover); the work must now drain to an end.
  await faults(false);
  say(`workload done: ${items.length} items; faults off, draining`);

  // ---- drain and check -----------------------------------------------------------------------
  const byKind = new Map(workloads.flatMap((w) => w.kinds.map((k) => [k, w])));
  const drainMs = (opts.drainMinutes ?? Math.max(4, opts.minutes)) * 60_000;
  const drainUntil = Date.now() + drainMs;
  let verdict;
  for (;;) {
    // Backoffs are long (up to an hour): waiting retries are made due (time travel, worker.ts),
    // and the cron's re-drive sends them.
    await post(`${base}/__soak/hurry`, {}).catch(() => {});
    await cronOnce();
    await sleep(5_000);
    verdict = await check();
    const open = verdict.soak.open.filter((j) => j.status !== "failed").length + verdict.soak.windows.length;
    debug(`drain: ${open} open jobs, missing ${verdict.missing}`);
    if ((open === 0 && verdict.missing === 0) || Date.now() > drainUntil) break;
  }

  /** UPN and Palletforce stops: each status the TMS received, in order; a step back, or no COMPLETED at the end, is a failure. */
  function stopOrder(q) {
    const rank = { AT_STOP: 1, COMPLETED: 2 };
    const stops = new Map();
    for (const it of items) if (it.stop) stops.set(`UPN ${it.reference}`, []);
    // Palletforce's moves and the Palletways booking's notes name the dispatch's stop by id.
    const byId = { palletforce: "Palletforce", palletways: "Palletways booking" };
    const pfStops = new Map(items.filter((it) => byId[it.network] && it.stopId).map((it) => [it.stopId, `${byId[it.network]} ${it.reference} stop ${it.stopId}`]));
    for (const name of pfStops.values()) stops.set(name, []);
    for (const u of q.status_updates) {
      const id = String(u.question_answers?.upn_event_id ?? "");
      const m = /^ev-(.+)-[a-z]+$/.exec(id);
      if (m && stops.has(`UPN ${m[1]}`) && u.status) stops.get(`UPN ${m[1]}`).push(u.status);
      const pf = pfStops.get(u.update?.stop?.id);
      if (pf && u.status) stops.get(pf).push(u.status);
    }
    let stepsBack = 0, notCompleted = 0;
    const problems = [];
    for (const [stop, seq] of stops) {
      for (let i = 1; i < seq.length; i++) {
        if (rank[seq[i]] < rank[seq[i - 1]]) {
          stepsBack++;
          problems.push(`status stepped back: ${stop}: ${seq.join(" → ")}`);
          break;
        }
      }
      if (seq.at(-1) !== "COMPLETED") {
        notCompleted++;
        problems.push(`stop not COMPLETED at the end: ${stop}: ${seq.join(" → ") || "no status"}`);
      }
    }
    return { stops: stops.size, stepsBack, notCompleted, problems };
  }

  async function check() {
    const [qargo, ftpFiles, upn, hazchem, soak, palletways, palletforce] = await Promise.all([
      get(`${urls.qargo}/__sim/state`),
      get(`${urls.palletwaysControl}/__sim/ftp/files`),
      get(`${urls.upn}/__sim/state`),
      get(`${urls.hazchem}/__sim/state`),
      get(`${base}/__soak/state`),
      get(`${urls.palletwaysControl}/__sim/state`),
      get(`${urls.palletforce}/__sim/state`),
    ]);
    const world = { qargo, ftpFiles, upn, hazchem, soak, palletways, palletforce };
    const openBy = (network, reference, statuses) => soak.open.some((j) => j.network === network && j.reference === reference && statuses.includes(j.status));
    const rows = Object.fromEntries([...byKind.keys()].map((k) => [k, { items: 0, delivered: 0, failed: 0, stuck: 0, lost: 0, duplicated: 0 }]));
    let missing = 0, duplicated = 0, repeats = 0;
    const problems = [];
    for (const it of items) {
      const w = byKind.get(it.kind);
      const count = w.count(it, world);
      repeats += w.repeats?.(it, world) ?? 0;
      const row = rows[it.kind];
      row.items++;
      if (count === 1) row.delivered++;
      else if (count > 1) {
        row.duplicated++;
        duplicated++;
        problems.push(`duplicated ×${count}: ${it.kind} ${it.reference} ${it.key}`);
      } else {
        // Not there: named by what its consignment shows, but nothing excuses it (every fault was transient).
        missing++;
        const why = openBy(it.network, it.reference, ["failed"]) ? "failed" : openBy(it.network, it.reference, ["queued", "running"]) || soak.windows.includes(it.reference) ? "stuck" : "lost";
        row[why]++;
        problems.push(`${why}: ${it.kind} ${it.reference} ${it.key}`);
      }
    }
    const failedJobs = soak.open.filter((j) => j.status === "failed");
    const unfinishedJobs = soak.open.filter((j) => j.status !== "failed");
    const bookedTwice = palletways.booking?.booked_twice?.length ?? 0;
    return { rows, missing, duplicated, repeats, problems, soak, failedJobs, unfinishedJobs, order: stopOrder(qargo), bookedTwice };
  }

  // What the drain's time travel did (worker.ts /__soak/hurry): claims dropped by the runtime, re-driven.
  const agedInDrain = (await faultCounts()).byKind["drain:stale-claims-aged"] ?? 0;
  const wall = (Date.now() - started) / 1000;
  const line = (cells, widths) => cells.map((c, i) => String(c).padEnd(widths[i])).join("  ");
  const w = [36, 6, 9, 7, 6, 5, 11];
  console.log("");
  console.log(`soak: seed ${opts.seed}, ${opts.minutes} min of workload${extended ? " (extended for fault minimums)" : ""}, fault rate ${opts.rate} a call (FTP ${Math.min(0.3, opts.rate * 4)} a STOR/RNTO), D1 ${opts.d1Rate}, R2 ${opts.r2Rate}, queue twice ${opts.queueDupRate}`);
  console.log(line(["destination", "items", "delivered", "failed", "stuck", "lost", "duplicated"], w));
  for (const [kind, r] of Object.entries(verdict.rows)) console.log(line([kind, r.items, r.delivered, r.failed, r.stuck, r.lost, r.duplicated], w));
  console.log("");
  console.log(`faults injected (minimum ${opts.minFaults} each):`);
  for (const k of [...new Set([...required.kinds, ...Object.keys(counted.byKind)])]) console.log(`  ${k.padEnd(28)} ${String(counted.byKind[k] ?? 0).padStart(5)}${required.kinds.includes(k) ? ((counted.byKind[k] ?? 0) >= opts.minFaults ? "  ok" : "  BELOW MINIMUM") : ""}`);
  console.log(`  unclear outcomes by partner: ${required.unclear.map((p) => `${p} ${counted.unclearBy[p] ?? 0}`).join(", ")}`);
  console.log("");
  const o = verdict.order;
  console.log(`TMS stops (UPN, Palletforce, Palletways bookings): ${o.stops}, status steps back ${o.stepsBack}, not COMPLETED at the end ${o.notCompleted}; booked twice at Palletways ${verdict.bookedTwice}`);
  console.log(`reconciliations on timelines: ${verdict.soak.reconciled}; repeated stop updates after an unclear answer (same status and event time; harmless to the TMS by contract, tms-qargo.md): ${verdict.repeats}; claims left by a dropped invocation and re-driven while draining: ${agedInDrain}`);
  if (verdict.failedJobs.length) console.log(`failed jobs (a permanent failure under transient faults): ${verdict.failedJobs.map((j) => `${j.kind} ${j.reference} (${j.last_error ?? ""})`).join("; ")}`);
  if (verdict.unfinishedJobs.length) console.log(`unfinished jobs: ${verdict.unfinishedJobs.map((j) => `${j.kind} ${j.reference} (${j.status}, ${j.attempts} attempts, ${j.last_error ?? ""})`).join("; ")}`);
  const kindsWithout = [...byKind.keys()].filter((k) => verdict.rows[k].items === 0);
  const reasons = [
    ...[...verdict.problems, ...o.problems].slice(0, 30),
    ...kindsWithout.map((k) => `no items of kind "${k}"`),
    ...stillUnmet.map((u) => `fault minimum not met: ${u}`),
  ];
  for (const p of reasons) console.log(`  ! ${p}`);
  const lost = Object.values(verdict.rows).reduce((a, r) => a + r.lost, 0);
  const stuck = Object.values(verdict.rows).reduce((a, r) => a + r.stuck, 0) + verdict.unfinishedJobs.length;
  console.log(`lost ${lost}, duplicated ${verdict.duplicated}, failed ${verdict.failedJobs.length}, stuck ${stuck}, steps back ${o.stepsBack}, wall time ${wall.toFixed(0)} s`);
  const ok =
    items.length > 0 && verdict.missing === 0 && verdict.duplicated === 0 && verdict.failedJobs.length === 0 && verdict.unfinishedJobs.length === 0 &&
    o.stepsBack === 0 && o.notCompleted === 0 && verdict.bookedTwice === 0 && kindsWithout.length === 0 && stillUnmet.length === 0;
  console.log(ok ? "soak: PASS" : "soak: FAIL");
  await shutdown(ok ? 0 : 1);
} catch (err) {
  console.error(`soak: could not run: ${err?.stack ?? err}`);
  await shutdown(2);
}
