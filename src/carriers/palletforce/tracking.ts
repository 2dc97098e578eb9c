import { and, eq, inArray, isNull, lt } from "drizzle-orm";
import type { Db } from "../../db/client";
import { cursors } from "../../db/schema";
import { chunk, insertChunks } from "../../lib/chunk";
import { PermanentError } from "../../lib/errors";
import { log } from "../../lib/log";
import { z } from "zod";
import { defineJob, jobWrite, queueJobs, recordTimeline, timelineInserts, type Statement, type TimelineEntry } from "../../engine";
import { TmsClient } from "../../tms/client";
import { isUnclear } from "../../tms/import-once";
import { PalletforceClient, PalletforceError, type PalletforceEvent } from "./client";
import { DELIVERED_CODES, EXCEPTION_CODES, FINAL_CODES, INCOMPLETE_LIMIT_MS, LABEL, NETWORK } from "./enums";
import { describeEvent, dueMoves, eventKey, eventTime, isPalletScan, movesToRepeat, moveToStatusUpdate, scanUpdate, type AppliedMove, type DueMove, type Role, type StopTarget } from "./mapping";
import { choosePolls, trackingBudget } from "./schedule";
import { palletforceEvents, palletforceMoves, palletforceTracked } from "./schema";
import { palletforceSettings } from "./settings";

// Tracking (palletforce.md). DownloadTracking returns a consignment's whole history each time,
// so every read is safe to repeat: an event is recognised by (code, time, pallet) in
// palletforce_events and counted once; a stop moves only when every pallet has the event
// (dueMoves), once per (stop, status) in palletforce_moves, never backwards (rule 11).
// The cron pass picks which open consignments to read within the budget (schedule.ts) and
// hands them to `palletforce.track` jobs; a manual refresh reads one at once.

/** References per tracking job: a DeferError (the limiter) repeats at most this many reads' wait. */
export const REFERENCES_PER_JOB = 20;
export const TRACKING_LAST_PASS = "palletforce.tracking.last_pass";

type Tracked = typeof palletforceTracked.$inferSelect;

/** The one pass: close consignments 14 days incomplete, choose within the budget, queue the reads. */
export async function trackingPass(env: Env, db: Db, now = Date.now()): Promise<Record<string, unknown>> {
  const s = palletforceSettings(env);
  if (!s) throw new PermanentError("Palletforce is not configured", "PALLETFORCE_NOT_CONFIGURED");
  const stale = await closeStale(db, now);
  const open = await db
    .select({ reference: palletforceTracked.trackingNumber, dueDate: palletforceTracked.dueDate, lastEventAt: palletforceTracked.lastEventAt, lastPolledAt: palletforceTracked.lastPolledAt })
    .from(palletforceTracked)
    .where(eq(palletforceTracked.status, "open"));
  const budget = trackingBudget(s.ratePerMinute);
  const chosen = choosePolls(open, now, budget);
  const jobs = chunk(chosen, REFERENCES_PER_JOB).map((references, i) =>
    trackJob.job({ network: NETWORK, reference: references[0]!, payload: { references, since: now }, dedupeKey: `${trackJob.kind}:${now}:${i}` }),
  );
  const write = jobWrite(db, jobs);
  const created = write.statements.length ? write.created(await db.batch(write.statements as [Statement, ...Statement[]])) : [];
  await queueJobs(env, created, { network: NETWORK, step: "palletforce.tracking.queue" });
  await db.insert(cursors).values({ name: TRACKING_LAST_PASS, value: String(now), updatedAt: now }).onConflictDoUpdate({ target: cursors.name, set: { value: String(now), updatedAt: now } });
  return { open: open.length, budget, polling: chosen.length, jobs: created.length, closed_stale: stale };
}

/** Consignments incomplete 14 days after their booking or import: no longer pulled, and listed for a person. */
async function closeStale(db: Db, now: number): Promise<number> {
  const rows = await db
    .update(palletforceTracked)
    .set({ status: "stale", closedAt: now })
    .where(and(eq(palletforceTracked.status, "open"), lt(palletforceTracked.openedAt, now - INCOMPLETE_LIMIT_MS)))
    .returning({ reference: palletforceTracked.trackingNumber });
  const entries: TimelineEntry[] = rows.map((r) => ({
    network: NETWORK,
    reference: r.reference,
    kind: "info",
    step: "palletforce.tracking",
    outcome: "error",
    message: `${LABEL} ${r.reference} is still not delivered 14 days after it was booked or imported: no longer tracked. Check it with Palletforce.`,
  }));
  for (const s of timelineInserts(db, entries)) await s;
  return rows.length;
}

