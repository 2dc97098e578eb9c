import { and, desc, eq, gte, inArray, isNotNull, or } from "drizzle-orm";
import type { Db } from "../../db/client";
import type { AttentionItem } from "../carrier";
import { EXCEPTION_CODES, LABEL } from "./enums";
import { eventName } from "./mapping";
import { palletforceBookings, palletforceEvents, palletforceTracked } from "./schema";

// What Palletforce puts in front of a person (palletforce.md): an exception (DMGD, ABRT) at the
// first pallet that has it, with an alert; a consignment 14 days incomplete; a CANCEL of a
// booking (only Palletforce can cancel it); a booking refused for our access key.

const LIMIT = 500;

const ACTION: Record<string, string> = {
  DMGD: "Palletforce reports the goods damaged. Call the consignee and the customer, and record the claim on the TMS order.",
  ABRT: "Palletforce aborted the delivery. Call the consignee to arrange a new delivery and note it on the TMS order.",
};

export async function palletforceAttention(_env: Env, db: Db, since: number): Promise<AttentionItem[]> {
  const [exceptions, stale, bookings] = await Promise.all([
    db
      .select({ key: palletforceEvents.key, t: palletforceEvents.trackingNumber, code: palletforceEvents.code, at: palletforceEvents.occurredAt, pallet: palletforceEvents.palletBarcode, body: palletforceEvents.body, seenAt: palletforceEvents.seenAt })
      .from(palletforceEvents)
      .where(and(inArray(palletforceEvents.code, [...EXCEPTION_CODES]), gte(palletforceEvents.seenAt, since)))
      .orderBy(desc(palletforceEvents.seenAt))
      .limit(LIMIT),
    db.select().from(palletforceTracked).where(and(eq(palletforceTracked.status, "stale"), gte(palletforceTracked.closedAt, since))).limit(LIMIT),
    db
      .select()
      .from(palletforceBookings)
      .where(and(or(isNotNull(palletforceBookings.cancelAt), eq(palletforceBookings.status, "auth")), gte(palletforceBookings.updatedAt, since)))
      .limit(LIMIT),
  ]);
  // An exception's item and alert go out at the first pallet that has it: one per consignment and code.
  const firstException = new Map<string, (typeof exceptions)[number]>();
  for (const e of exceptions) {
    const k = `${e.t}:${e.code}`;
    const cur = firstException.get(k);
    if (!cur || e.at < cur.at) firstException.set(k, e);
  }
  return [
    ...[...firstException.values()].map((e): AttentionItem => {
      let name = e.code;
      try {
        name = eventName(JSON.parse(e.body) as { eventCode: string; eventDescription?: string | null });
      } catch {
        name = e.code;
      }
      return {
        kind: "exception",
        key: `${e.t}:${e.code}`,
        reference: e.t,
        at: e.seenAt,
        title: `${LABEL} ${e.t}: ${name} (${e.code})${e.pallet ? ` for pallet ${e.pallet}` : ""} at ${e.at}`,
        action: ACTION[e.code] ?? null,
        alert: true,
      };
    }),
    ...stale.map((r): AttentionItem => ({
      kind: "incomplete",
      key: r.trackingNumber,
      reference: r.trackingNumber,
      at: r.closedAt ?? r.openedAt,
      title: `${LABEL} ${r.trackingNumber} is not delivered 14 days after it was ${r.role === "COLLECTING" ? "booked" : "imported"}; no longer tracked`,
      action: "Ask Palletforce where the consignment is, and complete or cancel the TMS order.",
    })),
    ...bookings.map((b): AttentionItem =>
      b.status === "auth"
        ? { kind: "booking", key: `${b.orderId}:auth:${b.updatedAt}`, reference: b.orderName, at: b.updatedAt, title: `${LABEL} refused our access key when booking ${b.orderName}`, action: "Check PALLETFORCE_ACCESS_KEY, then have the planner dispatch the order again." }
        : { kind: "cancel", key: `${b.orderId}:cancel`, reference: b.trackingNumber ?? b.orderName, at: b.cancelAt ?? b.updatedAt, title: `The TMS cancelled ${b.orderName}, ${b.trackingNumber ? `booked with ${LABEL} as ${b.trackingNumber}` : `whose ${LABEL} booking may have gone through`}`, action: "Cancel the consignment with Palletforce (the connector cannot)." },
    ),
  ];
}
