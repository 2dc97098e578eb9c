import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { palletOrder } from "../../sandbox/qargo-webhooks.mjs";
import { palletwaysDispatch } from "../../sandbox/qargo-dispatches.mjs";
import { palletforceBookings } from "../../src/carriers/palletforce/schema";
import { db as openDb } from "../../src/db/client";
import { postDispatch } from "../support/dispatch";
import { sim } from "../support/sim";
import { waitFor } from "../support/webhook";

// Shared by the Palletforce tests: a dispatch for one order (Palletways' builder is the TMS's
// generic trip; only the door differs), the matching TMS order in the Qargo simulator, and TMS
// webhooks for a Palletforce order.

export type Dispatch = ReturnType<typeof palletwaysDispatch>;

export function pfDispatch(opts: Parameters<typeof palletwaysDispatch>[0] = {}): Dispatch {
  return palletwaysDispatch(opts);
}

/** The dispatch's order as the TMS holds it, with the dispatch's stop ids (status updates go to them). */
export async function seedTmsOrder(d: Dispatch): Promise<void> {
  const o = d.payload.orders[0]!;
  const c = o.consignments[0]!;
  await sim.qargo.seedOrder({
    id: o.id,
    order_name: o.name,
    customer_reference_number: (o.customer_reference_number as string | null) ?? null,
    stops: [{ id: c.pickup_stop.id, stop_type: "PICKUP" }, { id: c.delivery_stop.id, stop_type: "DELIVERY" }],
    consignments: [{ consignment_reference_number: null, goods: [] }],
  });
}

/** Books through the door and returns the tracking number. */
export async function book(d: Dispatch): Promise<string> {
  await seedTmsOrder(d);
  const r = await postDispatch(d, "palletforce");
  if (r.status !== 200 || r.body.errors.length) throw new Error(`booking failed: ${JSON.stringify(r.body)}`);
  const row = await waitFor(async () => (await openDb(env).select().from(palletforceBookings).where(eq(palletforceBookings.orderId, d.payload.orders[0]!.id)))[0]?.trackingNumber, 10_000, "the tracking number");
  return row;
}

export const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** A VisibilityOrder for a Palletforce consignment. */
export function pfOrder(reference: string, role: "COLLECTING" | "DELIVERING" = "DELIVERING", id?: string) {
  return palletOrder({ reference, network: "PALLETFORCE", role, ...(id ? { id } : {}) });
}

/** StopUpdate webhook body: the order's stop of `stopType` now `status` (times at `at`). */
export function stopUpdate(order: ReturnType<typeof pfOrder>, stopType: "PICKUP" | "DELIVERY", status: "AT_STOP" | "COMPLETED", at: string, eventAt = at) {
  const stops = order.stops.map((s) => (s.stop_type === stopType ? { ...s, status, actual_start_timestamp: at, ...(status === "COMPLETED" ? { actual_end_timestamp: at } : {}) } : s));
  const stop = stops.find((s) => s.stop_type === stopType)!;
  return { events: [{ timestamp: eventAt, update: { id: stop.id, type: "Stop", stop } }], order: { ...order, stops }, trip: null };
}
