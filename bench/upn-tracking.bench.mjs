// UPN tracking throughput: one cycle of 10,000 events from a stored (R2) response, applied to
// the Qargo simulator through the real pipeline inside workerd (Miniflare: D1, R2, Queues,
// Durable Objects): record every event from the raw copy, pack them into apply jobs, and let
// the queue consumer send them (many updates a subco-status-update call). Beside it, in the
// same run, a plain D1 batch insert of the same 10,000 rows: the floor for merely writing them.
//
// The TMS rate limit is OFF for this measurement (simulator enforceRateLimit:false and
// TMS_RATE_PER_SECOND=1000): at Qargo's real 2 calls/s the connector needs one call per 50
// events, so 10,000 events are 200 calls ≈ 100 s; one call per event would be ≈ 83 minutes.
import { build } from "esbuild";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { header, row } from "./lib/report.mjs";
import { startSandbox } from "../sandbox/index.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.join(root, "bench/.out");
const EVENTS = Number(process.env.UPN_BENCH_EVENTS ?? 10_000);
const PER_BARCODE = 5;
const TMS_RATE = 1000;

const WORKER_SRC = `
import { db as openDb } from ${JSON.stringify(path.join(root, "src/db/client.ts"))};
import { consignments } from ${JSON.stringify(path.join(root, "src/db/schema/index.ts"))};
import { upnEvents, upnTrackingBatches } from ${JSON.stringify(path.join(root, "src/carriers/upn/schema.ts"))};
import { resumeStoredBatches, dispatchReady } from ${JSON.stringify(path.join(root, "src/carriers/upn/tracking.ts"))};
import { handleJobBatch } from ${JSON.stringify(path.join(root, "src/engine/index.ts"))};
import { upnJobs } from ${JSON.stringify(path.join(root, "src/carriers/upn/jobs.ts"))};
import { parseTrackingResponse } from ${JSON.stringify(path.join(root, "src/carriers/upn/client.ts"))};
import { sql } from "drizzle-orm";
export { RateLimiter } from ${JSON.stringify(path.join(root, "src/durable/rate-limiter.ts"))};
export { TmsTokenCache } from ${JSON.stringify(path.join(root, "src/durable/tms-token.ts"))};

export default {
  async fetch(req, env) {
    const u = new URL(req.url);
    const db = openDb(env);
    if (u.pathname === "/seed") {
      const { raw, orders } = await req.json();
      const key = "upn/tracking/bench.json";
      await env.FILES.put(key, raw);
      await db.insert(upnTrackingBatches).values({ id: "bench", r2Key: key, eventCount: JSON.parse(raw).events.length, status: "stored" });
      for (let i = 0; i < orders.length; i += 100) {
        const part = orders.slice(i, i + 100);
        await db.batch(part.map((o) => db.insert(consignments).values({ network: "upn", reference: o.barcode, orderId: o.id, customerReference: o.barcode, role: "DELIVERING" })));
      }
      return Response.json({ ok: true });
    }
    if (u.pathname === "/cycle") {
      const t = Date.now();
      const resumed = await resumeStoredBatches(env, db);
      const recordedMs = Date.now() - t;
      const d = await dispatchReady(env, db);
      return Response.json({ resumed, recordedMs, dispatchMs: Date.now() - t - recordedMs, ...d });
    }
    if (u.pathname === "/applied") {
      const [r] = await db.select({ n: sql\`count(*)\` }).from(upnEvents).where(sql\`status = 'applied'\`);
      return Response.json({ applied: r.n });
    }
    if (u.pathname === "/plain") {
      // The same rows, the same chunking, into a table with the same shape: the cost of writing alone.
      await env.DB.prepare("CREATE TABLE IF NOT EXISTS bench_plain AS SELECT * FROM upn_events WHERE 0").run();
      const raw = await (await env.FILES.get("upn/tracking/bench.json")).text();
      const events = parseTrackingResponse(raw).events;
      const t = Date.now();
      const stmts = [];
      for (let i = 0; i < events.length; i += 9) {
        const part = events.slice(i, i + 9);
        const ph = part.map(() => "(?,?,?,?,?,?,?,?,?,?)").join(",");
        stmts.push(env.DB.prepare("INSERT INTO bench_plain (event_id,batch_id,barcode,stage_code,occurred_at,body,status,job_id,applied_at,error) VALUES " + ph)
          .bind(...part.flatMap((e) => [e.event_id, "plain", e.barcode, e.stage_code, e.occurred_at, JSON.stringify(e), "applied", null, Date.now(), null])));
      }
      for (let i = 0; i < stmts.length; i += 100) await env.DB.batch(stmts.slice(i, i + 100));
      return Response.json({ ms: Date.now() - t, rows: events.length });
    }
    return new Response("not found", { status: 404 });
  },
  async queue(batch, env) {
    return handleJobBatch(batch, env, { find: (kind) => upnJobs.find((j) => j.kind === kind), label: () => "UPN" });
  },
};`;

