import { and, eq, inArray, lt, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { attempts, jobs } from "../db/schema";
import type { Db } from "../db/client";
import { chunk, IN_LIST_MAX, insertChunks } from "../lib/chunk";
import { errorMessage } from "../lib/errors";
import { log } from "../lib/log";
import { recordTimeline } from "./timeline";
import type { NewJob } from "./define";

// A job is a row in D1; the queue message carries only its id (Queue messages are capped at
// 128 KB, and files live in R2). The row is the truth: status, attempts, last error.

/** A job row's content: a `NewJob` (checked by its definition), or a row a test writes directly. */
export interface JobRowSpec {
  kind: string;
  network: string;
  reference: string;
  payload: unknown;
  dedupeKey?: string;
  maxAttempts?: number;
}

export interface JobMessage {
  jobId: string;
}

export const DEFAULT_MAX_ATTEMPTS = 8;

export function newJobRow(j: JobRowSpec) {
  return {
    id: crypto.randomUUID(),
    kind: j.kind,
    network: j.network,
    reference: j.reference,
    payload: JSON.stringify(j.payload),
    dedupeKey: j.dedupeKey ?? null,
    status: "queued" as const,
    attempts: 0,
    maxAttempts: j.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    nextRunAt: Date.now(),
  };
}

export type JobRow = ReturnType<typeof newJobRow>;
export type Statement = BatchItem<"sqlite">;

/** A queue's sendBatch takes at most 100 messages. */
const SEND_BATCH_MAX = 100;

export interface JobWrite {
  /** The rows, ids included, so a caller can point other rows at its jobs in the same batch. */
  rows: JobRow[];
  /** Multi-row inserts within D1's bound parameters; a dedupe key already there adds nothing. */
  statements: Statement[];
  /** The ids actually created, from the batch results, `offset` being where `statements` start. */
  created(results: readonly unknown[], offset?: number): string[];
}

/**
 * The one way jobs are written: the D1 statements for a list of jobs, to run in the caller's
 * own batch (with the rows they belong with), then `sendJobs` or `queueJobs` with `created`.
 */
export function jobWrite(db: Db, list: readonly NewJob[]): JobWrite {
  const rows = list.map(newJobRow);
  const statements: Statement[] = insertChunks(rows).map((part) => db.insert(jobs).values(part).onConflictDoNothing().returning({ id: jobs.id }));
  return {
    rows,
    statements,
    created(results, offset = 0) {
      const ids: string[] = [];
      for (const r of results.slice(offset, offset + statements.length)) {
        if (Array.isArray(r)) for (const row of r) if (typeof row?.id === "string") ids.push(row.id);
      }
      return ids;
    },
  };
}

/** Puts jobs already recorded in D1 on the queue; throws when the queue refuses. */
export async function sendJobs(env: Env, ids: readonly string[], delaySeconds = 0): Promise<void> {
  for (const part of chunk(ids, SEND_BATCH_MAX)) {
    await env.JOBS.sendBatch(part.map((jobId) => ({ body: { jobId } satisfies JobMessage, delaySeconds })));
  }
}

/**
 * `sendJobs` after a D1 write that must stand whatever the queue does: a refused send is
 * logged, and the cron's re-drive puts the jobs on the queue within minutes.
 */
export async function queueJobs(env: Env, ids: readonly string[], where: { network?: string; reference?: string; step: string }, delaySeconds = 0): Promise<void> {
  try {
    await sendJobs(env, ids, delaySeconds);
  } catch (err) {
    log({ ...where, outcome: "error", error: `jobs recorded, queue send failed (re-driven later): ${errorMessage(err)}` });
  }
}

/**
 * Record jobs in D1, then put them on the queue. Returns the ids actually created. Once D1 holds
 * them they are the caller's success: a refused send is logged and left to the re-drive.
 */
export async function enqueue(env: Env, db: Db, list: NewJob[], delaySeconds = 0): Promise<string[]> {
  if (list.length === 0) return [];
  const write = jobWrite(db, list);
  const ids: string[] = [];
  for (const part of chunk(write.statements, SEND_BATCH_MAX)) {
    ids.push(...write.created(await db.batch(part as [Statement, ...Statement[]])));
  }
  await queueJobs(env, ids, { step: "jobs.enqueue" }, delaySeconds);
  return ids;
}

/** Crashes (a claim left running, e.g. the isolate hit its memory or CPU limit) before a job is a failure. */
export const MAX_CRASHES = 3;
const CRASH_MESSAGE = `stopped the Worker ${MAX_CRASHES} times: the file may be too large for one isolate`;
const CRASH_ACTION = "look at the file on the consignment's timeline (its size, its pages); replay it once the cause is dealt with";

/**
 * Work whose queue message went missing (a send that failed after the D1 write) is put back on
 * the queue. Work left "running" past any invocation's limit was killed with its isolate: that
 * counts as an attempt, and after MAX_CRASHES such crashes (since its last replay) it stands as
 * a failure in plain words instead of being re-driven forever (contract rule 9). Run from the
 * cron; safe to run any time.
 */
export async function redriveStuckJobs(
  env: Env,
  db: Db,
  /** Told of each job that became a failure here (the caller alerts, as the consumer does for its own). */
  onFailed?: (job: { id: string; network: string; reference: string; kind: string; message: string }) => Promise<unknown>,
): Promise<number> {
  const now = Date.now();
  const stuck = await db
    .select({ id: jobs.id, status: jobs.status, attempts: jobs.attempts, network: jobs.network, reference: jobs.reference, kind: jobs.kind, updatedAt: jobs.updatedAt })
    .from(jobs)
    .where(
      or(
        and(eq(jobs.status, "queued"), lt(jobs.nextRunAt, now - 5 * 60_000)),
        and(eq(jobs.status, "running"), lt(jobs.updatedAt, now - STALE_RUNNING_MS)),
      ),
    )
    .limit(500);
  if (stuck.length === 0) return 0;
  const crashed = stuck.filter((j) => j.status === "running");
  const earlier = await crashCounts(db, crashed.map((j) => j.id));
  const requeue: string[] = stuck.filter((j) => j.status === "queued").map((j) => j.id);
  for (const j of crashed) {
    const crashes = (earlier.get(j.id) ?? 0) + 1;
    const attempt = j.attempts + 1;
    const giveUp = crashes >= MAX_CRASHES;
    const lastError = giveUp ? CRASH_MESSAGE : `the Worker stopped while running this (crash ${crashes} of ${MAX_CRASHES})`;
    // Guarded on the row still being the stale claim we read: a live consumer wins the race.
    const row = await db.update(jobs)
      .set({ status: giveUp ? "failed" : "queued", attempts: attempt, lastError, nextRunAt: giveUp ? null : now, waitingSince: null, updatedAt: now })
      .where(and(eq(jobs.id, j.id), eq(jobs.status, "running"), eq(jobs.updatedAt, j.updatedAt)))
      .returning({ id: jobs.id });
    if (row.length === 0) continue;
    await db.insert(attempts).values({ jobId: j.id, startedAt: j.updatedAt, ms: now - j.updatedAt, outcome: "crashed", error: lastError });
    await recordTimeline(db, {
      network: j.network,
      reference: j.reference,
      jobId: j.id,
      kind: "error",
      step: j.kind,
      outcome: "error",
      message: giveUp
        ? `Failed: ${CRASH_MESSAGE}. Not retried; ${CRASH_ACTION}.`
        : `The Worker stopped while running this (crash ${crashes} of ${MAX_CRASHES}, counted as attempt ${attempt}); running it again.`,
      detail: { attempt, crashes, code: "WORKER_CRASHED", action: giveUp ? CRASH_ACTION : undefined },
    });
    if (!giveUp) requeue.push(j.id);
    else await onFailed?.({ id: j.id, network: j.network, reference: j.reference, kind: j.kind, message: CRASH_MESSAGE });
  }
  for (const part of chunk(requeue, IN_LIST_MAX)) {
    await db.update(jobs).set({ status: "queued", nextRunAt: now, updatedAt: now }).where(and(inArray(jobs.id, part), eq(jobs.status, "queued")));
  }
  await sendJobs(env, requeue);
  return stuck.length;
}

/** A claim older than this was left by an invocation that no longer runs (15 min is the most one may). */
export const STALE_RUNNING_MS = 30 * 60_000;

/** Crashes of each job since its last replay. */
async function crashCounts(db: Db, ids: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const part of chunk(ids, IN_LIST_MAX)) {
    const rows = await db
      .select({ jobId: attempts.jobId, n: sql<number>`count(*)` })
      .from(attempts)
      .where(
        and(
          inArray(attempts.jobId, part),
          eq(attempts.outcome, "crashed"),
          sql`${attempts.id} > coalesce((SELECT max(r.id) FROM attempts r WHERE r.job_id = ${attempts.jobId} AND r.outcome = 'replayed'), 0)`,
        ),
      )
      .groupBy(attempts.jobId);
    for (const r of rows) out.set(r.jobId, Number(r.n));
  }
  return out;
}

export async function replayJob(env: Env, db: Db, id: string): Promise<boolean> {
  const now = Date.now();
  const updated = await db
    .update(jobs)
    .set({ status: "queued", attempts: 0, lastError: null, nextRunAt: now, waitingSince: null, updatedAt: now })
    .where(and(eq(jobs.id, id), eq(jobs.status, "failed")))
    .returning({ id: jobs.id });
  if (updated.length === 0) return false;
  // Marks where a fresh count of crashes starts.
  await db.insert(attempts).values({ jobId: id, startedAt: now, ms: 0, outcome: "replayed", error: null });
  await sendJobs(env, [id]);
  return true;
}