/** `palletforce.track`: read each of its consignments once for this pass. */
export const trackJob = defineJob("palletforce.track", z.object({ references: z.array(z.string().regex(/^\d{13}$/)).min(1), since: z.number().int() }), async (ctx) => {
  const { env, db } = ctx;
  const results: Record<string, string> = {};
  for (const reference of ctx.payload.references) {
    const [row] = await db.select().from(palletforceTracked).where(eq(palletforceTracked.trackingNumber, reference));
    // Already read in this pass (a retry after a limiter wait), or finished meanwhile.
    if (!row || row.status !== "open" || (row.lastPolledAt ?? 0) >= ctx.payload.since) continue;
    // One read at a time per consignment (rule 12): a later pass's job or a refresh that finds
    // the claim taken leaves it to the one reading it now.
    const claimed = await db
      .update(palletforceTracked)
      .set({ lastPolledAt: Date.now() })
      .where(and(eq(palletforceTracked.trackingNumber, reference), row.lastPolledAt === null ? isNull(palletforceTracked.lastPolledAt) : eq(palletforceTracked.lastPolledAt, row.lastPolledAt)))
      .returning({ t: palletforceTracked.trackingNumber });
    if (!claimed.length) continue;
    try {
      results[reference] = (await pollOne(env, db, row)).summary;
    } catch (err) {
      // Not read after all: the claim goes back, so the retry (or the next pass) reads it.
      await db.update(palletforceTracked).set({ lastPolledAt: row.lastPolledAt }).where(eq(palletforceTracked.trackingNumber, reference));
      // Our key or Palletforce's limit concerns every read: the job waits or fails as a whole.
      if (!(err instanceof PalletforceError) || err.code === "AUTH") throw err;
      results[reference] = err.message;
      await db.update(palletforceTracked).set({ lastPolledAt: Date.now() }).where(eq(palletforceTracked.trackingNumber, reference));
      await recordTimeline(db, { network: ctx.network, reference, kind: "error", step: "palletforce.tracking", outcome: "error", message: `${LABEL} tracking for ${reference} was refused: ${err.message}`, detail: { code: err.code }, jobId: ctx.jobId });
    }
  }
  return { status: "done", message: `${Object.keys(results).length} consignment(s) read` };
});

