import { env, SELF } from "cloudflare:test";
import { eq, inArray } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { upnImportTask, upnTrackingTask } from "../src/carriers/upn/cron";
import { CONSIGNMENT_CURSOR } from "../src/carriers/upn/import";
import { readAndStore, TRACKING_LAST_SUCCESS } from "../src/carriers/upn/tracking";
import { runScheduled, scheduledTasks } from "../src/cron";
import { db as openDb } from "../src/db/client";
import { consignments, upnEvents, upnTrackingBatches } from "../src/db/schema";
import { sim } from "./support/sim";
import { admin, uniqueRef, waitFor } from "./support/webhook";

// Tracking events against the simulators: the destructive read stored before processing,
// each event applied once with the contract's mapping, resumption from the stored copy,
// waiting for unknown orders, and UPN's refusal shown to the operator.

const depot = env.UPN_DEPOT;
const barcode = () => `UPN${depot}${uniqueRef()}`;

async function knownOrder(b: string): Promise<string> {
  const id = crypto.randomUUID();
  await sim.qargo.seedOrder({ id, customer_reference_number: b, consignments: [{ consignment_reference_number: b, signatures: [] }] });
  await openDb(env).insert(consignments).values({ network: "upn", reference: b, orderId: id, customerReference: b, role: "DELIVERING" });
  return id;
}

async function applied(ids: string[], timeoutMs = 40_000) {
  const db = openDb(env);
  return waitFor(async () => {
    const rows = await db.select().from(upnEvents).where(inArray(upnEvents.eventId, ids));
    return rows.length === ids.length && rows.every((r) => r.status === "applied") ? rows : undefined;
  }, timeoutMs, `events ${ids.join(", ")} to be applied`);
}

async function updatesFor(ids: string[]) {
  const q = await sim.qargo.state();
  return q.status_updates.filter((u) => ids.includes(String(u.question_answers?.upn_event_id)));
}

