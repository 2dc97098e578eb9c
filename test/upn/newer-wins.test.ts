import { env } from "cloudflare:test";
import { eq, inArray } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { upnTrackingTask } from "../../src/carriers/upn/cron";
import { db as openDb } from "../../src/db/client";
import { consignments, jobs } from "../../src/db/schema";
import { upnEvents } from "../../src/carriers/upn/schema";
import { sim } from "../support/sim";
import { admin, uniqueRef, waitFor } from "../support/webhook";

// Contract rule 11 for UPN tracking: a stop's status follows the newest event applied to it,
// whatever order events arrive, are retried or replayed in, and one consignment's events never
// run in two jobs at once.

const depot = env.UPN_DEPOT;
const barcode = () => `UPN${depot}${uniqueRef()}`;
const t = (m: number) => new Date(Date.UTC(2026, 10, 23, 10, m)).toISOString().replace(".000Z", "Z");

async function knownOrder(b: string): Promise<string> {
  const id = crypto.randomUUID();
  await sim.qargo.seedOrder({ id, customer_reference_number: b, consignments: [{ consignment_reference_number: b, signatures: [], goods: [{ quantity: 1, handling_units: [] }] }] });
  await openDb(env).insert(consignments).values({ network: "upn", reference: b, orderId: id, customerReference: b, role: "DELIVERING" });
  return id;
}

const stopEvent = (id: string, b: string, stage: "ARR" | "DEL", at: string) => ({ event_id: id, barcode: b, capture_type: "C", stage_code: stage, stage: stage === "ARR" ? "Arrived" : "Delivered", occurred_at: at });

async function applied(ids: string[], timeoutMs = 50_000) {
  const db = openDb(env);
  return waitFor(async () => {
    const rows = await db.select().from(upnEvents).where(inArray(upnEvents.eventId, ids));
    return rows.length === ids.length && rows.every((r) => r.status === "applied") ? rows : undefined;
  }, timeoutMs, `events ${ids.join(", ")} to be applied`);
}

/** The statuses the TMS received for an order, in the order it received them. */
async function statusesOf(orderId: string): Promise<{ id: string; status: string | null }[]> {
  const q = await sim.qargo.state();
  return q.status_updates.filter((u) => u.order_id === orderId).map((u) => ({ id: String(u.question_answers?.upn_event_id), status: u.status }));
}

