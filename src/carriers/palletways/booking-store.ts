import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { consignments } from "../../db/schema";
import { palletwaysBookings } from "./schema";
import { jobWrite, queueJobs, timelineInserts, type TimelineEntry } from "../../engine";
import { labelsJob, linkJob } from "./booking-followups";
import { BOOK_JOB, LABELS_JOB, LINK_JOB } from "./booking-kinds";

// The booking row (keyed by TMS order id) and the moves between its states. Every move that
// matters is a compare-and-set on the state read, so two runs at once cannot both commit.

export type Booking = typeof palletwaysBookings.$inferSelect;
export type BookingStatus = "pending" | "committing" | "created" | "booked" | "refused" | "failed";


/**
 * A commit younger than this may still be on its way (limiter wait up to 20 s, then the call's
 * 60 s timeout): nobody looks it up or commits again until it is over.
 */
export const COMMIT_IN_FLIGHT_MS = 120_000;

export async function loadBooking(db: Db, orderId: string): Promise<Booking | undefined> {
  const [row] = await db.select().from(palletwaysBookings).where(eq(palletwaysBookings.orderId, orderId));
  return row;
}

export async function bookingByTrackingId(db: Db, trackingId: string): Promise<Booking | undefined> {
  const [row] = await db.select().from(palletwaysBookings).where(eq(palletwaysBookings.trackingId, trackingId));
  return row;
}

/** Moves `row` from the status it had when read to `set`; false when another run moved it first. */
export async function moveBooking(db: Db, row: Pick<Booking, "orderId" | "status" | "round">, set: Partial<Booking>): Promise<boolean> {
  const done = await db
    .update(palletwaysBookings)
    .set({ ...set, updatedAt: Date.now() })
    .where(and(eq(palletwaysBookings.orderId, row.orderId), eq(palletwaysBookings.status, row.status), eq(palletwaysBookings.round, row.round)))
    .returning({ orderId: palletwaysBookings.orderId });
  return done.length > 0;
}

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
 * (tracking ID to the TMS, labels to the pickup stop). Safe to run again: a run that died
 * after the booking moved to booked does it on its next pass.
 */
export async function afterBooked(env: Env, db: Db, row: Pick<Booking, "orderId" | "orderName"> & { trackingId: string }, lines: TimelineEntry[] = []): Promise<void> {
  const on = { network: "palletways", reference: row.trackingId };
  const write = jobWrite(db, [
    linkJob.job({ ...on, payload: { orderId: row.orderId }, dedupeKey: `${LINK_JOB}:${row.orderId}` }),
    labelsJob.job({ ...on, payload: { orderId: row.orderId }, dedupeKey: `${LABELS_JOB}:${row.orderId}` }),
  ]);
  const link = db
    .insert(consignments)
    .values({ network: "palletways", reference: row.trackingId, orderId: row.orderId, orderName: row.orderName, customerReference: null, role: "COLLECTING" })
    .onConflictDoUpdate({ target: [consignments.network, consignments.reference], set: { orderId: row.orderId, orderName: row.orderName, role: "COLLECTING", updatedAt: Date.now() } });
  const results = await db.batch([link, ...write.statements, ...timelineInserts(db, lines)] as unknown as Parameters<Db["batch"]>[0]);
  await queueJobs(env, write.created(results, 1), { network: "palletways", reference: row.trackingId, step: "palletways.booked.enqueue" });
}