describe("UPN tracking events", () => {
  beforeEach(async () => {
    await sim.upn.reset();
  });

  it("applies C and P events exactly once each, with the right statuses, through a TMS 503", async () => {
    const db = openDb(env);
    const a = barcode();
    const b = barcode();
    const orderA = await knownOrder(a);
    const orderB = await knownOrder(b);
    const t = (m: number) => new Date(Date.UTC(2026, 10, 23, 10, m)).toISOString().replace(".000Z", "Z");
    const tag = uniqueRef("e-");
    const events = [
      { event_id: `${tag}-1`, barcode: a, capture_type: "C", stage_code: "ARR", stage: "Arrived", occurred_at: t(1) },
      { event_id: `${tag}-2`, barcode: a, capture_type: "P", pallet_barcode: `UPNP${a.slice(3)}001`, stage_code: "UNL", stage: "Unloaded", occurred_at: t(2) },
      { event_id: `${tag}-3`, barcode: a, capture_type: "C", stage_code: "DEL", stage: "Delivered", occurred_at: t(3), note: "Left with goods-in" },
      { event_id: `${tag}-4`, barcode: b, capture_type: "C", stage_code: "OFD", stage: "Out for delivery", occurred_at: t(4) },
      { event_id: `${tag}-5`, barcode: b, capture_type: "P", pallet_barcode: `UPNP${b.slice(3)}001`, stage_code: "CRD", stage: "Carded", occurred_at: t(5), note: "Site closed" },
      { event_id: `${tag}-6`, barcode: b, capture_type: "C", stage_code: "CMP", stage: "Complaint raised", occurred_at: t(6) },
    ];
    const ids = events.map((e) => e.event_id);
    // Delivered in the feed out of order: the TMS must still see ARR before DEL.
    await sim.upn.seedEvents([events[2]!, events[0]!, events[1]!, ...events.slice(3)]);
    await sim.qargo.fail({ method: "POST", path: "^/v1/webhook/subco-status-update$", status: 503, times: 1 });

    const report = await upnTrackingTask.run(env, db);
    expect(report).toMatchObject({ read: 6, queued: 6 });
    const rows = await applied(ids);
    expect(rows.every((r) => r.appliedAt !== null)).toBe(true);

    // A second cycle (and its empty read) applies nothing again.
    expect(await upnTrackingTask.run(env, db)).toMatchObject({ read: 0, queued: 0 });
    await new Promise((r) => setTimeout(r, 500));
    const ups = await updatesFor(ids);
    expect(ups.map((u) => u.question_answers!.upn_event_id).sort()).toEqual([...ids].sort());
    const by = (id: string) => ups.find((u) => u.question_answers!.upn_event_id === id)!;
    expect(ids.map((id) => by(id).status)).toEqual(["AT_STOP", null, "COMPLETED", null, null, null]);
    expect(ids.map((id) => by(id).order_id)).toEqual([orderA, orderA, orderA, orderB, orderB, orderB]);
    expect(ups.every((u) => u.matched_by === "order.id+stop.stop_type")).toBe(true);
    expect(by(`${tag}-2`).question_answers).toEqual({ upn_stage_code: "UNL", upn_stage: "Unloaded", capture_type: "P", pallet_barcode: `UPNP${a.slice(3)}001`, upn_event_id: `${tag}-2`, note: null });
    expect(by(`${tag}-3`).question_answers).toMatchObject({ upn_stage_code: "DEL", note: "Left with goods-in", pallet_barcode: null });
    expect(by(`${tag}-1`).event_time).toBe(t(1));
    const orderOfA = ups.filter((u) => u.order_id === orderA).map((u) => u.question_answers!.upn_stage_code);
    expect(orderOfA).toEqual(["ARR", "UNL", "DEL"]);

    const q = await sim.qargo.state();
    expect(q.discarded.filter((d) => ids.includes(String(d.question_answers?.upn_event_id)))).toEqual([]);
    const tl = await (await admin(`/api/consignments/upn/${a}`)).json<{ timeline: { message: string }[] }>();
    expect(tl.timeline.some((e) => e.message.includes("Delivered (DEL)") && e.message.includes("COMPLETED"))).toBe(true);
  });

  it("replays a read whose processing crashed after the raw write, from R2, although UPN will not send it again", async () => {
    const db = openDb(env);
    const a = barcode();
    await knownOrder(a);
    const tag = uniqueRef("e-");
    const ids = [`${tag}-1`, `${tag}-2`];
    await sim.upn.seedEvents([
      { event_id: ids[0], barcode: a, stage_code: "ARR", stage: "Arrived", occurred_at: "2026-11-23T10:00:00Z" },
      { event_id: ids[1], barcode: a, stage_code: "DEL", stage: "Delivered", occurred_at: "2026-11-23T10:05:00Z" },
    ]);
    // The first half of a cycle, then the isolate dies: nothing past the raw write happened.
    const { batchId, eventCount } = await readAndStore(env, db);
    expect(eventCount).toBe(2);
    const [batch] = await db.select().from(upnTrackingBatches).where(eq(upnTrackingBatches.id, batchId));
    expect(batch?.status).toBe("stored");
    expect(await env.FILES.head(batch!.r2Key)).not.toBeNull();
    expect(await db.select().from(upnEvents).where(inArray(upnEvents.eventId, ids))).toEqual([]);
    // UPN has forgotten them: the stored copy is all there is.
    const s = await sim.upn.state();
    expect(s.pending_events).toEqual([]);
    const again = await fetch(`${env.UPN_API_URL}/v1/depots/${depot}/tracking-events`, { headers: { "x-api-key": env.UPN_API_KEY } });
    expect((await again.json<{ events: unknown[] }>()).events).toEqual([]);

    const report = await upnTrackingTask.run(env, db);
    expect(report).toMatchObject({ resumed: 1, read: 0 });
    await applied(ids);
    const ups = await updatesFor(ids);
    expect(ups.map((u) => u.status)).toEqual(["AT_STOP", "COMPLETED"]);
    const [done] = await db.select().from(upnTrackingBatches).where(eq(upnTrackingBatches.id, batchId));
    expect(done?.status).toBe("recorded");
  });

  it("R2 refusing the raw read loses nothing: it is kept in D1 in chunks and processed from there", async () => {
    const db = openDb(env);
    const a = barcode();
    await knownOrder(a);
    const tag = uniqueRef("r-");
    const ids = [`${tag}-1`, `${tag}-2`];
    await sim.upn.seedEvents([
      { event_id: ids[0], barcode: a, stage_code: "ARR", stage: "Arrived", occurred_at: "2026-11-23T11:00:00Z" },
      { event_id: ids[1], barcode: a, stage_code: "DEL", stage: "Delivered", occurred_at: "2026-11-23T11:05:00Z" },
    ]);
    // R2 refuses every write (a wrapped binding; reads still go to the real bucket).
    const files = env.FILES;
    const refusing = new Proxy(files, {
      get(target, prop) {
        if (prop === "put") return async () => { throw new Error("R2 is refusing writes"); };
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const r2Down = { ...env, FILES: refusing } as Env;
    const { batchId, eventCount } = await readAndStore(r2Down, db);
    expect(eventCount).toBe(2);
    const [batch] = await db.select().from(upnTrackingBatches).where(eq(upnTrackingBatches.id, batchId));
    expect(batch?.status).toBe("stored");
    expect(await env.FILES.head(batch!.r2Key)).toBeNull();
    const chunks = await env.DB.prepare("SELECT count(*) AS n FROM upn_raw_chunks WHERE batch_id = ?").bind(batchId).first<number>("n");
    expect(chunks).toBeGreaterThanOrEqual(1);
    expect((await sim.upn.state()).pending_events).toEqual([]);

    // Processing (with R2 still refusing) reads the D1 copy: every event applied once.
    const report = await upnTrackingTask.run(r2Down, db);
    expect(report).toMatchObject({ resumed: 1 });
    await applied(ids);
    expect((await updatesFor(ids)).map((u) => u.status)).toEqual(["AT_STOP", "COMPLETED"]);
  });

  it("holds events for a barcode whose order is unknown, and applies them once the import makes it known", async () => {
    const db = openDb(env);
    await env.DB.prepare("DELETE FROM cursors WHERE name = ?").bind(CONSIGNMENT_CURSOR).run();
    const a = barcode();
    const tag = uniqueRef("e-");
    const ids = [`${tag}-1`];
    await sim.upn.seedEvents([{ event_id: ids[0], barcode: a, stage_code: "ARR", stage: "Arrived", occurred_at: "2026-11-23T10:00:00Z" }]);
    expect(await upnTrackingTask.run(env, db)).toMatchObject({ read: 1, queued: 0 });
    const [w] = await db.select().from(upnEvents).where(eq(upnEvents.eventId, ids[0]!));
    expect(w?.status).toBe("waiting");
    expect(await updatesFor(ids)).toEqual([]);

    await sim.upn.seedConsignments([{ barcode: a }]);
    await upnImportTask.run(env, db);
    await applied(ids);
    const [u] = await updatesFor(ids);
    const q = await sim.qargo.state();
    expect(u!.order_id).toBe(q.orders_created.find((o) => o.order_identifier === `UPN-${a}`)!.order_id);
    expect(u!.matched_by).toBe("order.id+stop.stop_type");
  });

  it("shows UPN's 403 ACTION_NOT_ENABLED in /healthz with the operator action, once a cycle, and says when tracking is stale", async () => {
    await sim.upn.config({ disabledActions: ["tracking"] });
    try {
      await runScheduled(env, scheduledTasks("upn").filter((t) => t.name === "upn.tracking"));
      type Health = { networks: { upn: { last_error: string | null; action: string | null } } };
      let h = await (await SELF.fetch("https://c/healthz")).json<Health>();
      expect(h.networks.upn.last_error).toContain("ACTION_NOT_ENABLED");
      expect(h.networks.upn.last_error).toContain("tracking");
      expect(h.networks.upn.action).toBe(`Ask UPN IT to enable tracking for depot ${depot}, then replay the failed work`);
      // One call a cycle, no retry storm.
      const s = await sim.upn.state();
      expect(s.calls.filter((c) => c.path.endsWith("/tracking-events"))).toHaveLength(1);

      // Twenty minutes without a good read: the message says so, the action stays.
      await env.DB.prepare("INSERT INTO cursors (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value").bind(TRACKING_LAST_SUCCESS, String(Date.now() - 20 * 60_000)).run();
      await runScheduled(env, scheduledTasks("upn").filter((t) => t.name === "upn.tracking"));
      h = await (await SELF.fetch("https://c/healthz")).json<Health>();
      expect(h.networks.upn.last_error).toMatch(/no UPN tracking events have been read for 20 minutes/);
      expect(h.networks.upn.action).toContain(`Ask UPN IT to enable tracking for depot ${depot}`);
    } finally {
      await sim.upn.config({ disabledActions: [] });
    }
    await runScheduled(env, scheduledTasks("upn").filter((t) => t.name === "upn.tracking"));
    const ok = await (await SELF.fetch("https://c/healthz")).json<{ networks: { upn: { last_error: string | null } } }>();
    expect(ok.networks.upn.last_error).toBeNull();
  });
});
