import { and, eq, inArray } from "drizzle-orm";
import { chunk, IN_LIST_MAX } from "../../lib/chunk";
import type { Db } from "../../db/client";
import { palletwaysBookings } from "./schema";

// The booking row (keyed by TMS order id) and the moves between its states. Every move that
// matters is a compare-and-set on the state read, so two runs at once cannot both commit.

export type Booking = typeof palletwaysBookings.$inferSelect;
export type BookingStatus = "pending" | "committing" | "created" | "booked" | "refused" | "failed";

/**
 * A commit younger than this may still be on its way (limiter wait up to 20 s, then the call's
 * 60 s timeout): nobody looks it up or commits again until it is over.
 */
export const COMMIT_IN_FLIGHT_MS = 120_000;

/**
 * A commit that got no answer at all (timeout, reset) may be stored by Palletways after we gave
 * up on it (it sat on the request past our 60 s timeout: the soak's "timeout-then-commit"). A
 * look-up that finds nothing is believed only once this long has passed since our call ended.
 */
export const LATE_STORE_MS = 60_000;

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

/** Not settled yet: a commit may be (or may have been) stored by Palletways under this number. */
const UNSETTLED = ["pending", "committing", "created"] as const satisfies readonly BookingStatus[];

/** The consignment numbers (order names) among `numbers` that name a booking not settled yet. */
export async function unsettledNumbers(db: Db, numbers: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunk([...new Set(numbers)], IN_LIST_MAX)) {
    const rows = await db.select({ orderName: palletwaysBookings.orderName }).from(palletwaysBookings).where(and(inArray(palletwaysBookings.orderName, part), inArray(palletwaysBookings.status, [...UNSETTLED])));
    for (const r of rows) out.add(r.orderName);
  }
  return out;
}
