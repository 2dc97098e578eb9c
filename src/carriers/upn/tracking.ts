import { and, asc, eq, inArray, lt, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { cursor, defineJob, raiseAlert, type JobContext, timelineValues, type TimelineEntry, jobWrite, queueJobs, type PullPass } from "../../engine";
import type { Db } from "../../db/client";
import { consignments, timeline } from "../../db/schema";
import { upnEvents, upnTrackingBatches } from "./schema";
import { errorCode, errorMessage, PermanentError, TransientError } from "../../lib/errors";
import { log } from "../../lib/log";
import { chunk } from "../../lib/chunk";
import { TmsClient } from "../../tms/client";
import { parseTrackingResponse, TRACKING_BODY_LOST, TRACKING_TIMEOUT_MS, TRACKING_UNANSWERED, UpnClient, type UpnTrackingEvent } from "./client";
import { describeEvent, eventTime, eventToScanUpdate, eventToStatusUpdate, isException, isPalletScan, stopStatusFor, type OrderMatch } from "./mapping";
import { STAGE_TO_STOP_STATUS } from "./enums";
import { upnSettings } from "./settings";
import { readRaw, storeRaw } from "./raw-store";

// Tracking events (contracts/upn.md). UPN's read is destructive, so the order is fixed:
//   1. read → raw body to R2 + a batch row in D1 (nothing else happens before both are written);
//   2. record: every event of the stored copy gets its row in upn_events (event_id is the key,
//      so an event is recorded, and therefore applied, once);
//   3. dispatch: events whose TMS order is known are packed into `upn.tracking-apply` jobs, in
//      the same D1 transaction that marks them queued; the others wait for their order;
//   4. the jobs send them to the TMS (many updates a call) and mark each event applied:
//      consignment-level events as stop updates, pallet-level ones as scans on that pallet's
//      handling unit (partial-order-update), which never move the stop.
// A crash anywhere resumes from what D1/R2 hold: a `stored` batch is recorded next cycle, a
// queued event is sent by its job (retried by the queue, re-driven by the cron).

export const TRACKING_LAST_SUCCESS = "upn.tracking.last_success";
export const TRACKING_WATCH_SINCE = "upn.tracking.watch_since";
/** When the last read that reached us started: where a lost read's window begins. */
export const TRACKING_LAST_READ = "upn.tracking.last_read";
export const STALE_AFTER_MS = 15 * 60_000;
/** Updates per `subco-status-update` call: one call carries many events, well under a MB. */
export const UPDATES_PER_CALL = 50;
/** Events per apply job: one TMS call's worth, so a retry repeats at most one call. */
export const EVENTS_PER_JOB = 50;

const EVENT_COLUMNS = 10;
const ROWS_PER_INSERT = Math.floor(100 / EVENT_COLUMNS) - 1;
const STATEMENTS_PER_BATCH = 100;

type Statement = Parameters<Db["batch"]>[0][number];

async function runBatches(db: Db, statements: Statement[]): Promise<void> {
  for (let i = 0; i < statements.length; i += STATEMENTS_PER_BATCH) {
    const part = statements.slice(i, i + STATEMENTS_PER_BATCH);
    if (part.length) await db.batch(part as [Statement, ...Statement[]]);
  }
}

async function withRetries<T>(what: string, fn: () => Promise<T>, tries = 3): Promise<T> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      log({ network: "upn", step: "upn.tracking.store", outcome: "retry", error: `${what}: ${errorMessage(err)}` });
      await new Promise((r) => setTimeout(r, 200 * (i + 1)));
    }
  }
  throw last;
}

