import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { palletwaysImportNotes, palletwaysImports } from "./schema";
import { chunk, IN_LIST_MAX } from "../../lib/chunk";
import { errorMessage, PermanentError } from "../../lib/errors";
import { z } from "zod";
import { defineJob, jobWrite, queueJobs, timelineInserts, type JobHandler, type NewJob, type Statement, type TimelineEntry } from "../../engine";
import { deliveryCompletedJob } from "./delivery-completed";
import { TmsClient } from "../../tms/client";
import { describeNote, isException, JOB_COMPLETE, noteToScanUpdate, palletOf, scanStatusFor, storedNote } from "./import-mapping";
import { ORDER_EXISTS, runBatches } from "./import-store";
import { palletwaysSettings } from "./settings";
import { ukLocalToEpochMs } from "./uk-time";

// Notes of imported consignments applied to their TMS order (palletways.md, import): a note
// naming a pallet is a scan on that pallet's handling unit (700 SCANNED_IN, 800 SCANNED_OUT,
// others description only), never a stop move; 900 opens the photo window; an exception is on
// the attention list (import-attention.ts). A note waits in D1 until its order exists; the job
// rows and the notes' `queued` mark are one transaction, so each note is in exactly one job.

export const APPLY_JOB = "palletways.import-notes";
/** Notes per apply job, and so per partial-order-update call (well under a MB). */
const NOTES_PER_JOB = 50;

type NoteRow = typeof palletwaysImportNotes.$inferSelect;

/** When a note happened; Delta (Palletways' own clock, in seconds) when NoteDate/NoteTime say nothing. */
const happenedAt = (r: Pick<NoteRow, "noteAt" | "delta">) => r.noteAt ?? r.delta * 1000;

const byHappening = (a: NoteRow, b: NoteRow) => happenedAt(a) - happenedAt(b) || a.delta - b.delta || a.id.localeCompare(b.id);

/** Waiting notes of these consignments whose order exists become apply jobs. */
export async function dispatchNotes(env: Env, db: Db, trackingIds: readonly string[]): Promise<{ queued: number; jobs: number }> {
  const rows: NoteRow[] = [];
  for (const part of chunk(trackingIds, IN_LIST_MAX)) {
    rows.push(
      ...(await db
        .select()
        .from(palletwaysImportNotes)
        .where(
          and(
            inArray(palletwaysImportNotes.trackingId, part),
            eq(palletwaysImportNotes.status, "waiting"),
            sql`exists (select 1 from ${palletwaysImports} where ${palletwaysImports.trackingId} = ${palletwaysImportNotes.trackingId} and ${palletwaysImports.status} in ${ORDER_EXISTS})`,
            // One apply job per consignment at a time, so a later job never overtakes an earlier
            // one (rule 11); the job that finishes releases what waited behind it.
            sql`not exists (select 1 from palletways_import_notes q where q.tracking_id = ${palletwaysImportNotes.trackingId} and q.status = 'queued')`,
          ),
        )),
    );
  }
  if (!rows.length) return { queued: 0, jobs: 0 };
  const byId = new Map<string, NoteRow[]>();
  for (const r of rows) byId.set(r.trackingId, [...(byId.get(r.trackingId) ?? []), r]);
  // One consignment's notes stay in one job, oldest first, so they are applied in order.
  const groups = [...byId.values()].flatMap((list) => chunk(list.sort(byHappening), NOTES_PER_JOB));
  const write = jobWrite(db, groups.map((g) => applyJob.job({ network: "palletways", reference: g[0]!.trackingId, payload: { noteIds: g.map((n) => n.id) } })));
  const statements: Statement[] = [...write.statements];
  groups.forEach((g, i) => {
    for (const ids of chunk(g.map((n) => n.id), IN_LIST_MAX)) {
      statements.push(db.update(palletwaysImportNotes).set({ status: "queued", jobId: write.rows[i]!.id }).where(and(inArray(palletwaysImportNotes.id, ids), eq(palletwaysImportNotes.status, "waiting"))));
    }
  });
  await runBatches(db, statements);
  await queueJobs(env, write.rows.map((r) => r.id), { network: "palletways", step: "palletways.import-notes.dispatch" });
  return { queued: rows.length, jobs: groups.length };
}

