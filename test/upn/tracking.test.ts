import { env, SELF } from "cloudflare:test";
import { eq, inArray } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { upnImportTask, upnTrackingTask } from "../../src/carriers/upn/cron";
import { CONSIGNMENT_CURSOR } from "../../src/carriers/upn/import";
import { readAndStore, TRACKING_LAST_SUCCESS } from "../../src/carriers/upn/tracking";
import { runScheduled, scheduledTasks } from "../../src/cron";
import { db as openDb } from "../../src/db/client";
import { consignments } from "../../src/db/schema";
import { upnEvents, upnTrackingBatches } from "../../src/carriers/upn/schema";
import { sim } from "../support/sim";
import { admin, uniqueRef, waitFor, consoleSession } from "../support/webhook";

// Tracking events against the simulators: the destructive read stored before processing,
// each event applied once with the contract's mapping, resumption from the stored copy,
// waiting for unknown orders, and UPN's refusal shown to the operator.

const depot = env.UPN_DEPOT;
const barcode = () => `UPN${depot}${uniqueRef()}`;

const pallet = (b: string, n = 1) => `UPNP${b.slice(3)}00${n}`;

async function knownOrder(b: string, pallets = 1): Promise<string> {
  const id = crypto.randomUUID();
  const handling_units = Array.from({ length: pallets }, (_, i) => ({ barcode: { value: pallet(b, i + 1), source: "UPN" } }));
  await sim.qargo.seedOrder({ id, customer_reference_number: b, consignments: [{ consignment_reference_number: b, signatures: [], goods: [{ quantity: pallets, handling_units }] }] });
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

/** Pallet scans the TMS recorded for these UPN events (the description names the event). */
async function scansFor(ids: string[]) {
  const q = await sim.qargo.state();
  return q.scans.filter((s) => ids.some((id) => s.description?.endsWith(`, event ${id}`)));
}

describe("UPN tracking events", () => {
  beforeEach(async () => {
    await sim.upn.reset();
  });

  it("applies C events to the stop and P events as pallet scans, exactly once each, through a TMS 503", async () => {
    const db = openDb(env);
    const a = barcode();
    const b = barcode();
    const orderA = await knownOrder(a);
    const orderB = await knownOrder(b);
    const t = (m: number) => new Date(Date.UTC(2026, 10, 23, 10, m)).toISOString().replace(".000Z", "Z");
    const tag = uniqueRef("e-");
    const events = [
      { event_id: `${tag}-1`, barcode: a, capture_type: "C", stage_code: "ARR", stage: "Arrived", occurred_at: t(1) },
      { event_id: `${tag}-2`, barcode: a, capture_type: "P", pallet_barcode: pallet(a), stage_code: "UNL", stage: "Unloaded", occurred_at: t(2) },
      { event_id: `${tag}-3`, barcode: a, capture_type: "C", stage_code: "DEL", stage: "Delivered", occurred_at: t(3), note: "Left with goods-in" },
      { event_id: `${tag}-4`, barcode: b, capture_type: "C", stage_code: "OFD", stage: "Out for delivery", occurred_at: t(4) },
      { event_id: `${tag}-5`, barcode: b, capture_type: "P", pallet_barcode: pallet(b), stage_code: "CRD", stage: "Carded", occurred_at: t(5), note: "Site closed" },
      { event_id: `${tag}-6`, barcode: b, capture_type: "C", stage_code: "CMP", stage: "Complaint raised", occurred_at: t(6) },
    ];
    const ids = events.map((e) => e.event_id);
    const stopIds = [ids[0]!, ids[2]!, ids[3]!, ids[5]!];
    // Delivered in the feed out of order: the TMS must still see ARR before DEL.
    await sim.upn.seedEvents([events[2]!, events[0]!, events[1]!, ...events.slice(3)]);
    // The scans' call fails once after the stop's call went through: the retry must not send
    // the stop's events again.
    await sim.qargo.fail({ method: "POST", path: "^/v1/webhook/partial-order-update$", status: 503, times: 1 });

    const report = await upnTrackingTask.run(env, db);
    expect(report).toMatchObject({ read: 6, queued: 6 });
    const rows = await applied(ids);
    expect(rows.every((r) => r.appliedAt !== null)).toBe(true);

    // A second cycle (and its empty read) applies nothing again.
    expect(await upnTrackingTask.run(env, db)).toMatchObject({ read: 0, queued: 0 });
    await new Promise((r) => setTimeout(r, 500));
    const ups = await updatesFor(ids);
    // The stop hears only the consignment-level events.
    expect(ups.map((u) => u.question_answers!.upn_event_id).sort()).toEqual([...stopIds].sort());
    const by = (id: string) => ups.find((u) => u.question_answers!.upn_event_id === id)!;
    expect(stopIds.map((id) => by(id).status)).toEqual(["AT_STOP", "COMPLETED", null, null]);
    expect(stopIds.map((id) => by(id).order_id)).toEqual([orderA, orderA, orderB, orderB]);
    expect(ups.every((u) => u.matched_by === "order.id+stop.stop_type")).toBe(true);
    expect(by(`${tag}-3`).question_answers).toMatchObject({ upn_stage_code: "DEL", note: "Left with goods-in", pallet_barcode: null });
    expect(by(`${tag}-1`).event_time).toBe(t(1));
    expect(ups.filter((u) => u.order_id === orderA).map((u) => u.question_answers!.upn_stage_code)).toEqual(["ARR", "DEL"]);

    // The pallets hear theirs, once each, on their own handling unit.
    const scans = (await scansFor(ids)).sort((x, y) => x.timestamp.localeCompare(y.timestamp));
    expect(scans.map((s) => [s.order_id, s.handling_unit, s.status, s.timestamp])).toEqual([
      [orderA, pallet(a), "STORED", t(2)],
      [orderB, pallet(b), null, t(5)],
    ]);
    expect(scans.every((s) => s.matched_by === "order.id" && s.question === "scan_barcode")).toBe(true);
    expect(scans[1]!.scan).toEqual({ timestamp: t(5), barcode: pallet(b), stop_location_code: `UPN-${depot}`, description: `UPN Carded (CRD), event ${tag}-5` });

    const q = await sim.qargo.state();
    expect(q.discarded.filter((d) => ids.includes(String(d.question_answers?.upn_event_id)) || ids.some((id) => JSON.stringify(d.update ?? "").includes(id)))).toEqual([]);
    const tl = await (await admin(`/api/consignments/upn/${a}`)).json<{ timeline: { message: string }[] }>();
    expect(tl.timeline.some((e) => e.message.includes("Delivered (DEL)") && e.message.includes("COMPLETED"))).toBe(true);
    expect(tl.timeline.some((e) => e.message.includes(`Unloaded (UNL) for pallet ${pallet(a)}`) && e.message.includes("the delivery stop is not changed"))).toBe(true);
  });

  it("a pallet-level DEL sends one scan for that handling unit and leaves the stop alone; a consignment-level DEL completes the stop", async () => {
    const db = openDb(env);
    const a = barcode();
    const order = await knownOrder(a, 2);
    const tag = uniqueRef("e-");
    const palletDel = { event_id: `${tag}-p`, barcode: a, capture_type: "P", pallet_barcode: pallet(a, 1), stage_code: "DEL", stage: "Delivered", occurred_at: "2026-11-23T10:40:00Z" };
    await sim.upn.seedEvents([palletDel]);
    await upnTrackingTask.run(env, db);
    await applied([palletDel.event_id]);

    const scans = await scansFor([palletDel.event_id]);
    expect(scans).toHaveLength(1);
    expect(scans[0]).toMatchObject({ order_id: order, handling_unit: pallet(a, 1), status: "SCANNED_OUT", stop_match: { stop_type: "DELIVERY" } });
    expect(scans[0]!.scan).toEqual({
      timestamp: "2026-11-23T10:40:00Z",
      status: "SCANNED_OUT",
      barcode: pallet(a, 1),
      stop_location_code: `UPN-${depot}`,
      description: `UPN Delivered (DEL), event ${palletDel.event_id}`,
      stop_match: { stop_type: "DELIVERY" },
    });
    // Nothing touched the stop: the other pallet is not delivered.
    const q1 = await sim.qargo.state();
    expect(q1.status_updates.filter((u) => u.order_id === order)).toEqual([]);
    expect(q1.orders.find((o) => o.id === order).consignments[0].goods[0].handling_units.map((h: { scans?: unknown[] }) => h.scans?.length ?? 0)).toEqual([1, 0]);

    const consignmentDel = { event_id: `${tag}-c`, barcode: a, capture_type: "C", stage_code: "DEL", stage: "Delivered", occurred_at: "2026-11-23T11:05:00Z" };
    await sim.upn.seedEvents([consignmentDel]);
    await upnTrackingTask.run(env, db);
    await applied([consignmentDel.event_id]);
    const ups = await updatesFor([palletDel.event_id, consignmentDel.event_id]);
    expect(ups.map((u) => [u.order_id, u.question_answers!.upn_event_id, u.status])).toEqual([[order, consignmentDel.event_id, "COMPLETED"]]);
    expect(await scansFor([consignmentDel.event_id])).toEqual([]);
  });

  it("the UPN refresh route pulls events now; the API and the console show each pallet's scans", async () => {
    const a = barcode();
    await knownOrder(a, 2);
    const tag = uniqueRef("e-");
    await sim.upn.seedEvents([
      { event_id: `${tag}-1`, barcode: a, capture_type: "C", stage_code: "ARR", stage: "Arrived", occurred_at: "2026-11-23T09:00:00Z" },
      { event_id: `${tag}-2`, barcode: a, capture_type: "P", pallet_barcode: pallet(a, 2), stage_code: "UNL", stage: "Unloaded", occurred_at: "2026-11-23T09:10:00Z", note: "Bay 4" },
    ]);
    const res = await admin(`/api/consignments/upn/${a}/refresh`, { method: "POST" });
    expect(res.status).toBe(202);
    const body = await res.json<{ ok: boolean; tracking: { read: number; queued: number }; events: Record<string, number> }>();
    expect(body).toMatchObject({ ok: true, tracking: { read: 2, queued: 2 } });
    expect(Object.values(body.events).reduce((n, v) => n + v, 0)).toBe(2);
    expect((await sim.upn.state()).pending_events).toEqual([]);
    await applied([`${tag}-1`, `${tag}-2`]);
    expect(await scansFor([`${tag}-2`])).toHaveLength(1);

    const view = await (await admin(`/api/consignments/upn/${a}`)).json<{ handling_units: { barcode: string; scans: { what: string; status: string | null; state: string; note: string | null }[] }[]; timeline: { message: string }[] }>();
    expect(view.handling_units).toEqual([{ barcode: pallet(a, 2), scans: [expect.objectContaining({ what: "Unloaded (UNL)", status: "STORED", state: "in the TMS", note: "Bay 4" })] }]);
    expect(view.timeline.some((e) => e.message.startsWith("Manual refresh: pulled UPN's tracking events"))).toBe(true);

    const page = await SELF.fetch(`https://connector.test/ops/consignments/upn/${a}`, { headers: { cookie: await consoleSession() } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain("Pallet scans (1 pallet)");
    expect(html).toContain(pallet(a, 2));
    expect(html).toContain("Unloaded (UNL)");
    expect(html).toContain("Fetch from UPN now");
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
