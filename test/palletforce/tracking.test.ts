import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { countPass, palletforceCron } from "../../src/carriers/palletforce/cron";
import { importPass } from "../../src/carriers/palletforce/import";
import { palletforceEvents, palletforceMoves, palletforceTracked } from "../../src/carriers/palletforce/schema";
import { pollOne, trackingPass } from "../../src/carriers/palletforce/tracking";
import { db as openDb } from "../../src/db/client";
import { jobs, timeline } from "../../src/db/schema";
import { sim } from "../support/sim";
import { admin, waitFor } from "../support/webhook";
import { book, iso, pfDispatch } from "./support";

// Tracking (palletforce.md): the whole history on every read, each event applied once, a stop
// moved only when every pallet has the event, never backwards (rule 11); a complete consignment
// is no longer read; 14 days incomplete → attention; every third cron pass.

const t0 = Date.UTC(2026, 11, 4, 18, 0);
const at = (min: number) => iso(t0 + min * 60_000);

async function refresh(tn: string) {
  const r = await admin(`/api/consignments/palletforce/${tn}/refresh`, { method: "POST" });
  expect(r.status).toBe(202);
  return (await r.json()) as Record<string, unknown>;
}

const updatesFor = async (stopIds: string[]) => (await sim.qargo.state()).status_updates.filter((u) => stopIds.includes(u.update?.stop?.id));