/** Step 1: the destructive read, written to R2 and D1 before anything looks inside it. */
export async function readAndStore(env: Env, db: Db): Promise<{ batchId: string; eventCount: number }> {
  const batchId = `${new Date().toISOString().replace(/[:.]/g, "-")}-${crypto.randomUUID().slice(0, 8)}`;
  const r2Key = `upn/tracking/${batchId}.json`;
  const readStarted = Date.now();
  // The row exists before the read: should the R2 copy land but the "stored" update not, the
  // next cycle still finds the batch through its row (see resumeStoredBatches).
  await db.insert(upnTrackingBatches).values({ id: batchId, r2Key, eventCount: 0, status: "reading" });
  let raw: string;
  try {
    raw = await new UpnClient(env).readTrackingEvents();
  } catch (err) {
    const code = errorCode(err);
    if (code === TRACKING_BODY_LOST || code === TRACKING_UNANSWERED) await recordLostRead(env, db, batchId, err);
    else await db.delete(upnTrackingBatches).where(eq(upnTrackingBatches.id, batchId));
    throw err;
  }
  await cursor(db, TRACKING_LAST_READ).set(String(readStarted));
  const eventCount = countEvents(raw);
  // These events exist nowhere else now: R2, else D1 (raw-store.ts), before anything else.
  await storeRaw(env, db, batchId, r2Key, raw);
  await withRetries("D1 batch row", () => db.update(upnTrackingBatches).set({ eventCount, status: "stored" }).where(eq(upnTrackingBatches.id, batchId)));
  log({ network: "upn", step: "upn.tracking.read", outcome: "ok", batch: batchId, events: eventCount });
  return { batchId, eventCount };
}

/**
 * A tracking read whose answer never fully arrived: UPN counts those events as handed over, so
 * the batch row stays as a durable "lost" record with the window the events fall in, and an
 * alert names it, for an operator to ask UPN to send them again.
 */
async function recordLostRead(env: Env, db: Db, batchId: string, err: unknown): Promise<void> {
  const to = new Date().toISOString();
  const from = new Date((await cursor(db, TRACKING_LAST_READ).number()) ?? Date.now() - 10 * 60_000).toISOString();
  const how = errorCode(err) === TRACKING_BODY_LOST ? "broke off while UPN was sending it" : "got no answer (UPN may have handed the events over all the same)";
  const error = `the UPN tracking read ${batchId} ${how}: events UPN recorded between ${from} and ${to} may be lost (${errorMessage(err)})`;
  await db.update(upnTrackingBatches).set({ status: "lost", error, processedAt: Date.now() }).where(eq(upnTrackingBatches.id, batchId));
  log({ network: "upn", step: "upn.tracking.read", outcome: "error", batch: batchId, error, code: "UPN_TRACKING_READ_LOST" });
  const depot = upnSettings(env)?.depot ?? "";
  await raiseAlert(env, db, {
    kind: "read-lost",
    network: "upn",
    reference: batchId,
    text: `UPN tracking: a read ${how}. Events between ${from} and ${to} may never reach the TMS. What to do: ask UPN IT to send depot ${depot}'s tracking events for ${from} to ${to} again (read ${batchId}).`,
    path: "/ops#net-upn",
  });
}

function countEvents(raw: string): number {
  try {
    const parsed = JSON.parse(raw) as { events?: unknown };
    return Array.isArray(parsed.events) ? parsed.events.length : 0;
  } catch {
    return 0;
  }
}

/**
 * A batch left "reading" by an invocation that died: if its raw copy reached R2 it is stored
 * after all; if not, the read never completed and there is nothing to recover.
 */
async function settleInterruptedReads(env: Env, db: Db): Promise<void> {
  const stale = await db
    .select()
    .from(upnTrackingBatches)
    .where(and(eq(upnTrackingBatches.status, "reading"), lt(upnTrackingBatches.receivedAt, Date.now() - 5 * 60_000)));
  for (const b of stale) {
    const raw = await readRaw(env, db, b.id, b.r2Key);
    if (raw !== null) {
      await db.update(upnTrackingBatches).set({ status: "stored", eventCount: countEvents(raw) }).where(eq(upnTrackingBatches.id, b.id));
    } else {
      await db.update(upnTrackingBatches).set({ status: "unread", error: "the read did not complete; UPN returned nothing we kept", processedAt: Date.now() }).where(eq(upnTrackingBatches.id, b.id));
    }
  }
}

