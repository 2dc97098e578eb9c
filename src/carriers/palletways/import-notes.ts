import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../db/client";
import { palletwaysImportNotes, palletwaysImports } from "./schema";
import { insertChunks } from "../../lib/chunk";
import { log } from "../../lib/log";
import { timelineInserts, type Statement, type TimelineEntry } from "../../engine";
import type { StatusNote } from "./client";
import { dispatchNotes } from "./import-apply";
import { ensureLookupRun } from "./import-lookups";
import { ensureFieldsRun, fieldsOverdue } from "./import-fields";
import { importNoteSchema, isException, noteKey, noteTime, palletOf, type ImportNote } from "./import-mapping";
import { importsFor, knownConsignments, ORDER_EXISTS, runBatches } from "./import-store";
import { palletwaysSettings } from "./settings";
import { unsettledNumbers } from "./booking-store";

// The import's share of each status-notes pass (palletways.md, "Consignments for our delivery
// depot"). Called by the notes pull before its cursor moves, so what it records is durable
// before Palletways' notes are passed over:
//   - a tracking ID never seen before gets an import row (`lookup`): the lookup run
//     (import-lookups.ts) asks Palletways for it once;
//   - every note of a consignment that is, or may be, ours is kept (palletways_import_notes)
//     and applied to its TMS order once the order exists (import-apply.ts): none is dropped;
//   - a consignment known as another depot's is passed over without a call;
//   - a note whose ConNo names one of our bookings not settled yet (its commit's answer was
//     unclear) is that booking's: a look-up now would file it as another depot's for good. The
//     booking, once booked, has the notes read again (notes-replay.ts), and known by then.


export async function importFromNotes(env: Env, db: Db, notes: StatusNote[]): Promise<Record<string, number>> {
  const depot = palletwaysSettings(env)?.import.depot;
  if (!depot || notes.length === 0) return {};
  const numbers = notes.flatMap((n) => (n.ConNo ? [n.ConNo] : []));
  const booking = numbers.length ? await unsettledNumbers(db, numbers) : new Set<string>();
  // A note whose tracking ID is not a Palletways one is never put into a URL (tms-qargo.md).
  const valid: ImportNote[] = notes.flatMap((n) => {
    if (n.ConNo && booking.has(n.ConNo)) return [];
    const p = importNoteSchema.safeParse(n);
    return p.success ? [p.data] : [];
  });
  const ids = [...new Set(valid.map((n) => n.TrackingID))];
  const [imports, known] = await Promise.all([importsFor(db, ids), knownConsignments(db, ids)]);
  // Known through a webhook or a booking: those orders exist already, nothing to import.
  const fresh = ids.filter((id) => !imports.has(id) && !known.has(id));
  const candidates = new Set([...fresh, ...ids.filter((id) => imports.has(id) && imports.get(id)!.status !== "not_ours")]);
  const now = Date.now();
  const rows = valid
    .filter((n) => candidates.has(n.TrackingID))
    .map((n) => ({
      id: noteKey(n),
      trackingId: n.TrackingID,
      delta: n.Delta,
      statusCode: n.StatusCode,
      barcode: palletOf(n),
      noteAt: noteTime(n),
      exception: isException(n),
      body: JSON.stringify(n),
      status: "waiting",
    }));
  const entries: TimelineEntry[] = fresh.map((id) => ({
    network: "palletways",
    reference: id,
    kind: "info",
    step: "palletways.import",
    outcome: "info",
    message: `Palletways status notes name ${id}, a consignment not seen before: looking it up to see whether our depot (${depot}) delivers it`,
  }));
  // Every column that binds a value is named in each row (defaults included), so insertChunks
  // counts D1's bound parameters right.
  const statements: Statement[] = [
    ...insertChunks(fresh.map((trackingId) => ({ trackingId, status: "lookup", nextLookupAt: now, lookups: 0, polls: 0 }))).map((part) => db.insert(palletwaysImports).values(part).onConflictDoNothing()),
    // A note read again (a replayed pass, an overlapping cursor) is the same row.
    ...insertChunks(rows).map((part) => db.insert(palletwaysImportNotes).values(part).onConflictDoNothing()),
    ...timelineInserts(db, entries),
  ];
  await runBatches(db, statements);
  // Notes of orders that exist already go straight on; the rest wait for their import.
  const ready = ids.filter((id) => (ORDER_EXISTS as readonly string[]).includes(imports.get(id)?.status ?? ""));
  const dispatched = ready.length ? await dispatchNotes(env, db, ready) : { queued: 0 };
  const lookups = fresh.length ? await ensureLookupRun(env, db) : 0;
  const counts = { import_new: fresh.length, import_notes: rows.length, import_notes_queued: dispatched.queued, import_lookup_runs: lookups };
  log({ network: "palletways", step: "palletways.import.notes", outcome: "ok", ...counts });
  return counts;
}

/**
 * The cron's safety net, every pass (also when Palletways has no new notes): lookups whose
 * retry time has come get a run, notes still waiting for an order that now exists (their
 * release was interrupted) are dispatched, and orders whose fields run never came get one.
 */
export async function importUpkeep(env: Env, db: Db): Promise<Record<string, number>> {
  if (!palletwaysSettings(env)?.import.depot) return {};
  const waiting = await db
    .selectDistinct({ id: palletwaysImportNotes.trackingId })
    .from(palletwaysImportNotes)
    .innerJoin(palletwaysImports, eq(palletwaysImports.trackingId, palletwaysImportNotes.trackingId))
    .where(and(eq(palletwaysImportNotes.status, "waiting"), inArray(palletwaysImports.status, [...ORDER_EXISTS])))
    .limit(500);
  const dispatched = waiting.length ? await dispatchNotes(env, db, waiting.map((w) => w.id)) : { queued: 0 };
  const fieldsRuns = (await fieldsOverdue(db, 5 * 60_000)) ? await ensureFieldsRun(env, db, 0) : 0;
  return { lookup_runs: await ensureLookupRun(env, db), notes_released: dispatched.queued, fields_runs: fieldsRuns };
}
