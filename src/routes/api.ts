import { Hono } from "hono";
import { and, asc, desc, eq } from "drizzle-orm";
import { NETWORKS, getConfig, networkEnabled, type Network } from "../config";
import { db as openDb } from "../db/client";
import { consignments, documents, jobs, timeline } from "../db/schema";
import { adminAuth } from "../middleware/admin-auth";
import { replayJob } from "../lib/jobs";
import { refreshers } from "../carriers/refresh";
import { errorMessage } from "../lib/errors";
import { log } from "../lib/log";

// The operator API: a consignment's timeline, a manual refresh, failures and their replay.

export const api = new Hono<{ Bindings: Env }>();
api.use("*", adminAuth());

const isNetwork = (n: string): n is Network => (NETWORKS as string[]).includes(n);

export async function consignmentView(env: Env, network: Network, reference: string) {
  const db = openDb(env);
  const [consignment] = await db.select().from(consignments).where(and(eq(consignments.network, network), eq(consignments.reference, reference)));
  const [entries, docs, work] = await Promise.all([
    db.select().from(timeline).where(and(eq(timeline.network, network), eq(timeline.reference, reference))).orderBy(asc(timeline.at), asc(timeline.id)),
    db.select().from(documents).where(and(eq(documents.network, network), eq(documents.reference, reference))).orderBy(asc(documents.createdAt)),
    db.select().from(jobs).where(and(eq(jobs.network, network), eq(jobs.reference, reference))).orderBy(asc(jobs.createdAt)),
  ]);
  if (!consignment && entries.length === 0 && work.length === 0) return null;
  return {
    network,
    reference,
    order_id: consignment?.orderId ?? null,
    customer_reference_number: consignment?.customerReference ?? null,
    role: consignment?.role ?? null,
    timeline: entries.map((e) => ({
      at: new Date(e.at).toISOString(),
      kind: e.kind,
      step: e.step,
      outcome: e.outcome,
      message: e.message,
      detail: e.detail ? JSON.parse(e.detail) : null,
      job_id: e.jobId,
    })),
    documents: docs.map((d) => ({
      id: d.id,
      direction: d.direction,
      document_type: d.documentType,
      filename: d.filename,
      content_type: d.contentType,
      size: d.size,
      sha256: d.sha256,
      status: d.status,
      destination: d.destination,
      created_at: new Date(d.createdAt).toISOString(),
    })),
    jobs: work.map((j) => ({ id: j.id, kind: j.kind, status: j.status, attempts: j.attempts, last_error: j.lastError, updated_at: new Date(j.updatedAt).toISOString() })),
  };
}

api.get("/consignments/:network/:reference", async (c) => {
  const { network, reference } = c.req.param();
  if (!isNetwork(network)) return c.json({ error: "unknown_network", message: `network must be one of ${NETWORKS.join(", ")}` }, 400);
  const view = await consignmentView(c.env, network, reference);
  if (!view) return c.json({ error: "not_found", message: `no ${network} consignment ${reference} is known` }, 404);
  return c.json(view);
});

api.post("/consignments/:network/:reference/refresh", async (c) => {
  const { network, reference } = c.req.param();
  if (!isNetwork(network)) return c.json({ error: "unknown_network", message: `network must be one of ${NETWORKS.join(", ")}` }, 400);
  const refresh = refreshers[network];
  if (!refresh) return c.json({ error: "not_supported", message: `${network} has no manual refresh (its data arrives on the 10-minute cron)` }, 400);
  if (!networkEnabled(getConfig(c.env), network)) return c.json({ error: "network_off", message: `${network} is switched off (its settings are absent)` }, 409);
  try {
    const result = await refresh(c.env, reference);
    return c.json({ ok: true, ...result }, 202);
  } catch (err) {
    log({ network, reference, step: "api.refresh", outcome: "error", error: errorMessage(err) });
    return c.json({ error: "refresh_failed", message: errorMessage(err) }, 502);
  }
});

export async function failures(env: Env) {
  const rows = await openDb(env).select().from(jobs).where(eq(jobs.status, "failed")).orderBy(desc(jobs.updatedAt)).limit(500);
  return rows.map((j) => ({
    id: j.id,
    kind: j.kind,
    network: j.network,
    reference: j.reference,
    attempts: j.attempts,
    last_error: j.lastError,
    failed_at: new Date(j.updatedAt).toISOString(),
  }));
}

api.get("/failures", async (c) => c.json({ failures: await failures(c.env) }));

api.post("/failures/:id/replay", async (c) => {
  const ok = await replayJob(c.env, openDb(c.env), c.req.param("id"));
  if (!ok) return c.json({ error: "not_found", message: "no failed job with that id" }, 404);
  log({ step: "api.replay", outcome: "ok", job_id: c.req.param("id") });
  return c.json({ ok: true, replayed: c.req.param("id") }, 202);
});
