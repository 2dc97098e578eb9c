import { and, asc, eq, gte, isNotNull, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { palletwaysBookingNotes, palletwaysBookings } from "./schema";
import type { AttentionItem, DispatchStep, DispatchView } from "../carrier";
import type { Booking } from "./booking-store";

// What operators see of bookings: the consignment page's booking panel, the overview's counts
// and the attention list's booking items (a cancel to do in the portal, an account without
// labels, an exception note).

const STATE_WORDS: Record<string, string> = {
  pending: "waiting to be committed",
  committing: "commit sent, answer not yet settled",
  created: "taken by Palletways, tracking ID not yet named",
  booked: "booked",
  refused: "refused by Palletways",
  failed: "failed",
};

export async function bookingView(db: Db, reference: string): Promise<DispatchView | null> {
  const [row] = await db
    .select()
    .from(palletwaysBookings)
    .where(or(eq(palletwaysBookings.trackingId, reference), eq(palletwaysBookings.orderName, reference)))
    .limit(1);
  if (!row) return null;
  const notes = row.trackingId
    ? await db.select().from(palletwaysBookingNotes).where(eq(palletwaysBookingNotes.trackingId, row.trackingId)).orderBy(asc(palletwaysBookingNotes.noteAt), asc(palletwaysBookingNotes.delta))
    : [];
  const steps: DispatchStep[] = [{ at: row.createdAt, what: `Dispatch received for ${row.orderName}`, state: `round ${row.round}`, failed: false }];
  if (row.commitStartedAt) steps.push({ at: row.commitStartedAt, what: `Manifest committed (createconsignment, ${row.commits} commit${row.commits === 1 ? "" : "s"} in all)`, state: STATE_WORDS[row.status] ?? row.status, failed: row.status === "failed" });
  if (row.bookedAt) steps.push({ at: row.bookedAt, what: `Tracking ID ${row.trackingId}`, state: "booked", failed: false });
  for (const n of notes) {
    steps.push({ at: n.noteAt, what: `Palletways ${n.statusCode} ${n.noteType ?? ""}`.trim(), state: n.outcome === "older" ? "older than the last applied: recorded only" : (n.sent ?? "recorded"), failed: n.outcome === "exception" });
  }
  if (row.deliveryCompletedAt && row.pod) steps.push({ at: row.deliveryCompletedAt, what: "POD", state: row.pod === "attached" ? "on the delivery stop" : row.pod, failed: false });
  return {
    title: "Palletways booking",
    facts: [
      { label: "TMS order", value: `${row.orderName} (${row.orderId})` },
      { label: "State", value: STATE_WORDS[row.status] ?? row.status },
      { label: "Tracking ID", value: row.trackingId ?? "not yet" },
      ...(row.message ? [{ label: "Palletways said", value: row.message }] : []),
      { label: "Labels", value: row.labels === "attached" ? "on the pickup stop" : row.labels === "not_configured" ? "this account makes no labels: print them in the portal" : row.trackingId ? "to come" : "after booking" },
      { label: "POD", value: row.pod === "attached" ? "on the delivery stop" : row.deliveryCompletedAt ? "to come" : "at 900" },
      ...(row.cancelRequestedAt ? [{ label: "Cancel", value: `asked for in the TMS at ${new Date(row.cancelRequestedAt).toISOString()}: do it in the Palletways portal` }] : []),
      { label: "Manifest sent", value: row.manifestSent ? "below" : "not yet", block: row.manifestSent ? pretty(row.manifestSent) : pretty(row.manifest) },
      { label: "Palletways' answer", value: row.answer ? "below" : "none yet", block: row.answer ? pretty(row.answer) : null },
    ],
    steps: steps.sort((a, b) => a.at - b.at),
  };
}

export async function bookingCounts(db: Db, since: number): Promise<Record<string, number>> {
  const rows = await db
    .select({ status: palletwaysBookings.status, n: sql<number>`count(*)` })
    .from(palletwaysBookings)
    .where(gte(palletwaysBookings.updatedAt, since))
    .groupBy(palletwaysBookings.status);
  const out: Record<string, number> = { booked: 0, waiting: 0, refused: 0, failed: 0 };
  for (const r of rows) {
    const key = r.status === "booked" || r.status === "refused" || r.status === "failed" ? r.status : "waiting";
    out[key] = (out[key] ?? 0) + Number(r.n);
  }
  return out;
}

export async function bookingAttention(db: Db, since: number): Promise<AttentionItem[]> {
  const items: AttentionItem[] = [];
  const flagged = await db
    .select()
    .from(palletwaysBookings)
    .where(and(or(isNotNull(palletwaysBookings.cancelRequestedAt), eq(palletwaysBookings.labels, "not_configured")), gte(palletwaysBookings.updatedAt, since)))
    .limit(500);
  for (const b of flagged) items.push(...flags(b).filter((i) => i.kind !== "labels" || !items.some((x) => x.kind === "labels")));
  const exceptions = await db
    .select()
    .from(palletwaysBookingNotes)
    .where(and(eq(palletwaysBookingNotes.outcome, "exception"), gte(palletwaysBookingNotes.recordedAt, since)))
    .limit(500);
  for (const n of exceptions) {
    items.push({
      kind: "exception",
      key: `${n.trackingId}:${n.delta}`,
      reference: n.trackingId,
      at: n.recordedAt,
      title: `Palletways ${n.trackingId}: exception ${n.statusCode} ${n.noteType ?? ""}`.trim(),
      action: "Look at the consignment in the Palletways portal and tell the customer; the note is on the TMS delivery stop.",
    });
  }
  return items;
}

function flags(b: Booking): AttentionItem[] {
  const out: AttentionItem[] = [];
  const ref = b.trackingId ?? b.orderName;
  if (b.cancelRequestedAt) {
    out.push({
      kind: "cancel",
      key: `${b.orderId}:${b.cancelRequestedAt}`,
      reference: ref,
      at: b.cancelRequestedAt,
      title: `Palletways booking ${ref} (TMS order ${b.orderName}) was cancelled in the TMS`,
      action: b.trackingId ? `Cancel consignment ${b.trackingId} in the Palletways portal.` : "Once the booking has its tracking ID, cancel it in the Palletways portal.",
    });
  }
  if (b.labels === "not_configured") {
    // One item for the account, not one per booking: the key names no consignment.
    out.push({
      kind: "labels",
      key: "account-not-configured",
      reference: ref,
      at: b.bookedAt ?? b.updatedAt,
      title: "Palletways does not produce labels for our account (PALLETWAYS_ACCOUNT): bookings go through, labels do not reach the pickup stop",
      action: "Ask Palletways to configure label production for the account; until then print labels from the portal.",
    });
  }
  return out;
}

function pretty(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}
