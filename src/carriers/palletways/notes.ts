import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../db/client";
import { consignments } from "../../db/schema";
import { cursor, recordTimeline, enqueue } from "../../engine";
import { deliveryCompletedJob } from "./delivery-completed";
import { chunk, IN_LIST_MAX } from "../../lib/chunk";
import { PalletwaysClient } from "./client";
import { ukLocalToEpochMs } from "./uk-time";
import { applyBookingNotes } from "./booking-notes";
import { importFromNotes } from "./import-notes";

// Status notes (cron): getNotes/delta from the cursor in D1. A note with StatusCode 900 (job
// complete) for a tracking ID the connector knows opens its photo catch-up window.

const CURSOR = "palletways.notes.delta";
const ENABLED_AT = "palletways.enabled_at";
const JOB_COMPLETE = "900";

export async function pullStatusNotes(env: Env, db: Db): Promise<Record<string, unknown>> {
  const epoch = await startingEpoch(db);
  const notes = await new PalletwaysClient(env).notesSince(epoch);
  if (notes.length === 0) return { notes: 0, cursor: epoch };
  const complete = notes.filter((n) => n.StatusCode === JOB_COMPLETE);
  const ids = [...new Set(complete.map((n) => n.TrackingID))];
  const known = new Set<string>();
  for (const part of chunk(ids, IN_LIST_MAX)) {
    const rows = await db.select({ reference: consignments.reference }).from(consignments).where(and(eq(consignments.network, "palletways"), inArray(consignments.reference, part)));
    rows.forEach((r) => known.add(r.reference));
  }
  const signals = complete.filter((n) => known.has(n.TrackingID));
  if (signals.length) {
    await enqueue(
      env,
      db,
      signals.map((n) => deliveryCompletedJob.job({
        network: "palletways",
        reference: n.TrackingID,
        payload: { trackingId: n.TrackingID, completedAt: (n.PodDate && n.PodTime && ukLocalToEpochMs(n.PodDate, n.PodTime)) || Date.now(), source: "note" },
        dedupeKey: `${deliveryCompletedJob.kind}:${n.TrackingID}:note:${n.Delta}`,
      })),
    );
    await recordTimeline(
      db,
      signals.map((n) => ({
        network: "palletways",
        reference: n.TrackingID,
        kind: "event" as const,
        step: "palletways.note",
        outcome: "info" as const,
        message: `Palletways status note: job complete (900)${n.PodSignature ? `, signed by ${n.PodSignature}` : ""}${n.PodDate ? ` at ${n.PodDate} ${n.PodTime ?? ""} UK time` : ""}`,
        detail: { delta: n.Delta, con_no: n.ConNo ?? null },
      })),
    );
  }
  await applyBookingNotes(env, db, notes);
  await importFromNotes(env, db, notes);
  // The cursor moves only after the signals are durable (jobs in D1), so none is lost.
  const next = Math.max(epoch, ...notes.map((n) => n.Delta));
  await cursor(db, CURSOR).set(String(next));
  return { notes: notes.length, job_complete: complete.length, known: signals.length, cursor: next };
}

/** The cursor, or (first call ever) the moment the network was switched on minus one hour. */
async function startingEpoch(db: Db): Promise<number> {
  const c = await cursor(db, CURSOR).number();
  if (c !== null) return c;
  const enabledAt = cursor(db, ENABLED_AT);
  const enabled = await enabledAt.number();
  const since = enabled ?? Date.now();
  if (enabled === null) await enabledAt.setIfAbsent(String(since));
  return Math.floor(since / 1000) - 3600;
}