/** Step 2: every event of a stored batch gets its row. Safe to repeat (event_id is the key). */
export async function recordBatch(env: Env, db: Db, batchId: string): Promise<{ recorded: number; invalid: number }> {
  const [batch] = await db.select().from(upnTrackingBatches).where(eq(upnTrackingBatches.id, batchId));
  if (!batch) throw new PermanentError(`no UPN tracking batch ${batchId}`);
  if (batch.status !== "stored") return { recorded: 0, invalid: 0 };
  const raw = await readRaw(env, db, batchId, batch.r2Key);
  if (raw === null) throw new TransientError(`the stored UPN tracking read ${batch.r2Key} is not readable yet`, "UPN_RAW_MISSING");
  let parsed;
  try {
    parsed = parseTrackingResponse(raw);
  } catch (err) {
    const error = `UPN's tracking answer was not a list of events (${errorMessage(err).slice(0, 200)}); the raw copy is kept at ${batch.r2Key}`;
    await db.update(upnTrackingBatches).set({ status: "invalid", error, processedAt: Date.now() }).where(eq(upnTrackingBatches.id, batchId));
    throw new PermanentError(error, "UPN_BAD_TRACKING", `Look at ${batch.r2Key} in R2 and raise it with UPN IT`);
  }
  const rows = [
    ...parsed.events.map((e) => ({
      eventId: e.event_id,
      batchId,
      barcode: e.barcode,
      stageCode: e.stage_code,
      occurredAt: e.occurred_at,
      body: JSON.stringify(e),
      status: "waiting",
      jobId: null,
      appliedAt: null,
      error: null,
    })),
    ...parsed.invalid.map((bad, i) => {
      const r = (bad.raw ?? {}) as Record<string, unknown>;
      const text = (k: string) => (typeof r[k] === "string" ? (r[k] as string) : "");
      return {
        eventId: text("event_id") || `invalid:${batchId}:${i}`,
        batchId,
        barcode: text("barcode"),
        stageCode: text("stage_code"),
        occurredAt: text("occurred_at"),
        body: JSON.stringify(bad.raw ?? null),
        status: "invalid",
        jobId: null,
        appliedAt: null,
        error: `malformed UPN event: ${bad.reason}`,
      };
    }),
  ];
  const statements: Statement[] = chunk(rows, ROWS_PER_INSERT).map((part) => db.insert(upnEvents).values(part).onConflictDoNothing());
  statements.push(db.update(upnTrackingBatches).set({ status: "recorded", processedAt: Date.now() }).where(eq(upnTrackingBatches.id, batchId)));
  await runBatches(db, statements);
  if (parsed.invalid.length) {
    log({ network: "upn", step: "upn.tracking.record", outcome: "error", batch: batchId, error: `${parsed.invalid.length} malformed events kept as invalid` });
  }
  return { recorded: parsed.events.length, invalid: parsed.invalid.length };
}

export interface ReadyEvent {
  eventId: string;
  barcode: string;
  occurredAt: string;
}

/** Packs events into apply jobs: a barcode's events stay together (and in order) in one job. */
export function packByBarcode<T extends { barcode: string; occurredAt: string; eventId: string }>(rows: T[], max = EVENTS_PER_JOB): T[][] {
  const byBarcode = new Map<string, T[]>();
  for (const r of rows) {
    const list = byBarcode.get(r.barcode);
    if (list) list.push(r);
    else byBarcode.set(r.barcode, [r]);
  }
  const groups: T[][] = [];
  let current: T[] = [];
  for (const list of byBarcode.values()) {
    list.sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || a.eventId.localeCompare(b.eventId));
    if (current.length && current.length + list.length > max) {
      groups.push(current);
      current = [];
    }
    current.push(...list);
  }
  if (current.length) groups.push(current);
  return groups;
}

/**
 * Step 3: events whose order is now known become apply jobs; the job rows and the events'
 * `queued` mark are one D1 transaction, so an event is in exactly one job. `barcodes` narrows
 * it to the orders an import has just made known.
 */
