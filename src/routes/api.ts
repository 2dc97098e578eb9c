import { Hono } from "hono";
import { db as openDb } from "../db/client";
import { carrierFor, carriers, refreshConsignment } from "../carriers";
import { replayJob } from "../lib/jobs";
import { log } from "../lib/log";
import { adminAuth } from "../middleware/admin-auth";
import { consignmentView } from "../read/consignments";
import { failures } from "../read/failures";
import { attention, markSeen } from "../read/attention";

// The operator API: a consignment's timeline, a manual refresh, failures and their replay.

export const api = new Hono<{ Bindings: Env }>();
api.use("*", adminAuth());

const unknownNetwork = (network: string) => ({
  error: "unknown_network",
  message: `no network called ${network}: use one of ${carriers().map((c) => c.network).join(", ")}`,
});

api.get("/consignments/:network/:reference", async (c) => {
  const { network, reference } = c.req.param();
  if (!carrierFor(network)) return c.json(unknownNetwork(network), 400);
  const view = await consignmentView(c.env, network, reference);
  if (!view) return c.json({ error: "not_found", message: `no ${network} consignment ${reference} is known` }, 404);
  return c.json(view);
});

api.post("/consignments/:network/:reference/refresh", async (c) => {
  const { network, reference } = c.req.param();
  if (!carrierFor(network)) return c.json(unknownNetwork(network), 400);
  const r = await refreshConsignment(c.env, network, reference);
  if (r.ok) return c.json({ ok: true, ...r.result }, 202);
  if (r.status === 502) log({ network, reference, step: "api.refresh", outcome: "error", error: r.message });
  return c.json({ error: r.error, message: r.message }, r.status);
});

api.get("/failures", async (c) => c.json({ failures: await failures(c.env) }));

api.post("/failures/:id/replay", async (c) => {
  const ok = await replayJob(c.env, openDb(c.env), c.req.param("id"));
  if (!ok) return c.json({ error: "not_found", message: "no failed job with that id" }, 404);
  log({ step: "api.replay", outcome: "ok", job_id: c.req.param("id") });
  return c.json({ ok: true, replayed: c.req.param("id") }, 202);
});

api.get("/attention", async (c) => {
  const r = await attention(c.env);
  return c.json({ items: r.items, count: r.items.length, seen: r.seen });
});

api.post("/attention/:id/seen", async (c) => {
  const id = c.req.param("id");
  if (!(await markSeen(c.env, id))) {
    return c.json({ error: "not_found", message: "nothing needs attention under that id (already resolved, or the id is wrong); GET /api/attention lists the ids" }, 404);
  }
  log({ step: "api.attention.seen", outcome: "ok", item: id });
  return c.json({ ok: true, seen: id });
});
