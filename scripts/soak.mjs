// npm run soak -- --seed N --minutes M
//
// The whole connector on the local runtime (wrangler dev: real D1, R2, Queues, Durable Objects),
// wired to the sandbox simulators, under a mixed workload while the simulators inject seeded
// faults: 5xx, 429 with Retry-After, timeouts and resets after the partner stored the request,
// FTP control connections dropped after STOR and after RNTO, and (a wrapped D1 binding in
// scripts/soak/worker.ts) our own write failing right after a partner call succeeded.
// Then the faults stop, the work drains, and the invariants are checked against what each
// simulator recorded and what D1 holds: nothing lost, nothing twice, nothing stuck.
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
import { basicHeader, documentCreated, palletOrder, stopCompleted } from "../sandbox/qargo-webhooks.mjs";

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
    drainMinutes: Number(get("drain-minutes", 0)) || null,
    verbose: a.includes("--verbose"),
  };
}

const opts = args();
if (!Number.isInteger(opts.seed) || !(opts.minutes > 0)) {
  console.error("usage: npm run soak -- --seed N --minutes M [--rate 0.06] [--d1-rate 0.15] [--drain-minutes D] [--verbose]");
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
    dev.kill("SIGINT");
    await Promise.race([new Promise((r) => dev.once("exit", r)), sleep(5_000)]);
    if (dev.exitCode === null) dev.kill("SIGKILL");
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
  const vars = { ...env, SOAK_SEED: String(opts.seed), SOAK_D1_FAULT_RATE: String(opts.d1Rate) };
  fs.writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join("\n") + "\n");
  const persist = path.join(work, "state");
  const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist, "-c", config], { cwd: root, stdio: opts.verbose ? "inherit" : "pipe", env: { ...process.env, CI: "1" } });
  if (migrate.status !== 0) throw new Error(`could not apply the D1 migrations: ${migrate.stderr?.toString().slice(-500)}`);
  const port = await freePort();
  // Its own inspector port too: another wrangler dev on this machine must not stop the soak.
  const inspector = await freePort();
  dev = spawn(wrangler, ["dev", "-c", config, "--port", String(port), "--inspector-port", String(inspector), "--ip", "127.0.0.1", "--persist-to", persist, "--env-file", envFile, "--test-scheduled", "--show-interactive-dev-session=false", "--log-level", opts.verbose ? "info" : "error"], {
    cwd: root,
    stdio: ["ignore", opts.verbose ? "inherit" : "ignore", "inherit"],
    env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false" },
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (dev.exitCode !== null) throw new Error("wrangler dev exited");
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {}
    if (i > 240) throw new Error("the connector did not come up");
    await sleep(500);
  }
  say(`connector up on ${base} (seed ${opts.seed}, ${opts.minutes} min, fault rate ${opts.rate}, D1 write fault rate ${opts.d1Rate})`);

  // ---- faults --------------------------------------------------------------------------------
  const httpKinds = ["5xx", "429", "5xx-after-store", "reset-after-store", "timeout"];
  const sims = { qargo: urls.qargo, palletways: urls.palletwaysControl, upn: urls.upn, hazchem: urls.hazchem };
  const faultConfig = {
    // The token endpoint is allowed 5 calls an hour: a fault there would only test the hour.
    qargo: { exclude: ["^/v1/auth/token$"] },
    palletways: {},
    // UPN's tracking read is destructive: a lost answer loses the events at UPN itself.
    upn: { afterExclude: ["/tracking-events$"] },
    hazchem: {},
  };
  async function faults(on) {
    for (const [name, url] of Object.entries(sims)) {
      await post(`${url}/__sim/faults`, on ? { seed: opts.seed, rate: opts.rate, kinds: httpKinds, holdMs: 1500, retryAfterS: 2, ...faultConfig[name] } : { off: true });
    }
    await post(`${urls.palletwaysControl}/__sim/ftp/faults`, on ? { seed: opts.seed, rate: Math.min(0.3, opts.rate * 4), kinds: ["drop-after-stor", "drop-after-rnto"] } : { off: true });
  }
  const faultCounts = {};
  async function collectFaults() {
    const endpoints = [...Object.entries(sims).map(([name, url]) => [name, `${url}/__sim/faults`]), ["palletways-ftp", `${urls.palletwaysControl}/__sim/ftp/faults`]];
    for (const [name, url] of endpoints) {
      const s = await get(url);
      for (const [k, n] of Object.entries(s.counts)) faultCounts[`${k}`] = (faultCounts[k] ?? 0) + n;
      faultCounts[`by:${name}`] = Object.values(s.counts).reduce((a, b) => a + b, 0);
    }
  }
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
    for (let i = 0; i < 10; i++) {
      const r = await post(`${urls.qargo}/__sim/emit`, { target: `${base}/webhooks/tms`, body });
      if (r.status >= 200 && r.status < 300) return;
      await sleep(1000 * (i + 1));
    }
    throw new Error("the connector never accepted a webhook");
  };
  let n = 0;
  const ref = (prefix, digits = 8) => `${prefix}${String(opts.seed).padStart(2, "0").slice(-2)}${String(++n).padStart(digits - 2, "0")}`;

  const scenarios = {
    // Delivery completes in the TMS; Palletways has one photo now and one late.
    async palletwaysPhotos() {
      const id = "600" + ref("", 8);
      const order = palletOrder({ reference: id, network: "PALLETWAYS", role: "DELIVERING" });
      const [p1, p2] = await Promise.all([jpeg(3000 + Math.floor(rand() * 3000)), jpeg(3000 + Math.floor(rand() * 3000))]);
      await post(`${urls.qargo}/__sim/orders`, { id: order.id, customer_reference_number: order.customer_reference_number });
      await post(`${urls.palletwaysControl}/__sim/pod/${id}`, { pages: [{ format: "jpeg", data: p1.toString("base64") }] });
      items.push({ kind: "Palletways photo → TMS", network: "palletways", reference: id, orderId: order.id, sha: sha256(p1) });
      items.push({ kind: "Palletways photo → TMS", network: "palletways", reference: id, orderId: order.id, sha: sha256(p2), late: true });
      await webhook(stopCompleted({ order }));
      await sleep(15_000);
      await post(`${urls.palletwaysControl}/__sim/pod/${id}`, { pages: [{ format: "jpeg", data: p2.toString("base64") }] });
    },
    // A delivery photo added in the TMS where we deliver: to the Palletways FTP server.
    async ftpUpload() {
      const id = "600" + ref("", 8);
      const order = palletOrder({ reference: id, network: "PALLETWAYS", role: "DELIVERING" });
      const photo = bytes("jpeg", 4000 + Math.floor(rand() * 8000));
      items.push({ kind: "TMS photo → Palletways FTP", network: "palletways", reference: id, sha: sha256(photo) });
      await webhook(documentCreated({ order, documentType: "PHOTO_OF_GOODS_DELIVERY", name: `driver-${id}.jpg`, content: photo, mimeType: "image/jpeg" }));
    },
    // A new UPN consignment for our depot, then two tracking events for it.
    async upnImport() {
      const barcode = `UPN${env.UPN_DEPOT}${ref("", 8)}`;
      await post(`${urls.upn}/__sim/consignments`, [{ barcode }]);
      items.push({ kind: "UPN consignment → TMS order", network: "upn", reference: barcode });
      await sleep(3000);
      const events = [
        { event_id: `ev-${barcode}-arr`, barcode, stage_code: "ARR", stage: "Arrived", occurred_at: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") },
        { event_id: `ev-${barcode}-del`, barcode, stage_code: "DEL", stage: "Delivered", occurred_at: new Date(Date.now() + 1000).toISOString().replace(/\.\d{3}Z$/, "Z") },
      ];
      await post(`${urls.upn}/__sim/events`, events);
      for (const e of events) items.push({ kind: "UPN event → TMS", network: "upn", reference: barcode, eventId: e.event_id });
    },
    // A UPN delivery: a photo (held), the consignee signature (ePOD), the photo after it.
    async upnEpod() {
      const barcode = `UPN${env.UPN_DEPOT}${ref("", 8)}`;
      const photo = bytes("jpeg", 3000 + Math.floor(rand() * 4000));
      const sig = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), bytes("raw", 200)]);
      await post(`${urls.upn}/__sim/consignments`, [{ barcode }]);
      const order = palletOrder({ reference: barcode, network: "UPN", role: "DELIVERING" });
      await post(`${urls.qargo}/__sim/orders`, {
        id: order.id,
        customer_reference_number: barcode,
        consignments: [{ signatures: [{ type: "CONSIGNEE", name: "J SMITH", timestamp: "2026-11-23T14:01:00+00:00", position: { latitude: 53.74, longitude: -0.33 } }] }],
      });
      items.push({ kind: "TMS signature → UPN ePOD", network: "upn", reference: barcode });
      items.push({ kind: "TMS photo → UPN image", network: "upn", reference: barcode, sha: sha256(photo) });
      await webhook(documentCreated({ order, documentType: "PHOTO_OF_GOODS_DELIVERY", name: `photo-${barcode}.jpg`, content: photo, mimeType: "image/jpeg" }));
      await webhook(documentCreated({ order, documentType: "CONSIGNEE_SIGNATURE", name: "signature.png", content: sig, mimeType: "image/png" }));
    },
    // A POD added in the TMS for a Hazchem consignment: uploaded to Hazchem.
    async hazchemUpload() {
      const id = ref("HZ", 9);
      const pod = bytes("pdf", 2000 + Math.floor(rand() * 4000));
      await post(`${urls.hazchem}/__sim/consignments`, [{ consignment_number: id }]);
      const order = palletOrder({ reference: id, network: "HAZCHEM", role: "DELIVERING" });
      items.push({ kind: "TMS POD → Hazchem", network: "hazchem", reference: id, sha: sha256(pod) });
      await webhook(documentCreated({ order, documentType: "PROOF_OF_DELIVERY", name: `pod-${id}.pdf`, content: pod, mimeType: "application/pdf" }));
    },
    // A delivery image on Hazchem's feed, for an order the TMS has told us about.
    async hazchemFeed() {
      const id = ref("HZ", 9);
      const photo = bytes("jpeg", 3000 + Math.floor(rand() * 4000));
      await post(`${urls.hazchem}/__sim/consignments`, [{ consignment_number: id }]);
      const order = palletOrder({ reference: id, network: "HAZCHEM", role: "DELIVERING" });
      await post(`${urls.qargo}/__sim/orders`, { id: order.id, customer_reference_number: id });
      // Any webhook for the order tells the connector its id (a stop update it does not act on).
      await webhook(stopCompleted({ order }));
      items.push({ kind: "Hazchem feed → TMS", network: "hazchem", reference: id, orderId: order.id, sha: sha256(photo) });
      await post(`${urls.hazchem}/__sim/documents`, [{ consignment_number: id, type: "DELIVERY_IMAGE", filename: `${id}_image.jpg`, content_type: "image/jpeg", data: photo.toString("base64") }]);
    },
  };

  // The wrapped D1's counter lives in the isolate; should the runtime restart it, keep the sum.
  const d1Faults = { seen: 0, carried: 0 };
  async function pollWorkerFaults() {
    try {
      const n = (await get(`${base}/__soak/state`)).faults["d1-write-after-partner-success"] ?? 0;
      if (n < d1Faults.seen) d1Faults.carried += d1Faults.seen;
      d1Faults.seen = n;
    } catch {}
  }
  const cron = () => fetch(`${base}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("*/10 * * * *")}`).then((r) => r.body?.cancel()).catch(() => {});
  const until = started + opts.minutes * 60_000;
  let lastCron = 0;
  let deck = [];
  while (Date.now() < until) {
    // Every kind of work in each round, in a seeded order.
    if (deck.length === 0) deck = Object.keys(scenarios).map((k) => [rand(), k]).sort((a, b) => a[0] - b[0]).map(([, k]) => k);
    const name = deck.shift();
    debug(`workload: ${name}`);
    track(scenarios[name]());
    if (Date.now() - lastCron > 10_000) {
      lastCron = Date.now();
      track(cron());
      track(pollWorkerFaults());
    }
    await sleep(1500 + Math.floor(rand() * 2000));
  }
  await Promise.allSettled([...pending]);
  await collectFaults();
  await pollWorkerFaults();
  // The faults stop (networks recover); the work must now drain to an end.
  await faults(false);
  say(`workload done: ${items.length} items; faults off, draining`);

  // ---- drain and check -----------------------------------------------------------------------
  const adminHeaders = { authorization: `Bearer ${env.ADMIN_TOKEN}` };
  const drainMs = (opts.drainMinutes ?? Math.max(4, opts.minutes)) * 60_000;
  const drainUntil = Date.now() + drainMs;
  let verdict;
  for (;;) {
    await cron();
    await sleep(5_000);
    verdict = await check();
    const open = verdict.soak.open.filter((j) => j.status !== "failed").length + verdict.soak.windows.length;
    debug(`drain: ${open} open jobs, lost ${verdict.lost}, stuck ${verdict.stuck}`);
    if ((open === 0 && verdict.lost === 0 && verdict.stuck === 0) || Date.now() > drainUntil) break;
  }

  async function check() {
    const [q, pw, ftpFiles, upn, hz, soak] = await Promise.all([
      get(`${urls.qargo}/__sim/state`),
      get(`${urls.palletwaysControl}/__sim/state`),
      get(`${urls.palletwaysControl}/__sim/ftp/files`),
      get(`${urls.upn}/__sim/state`),
      get(`${urls.hazchem}/__sim/state`),
      get(`${base}/__soak/state`),
    ]);
    void pw;
    const openBy = (network, reference, statuses) => soak.open.some((j) => j.network === network && j.reference === reference && statuses.includes(j.status));
    const skippedFor = (network, reference) => soak.skipped.find((s) => s.network === network && s.reference === reference);
    const rows = {};
    let lost = 0, duplicated = 0, stuck = 0, failedVisible = 0, skipped = 0, repeats = 0;
    const problems = [];
    for (const it of items) {
      let count;
      switch (it.kind) {
        case "Palletways photo → TMS":
        case "Hazchem feed → TMS":
          count = q.attachments.filter((a) => a.order_id === it.orderId && a.sha256 === it.sha).length;
          break;
        case "TMS photo → Palletways FTP":
          count = ftpFiles.filter((f) => f.name.startsWith(`${it.reference}_`) && f.sha256 === it.sha).length;
          break;
        case "UPN consignment → TMS order":
          count = q.orders_created.filter((o) => o.order_identifier === `UPN-${it.reference}`).length;
          break;
        case "UPN event → TMS": {
          const c = q.status_updates.filter((u) => u.question_answers?.upn_event_id === it.eventId).length;
          // A repeated status update for one event is harmless by contract (same status, same id).
          repeats += Math.max(0, c - 1);
          count = Math.min(c, 1);
          break;
        }
        case "TMS signature → UPN ePOD":
          count = upn.epods.filter((e) => e.barcode === it.reference).length;
          break;
        case "TMS photo → UPN image":
          count = upn.images.filter((i) => i.barcode === it.reference && i.sha256 === it.sha).length;
          break;
        case "TMS POD → Hazchem":
          count = hz.uploads.filter((u) => u.consignment_number === it.reference && u.sha256 === it.sha).length;
          break;
      }
      const row = (rows[it.kind] ??= { items: 0, delivered: 0, failed: 0, skipped: 0, lost: 0, duplicated: 0, stuck: 0 });
      row.items++;
      if (count === 1) row.delivered++;
      else if (count > 1) {
        row.duplicated++;
        duplicated++;
        problems.push(`duplicated ×${count}: ${it.kind} ${it.reference} ${it.sha ?? it.eventId ?? ""}`);
      } else if (openBy(it.network, it.reference, ["failed"])) {
        row.failed++;
        failedVisible++;
      } else if (openBy(it.network, it.reference, ["queued", "running"]) || (it.network === "palletways" && soak.windows.includes(it.reference))) {
        row.stuck++;
        stuck++;
        problems.push(`not finished: ${it.kind} ${it.reference}`);
      } else if (skippedFor(it.network, it.reference)) {
        row.skipped++;
        skipped++;
        problems.push(`skipped: ${it.kind} ${it.reference}: ${skippedFor(it.network, it.reference).message}`);
      } else {
        row.lost++;
        lost++;
        problems.push(`lost: ${it.kind} ${it.reference} ${it.sha ?? it.eventId ?? ""}`);
      }
    }
    const unfinishedJobs = soak.open.filter((j) => j.status !== "failed");
    return { rows, lost, duplicated, stuck: stuck + (stuck === 0 ? unfinishedJobs.length : 0), failedVisible, skipped, repeats, problems, soak, unfinishedJobs };
  }

  await pollWorkerFaults();
  const soakFaults = { "d1-write-after-partner-success": d1Faults.carried + d1Faults.seen };
  const wall = (Date.now() - started) / 1000;
  const line = (cells, widths) => cells.map((c, i) => String(c).padEnd(widths[i])).join("  ");
  const w = [30, 6, 9, 7, 8, 5, 11, 6];
  console.log("");
  console.log(`soak: seed ${opts.seed}, ${opts.minutes} min of workload, fault rate ${opts.rate} a call (FTP ${Math.min(0.3, opts.rate * 4)} a STOR/RNTO), D1 write fault rate ${opts.d1Rate}`);
  console.log(line(["destination", "items", "delivered", "failed", "skipped", "lost", "duplicated", "stuck"], w));
  for (const [kind, r] of Object.entries(verdict.rows)) console.log(line([kind, r.items, r.delivered, r.failed, r.skipped, r.lost, r.duplicated, r.stuck], w));
  console.log("");
  console.log("faults injected:");
  const allFaults = { ...Object.fromEntries(Object.entries(faultCounts).filter(([k]) => !k.startsWith("by:"))), ...soakFaults };
  for (const [k, v] of Object.entries(allFaults)) console.log(`  ${k.padEnd(32)} ${v}`);
  console.log(`  ${"(by partner)".padEnd(32)} ${Object.entries(faultCounts).filter(([k]) => k.startsWith("by:")).map(([k, v]) => `${k.slice(3)} ${v}`).join(", ")}`);
  console.log("");
  console.log(`reconciliations on timelines: ${verdict.soak.reconciled}; repeated UPN status updates (harmless by contract): ${verdict.repeats}; visible failures: ${verdict.failedVisible}`);
  if (verdict.unfinishedJobs.length) console.log(`unfinished jobs: ${verdict.unfinishedJobs.map((j) => `${j.kind} ${j.reference} (${j.status}, ${j.attempts} attempts, ${j.last_error ?? ""})`).join("; ")}`);
  for (const p of verdict.problems.slice(0, 30)) console.log(`  ! ${p}`);
  console.log(`lost ${verdict.lost}, duplicated ${verdict.duplicated}, stuck ${verdict.stuck}, wall time ${wall.toFixed(0)} s`);
  const ok = verdict.lost === 0 && verdict.duplicated === 0 && verdict.stuck === 0 && items.length > 0;
  console.log(ok ? "soak: PASS" : "soak: FAIL");
  await shutdown(ok ? 0 : 1);
} catch (err) {
  console.error(`soak: could not run: ${err?.stack ?? err}`);
  await shutdown(2);
}