export async function dispatchReady(env: Env, db: Db, barcodes?: string[]): Promise<{ queued: number; jobs: number; waiting: number }> {
  // Rule 11: a barcode whose earlier events still sit in a job that can run (queued, in backoff
  // or running) keeps its new ones waiting; that job releases them when it ends.
  const known = and(
    eq(upnEvents.status, "waiting"),
    sql`exists (select 1 from ${consignments} where ${consignments.network} = 'upn' and ${consignments.reference} = ${upnEvents.barcode})`,
    sql`not ${pendingJobFor(sql`${upnEvents.barcode}`)}`,
  );
  let rows: ReadyEvent[] = [];
  if (barcodes) {
    for (const part of chunk(barcodes, 90)) {
      rows.push(...(await db.select({ eventId: upnEvents.eventId, barcode: upnEvents.barcode, occurredAt: upnEvents.occurredAt }).from(upnEvents).where(and(known, inArray(upnEvents.barcode, part)))));
    }
  } else {
    rows = await db.select({ eventId: upnEvents.eventId, barcode: upnEvents.barcode, occurredAt: upnEvents.occurredAt }).from(upnEvents).where(known);
  }
  const groups = packByBarcode(rows);
  const write = jobWrite(db, groups.map((g) => applyTrackingJob.job({ network: "upn", reference: g[0]!.barcode, payload: { eventIds: g.map((e) => e.eventId) } })));
  const jobRows = write.rows;
  const statements: Statement[] = [...write.statements];
  groups.forEach((g, i) => {
    const row = jobRows[i]!;
    for (const ids of chunk(g.map((e) => e.eventId), 90)) {
      // The claim re-checks inside the batch: a concurrent dispatch (the cron and an import's
      // release) that got there first leaves this job owning nothing, never a second live job.
      statements.push(
        db.update(upnEvents).set({ status: "queued", jobId: row.id }).where(and(inArray(upnEvents.eventId, ids), eq(upnEvents.status, "waiting"), sql`not ${pendingJobFor(sql`${g[0]!.barcode}`, row.id)}`)),
      );
    }
  });
  await runBatches(db, statements);
  await queueJobs(env, jobRows.map((r) => r.id), { network: "upn", step: "upn.tracking.dispatch" });
  const [w] = await db.select({ n: sql<number>`count(*)` }).from(upnEvents).where(eq(upnEvents.status, "waiting"));
  return { queued: rows.length, jobs: jobRows.length, waiting: w?.n ?? 0 };
}

/** SQL: `barcode` has events in a job other than `except` that may still run. */
function pendingJobFor(barcode: SQL, except?: string): SQL {
  const other = except ? sql` and q.job_id <> ${except}` : sql``;
  return sql`exists (select 1 from upn_events q join jobs j on j.id = q.job_id where q.barcode = ${barcode} and q.status = 'queued' and j.status in ('queued', 'running')${other})`;
}

/** Tells each barcode's timeline, once a batch, that its events wait for the TMS order. */
async function noteWaiting(db: Db, batchId: string): Promise<void> {
  const waiting = await db
    .select({ barcode: upnEvents.barcode, n: sql<number>`count(*)` })
    .from(upnEvents)
    .where(and(eq(upnEvents.batchId, batchId), eq(upnEvents.status, "waiting")))
    .groupBy(upnEvents.barcode);
  const entries: TimelineEntry[] = waiting.map((w) => ({
    network: "upn",
    reference: w.barcode,
    kind: "event",
    step: "upn.tracking",
    outcome: "waiting",
    message: `${w.n} UPN tracking event${w.n === 1 ? "" : "s"} received; waiting for the TMS order of ${w.barcode} (not imported or seen yet). They are applied as soon as it is known.`,
  }));
  await runBatches(db, chunk(entries, 9).map((part) => db.insert(timeline).values(part.map(timelineValues))));
}

/** Batches whose raw copy is stored but whose events were never recorded (a crash, a timeout). */
export async function resumeStoredBatches(env: Env, db: Db, except?: string): Promise<number> {
  await settleInterruptedReads(env, db);
  const rows = await db.select({ id: upnTrackingBatches.id }).from(upnTrackingBatches).where(eq(upnTrackingBatches.status, "stored")).orderBy(asc(upnTrackingBatches.receivedAt));
  // This cycle's own read is recorded after them, not counted as resumed.
  const stored = rows.filter((b) => b.id !== except);
  for (const b of stored) {
    await recordBatch(env, db, b.id);
    await noteWaiting(db, b.id);
  }
  return stored.length;
}