describe("UPN tracking: newer wins (rule 11)", () => {
  beforeEach(async () => {
    await sim.upn.reset();
  });

  it("an older ARR in a later read is data only: the delivered stop is not moved back", async () => {
    const db = openDb(env);
    const a = barcode();
    const order = await knownOrder(a);
    const tag = uniqueRef("e-");
    await sim.upn.seedEvents([stopEvent(`${tag}-del`, a, "DEL", t(30))]);
    await upnTrackingTask.run(env, db);
    await applied([`${tag}-del`]);
    // UPN hands over an earlier arrival only in a later read.
    await sim.upn.seedEvents([stopEvent(`${tag}-arr`, a, "ARR", t(10))]);
    await upnTrackingTask.run(env, db);
    await applied([`${tag}-arr`]);
    const seen = await statusesOf(order);
    expect(seen).toEqual([
      { id: `${tag}-del`, status: "COMPLETED" },
      { id: `${tag}-arr`, status: null },
    ]);
    const view = await (await admin(`/api/consignments/upn/${a}`)).json<{ timeline: { message: string }[] }>();
    expect(view.timeline.some((e) => e.message.includes("Arrived (ARR)") && e.message.includes("older than"))).toBe(true);
  });

  it("a consignment's ARR in backoff holds its DEL back: the stop ends COMPLETED, never AT_STOP after it", async () => {
    const db = openDb(env);
    const a = barcode();
    const order = await knownOrder(a);
    const tag = uniqueRef("e-");
    await sim.upn.seedEvents([stopEvent(`${tag}-arr`, a, "ARR", t(10))]);
    // The ARR job's first call fails: it waits for its retry (10 s backoff).
    await sim.qargo.fail({ method: "POST", path: "^/v1/webhook/subco-status-update$", status: 503, times: 1 });
    await upnTrackingTask.run(env, db);
    await waitFor(async () => {
      const [row] = await db.select({ attempts: jobs.attempts, status: jobs.status }).from(upnEvents).innerJoin(jobs, eq(jobs.id, upnEvents.jobId)).where(eq(upnEvents.eventId, `${tag}-arr`));
      return row && row.attempts === 1 && row.status === "queued" ? row : undefined;
    }, 20_000, "the ARR job to be in backoff");
    // The next cycle reads the DEL while the ARR is still waiting for its retry.
    await sim.upn.seedEvents([stopEvent(`${tag}-del`, a, "DEL", t(30))]);
    await upnTrackingTask.run(env, db);
    await applied([`${tag}-arr`, `${tag}-del`]);
    const seen = await statusesOf(order);
    expect(seen.map((s) => s.status).filter(Boolean)).toEqual(["AT_STOP", "COMPLETED"]);
    expect(seen.at(-1)).toEqual({ id: `${tag}-del`, status: "COMPLETED" });
  });

  it("a failed ARR replayed after its DEL was applied is data only", async () => {
    const db = openDb(env);
    const a = barcode();
    const order = await knownOrder(a);
    const tag = uniqueRef("e-");
    await sim.upn.seedEvents([stopEvent(`${tag}-arr`, a, "ARR", t(10))]);
    // The TMS refuses the ARR for good (a 400): the job stands as a failure.
    await sim.qargo.fail({ method: "POST", path: "^/v1/webhook/subco-status-update$", status: 400, times: 1, body: { message: "refused" } });
    await upnTrackingTask.run(env, db);
    const failedJob = await waitFor(async () => {
      const [row] = await db.select({ id: jobs.id, status: jobs.status }).from(upnEvents).innerJoin(jobs, eq(jobs.id, upnEvents.jobId)).where(eq(upnEvents.eventId, `${tag}-arr`));
      return row?.status === "failed" ? row : undefined;
    }, 20_000, "the ARR job to fail");
    await sim.upn.seedEvents([stopEvent(`${tag}-del`, a, "DEL", t(30))]);
    await upnTrackingTask.run(env, db);
    await applied([`${tag}-del`]);
    const res = await admin(`/api/failures/${failedJob.id}/replay`, { method: "POST" });
    expect(res.status).toBeLessThan(300);
    await applied([`${tag}-arr`]);
    const seen = await statusesOf(order);
    expect(seen).toEqual([
      { id: `${tag}-del`, status: "COMPLETED" },
      { id: `${tag}-arr`, status: null },
    ]);
  });

  it("ARR and DEL in one call, stored but answered 500: the retry does not take the stop back to AT_STOP", async () => {
    const db = openDb(env);
    const a = barcode();
    const order = await knownOrder(a);
    const tag = uniqueRef("e-");
    await sim.upn.seedEvents([stopEvent(`${tag}-arr`, a, "ARR", t(10)), stopEvent(`${tag}-del`, a, "DEL", t(30))]);
    await sim.qargo.fail({ method: "POST", path: "^/v1/webhook/subco-status-update$", status: 500, after: true, times: 1 });
    await upnTrackingTask.run(env, db);
    await applied([`${tag}-arr`, `${tag}-del`]);
    const statuses = (await statusesOf(order)).map((s) => s.status).filter(Boolean);
    // The first call landed (AT_STOP, COMPLETED); the retry may repeat COMPLETED, never AT_STOP.
    expect(statuses.slice(0, 2)).toEqual(["AT_STOP", "COMPLETED"]);
    expect(statuses.slice(2).every((x) => x === "COMPLETED")).toBe(true);
  });
});