async function bundle() {
  fs.mkdirSync(outdir, { recursive: true });
  const entry = path.join(outdir, "upn-tracking-bench-entry.mjs");
  fs.writeFileSync(entry, WORKER_SRC);
  const outfile = path.join(outdir, "upn-tracking-bench.bundle.mjs");
  await build({
    entryPoints: [entry], outfile, bundle: true, format: "esm", platform: "neutral", target: "es2022",
    conditions: ["workerd", "worker", "browser"], mainFields: ["module", "main"], external: ["cloudflare:*", "node:*"], logLevel: "error",
    plugins: [{
      // The carrier list pulls in every network (and Hazchem's wasm); the bench passes UPN's handlers
      // to the consumer itself, so the list it bundles is an empty one.
      name: "only-upn-handlers",
      setup(b) {
        b.onLoad({ filter: /src[\\/]carriers[\\/]index\.ts$/ }, () => ({ contents: "export const carrierFor = () => undefined; export const carriers = () => []; export const networkLabel = (n) => n;", loader: "ts" }));
      },
    }],
  });
  return outfile;
}

function events(n) {
  const stages = [["OFD", "Out for delivery", "C"], ["ARR", "Arrived", "C"], ["UNL", "Unloaded", "P"], ["UNL", "Unloaded", "P"], ["DEL", "Delivered", "C"]];
  const barcodes = Math.ceil(n / PER_BARCODE);
  const orders = [];
  const list = [];
  for (let b = 0; b < barcodes; b++) {
    const barcode = `UPN045${String(b).padStart(7, "0")}`;
    orders.push({ barcode, id: crypto.randomUUID() });
    for (let k = 0; k < PER_BARCODE && list.length < n; k++) {
      const [code, stage, capture] = stages[k];
      list.push({
        event_id: `e-${b}-${k}`, barcode, capture_type: capture, pallet_barcode: capture === "P" ? `UPNP${barcode.slice(3)}00${k - 1}` : null,
        stage_code: code, stage, occurred_at: new Date(Date.UTC(2026, 10, 23, 8, 0, 0) + k * 60_000).toISOString().replace(".000Z", "Z"), depot: "045", note: null,
      });
    }
  }
  return { raw: JSON.stringify({ events: list }), orders };
}

