import { Hono, type Context } from "hono";
import type { z } from "zod";
import { db as openDb } from "../../db/client";
import { carrierFor, carriers, refreshConsignment } from "../../carriers";
import { replayJob } from "../../engine";
import { log } from "../../lib/log";
import { adminAuth } from "../../middleware/admin-auth";
import { attention, markSeen } from "../../read/attention";
import { consignmentView } from "../../read/consignments";
import { failures } from "../../read/failures";
import { configProblems, networkStates } from "../../read/health";
import { importedConsignments } from "../../read/imports";
import { openApiDocument, operations } from "./openapi";

// The operator API: a consignment's timeline, a manual refresh, failures and their replay, what
// needs attention. Parameters are checked with the schemas that GET /api/openapi.json describes.

type E = { Bindings: Env };
export const api = new Hono<E>();

// The description names routes and shapes, never data: anyone may read it.
api.get("/openapi.json", (c) => c.json(openApiDocument(new URL("/api", c.req.url).toString())));

api.use("*", adminAuth());

/** The route's path parameters, or the 400 that names what is wrong with them. */
function params<S extends z.ZodObject<Record<string, z.ZodType>>>(c: Context<E>, schema: S): z.output<S> | Response {
  const parsed = schema.safeParse(c.req.param());
  if (parsed.success) return parsed.data;
  return c.json({ error: "invalid_params", message: "a path parameter is malformed", fields: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) }, 400);
}

const unknownNetwork = (network: string) => ({
  error: "unknown_network",
  message: `no network called ${network}: use one of ${carriers().map((c) => c.network).join(", ")}`,
});

api.get(operations.consignment.path, async (c) => {
  const p = params(c, operations.consignment.params);
  if (p instanceof Response) return p;
  if (!carrierFor(p.network)) return c.json(unknownNetwork(p.network), 400);
  const view = await consignmentView(c.env, p.network, p.reference);
  if (!view) return c.json({ error: "not_found", message: `no ${p.network} consignment ${p.reference} is known` }, 404);
  return c.json(view);
});

api.post(operations.refresh.path, async (c) => {
  const p = params(c, operations.refresh.params);
  if (p instanceof Response) return p;
  if (!carrierFor(p.network)) return c.json(unknownNetwork(p.network), 400);
  const r = await refreshConsignment(c.env, p.network, p.reference);
  if (r.ok) return c.json({ ok: true, ...r.result }, 202);
  if (r.status === 502) log({ network: p.network, reference: p.reference, step: "api.refresh", outcome: "error", error: r.message });
  return c.json({ error: r.error, message: r.message }, r.status);
});

api.get(operations.imports.path, async (c) => c.json({ imports: await importedConsignments(c.env) }));

api.get(operations.failures.path, async (c) => c.json({ failures: await failures(c.env) }));

api.post(operations.replay.path, async (c) => {
  const p = params(c, operations.replay.params);
  if (p instanceof Response) return p;
  const ok = await replayJob(c.env, openDb(c.env), p.id);
  if (!ok) return c.json({ error: "not_found", message: "no failed job with that id" }, 404);
  log({ step: "api.replay", outcome: "ok", job_id: p.id });
  return c.json({ ok: true, replayed: p.id }, 202);
});

api.get(operations.attention.path, async (c) => {
  const r = await attention(c.env);
  return c.json({ items: r.items, count: r.items.length, seen: r.seen });
});

api.get(operations.health.path, async (c) => c.json({ networks: await networkStates(c.env), config_problems: configProblems(c.env) }));

api.post(operations.seen.path, async (c) => {
  const p = params(c, operations.seen.params);
  if (p instanceof Response) return p;
  if (!(await markSeen(c.env, p.id))) {
    return c.json({ error: "not_found", message: "nothing needs attention under that id (already resolved, or the id is wrong); GET /api/attention lists the ids" }, 404);
  }
  log({ step: "api.attention.seen", outcome: "ok", item: p.id });
  return c.json({ ok: true, seen: p.id });
});