/** Read one consignment's history and apply what is new. Safe to repeat at any point. */
export async function pollOne(env: Env, db: Db, row: Tracked): Promise<{ newEvents: number; moves: number; scans: number; complete: boolean; summary: string }> {
  const s = palletforceSettings(env)!;
  const pf = new PalletforceClient(env);
  const { events, invalid } = await pf.downloadTracking(row.trackingNumber);
  const role = row.role as Role;
  const now = Date.now();
  for (const bad of invalid) log({ network: NETWORK, reference: row.trackingNumber, step: "palletforce.tracking", outcome: "error", error: `malformed event: ${bad.reason}` });

  // 1. Record every event by its identity; the new ones come back.
  const values = events.map((e) => ({
    key: `${row.trackingNumber}|${eventKey(e)}`,
    trackingNumber: row.trackingNumber,
    code: e.eventCode,
    occurredAt: eventTime(e.eventDateTime),
    palletBarcode: e.palletBarcode?.trim() || null,
    body: JSON.stringify(e),
    status: "new",
  }));
  const inserted = new Set<string>();
  for (const part of insertChunks(values)) {
    for (const r of await db.insert(palletforceEvents).values(part).onConflictDoNothing().returning({ key: palletforceEvents.key })) inserted.add(r.key);
  }

  // 2. Stop moves that every pallet now calls for.
  const movesRows = await db.select().from(palletforceMoves).where(eq(palletforceMoves.trackingNumber, row.trackingNumber));
  // A move the TMS may hold (`unclear`, or `sending`: its reader died or is still waiting) counts
  // as applied when judging what is older, so nothing older than it is sent after it (rule 11);
  // it is itself sent once more first, unless a settled move on its stop has overtaken it. Only
  // one pass reads a consignment at a time (the claim), so a `sending` row met here is no longer
  // awaited, however recent: left alone, it would be lost once the consignment completes. A
  // manual refresh racing a pass may send it twice, which the TMS takes as harmless.
  const toMove = (m: typeof palletforceMoves.$inferSelect) => ({ stop: m.stop as AppliedMove["stop"], status: m.status as AppliedMove["status"], at: m.at, eventKey: m.eventKey });
  const uncertain = (m: typeof palletforceMoves.$inferSelect) => m.state !== "sent";
  const settled = movesRows.filter((m) => !uncertain(m)).map(toMove);
  const maybe = movesRows.filter(uncertain).map(toMove);
  const known: string[] = row.palletBarcodes ? (JSON.parse(row.palletBarcodes) as string[]) : [];
  const { due: fresh, dataOnly } = dueMoves(events, role, row.pallets, known, [...settled, ...maybe]);
  const due = [...movesToRepeat(maybe, settled, events), ...fresh];
  const tms = new TmsClient(env);
  const entries: TimelineEntry[] = [];
  for (const m of due) {
    const before = movesRows.find((r) => r.stop === m.stop && r.status === m.status)?.state;
    await sendMove(db, tms, row, m, entries, before === "unclear" || before === "sending" ? before : undefined);
  }
  for (const d of dataOnly) {
    if (movesRows.some((m) => m.stop === d.move.stop && m.status === d.move.status)) continue;
    entries.push({ network: NETWORK, reference: row.trackingNumber, kind: "event", step: "palletforce.tracking", outcome: "info", message: `${LABEL}: every pallet now has the event for ${d.move.stop.toLowerCase()} ${d.move.status} (at ${d.at}), recorded as data only: ${d.why}` });
  }

  // 3. Events not yet in the TMS: pallet scans (imported consignments) and timeline lines.
  const pending = await db.select().from(palletforceEvents).where(and(eq(palletforceEvents.trackingNumber, row.trackingNumber), eq(palletforceEvents.status, "new")));
  const byKey = new Map(events.map((e) => [`${row.trackingNumber}|${eventKey(e)}`, e]));
  const scans = pending.flatMap((p) => {
    const e = byKey.get(p.key) ?? (JSON.parse(p.body) as PalletforceEvent);
    return isPalletScan(e, role) ? [{ key: p.key, e }] : [];
  });
  if (scans.length) {
    await tms.partialOrderUpdate({ updates: scans.map(({ e }) => scanUpdate(e, { orderId: row.orderId }, s.scanQuestion, s.depot)) });
  }
  for (const p of pending) {
    const e = byKey.get(p.key) ?? (JSON.parse(p.body) as PalletforceEvent);
    entries.push({
      network: NETWORK,
      reference: row.trackingNumber,
      kind: "event",
      step: "palletforce.tracking",
      outcome: EXCEPTION_CODES.has(e.eventCode) ? "info" : "ok",
      message: describeEvent(e, effectOf(e, role, due)),
      detail: { event_key: p.key, ...(e.palletBarcode ? { handling_unit: e.palletBarcode } : {}) },
    });
  }
  const keys = pending.map((p) => p.key);
  const statements: Statement[] = [
    ...chunk(keys, 90).map((part) => db.update(palletforceEvents).set({ status: "applied" }).where(inArray(palletforceEvents.key, part))),
    ...timelineInserts(db, entries),
  ];

  // 4. Complete? Booked: the delivery stop is complete. Imported: a final code arrived.
  const allMoves = [...settled, ...due.map((m) => ({ stop: m.stop, status: m.status, at: m.at }))];
  const complete = role === "COLLECTING" ? allMoves.some((m) => m.stop === "DELIVERY" && m.status === "COMPLETED") : events.some((e) => FINAL_CODES.has(e.eventCode));
  const lastEvent = events.reduce((t, e) => Math.max(t, Date.parse(eventTime(e.eventDateTime)) || 0), row.lastEventAt ?? 0);
  statements.push(
    db
      .update(palletforceTracked)
      .set({ lastPolledAt: now, lastEventAt: lastEvent || null, ...(complete ? { status: "complete", closedAt: now } : {}) })
      .where(eq(palletforceTracked.trackingNumber, row.trackingNumber)),
  );
  await db.batch(statements as [Statement, ...Statement[]]);
  const summary = `${inserted.size} new event(s), ${due.length} stop move(s), ${scans.length} pallet scan(s)${complete ? ", complete" : ""}`;
  log({ network: NETWORK, reference: row.trackingNumber, step: "palletforce.tracking", outcome: "ok", events: events.length, new_events: inserted.size, moves: due.length, scans: scans.length });
  return { newEvents: inserted.size, moves: due.length, scans: scans.length, complete, summary };
}

