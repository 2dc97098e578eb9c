import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { consignments } from "../../db/schema";
import { namedBatch } from "../../db/batch";
import { jobWrite, queueJobs, timelineInserts, type TimelineEntry } from "../../engine";
import { labelsJob, linkJob } from "./booking-followups";
import { BOOK_JOB, LABELS_JOB, LINK_JOB } from "./booking-kinds";
import { moveBooking, type Booking } from "./booking-store";
import { replayNotesFrom } from "./notes-replay";

// A booking that has its tracking ID: the store's compare-and-set moves it to booked, then
// what follows (the consignment link, the follow-up jobs) is made durable in one batch. Kept
// apart from the store so the follow-up jobs can read the store without a circle.

/**
 * The tracking ID is known. The booking moves to booked (compare-and-set: one run wins), then
 * `afterBooked` makes what follows durable.
 */
export async function markBooked(env: Env, db: Db, row: Booking, trackingId: string, how: string, answer: string | null): Promise<boolean> {
  const moved = await moveBooking(db, row, { status: "booked", trackingId, bookedAt: Date.now(), message: null, ...(answer ? { answer } : {}) });
  if (!moved) return false;
  const message = `Booked with Palletways as ${trackingId} (consignment number ${row.orderName}, TMS order ${row.orderId}): ${how}`;
  await afterBooked(env, db, { ...row, trackingId }, [
    { network: "palletways", reference: trackingId, kind: "info", step: BOOK_JOB, outcome: "ok", message, detail: { order_id: row.orderId, order_name: row.orderName } },
    { network: "palletways", reference: row.orderName, kind: "info", step: BOOK_JOB, outcome: "ok", message },
  ]);
  return true;
}

/**
 * What a booked consignment needs, in one D1 batch: the consignment the rest of the connector
 * knows it by (role COLLECTING, so webhooks and status notes link) and the follow-up work
 * (tracking ID to the TMS, labels to the pickup stop), and a replay of the status notes since
 * the commit: any read before the booking was booked passed its notes over. Safe to run again:
 * a run that died after the booking moved to booked does it on its next pass.
 */
export async function afterBooked(env: Env, db: Db, row: Pick<Booking, "orderId" | "orderName" | "commitStartedAt" | "createdAt"> & { trackingId: string }, lines: TimelineEntry[] = []): Promise<void> {
  const on = { network: "palletways", reference: row.trackingId };
  const write = jobWrite(db, [
    linkJob.job({ ...on, payload: { orderId: row.orderId }, dedupeKey: `${LINK_JOB}:${row.orderId}` }),
    labelsJob.job({ ...on, payload: { orderId: row.orderId }, dedupeKey: `${LABELS_JOB}:${row.orderId}` }),
  ]);
  const link = db
    .insert(consignments)
    .values({ network: "palletways", reference: row.trackingId, orderId: row.orderId, orderName: row.orderName, customerReference: null, role: "COLLECTING" })
    .onConflictDoUpdate({ target: [consignments.network, consignments.reference], set: { orderId: row.orderId, orderName: row.orderName, role: "COLLECTING", updatedAt: Date.now() } });
  // Once the link stands this batch has run before (a re-sent dispatch, a redelivery): the
  // replay it asked for is done, and one asked for again would read days of notes back.
  const [linked] = await db.select({ orderId: consignments.orderId }).from(consignments).where(and(eq(consignments.network, "palletways"), eq(consignments.reference, row.trackingId)));
  const replay = linked?.orderId === row.orderId ? [] : [replayNotesFrom(db, row.commitStartedAt ?? row.createdAt)];
  const results = await namedBatch(db, { link: [link], replay, jobs: write.statements, timeline: timelineInserts(db, lines) });
  await queueJobs(env, write.created(results.jobs), { network: "palletways", reference: row.trackingId, step: "palletways.booked.enqueue" });
}
