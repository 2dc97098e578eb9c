// Webhook intake on the local runtime (wrangler dev: workerd with local D1 and Queues) beside a
// bare Hono route on the same runtime, same machine, same load, same run.
// Target: intake ≥ 50% of the bare route's throughput, p99 < 25 ms.
//
// The intake runs with the Worker's real configuration minus its queue consumers: locally every
// binding (D1, queues, Durable Objects) shares workerd's one thread, so a consumer working off
// the backlog would be measured as intake time. Production runs consumers in their own
// invocations. A second row measures the intake with the consumer running beside it.
import fs from "node:fs";
import path from "node:path";
import { experimental_readRawConfig } from "wrangler";
import { startSandbox } from "../sandbox/index.mjs";
import { basicHeader, palletOrder, stopCompleted } from "../sandbox/qargo-webhooks.mjs";
import { header, row } from "./lib/report.mjs";
import { load } from "./lib/load.mjs";
import { root, startWranglerDev } from "./lib/wrangler-dev.mjs";

const TOTAL = Number(process.env.BENCH_REQUESTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const dir = path.join(root, ".sandbox/bench");
fs.mkdirSync(dir, { recursive: true });

// The same wrangler.jsonc with its queue consumers removed and paths made relative to dir.
const { rawConfig } = experimental_readRawConfig({ config: path.join(root, "wrangler.jsonc") });
const intakeConfig = {
  ...rawConfig,
  $schema: undefined,
  main: "../../src/index.ts",
  queues: { ...rawConfig.queues, consumers: undefined },
  d1_databases: rawConfig.d1_databases.map((d) => ({ ...d, migrations_dir: "../../migrations" })),
};
const noConsumer = path.join(dir, "wrangler.intake.json");
fs.writeFileSync(noConsumer, JSON.stringify(intakeConfig, null, 2));

const sandbox = await startSandbox({ quiet: true });
const envFile = path.join(dir, "intake.vars");
fs.writeFileSync(envFile, Object.entries(sandbox.env).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join("\n") + "\n");
const auth = { authorization: basicHeader(sandbox.env.INBOUND_BASIC_USER, sandbox.env.INBOUND_BASIC_PASSWORD) };
// Every request is a distinct delivery (a new consignment), so none is answered as a duplicate.
const body = (offset) => (i) =>
  JSON.stringify(stopCompleted({ order: palletOrder({ reference: `6${String(offset + i).padStart(10, "0")}`, network: "PALLETWAYS", role: "DELIVERING" }) }));

async function measure(base, offset) {
  await load({ url: `${base}/webhooks/tms`, total: 200, concurrency: CONCURRENCY, body: body(offset + 900_000), headers: auth });
  return load({ url: `${base}/webhooks/tms`, total: TOTAL, concurrency: CONCURRENCY, body: body(offset), headers: auth });
}

const results = {};
for (const [name, opts] of [
  ["bare", { config: path.join(root, "bench/bare/wrangler.jsonc"), port: 8892, persist: path.join(dir, "bare-state") }],
  ["bareD1", { config: path.join(root, "bench/bare-d1/wrangler.jsonc"), port: 8893, persist: path.join(dir, "bare-d1-state"), migrate: true }],
  ["intake", { config: noConsumer, port: 8891, envFile, persist: path.join(dir, "intake-state"), migrate: true, probe: "/healthz" }],
]) {
  const w = await startWranglerDev(opts);
  try {
    results[name] = await measure(w.base, 0);
  } finally {
    await w.stop();
  }
}
// The intake again, Palletways switched off (no photo fetches), with its consumer beside it.
const withConsumerVars = path.join(dir, "intake-consumer.vars");
fs.writeFileSync(withConsumerVars, Object.entries(sandbox.env).filter(([k]) => !k.startsWith("PALLETWAYS_")).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join("\n") + "\n");
const full = await startWranglerDev({ config: path.join(root, "wrangler.jsonc"), port: 8894, envFile: withConsumerVars, persist: path.join(dir, "intake-consumer-state"), migrate: true, probe: "/healthz" });
try {
  results.withConsumer = await measure(full.base, 5_000_000);
} finally {
  await full.stop();
  await sandbox.stop();
}

const { bare, bareD1, intake, withConsumer } = results;
header(`webhook intake: ${TOTAL} POST /webhooks/tms (after 200 warm-up), ${CONCURRENCY} concurrent, wrangler dev (workerd) on this machine`);
row({ bench: "webhook-intake", metric: "throughput", value: intake.rps, unit: "req/s", reference: "bare Hono", referenceValue: bare.rps, target: "≥ 0.5× bare", pass: intake.rps >= 0.5 * bare.rps });
row({ bench: "webhook-intake", metric: "p50 latency", value: intake.p50, unit: "ms", reference: "bare Hono", referenceValue: bare.p50 });
row({ bench: "webhook-intake", metric: "p99 latency", value: intake.p99, unit: "ms", reference: "bare Hono", referenceValue: bare.p99, target: "< 25 ms", pass: intake.p99 < 25 });
row({ bench: "webhook-intake", metric: "throughput vs 1 D1 insert", value: intake.rps, unit: "req/s", reference: "route + 1 D1 insert (the floor)", referenceValue: bareD1.rps, target: "≥ 0.9× floor", pass: intake.rps >= 0.9 * bareD1.rps });
row({ bench: "webhook-intake", metric: "p99 of route + 1 D1 insert", value: bareD1.p99, unit: "ms", reference: "bare Hono", referenceValue: bare.p99, target: "info" });
row({ bench: "webhook-intake", metric: "throughput, consumer beside it", value: withConsumer.rps, unit: "req/s", reference: "bare Hono", referenceValue: bare.rps, target: "info (one thread locally)" });
row({ bench: "webhook-intake", metric: "non-200 answers", value: intake.failed + withConsumer.failed, unit: "", reference: "bare Hono", referenceValue: bare.failed, target: "0", pass: intake.failed + withConsumer.failed === 0 });