describe("Palletforce tracking", () => {
  beforeEach(async () => {
    await sim.palletforce.reset();
  });

  it("moves a booked consignment's stops only when every pallet has the event, once, never back", async () => {
    const d = pfDispatch({ goods: [{ quantity: 2, total_weight_kg: 800, packaging: "PALLET", units: 2 }] });
    const c = d.payload.orders[0]!.consignments[0]!;
    const stops = [c.pickup_stop.id, c.delivery_stop.id];
    const tn = await book(d);

    // One of two pallets scanned out: nothing moves.
    await sim.palletforce.seedEvents([{ trackingNumber: tn, eventCode: "SCOT", eventDateTime: at(0), pallet: 0 }]);
    expect(await refresh(tn)).toMatchObject({ new_events: 1, stop_moves: 0 });
    expect(await updatesFor(stops)).toHaveLength(0);

    // The second pallet: the pickup stop completes at its time.
    await sim.palletforce.seedEvents([{ trackingNumber: tn, eventCode: "SCOT", eventDateTime: at(5), pallet: 1 }]);
    expect(await refresh(tn)).toMatchObject({ new_events: 1, stop_moves: 1 });
    let ups = await updatesFor(stops);
    expect(ups.map((u) => [u.update.stop.id, u.status, u.event_time])).toEqual([[c.pickup_stop.id, "COMPLETED", at(5)]]);
    expect(ups[0]!.question_answers).toMatchObject({ palletforce_event: "SCOT Scanned out of collection depot" });

    // A repeated history: nothing new, nothing sent again.
    expect(await refresh(tn)).toMatchObject({ new_events: 0, stop_moves: 0 });
    expect(await updatesFor(stops)).toHaveLength(1);

    // Both PODs arrive before the (older) arrivals are read: the delivery stop completes, and
    // the arrival, older than the completion, never moves it back to AT_STOP.
    await sim.palletforce.seedEvents([
      { trackingNumber: tn, eventCode: "POD", eventDateTime: at(120), pallet: 0 },
      { trackingNumber: tn, eventCode: "POD", eventDateTime: at(121), pallet: 1 },
    ]);
    await refresh(tn);
    await sim.palletforce.seedEvents([
      { trackingNumber: tn, eventCode: "ARDL", eventDateTime: at(100), pallet: 0 },
      { trackingNumber: tn, eventCode: "ARDL", eventDateTime: at(101), pallet: 1 },
    ]);
    const [row] = await openDb(env).select().from(palletforceTracked).where(eq(palletforceTracked.trackingNumber, tn));
    expect(row?.status).toBe("complete");
    // Complete: the pass no longer reads it, but a manual refresh still records the late events as data.
    const r = await refresh(tn);
    expect(r).toMatchObject({ new_events: 2, stop_moves: 0 });
    ups = await updatesFor(stops);
    expect(ups.map((u) => [u.update.stop.id, u.status, u.event_time])).toEqual([
      [c.pickup_stop.id, "COMPLETED", at(5)],
      [c.delivery_stop.id, "COMPLETED", at(121)],
    ]);
    const events = await openDb(env).select().from(palletforceEvents).where(eq(palletforceEvents.trackingNumber, tn));
    expect(events).toHaveLength(6);
    expect(events.every((e) => e.status === "applied")).toBe(true);
  });

  it("after an unclear answer sends the very same stop update once more and says so; after a refusal, nothing is left half-sent", async () => {
    const db = openDb(env);
    const d = pfDispatch({ goods: [{ quantity: 2, total_weight_kg: 800, packaging: "PALLET", units: 2 }] });
    const c = d.payload.orders[0]!.consignments[0]!;
    const tn = await book(d);
    const row = async () => (await db.select().from(palletforceTracked).where(eq(palletforceTracked.trackingNumber, tn)))[0]!;
    const move = async () => (await db.select().from(palletforceMoves).where(eq(palletforceMoves.trackingNumber, tn)))[0];
    await sim.palletforce.seedEvents([
      { trackingNumber: tn, eventCode: "SCOT", eventDateTime: at(0), pallet: 0 },
      { trackingNumber: tn, eventCode: "SCOT", eventDateTime: at(3), pallet: 1 },
    ]);

    // Qargo stores the update, then the connection drops: no way to ask whether it took.
    await sim.qargo.fail({ path: "subco-status-update$", status: 0, after: true, times: 1 });
    await expect(pollOne(env, db, await row())).rejects.toThrow();
    expect((await move())?.state).toBe("unclear");
    expect(await updatesFor([c.pickup_stop.id])).toHaveLength(1);

    // The next read sends exactly the same update again (harmless to the TMS, tms-qargo.md) and says why.
    expect(await pollOne(env, db, await row())).toMatchObject({ moves: 1 });
    const ups = await updatesFor([c.pickup_stop.id]);
    expect(ups).toHaveLength(2);
    expect(ups[1]!.update).toEqual(ups[0]!.update);
    expect((await move())?.state).toBe("sent");
    const lines = await db.select().from(timeline).where(eq(timeline.reference, tn));
    expect(lines.filter((l) => l.message.includes("sent again: the previous try got no clear answer"))).toHaveLength(1);

    // A third read: nothing more.
    expect(await pollOne(env, db, await row())).toMatchObject({ moves: 0 });
    expect(await updatesFor([c.pickup_stop.id])).toHaveLength(2);

    // A clear refusal never took effect: its row goes, and the next read sends it as a first try.
    await sim.palletforce.seedEvents([
      { trackingNumber: tn, eventCode: "POD", eventDateTime: at(60), pallet: 0 },
      { trackingNumber: tn, eventCode: "POD", eventDateTime: at(61), pallet: 1 },
    ]);
    await sim.qargo.fail({ path: "subco-status-update$", status: 422, times: 1, body: { detail: "try later" } });
    await expect(pollOne(env, db, await row())).rejects.toThrow(/422/);
    const rows = await db.select().from(palletforceMoves).where(eq(palletforceMoves.trackingNumber, tn));
    expect(rows.map((r) => [r.stop, r.status, r.state])).toEqual([["PICKUP", "COMPLETED", "sent"]]);
    expect(await pollOne(env, db, await row())).toMatchObject({ moves: 1, complete: true });
    const delivery = await updatesFor([c.delivery_stop.id]);
    expect(delivery.map((u) => [u.status, u.event_time])).toEqual([["COMPLETED", at(61)]]);
    const after = await db.select().from(timeline).where(eq(timeline.reference, tn));
    expect(after.filter((l) => l.message.startsWith("Delivery stop set to COMPLETED") && !l.message.includes("sent again"))).toHaveLength(1);
  });

  it("never steps a stop back after an unclear completion or a send cut off before its outcome was recorded (rule 11)", async () => {
    const db = openDb(env);
    const d = pfDispatch({ goods: [{ quantity: 2, total_weight_kg: 800, packaging: "PALLET", units: 2 }] });
    const c = d.payload.orders[0]!.consignments[0]!;
    const tn = await book(d);
    const row = async () => (await db.select().from(palletforceTracked).where(eq(palletforceTracked.trackingNumber, tn)))[0]!;
    const delivery = async () => (await updatesFor([c.delivery_stop.id])).map((u) => [u.status, u.event_time]);

    // Both PODs are read first; the completion is stored by Qargo but its answer is lost.
    await sim.palletforce.seedEvents([
      { trackingNumber: tn, eventCode: "POD", eventDateTime: at(120), pallet: 0 },
      { trackingNumber: tn, eventCode: "POD", eventDateTime: at(121), pallet: 1 },
    ]);
    await sim.qargo.fail({ path: "subco-status-update$", status: 0, after: true, times: 1 });
    await expect(pollOne(env, db, await row())).rejects.toThrow();
    expect(await delivery()).toEqual([["COMPLETED", at(121)]]);

    // The arrivals (older) come in late: the completion is repeated, the arrival is data only.
    await sim.palletforce.seedEvents([
      { trackingNumber: tn, eventCode: "ARDL", eventDateTime: at(100), pallet: 0 },
      { trackingNumber: tn, eventCode: "ARDL", eventDateTime: at(101), pallet: 1 },
    ]);
    expect(await pollOne(env, db, await row())).toMatchObject({ moves: 1, complete: true });
    expect(await delivery()).toEqual([["COMPLETED", at(121)], ["COMPLETED", at(121)]]);
    const lines = await db.select().from(timeline).where(eq(timeline.reference, tn));
    expect(lines.some((l) => l.message.includes("delivery AT_STOP") && l.message.includes("recorded as data only"))).toBe(true);

    // The same when the isolate died after Qargo took the completion (the row still `sending`).
    const d2 = pfDispatch({ goods: [{ quantity: 2, total_weight_kg: 800, packaging: "PALLET", units: 2 }] });
    const c2 = d2.payload.orders[0]!.consignments[0]!;
    const tn2 = await book(d2);
    await sim.palletforce.seedEvents([
      { trackingNumber: tn2, eventCode: "POD", eventDateTime: at(120), pallet: 0 },
      { trackingNumber: tn2, eventCode: "POD", eventDateTime: at(121), pallet: 1 },
    ]);
    const row2 = async () => (await db.select().from(palletforceTracked).where(eq(palletforceTracked.trackingNumber, tn2)))[0]!;
    await pollOne(env, db, await row2());
    await db.update(palletforceTracked).set({ status: "open", closedAt: null }).where(eq(palletforceTracked.trackingNumber, tn2));
    await db.update(palletforceMoves).set({ state: "sending" }).where(eq(palletforceMoves.trackingNumber, tn2));
    await sim.palletforce.seedEvents([
      { trackingNumber: tn2, eventCode: "ARDL", eventDateTime: at(100), pallet: 0 },
      { trackingNumber: tn2, eventCode: "ARDL", eventDateTime: at(101), pallet: 1 },
    ]);
    await pollOne(env, db, await row2());
    expect((await updatesFor([c2.delivery_stop.id])).map((u) => [u.status, u.event_time])).toEqual([["COMPLETED", at(121)], ["COMPLETED", at(121)]]);

    // A reader died after writing `sending` for the pickup and before Qargo had it; the next
    // read (minutes later, not half an hour) completes the consignment: the pickup goes too.
    const d3 = pfDispatch({ goods: [{ quantity: 2, total_weight_kg: 800, packaging: "PALLET", units: 2 }] });
    const c3 = d3.payload.orders[0]!.consignments[0]!;
    const tn3 = await book(d3);
    await sim.palletforce.seedEvents([
      { trackingNumber: tn3, eventCode: "SCOT", eventDateTime: at(0), pallet: 0 },
      { trackingNumber: tn3, eventCode: "SCOT", eventDateTime: at(3), pallet: 1 },
      { trackingNumber: tn3, eventCode: "POD", eventDateTime: at(120), pallet: 0 },
      { trackingNumber: tn3, eventCode: "POD", eventDateTime: at(121), pallet: 1 },
    ]);
    const history = (await sim.palletforce.state()).events[tn3] ?? [];
    const completing = history.find((e) => e.eventCode === "SCOT" && e.eventDateTime === at(3));
    await db.insert(palletforceMoves).values({ trackingNumber: tn3, stop: "PICKUP", status: "COMPLETED", at: at(3), state: "sending", eventKey: `SCOT|${at(3)}|${completing?.palletBarcode}` });
    const row3 = (await db.select().from(palletforceTracked).where(eq(palletforceTracked.trackingNumber, tn3)))[0]!;
    expect(await pollOne(env, db, row3)).toMatchObject({ moves: 2, complete: true });
    expect((await updatesFor([c3.pickup_stop.id, c3.delivery_stop.id])).map((u) => [u.update.stop.id, u.status])).toEqual([
      [c3.pickup_stop.id, "COMPLETED"],
      [c3.delivery_stop.id, "COMPLETED"],
    ]);
  });

  it("flags an exception at the first pallet, applies imported pallet scans, and stops reading what is complete", async () => {
    await sim.palletforce.config({ pageSize: 10 });
    const [listed] = (await sim.palletforce.seedConsignments([{ deliveryDepot: env.PALLETFORCE_DEPOT, palletCount: 2 }])).consignments;
    const tn = listed.trackingNumber as string;
    const db = openDb(env);
    await importPass(env, db);
    const tracked = await waitFor(async () => (await db.select().from(palletforceTracked).where(eq(palletforceTracked.trackingNumber, tn)))[0], 20_000, "the import");
    expect(tracked).toMatchObject({ role: "DELIVERING", pallets: 2 });

    await sim.palletforce.seedEvents([
      { trackingNumber: tn, eventCode: "POC", eventDateTime: at(0) },
      { trackingNumber: tn, eventCode: "ARRD", eventDateTime: at(60), pallet: 0 },
      { trackingNumber: tn, eventCode: "ARRD", eventDateTime: at(61), pallet: 1 },
      { trackingNumber: tn, eventCode: "DMGD", eventDateTime: at(62), pallet: 1 },
    ]);
    expect(await refresh(tn)).toMatchObject({ new_events: 4, stop_moves: 1, pallet_scans: 3, complete: true });
    const q = await sim.qargo.state();
    const pickup = q.status_updates.filter((u) => u.order_id === tracked.orderId);
    expect(pickup.map((u) => [u.status, u.event_time, u.update.stop.match.matches_all[0].stop.stop_type])).toEqual([["COMPLETED", at(0), "PICKUP"]]);
    const scans = q.scans.filter((s) => s.order_id === tracked.orderId);
    expect(scans.map((s) => [s.handling_unit, s.status, s.description, s.stop_location_code])).toEqual([
      [listed.pallets[0].palletBarcode, "SCANNED_IN", "Palletforce ARRD Arrived at delivery depot", `PF-${env.PALLETFORCE_DEPOT}`],
      [listed.pallets[1].palletBarcode, "SCANNED_IN", "Palletforce ARRD Arrived at delivery depot", `PF-${env.PALLETFORCE_DEPOT}`],
      [listed.pallets[1].palletBarcode, null, "Palletforce DMGD Damaged", `PF-${env.PALLETFORCE_DEPOT}`],
    ]);
    const att = (await (await admin("/api/attention")).json()) as { items: { title: string; network: string }[] };
    expect(att.items.filter((i) => i.network === "palletforce" && i.title.includes(`${tn}: Damaged (DMGD)`))).toHaveLength(1);

    // Complete: the next pass chooses it no more.
    const reads = (await sim.palletforce.state()).calls.filter((c) => c.path.endsWith("/DownloadTracking")).length;
    const pass = await trackingPass(env, db, Date.now() + 3_600_000);
    expect(pass.polling).toBe(0);
    expect((await sim.palletforce.state()).calls.filter((c) => c.path.endsWith("/DownloadTracking")).length).toBe(reads);
  });

  it("runs every third cron pass, reads the open consignments through jobs, and closes one 14 days incomplete", async () => {
    const db = openDb(env);
    const fresh = await book(pfDispatch());
    const old = await book(pfDispatch());
    await db.update(palletforceTracked).set({ openedAt: Date.now() - 15 * 24 * 3_600_000 }).where(eq(palletforceTracked.trackingNumber, old));
    await sim.palletforce.seedEvents([{ trackingNumber: fresh, eventCode: "SCOT", eventDateTime: at(0), pallet: 0 }, { trackingNumber: fresh, eventCode: "SCOT", eventDateTime: at(1), pallet: 1 }]);
    const task = palletforceCron[0]!;
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await task.run(env, db));
    const ran = results.map((r) => (r && "tracking" in r ? "ran" : "skipped"));
    // Whatever pass the counter stood at, exactly one of three consecutive passes runs.
    expect(ran.filter((x) => x === "ran").length).toBeGreaterThanOrEqual(1);
    expect(ran.slice(0, 3).filter((x) => x === "ran")).toHaveLength(1);
    // After a gap (the network switched off, then on), the first pass runs again.
    expect(await countPass(db, Date.now() + 20 * 60_000)).toEqual({ pass: 0, due: true });
    expect(await countPass(db, Date.now() + 30 * 60_000)).toEqual({ pass: 1, due: false });
    const [o] = await db.select().from(palletforceTracked).where(eq(palletforceTracked.trackingNumber, old));
    expect(o?.status).toBe("stale");
    const [f] = await waitFor(async () => {
      const rows = await db.select().from(palletforceTracked).where(eq(palletforceTracked.trackingNumber, fresh));
      return rows[0]?.lastPolledAt ? rows : undefined;
    }, 30_000, "the tracking job");
    expect(f?.status).toBe("open");
    const trackJobs = await db.select().from(jobs).where(eq(jobs.kind, "palletforce.track"));
    expect(trackJobs.length).toBeGreaterThan(0);
    // Two passes queued reads of it; one read at a time, and the move is sent once.
    await waitFor(async () => (await sim.qargo.state()).status_updates.some((u) => u.event_time === at(1) && u.update?.stop?.id), 20_000, "the pickup move");
    await waitFor(async () => (await db.select().from(jobs).where(eq(jobs.kind, "palletforce.track"))).every((j) => j.status === "done"), 20_000, "the reads");
    const ups = (await sim.qargo.state()).status_updates.filter((u) => u.event_time === at(1) && u.update?.stop?.id);
    expect(ups).toHaveLength(1);
    const att = (await (await admin("/api/attention")).json()) as { items: { title: string }[] };
    expect(att.items.some((i) => i.title.includes(`${old} is not delivered 14 days after it was booked`))).toBe(true);
  });
});