/** Time the destructive read may take (its timeout and the writes of its copy), for the pass's budget. */
const READ_NEEDS_MS = TRACKING_TIMEOUT_MS + 30_000;
/** Time the rest of a cycle (recording, dispatch) needs at least. */
const REST_NEEDS_MS = 20_000;

/** One tracking cycle (the cron task, or a manual refresh under the same lease). */
export async function trackingCycle(env: Env, db: Db, pass?: PullPass): Promise<Record<string, unknown>> {
  const now = Date.now();
  const watch = cursor(db, TRACKING_WATCH_SINCE);
  if (!(await watch.get())) await watch.set(String(now));
  // The destructive read first, while the pass has the most time left: nothing before it can
  // use up the budget and leave the read to be cut off by the platform half-stored.
  let read: { batchId: string; eventCount: number } | null = null;
  let readError: unknown = null;
  if (!pass || pass.hasTime(READ_NEEDS_MS)) {
    try {
      read = await readAndStore(env, db);
    } catch (err) {
      readError = err;
    }
  } else {
    readError = new TransientError("no time left in this pass for UPN's tracking read; the next pass reads", "UPN_TRACKING_NO_TIME");
  }
  if (pass && !pass.hasTime(REST_NEEDS_MS)) {
    // The read is stored; recording and dispatch are resumed from D1 by the next pass.
    if (readError) throw await staleAware(db, readError, now);
    return { read: read?.eventCount ?? 0, batch: read?.batchId ?? null, deferred: "recording waits for the next pass (time budget)" };
  }
  const resumed = await resumeStoredBatches(env, db, read?.batchId);
  if (read) {
    await recordBatch(env, db, read.batchId);
    await noteWaiting(db, read.batchId);
  }
  // Waiting events are re-checked every cycle, whether or not the read worked.
  const dispatched = await dispatchReady(env, db);
  if (readError) throw await staleAware(db, readError, now);
  await cursor(db, TRACKING_LAST_SUCCESS).set(String(now));
  return { resumed, read: read?.eventCount ?? 0, batch: read?.batchId ?? null, ...dispatched };
}

/**
 * A failed read, said so that an operator acts: UPN's own refusal keeps its action; anything
 * that has kept tracking from working for 15 minutes says how long it has been.
 */
async function staleAware(db: Db, err: unknown, now: number): Promise<Error> {
  const last = (await cursor(db, TRACKING_LAST_SUCCESS).number()) ?? (await cursor(db, TRACKING_WATCH_SINCE).number()) ?? now;
  const minutes = Math.floor((now - last) / 60_000);
  const action = err instanceof PermanentError ? err.action : undefined;
  const code = errorCode(err) ?? "UPN_TRACKING";
  log({ network: "upn", step: "upn.tracking.read", outcome: "error", error: errorMessage(err), code, action, minutes_since_success: minutes });
  if (now - last < STALE_AFTER_MS) return err instanceof Error ? err : new Error(String(err));
  return new PermanentError(
    // Staleness first: it is what an operator needs, and public /healthz shows only our words.
    `no UPN tracking events have been read for ${minutes} minutes: ${errorMessage(err)}`,
    code,
    action ?? "UPN tracking has been failing for over 15 minutes: check UPN's service status and the logs, and contact UPN IT if it persists",
  );
}

/** Minutes since the last successful tracking read (null: tracking never ran). */
export async function trackingAgeMinutes(db: Db, now = Date.now()): Promise<number | null> {
  const last = await cursor(db, TRACKING_LAST_SUCCESS).number();
  return last !== null ? Math.floor((now - last) / 60_000) : null;
}

function matchFor(c: { orderId: string | null; customerReference: string | null } | undefined, barcode: string): OrderMatch {
  if (c?.orderId) return { orderId: c.orderId };
  return { customerReference: c?.customerReference ?? barcode };
}

