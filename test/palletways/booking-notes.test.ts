import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { palletwaysDispatch } from "../../sandbox/qargo-dispatches.mjs";
import { runScheduled, scheduledTasks } from "../../src/cron";
import { db as openDb } from "../../src/db/client";
import { cursors, jobs, timeline } from "../../src/db/schema";
import { palletwaysBookingNotes, palletwaysBookings, palletwaysImports, palletwaysWindows } from "../../src/carriers/palletways/schema";
import { palletways } from "../../src/carriers/palletways";
import { bookJob } from "../../src/carriers/palletways/booking-job";
import { COMMIT_IN_FLIGHT_MS, LATE_STORE_MS } from "../../src/carriers/palletways/booking-store";
import { jobWrite } from "../../src/engine";
import { runJob } from "../../src/queues/consumer";
import { and, like } from "drizzle-orm";
import { admin, waitFor } from "../support/webhook";
import { sim } from "../support/sim";
import { postDispatch, pwBooking, qargoDispatch } from "../support/dispatch";

// A booked consignment's progress from the status notes pull onto the dispatch's stops
// (palletways.md, "Booking", items 3 and 4): each note once, by stop id, per the contract's
// table; the POD at 900; exceptions on the attention list with an alert; no stop goes back.

const orderName = (tag: string) => `OR-${tag}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const db = () => openDb(env);
const pull = () => runScheduled(env, scheduledTasks("palletways"));
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

async function book(tag: string) {
  const name = orderName(tag);
  const d = palletwaysDispatch({ orderName: name });
  expect((await postDispatch(d)).body).toEqual({ errors: [] });
  const [c] = await pwBooking.consignments(name);
  const con = d.payload.orders[0]!.consignments[0]!;
  return { name, d, tid: c!.TrackingID, pickup: con.pickup_stop.id, delivery: con.delivery_stop.id };
}

const updatesFor = async (stopId: string) => (await qargoDispatch.state()).status_updates.filter((u) => u.update.stop.id === stopId);

describe("status notes of a booked consignment", () => {
  it("300 → 700 → 800 → 900 move the stops once each; at 900 the delivery stop completes at the POD time, the POD goes on it and the photo window opens", async () => {
    const b = await book("NOTE");
    const notes = await pwBooking.progress({ trackingId: b.tid, at: minutesAgo(10), signature: "J SMITH" });
    await pull();

    const delivery = await waitFor(async () => {
      const u = await updatesFor(b.delivery);
      return u.some((x) => x.status === "COMPLETED") && u.length >= 3 ? u : undefined;
    }, 30_000, "the delivery stop's updates");
    const pickup = await updatesFor(b.pickup);
    expect(pickup.map((u) => u.status)).toEqual(["COMPLETED"]);
    expect(pickup[0]!.question_answers).toEqual({ palletways_status: "300 At Collection Depot" });
    expect(Date.parse(pickup[0]!.event_time)).toBe(Date.parse(`${notes[0]!.NoteDate}T${notes[0]!.NoteTime}:00Z`) - ukOffset(notes[0]!.NoteDate));

    const byCode = (code: string) => delivery.filter((u) => u.question_answers?.palletways_status?.startsWith(code));
    expect(byCode("700").map((u) => u.status)).toEqual([null]);
    expect(byCode("800").map((u) => u.status)).toEqual([null]);
    const done = byCode("900");
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ status: "COMPLETED", question_answers: { palletways_status: "900 Delivered", palletways_signature: "J SMITH" } });
    const pod = notes[3]!;
    expect(Date.parse(done[0]!.event_time)).toBe(Date.parse(`${pod.PodDate}T${pod.PodTime}:00Z`) - ukOffset(pod.PodDate));

    const podFile = await waitFor(async () => (await qargoDispatch.state()).stop_files.find((f) => f.stop_id === b.delivery), 30_000, "the POD on the delivery stop");
    expect(podFile).toMatchObject({ question_path_key: "POD", filename: `${b.tid}_pod.pdf`, content_type: "application/pdf" });
    const [window] = await db().select().from(palletwaysWindows).where(eq(palletwaysWindows.trackingId, b.tid));
    expect(window).toBeDefined();

    // Read again from the start (a cursor lost after the work was recorded): nothing twice.
    await db().delete(cursors).where(eq(cursors.name, "palletways.notes.delta"));
    const before = (await qargoDispatch.state()).status_updates.length;
    await pull();
    await new Promise((r) => setTimeout(r, 1500));
    expect((await qargoDispatch.state()).status_updates.length).toBe(before);
    expect((await qargoDispatch.state()).stop_files.filter((f) => f.stop_id === b.delivery)).toHaveLength(1);

    // The console's page shows each status applied and the POD.
    const view = (await (await admin(`/api/consignments/palletways/${b.tid}`)).json()) as any;
    const steps = view.booking.steps.map((s: any) => `${s.what}: ${s.state}`);
    expect(steps).toEqual(expect.arrayContaining(["Palletways 300 At Collection Depot: pickup stop COMPLETED", "Palletways 900 Delivered: delivery stop COMPLETED", "POD: on the delivery stop"]));
  });

  it("a note older than 900 after it is recorded only; a newer one after 900 is data without a status", async () => {
    const b = await book("OLD");
    await pwBooking.progress({ trackingId: b.tid, codes: ["900"], at: minutesAgo(5) });
    await pull();
    await waitFor(async () => (await updatesFor(b.delivery)).some((u) => u.status === "COMPLETED"), 30_000, "the delivery stop COMPLETED");
    await pwBooking.progress({ trackingId: b.tid, codes: ["800"], at: minutesAgo(30) });
    await pwBooking.progress({ trackingId: b.tid, codes: ["700"], at: minutesAgo(1) });
    await pull();
    const rows = await db().select().from(palletwaysBookingNotes).where(eq(palletwaysBookingNotes.trackingId, b.tid));
    expect(rows.find((r) => r.statusCode === "800")).toMatchObject({ outcome: "older", sent: null });
    expect(rows.find((r) => r.statusCode === "700")).toMatchObject({ outcome: "applied", sent: "delivery stop data" });
    const late = await waitFor(async () => (await updatesFor(b.delivery)).find((u) => u.question_answers?.palletways_status?.startsWith("700")), 30_000, "the 700 as data");
    expect(late.status).toBeNull();
    const all = await updatesFor(b.delivery);
    expect(all.filter((u) => u.question_answers?.palletways_status?.startsWith("800"))).toHaveLength(0);
    expect(all.filter((u) => u.status === "COMPLETED")).toHaveLength(1);
  });

  it("an exception (675 STOCK HELD, or NoteGroup Exception) goes on the delivery stop, the attention list and an alert", async () => {
    const b = await book("EXC");
    await pwBooking.progress({ trackingId: b.tid, codes: ["675"], noteType: "Stock Held", noteGroup: "Exception", noteText: "Awaiting booking-in", at: minutesAgo(2) });
    await pull();
    const u = await waitFor(async () => (await updatesFor(b.delivery)).find((x) => x.question_answers?.palletways_status === "675 Stock Held"), 30_000, "the exception on the delivery stop");
    expect(u.status).toBeNull();
    expect(u.question_answers).toEqual({ palletways_status: "675 Stock Held", palletways_note: "Awaiting booking-in" });
    const alerts = await sim.alerts.about(b.tid);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.text).toMatch(/exception 675 Stock Held/);
    const items = (await (await admin("/api/attention")).json()) as { items: { title: string }[] };
    expect(items.items.some((i) => i.title === `Palletways ${b.tid}: exception 675 Stock Held`)).toBe(true);
  });
});

describe("notes that come before the booking settles", () => {
  // Soak finding: a commit without an answer leaves the booking committing for LATE_STORE_MS
  // or more; Palletways' notes for the consignment read in that time found no booked row and
  // were passed over for good (no stop moved, no POD). The booking, once settled, has them
  // read again; each is applied once.
  it("300 and 900 read while the commit's outcome is unclear move the stops once each after it settles, the POD comes once, and another pass changes nothing", async () => {
    const name = orderName("HELD");
    const d = palletwaysDispatch({ orderName: name });
    const orderId = d.payload.orders[0]!.id;
    const con = d.payload.orders[0]!.consignments[0]!;
    const booking = async () => (await db().select().from(palletwaysBookings).where(eq(palletwaysBookings.orderId, orderId)))[0]!;
    // The connection drops at 0.5 s without an answer; Palletways stores the booking at 4 s.
    await sim.palletways.fail({ path: "createconsignment", status: 0, late: true, drop_ms: 500, hold_ms: 4_000 });
    expect((await postDispatch(d)).status).toBe(200);
    const [stored] = await waitFor(async () => {
      const list = await pwBooking.consignments(name);
      return list.length ? list : undefined;
    }, 20_000, "Palletways to store the booking");
    const tid = stored!.TrackingID;
    await waitFor(async () => (await booking()).status === "committing" || undefined, 20_000, "the booking to wait on its unclear commit");

    await pwBooking.progress({ trackingId: tid, codes: ["300", "900"], at: minutesAgo(3), signature: "A LATE" });
    await pull();
    expect((await booking()).status).toBe("committing");
    expect(await updatesFor(con.pickup_stop.id)).toHaveLength(0);

    // The late-store wait passes (as if LATE_STORE_MS had gone by) and the look-up settles it.
    await db().update(palletwaysBookings).set({ commitStartedAt: (await booking()).commitStartedAt! - COMMIT_IN_FLIGHT_MS - LATE_STORE_MS }).where(eq(palletwaysBookings.orderId, orderId));
    const write = jobWrite(db(), [bookJob.job({ network: "palletways", reference: name, payload: { orderId }, dedupeKey: `palletways.book:${orderId}:settle` })]);
    await db().batch(write.statements as [any, ...any[]]);
    await runJob(env, db(), write.rows[0]!.id);
    expect(await booking()).toMatchObject({ status: "booked", trackingId: tid, commits: 1 });

    await pull();
    await waitFor(async () => (await updatesFor(con.delivery_stop.id)).some((u) => u.status === "COMPLETED") || undefined, 30_000, "the delivery stop COMPLETED");
    await waitFor(async () => (await qargoDispatch.state()).stop_files.some((f) => f.stop_id === con.delivery_stop.id) || undefined, 30_000, "the POD on the delivery stop");
    const settledWork = async () => {
      const rows = await db().select().from(jobs).where(eq(jobs.reference, tid));
      return rows.every((j) => j.status === "done" || j.status === "skipped") ? rows : undefined;
    };
    await waitFor(settledWork, 30_000, "the booking's work done");

    const check = async () => {
      expect((await updatesFor(con.pickup_stop.id)).map((u) => [u.status, u.question_answers?.palletways_status])).toEqual([["COMPLETED", "300 At Collection Depot"]]);
      const delivery = await updatesFor(con.delivery_stop.id);
      expect(delivery.map((u) => [u.status, u.question_answers?.palletways_status])).toEqual([["COMPLETED", "900 Delivered"]]);
      expect((await qargoDispatch.state()).stop_files.filter((f) => f.stop_id === con.delivery_stop.id && f.filename === `${tid}_pod.pdf`)).toHaveLength(1);
      const work = await db().select().from(jobs).where(eq(jobs.reference, tid));
      expect(work.filter((j) => j.kind === "palletways.booking-pod").map((j) => [j.status, j.attempts])).toEqual([["done", 1]]);
      expect(work.filter((j) => j.kind === "palletways.booking-status")).toHaveLength(2);
      expect(await db().select().from(palletwaysBookingNotes).where(eq(palletwaysBookingNotes.trackingId, tid))).toHaveLength(2);
      const lines = await db().select().from(timeline).where(and(eq(timeline.reference, tid), like(timeline.step, "palletways.%note")));
      expect(lines.map((l) => l.step).sort()).toEqual(["palletways.booking-note", "palletways.booking-note", "palletways.note"]);
      // Read while unsettled, the notes were not taken for another depot's consignment to look up.
      expect(await db().select().from(palletwaysImports).where(eq(palletwaysImports.trackingId, tid))).toHaveLength(0);
    };
    await check();
    expect(await db().select().from(cursors).where(eq(cursors.name, "palletways.notes.replay_from"))).toHaveLength(0);

    // Another pass, and one read from before the commit again: nothing twice.
    await pull();
    await db().delete(cursors).where(eq(cursors.name, "palletways.notes.delta"));
    await pull();
    await new Promise((r) => setTimeout(r, 1500));
    await check();
  }, 90_000);
});

describe("retention", () => {
  it("drops applied notes and raw answers after RETENTION_DAYS but keeps the booking, so a late re-send books nothing", async () => {
    const b = await book("RET");
    await pwBooking.progress({ trackingId: b.tid, codes: ["300"], at: minutesAgo(3) });
    await pull();
    await waitFor(async () => (await updatesFor(b.pickup)).length > 0 && (await qargoDispatch.state()).stop_files.some((f) => f.stop_id === b.pickup), 30_000, "the note and labels applied");
    await waitFor(async () => {
      const v = (await (await admin(`/api/consignments/palletways/${b.tid}`)).json()) as any;
      return v.jobs.every((j: any) => j.status === "done" || j.status === "skipped");
    }, 30_000, "the booking's work done");
    const removed = await palletways.retention!(env, db(), Date.now() + 1000);
    expect(removed.palletways_booking_notes).toBeGreaterThanOrEqual(1);
    expect(await db().select().from(palletwaysBookingNotes).where(eq(palletwaysBookingNotes.trackingId, b.tid))).toHaveLength(0);
    const [row] = await db().select().from(palletwaysBookings).where(eq(palletwaysBookings.trackingId, b.tid));
    expect(row).toMatchObject({ status: "booked", answer: null, manifestSent: null });
    expect((await postDispatch(b.d)).body).toEqual({ errors: [] });
    expect(await pwBooking.consignments(b.name)).toHaveLength(1);
  });
});

describe("labels switched off", () => {
  it("an account without labels books anyway: a note on the timeline and one attention item, not a failure", async () => {
    await pwBooking.config({ labelsConfigured: false });
    try {
      const a = await book("NOLA");
      const b = await book("NOLB");
      for (const x of [a, b]) {
        const view = await waitFor(async () => {
          const v = (await (await admin(`/api/consignments/palletways/${x.tid}`)).json()) as any;
          return v.booking?.facts?.find((f: any) => f.label === "Labels")?.value.startsWith("this account makes no labels") ? v : undefined;
        }, 20_000, "the labels note");
        expect(view.jobs.find((j: any) => j.kind === "palletways.booking-labels").status).toBe("skipped");
        expect(view.timeline.some((t: any) => t.message.includes("This account is not configured to produce labels"))).toBe(true);
      }
      expect((await qargoDispatch.state()).stop_files.filter((f) => f.stop_id === a.pickup || f.stop_id === b.pickup)).toHaveLength(0);
      const items = (await (await admin("/api/attention")).json()) as { items: { title: string }[] };
      expect(items.items.filter((i) => i.title.startsWith("Palletways does not produce labels for our account"))).toHaveLength(1);
    } finally {
      await pwBooking.config({ labelsConfigured: true });
    }
  });
});

/** London's offset from UTC on a date, in ms (0 in winter, 1 h in summer). */
function ukOffset(date: string): number {
  const noon = new Date(`${date}T12:00:00Z`);
  const hour = Number(new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/London", hour: "2-digit", hourCycle: "h23" }).format(noon));
  return (hour - 12) * 3_600_000;
}
