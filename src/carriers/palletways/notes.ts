import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../db/client";
import { consignments } from "../../db/schema";
import { cursor, jobWrite, queueJobs, recordTimeline } from "../../engine";
import { deliveryCompletedJob } from "./delivery-completed";
import { chunk, IN_LIST_MAX } from "../../lib/chunk";
import { PalletwaysClient } from "./client";
import { ukLocalToEpochMs } from "./uk-time";
import { applyBookingNotes } from "./booking-notes";
import { importFromNotes } from "./import-notes";
import { runBatches } from "./import-store";
import { clearReplay, pendingReplay } from "./notes-replay";

// Status notes (cron): getNotes/delta from the cursor in D1. A note with StatusCode 900 (job
// complete) for a tracking ID the connector knows opens its photo catch-up window. A booking
// that settled late asks for a replay (notes-replay.ts): the pass then reads from that point
// too, and everything it does with a note is done once per note however often it is read.

const CURSOR = "palletways.notes.delta";
const ENABLED_AT = "palletways.enabled_at";
const JOB_COMPLETE = "900";

export async function pullStatusNotes(env: Env, db: Db): Promise<Record<string, unknown>> {
  const main = await startingEpoch(db);
  const replay = await pendingReplay(db);
  const epoch = replay ? Math.min(main, replay.from) : main;
  const notes = await new PalletwaysClient(env).notesSince(epoch);
  if (notes.length === 0) {
    if (replay) await clearReplay(db, replay);
    return { notes: 0, cursor: main };
  }
  const complete = notes.filter((n) => n.StatusCode === JOB_COMPLETE);
  const ids = [...new Set(complete.map((n) => n.TrackingID))];
  const known = new Set<string>();
  for (const part of chunk(ids, IN_LIST_MAX)) {
    const rows = await db.select({ reference: consignments.reference }).from(consignments).where(and(eq(consignments.network, "palletways"), inArray(consignments.reference, part)));
    rows.forEach((r) => known.add(r.reference));
  }
  const signals = complete.filter((n) => known.has(n.TrackingID));
  // A note read again (a replay) finds its job there already: no second job, no second line.
  const write = jobWrite(
    db,
    signals.map((n) => deliveryCompletedJob.job({
      network: "palletways",
      reference: n.TrackingID,
      payload: { trackingId: n.TrackingID, completedAt: (n.PodDate && n.PodTime && ukLocalToEpochMs(n.PodDate, n.PodTime)) || Date.now(), source: "note" },
      dedupeKey: `${deliveryCompletedJob.kind}:${n.TrackingID}:note:${n.Delta}`,
    })),
  );
  const created = new Set(write.created(await runBatches(db, write.statements)));
  const fresh = signals.filter((_, i) => created.has(write.rows[i]!.id));
  if (fresh.length) {
    await queueJobs(env, [...created], { network: "palletways", step: "palletways.note.enqueue" });
    await recordTimeline(
      db,
      fresh.map((n) => ({
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
  const next = Math.max(main, ...notes.map((n) => n.Delta));
  await cursor(db, CURSOR).set(String(next));
  if (replay) await clearReplay(db, replay);
  return { notes: notes.length, job_complete: complete.length, known: signals.length, cursor: next, ...(replay ? { replayed_from: replay.from } : {}) };
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