/** Step 4: one job's events to the TMS, in order; each marked applied as its call succeeds. */
export const applyTrackingJob = defineJob("upn.tracking-apply", z.object({ eventIds: z.array(z.string()) }), async (ctx) => {
  const { env, db } = ctx;
  const rows: (typeof upnEvents.$inferSelect)[] = [];
  for (const ids of chunk(ctx.payload.eventIds, 90)) {
    // Only events this job owns: a concurrent dispatch (cron and an import's release) may have
    // created a second job for the same events, and its claim lost.
    rows.push(...(await db.select().from(upnEvents).where(and(inArray(upnEvents.eventId, ids), eq(upnEvents.jobId, ctx.jobId), inArray(upnEvents.status, ["queued", "failed"])))));
  }
  if (rows.length === 0) return { status: "skipped", message: "every event of this job was applied already (or belongs to another job)" };
  const barcodes = [...new Set(rows.map((r) => r.barcode))];
  const known = new Map<string, { orderId: string | null; customerReference: string | null }>();
  for (const part of chunk(barcodes, 90)) {
    const cs = await db.select({ reference: consignments.reference, orderId: consignments.orderId, customerReference: consignments.customerReference }).from(consignments).where(and(eq(consignments.network, ctx.network), inArray(consignments.reference, part)));
    for (const c of cs) known.set(c.reference, c);
  }
  // Keep the job's order (barcode by barcode, each in occurrence order).
  const order = new Map(ctx.payload.eventIds.map((id, i) => [id, i]));
  const events: Applying[] = rows
    .map((r) => ({ row: r, event: JSON.parse(r.body) as UpnTrackingEvent }))
    .sort((a, b) => (order.get(a.row.eventId) ?? 0) - (order.get(b.row.eventId) ?? 0));
  const newest = await newestApplied(db, barcodes);
  // After an unclear outcome the TMS may hold this job's stop moves already: sent again, only
  // each barcode's newest may carry its status, or the stop would step back and forward again.
  const superseded = (await ctx.ranBefore()) ? supersededWithinJob(events) : new Map<string, Newest>();
  const tms = new TmsClient(env);
  const question = upnSettings(env)?.scanQuestion ?? "scan_barcode";
  for (const part of chunk(events, UPDATES_PER_CALL)) {
    // Two calls at most per part; the stop's own events first, so ARR/DEL keep their order
    // among themselves (a scan never moves the stop, so its place relative to them is free).
    const stopPart = part.filter(({ event }) => !isPalletScan(event));
    const scanPart = part.flatMap(({ row, event }) => (isPalletScan(event) ? [{ row, event }] : []));
    if (stopPart.length) {
      const updates = stopPart.map((p) => {
        const older = superseded.get(p.row.eventId) ?? olderThanApplied(p, newest);
        if (older) p.olderThan = older;
        return eventToStatusUpdate(p.event, matchFor(known.get(p.row.barcode), p.row.barcode), { dataOnly: older !== undefined });
      });
      await sendPart(ctx, stopPart, known, () => tms.subcoStatusUpdate({ updates }));
    }
    if (scanPart.length) {
      await sendPart(ctx, scanPart, known, () =>
        tms.partialOrderUpdate({
          updates: scanPart.map(({ row, event }) => eventToScanUpdate(event, matchFor(known.get(row.barcode), row.barcode), question)),
        }),
      );
    }
  }
  // This job held its barcodes' newer events back (dispatchReady): they may go now.
  await dispatchReady(env, db, barcodes);
});

type Applying = { row: typeof upnEvents.$inferSelect; event: UpnTrackingEvent; olderThan?: Newest };
type Newest = { at: number; eventId: string; occurredAt: string };

/** Whether this event would move its stop although a newer one already did; then the newer one. */
function olderThanApplied(p: Applying, newest: Map<string, Newest>): Newest | undefined {
  if (!movesStop(p.event)) return undefined;
  const at = Date.parse(eventTime(p.event.occurred_at));
  const current = newest.get(p.row.barcode);
  if (current && at < current.at) return current;
  // The job's events run in occurrence order, so the newest moves forward as they are sent.
  newest.set(p.row.barcode, { at, eventId: p.event.event_id, occurredAt: p.event.occurred_at });
  return undefined;
}