/** The job: one consignment's notes, in the order they happened, to its TMS order. */
const applyNotes: JobHandler<{ noteIds: string[] }> = async (ctx) => {
  const { env, db } = ctx;
  const rows: NoteRow[] = [];
  for (const ids of chunk(ctx.payload.noteIds, IN_LIST_MAX)) {
    // Only notes this job owns: a second dispatch's job for the same notes lost their claim.
    rows.push(...(await db.select().from(palletwaysImportNotes).where(and(inArray(palletwaysImportNotes.id, ids), eq(palletwaysImportNotes.jobId, ctx.jobId), inArray(palletwaysImportNotes.status, ["queued", "failed"])))));
  }
  if (!rows.length) return { status: "skipped", message: "every note of this job was applied already (or belongs to another job)" };
  rows.sort(byHappening);
  const trackingId = rows[0]!.trackingId;
  const [imp] = await db.select().from(palletwaysImports).where(eq(palletwaysImports.trackingId, trackingId));
  if (!imp?.orderId) throw new PermanentError(`the TMS order of Palletways consignment ${trackingId} is not known`, "PALLETWAYS_IMPORT_NO_ORDER", "Replay the consignment's import job first, then this one");
  const settings = palletwaysSettings(env);
  const depot = settings?.import.depot ?? "";
  const question = settings?.import.scanQuestion ?? "scan_barcode";
  // Rule 11 per pallet: the newest note already applied to each handling unit.
  const newest = new Map<string, number>();
  const applied = await db
    .select({ barcode: palletwaysImportNotes.barcode, at: sql<number>`max(coalesce(${palletwaysImportNotes.noteAt}, ${palletwaysImportNotes.delta} * 1000))` })
    .from(palletwaysImportNotes)
    .where(and(eq(palletwaysImportNotes.trackingId, trackingId), eq(palletwaysImportNotes.status, "applied"), isNotNull(palletwaysImportNotes.barcode)))
    .groupBy(palletwaysImportNotes.barcode);
  for (const a of applied) if (a.barcode) newest.set(a.barcode, a.at);

  const scans: ReturnType<typeof noteToScanUpdate>[] = [];
  const follow: NewJob[] = [];
  const entries: TimelineEntry[] = [];
  for (const row of rows) {
    const n = storedNote(row.body);
    if (!n) throw new PermanentError(`the Palletways note ${row.id} kept in D1 is unreadable`, "PALLETWAYS_IMPORT_NOTE");
    const pallet = palletOf(n);
    const at = happenedAt(row);
    let effect: string;
    if (pallet) {
      const asData = at < (newest.get(pallet) ?? -Infinity);
      if (!asData) newest.set(pallet, at);
      scans.push(noteToScanUpdate({ ...n, Barcode: pallet }, { orderId: imp.orderId }, { question, depot, noteAtMs: at, asData }));
      const status = asData ? null : scanStatusFor(n.StatusCode);
      effect = asData
        ? "older than a scan already applied to that pallet: recorded on its handling unit without a status; the delivery stop is not changed"
        : `${status ? `scan ${status}` : "scan"} recorded on that pallet's handling unit; the delivery stop is not changed`;
    } else {
      effect = "recorded here; the delivery stop is not changed (our own delivery in the TMS is the record)";
    }
    if (n.StatusCode === JOB_COMPLETE) {
      const completedAt = (n.PodDate && n.PodTime && ukLocalToEpochMs(n.PodDate, n.PodTime)) || at;
      // The same key as the notes pull's own signal, so a 900 opens one window however it came.
      follow.push(deliveryCompletedJob.job({ network: ctx.network, reference: trackingId, payload: { trackingId, completedAt, source: "note" }, dedupeKey: `palletways.delivery-completed:${trackingId}:note:${n.Delta}` }));
      effect += "; the photo catch-up window opens";
    }
    if (isException(n)) effect += "; an exception: on the attention list";
    entries.push({ network: "palletways", reference: trackingId, kind: "event", step: APPLY_JOB, outcome: isException(n) ? "info" : "ok", message: describeNote(n, effect), detail: { delta: n.Delta, ...(pallet ? { handling_unit: pallet } : {}) }, jobId: ctx.jobId });
  }
  const ids = rows.map((r) => r.id);
  if (scans.length) {
    try {
      await new TmsClient(env).partialOrderUpdate({ updates: scans });
    } catch (err) {
      const permanent = err instanceof PermanentError;
      await runBatches(
        db,
        chunk(ids, IN_LIST_MAX).map((part) => db.update(palletwaysImportNotes).set({ status: permanent ? "failed" : "queued", error: errorMessage(err) }).where(inArray(palletwaysImportNotes.id, part))),
      );
      throw err;
    }
  }
  const now = Date.now();
  await runBatches(db, [
    ...chunk(ids, IN_LIST_MAX).map((part) => db.update(palletwaysImportNotes).set({ status: "applied", appliedAt: now, error: null }).where(inArray(palletwaysImportNotes.id, part))),
    ...timelineInserts(db, entries),
  ]);
  if (follow.length) await ctx.enqueue(follow);
  await dispatchNotes(env, db, [trackingId]);
};

export const applyJob = defineJob(APPLY_JOB, z.object({ noteIds: z.array(z.string().min(1)).min(1) }), applyNotes);