async function main() {
  const sandbox = await startSandbox({ quiet: true });
  const post = (url, body) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  await post(`${sandbox.urls.qargo}/__sim/config`, { enforceRateLimit: false });
  const { raw, orders } = events(EVENTS);
  // Each order carries the two pallets its pallet-level events scan (UPNP…001, UPNP…002).
  const pallets = (barcode) => [1, 2].map((n) => ({ barcode: { value: `UPNP${barcode.slice(3)}00${n}`, source: "UPN" } }));
  await post(`${sandbox.urls.qargo}/__sim/orders`, orders.map((o) => ({ id: o.id, customer_reference_number: o.barcode, consignments: [{ consignment_reference_number: o.barcode, goods: [{ quantity: 2, handling_units: pallets(o.barcode) }] }] })));

  const mf = new Miniflare(convertV4MiniflareOptions({
    modules: true,
    scriptPath: await bundle(),
    compatibilityDate: "2026-11-09",
    bindings: { ...sandbox.env, TMS_RATE_PER_SECOND: String(TMS_RATE) },
    d1Databases: ["DB"],
    r2Buckets: ["FILES"],
    queueProducers: { JOBS: "palletbridge-jobs" },
    queueConsumers: { "palletbridge-jobs": { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 20 } },
    durableObjects: { LIMITER: { className: "RateLimiter", useSQLite: true }, TMS_TOKEN: { className: "TmsTokenCache", useSQLite: true } },
    // One JSON log line per job: keep the bench output readable.
    handleRuntimeStdio: (out, err) => { out.resume(); err.resume(); },
  }));
  try {
    const d1 = await mf.getD1Database("DB");
    for (const file of fs.readdirSync(path.join(root, "migrations")).filter((f) => f.endsWith(".sql")).sort()) {
      for (const stmt of fs.readFileSync(path.join(root, "migrations", file), "utf8").split("--> statement-breakpoint")) {
        if (stmt.trim()) await d1.prepare(stmt).run();
      }
    }
    const call = async (p, body) => (await mf.dispatchFetch(`http://bench${p}`, body ? { method: "POST", body: JSON.stringify(body) } : {})).json();
    await call("/seed", { raw, orders });

    const t0 = performance.now();
    const cycle = await call("/cycle");
    let applied = 0;
    while (applied < EVENTS) {
      await new Promise((r) => setTimeout(r, 100));
      applied = (await call("/applied")).applied;
      if (performance.now() - t0 > 15 * 60_000) throw new Error(`only ${applied} of ${EVENTS} applied after 15 minutes`);
    }
    const totalMs = performance.now() - t0;
    const plain = await call("/plain");

    const q = await (await fetch(`${sandbox.urls.qargo}/__sim/state`)).json();
    // Consignment-level events are stop status updates; pallet-level ones are scans on their pallet.
    const calls = q.calls.filter((c) => c.path === "/v1/webhook/subco-status-update" || c.path === "/v1/webhook/partial-order-update").length;
    const received = q.status_updates.length + (q.scans?.length ?? 0);
    const discarded = q.discarded.length;

    header(`UPN tracking: one cycle of ${EVENTS} events from a stored response (workerd via Miniflare; TMS simulated, rate limit OFF: sim enforceRateLimit=false, TMS_RATE_PER_SECOND=${TMS_RATE})`);
    console.log(`record from R2 ${cycle.recordedMs} ms, dispatch into ${cycle.jobs} jobs ${cycle.dispatchMs} ms; ${calls} subco-status-update/partial-order-update calls; Qargo sim matched ${received}, discarded ${discarded}`);
    row({ bench: "upn-tracking", metric: "events applied / s (whole cycle)", value: EVENTS / (totalMs / 1000), unit: "ev/s", reference: "plain D1 batch insert", referenceValue: plain.rows / (plain.ms / 1000) });
    row({ bench: "upn-tracking", metric: "cycle wall time", value: totalMs / 1000, unit: "s", reference: "plain D1 batch insert", referenceValue: plain.ms / 1000 });
    row({ bench: "upn-tracking", metric: "TMS calls per 10,000 events", value: calls * (10_000 / EVENTS), unit: "calls", reference: "one call per event", referenceValue: 10_000 });
    row({
      bench: "upn-tracking", metric: "time at Qargo's 2 calls/s (est.)", value: (calls / 2) / 60, unit: "min", reference: "one call per event", referenceValue: (EVENTS / 2) / 60,
      target: "every event applied", pass: received === EVENTS && discarded === 0,
    });
  } finally {
    await mf.dispose();
    await sandbox.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