/** Per barcode, every stop move of the job but the newest, with the newest that supersedes it. */
function supersededWithinJob(events: Applying[]): Map<string, Newest> {
  const last = new Map<string, Applying>();
  for (const p of events) if (movesStop(p.event)) last.set(p.row.barcode, p);
  const out = new Map<string, Newest>();
  for (const p of events) {
    const top = last.get(p.row.barcode);
    if (!movesStop(p.event) || !top || top === p) continue;
    out.set(p.row.eventId, { at: Date.parse(eventTime(top.event.occurred_at)), eventId: top.event.event_id, occurredAt: top.event.occurred_at });
  }
  return out;
}

const movesStop = (e: UpnTrackingEvent) => e.capture_type !== "P" && stopStatusFor(e.stage_code) !== null;

/**
 * Rule 11: per barcode, the newest event that moved the stop, remembered by the applied rows
 * themselves (an older one demoted to data never raises it).
 */
async function newestApplied(db: Db, barcodes: string[]): Promise<Map<string, Newest>> {
  const moving = Object.keys(STAGE_TO_STOP_STATUS);
  const out = new Map<string, Newest>();
  for (const part of chunk(barcodes, 90)) {
    const rows = await db
      .select({ barcode: upnEvents.barcode, eventId: upnEvents.eventId, occurredAt: upnEvents.occurredAt })
      .from(upnEvents)
      .where(and(inArray(upnEvents.barcode, part), eq(upnEvents.status, "applied"), inArray(upnEvents.stageCode, moving), sql`coalesce(json_extract(${upnEvents.body}, '$.capture_type'), 'C') <> 'P'`));
    for (const r of rows) {
      const at = Date.parse(eventTime(r.occurredAt));
      const cur = out.get(r.barcode);
      if (!cur || at > cur.at) out.set(r.barcode, { at, eventId: r.eventId, occurredAt: r.occurredAt });
    }
  }
  return out;
}

/** One TMS call for these events; on success each is marked applied, on failure each says why. */
async function sendPart(
  ctx: JobContext<{ eventIds: string[] }>,
  part: Applying[],
  known: Map<string, { orderId: string | null; customerReference: string | null }>,
  send: () => Promise<void>,
): Promise<void> {
  const { db } = ctx;
  const ids = part.map((p) => p.row.eventId);
  try {
    await send();
  } catch (err) {
    const message = errorMessage(err);
    const permanent = err instanceof PermanentError;
    await runBatches(db, [
      db.update(upnEvents).set({ status: permanent ? "failed" : "queued", error: message }).where(inArray(upnEvents.eventId, ids)),
      ...chunk(failureEntries(part, ctx.reference, message, permanent), 9).map((p) => db.insert(timeline).values(p.map(timelineValues))),
    ]);
    throw err;
  }
  const at = Date.now();
  const entries: TimelineEntry[] = part.map(({ row, event, olderThan: older }) => ({
    network: ctx.network,
    reference: row.barcode,
    kind: "event",
    step: "upn.tracking-apply",
    outcome: isException(event.stage_code) ? "info" : "ok",
    message: describeEvent(event, older),
    detail: {
      upn_event_id: event.event_id,
      ...(older ? { older_than: older.eventId } : {}),
      match: known.get(row.barcode)?.orderId ? "order.id" : "customer_reference_number",
      ...(isPalletScan(event) ? { handling_unit: event.pallet_barcode } : {}),
    },
    jobId: ctx.jobId,
    at,
  }));
  await runBatches(db, [
    db.update(upnEvents).set({ status: "applied", appliedAt: at, error: null }).where(inArray(upnEvents.eventId, ids)),
    ...chunk(entries, 9).map((p) => db.insert(timeline).values(p.map(timelineValues))),
  ]);
}

/** The consumer writes the job's error on its own reference; the other barcodes hear it here. */
function failureEntries(part: { row: { barcode: string } }[], jobReference: string, message: string, permanent: boolean): TimelineEntry[] {
  const others = [...new Set(part.map((p) => p.row.barcode))].filter((b) => b !== jobReference);
  return others.map((barcode) => ({
    network: "upn",
    reference: barcode,
    kind: "error",
    step: "upn.tracking-apply",
    outcome: "error",
    message: permanent
      ? `UPN tracking events could not be applied in the TMS: ${message}. Replay the failed job once fixed.`
      : `UPN tracking events not applied yet (${message}); they are retried.`,
  }));
}