function target(row: Tracked, m: DueMove): StopTarget {
  const stopId = m.stop === "PICKUP" ? row.pickupStopId : row.deliveryStopId;
  if (row.role === "COLLECTING" && stopId) return { stopId };
  return { orderId: row.orderId, stopType: m.stop };
}

/**
 * One stop move: its row first (`sending`: an echo of it as a TMS webhook is recognised even
 * before the answer), then the TMS, then `sent`. Rule 8 asks for a check before a repeat, and
 * none exists here: Qargo offers no read of a stop's status update, and Palletforce's history
 * says nothing of the TMS. So the contract's own answer applies (tms-qargo.md, "Unclear
 * outcomes"): the same status update for the same event is harmless to the TMS and may be sent
 * again. An unclear answer keeps the row as `unclear` and the next read sends exactly that
 * update again, saying so on the timeline; a clear refusal removes it (it never took effect).
 */
async function sendMove(db: Db, tms: TmsClient, row: Tracked, m: DueMove, entries: TimelineEntry[], before?: "unclear" | "sending"): Promise<void> {
  const key = { trackingNumber: row.trackingNumber, stop: m.stop, status: m.status };
  const where = and(eq(palletforceMoves.trackingNumber, row.trackingNumber), eq(palletforceMoves.stop, m.stop), eq(palletforceMoves.status, m.status));
  await db
    .insert(palletforceMoves)
    .values({ ...key, at: m.at, state: "sending", eventKey: eventKey(m.event) })
    .onConflictDoUpdate({ target: [palletforceMoves.trackingNumber, palletforceMoves.stop, palletforceMoves.status], set: { at: m.at, state: "sending", createdAt: Date.now() } });
  try {
    await tms.subcoStatusUpdate({ updates: [moveToStatusUpdate(m, target(row, m))] });
  } catch (err) {
    if (isUnclear(err)) await db.update(palletforceMoves).set({ state: "unclear" }).where(and(where, eq(palletforceMoves.state, "sending")));
    else await db.delete(palletforceMoves).where(and(where, eq(palletforceMoves.state, "sending")));
    throw err;
  }
  await db.update(palletforceMoves).set({ state: "sent" }).where(where);
  const stop = m.stop === "PICKUP" ? "Pickup" : "Delivery";
  const again =
    before === "unclear"
      ? " (sent again: the previous try got no clear answer, and the TMS takes a repeated update for the same event as harmless)"
      : before === "sending"
        ? " (sent again: the previous try was cut off before its answer was recorded; a repeat for the same event is harmless to the TMS)"
        : "";
  entries.push({
    network: NETWORK,
    reference: row.trackingNumber,
    kind: "event",
    step: "palletforce.tracking",
    outcome: "ok",
    message: `${stop} stop set to ${m.status} at ${m.at}: every pallet (${row.pallets}) has ${m.event.eventCode}${again}`,
    detail: { stop: m.stop, status: m.status, event_time: m.at, ...(before ? { repeat_after: before } : {}) },
  });
}

function effectOf(e: PalletforceEvent, role: Role, due: DueMove[]): string {
  const moved = due.find((m) => eventKey(m.event) === eventKey(e));
  const exception = EXCEPTION_CODES.has(e.eventCode) ? " (exception: on the attention list)" : "";
  if (isPalletScan(e, role)) return `scan recorded on that pallet's handling unit${exception}`;
  if (moved) return `completed the set: ${moved.stop.toLowerCase()} stop ${moved.status}${exception}`;
  if (role === "COLLECTING" && (DELIVERED_CODES.has(e.eventCode) || EXCEPTION_CODES.has(e.eventCode) || e.eventCode === "SCOT" || e.eventCode === "ARDL")) return `recorded; the stop moves when every pallet has it${exception}`;
  return `recorded on the timeline${exception}`;
}

/** The latest tracking pass (null: never ran), for health and the console. */
export async function lastPassAt(db: Db): Promise<number | null> {
  const [r] = await db.select({ value: cursors.value }).from(cursors).where(eq(cursors.name, TRACKING_LAST_PASS));
  return r ? Number(r.value) : null;
}
