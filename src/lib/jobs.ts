import { and, eq, inArray, lt, or } from "drizzle-orm";
import { jobs } from "../db/schema";
import type { Db } from "../db/client";

// A job is a row in D1; the queue message carries only its id (Queue messages are capped at
// 128 KB, and files live in R2). The row is the truth: status, attempts, last error.

export interface NewJob {
  kind: string;
  network: string;
  reference: string;
  payload: Record<string, unknown>;
  /** Same key, same job: a replayed webhook or a re-polled feed does not add work twice. */
  dedupeKey?: string;
  maxAttempts?: number;
}

export interface JobMessage {
  jobId: string;
}

export const DEFAULT_MAX_ATTEMPTS = 8;

export function newJobRow(j: NewJob) {
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

/** The insert for one job; skipped silently when its dedupe key already exists. */
export function insertJobStatement(db: Db, row: ReturnType<typeof newJobRow>) {
  return db.insert(jobs).values(row).onConflictDoNothing().returning({ id: jobs.id });
}

export async function sendJobs(env: Env, ids: string[], delaySeconds = 0): Promise<void> {
  for (let i = 0; i < ids.length; i += 100) {
    await env.JOBS.sendBatch(ids.slice(i, i + 100).map((jobId) => ({ body: { jobId } satisfies JobMessage, delaySeconds })));
  }
}

/** Record jobs in D1, then put them on the queue. Returns the ids actually created. */
export async function enqueue(env: Env, db: Db, list: NewJob[], delaySeconds = 0): Promise<string[]> {
  if (list.length === 0) return [];
  const ids: string[] = [];
  for (let i = 0; i < list.length; i += 50) {
    const statements = list.slice(i, i + 50).map((j) => insertJobStatement(db, newJobRow(j)));
    const results = await db.batch(statements as [typeof statements[0], ...typeof statements]);
    for (const r of results) for (const row of r) ids.push(row.id);
  }
  await sendJobs(env, ids, delaySeconds);
  return ids;
}

/**
 * Work whose queue message went missing (a send that failed after the D1 write, a consumer
 * that died) is put back on the queue. Run from the cron; safe to run any time.
 */
export async function redriveStuckJobs(env: Env, db: Db): Promise<number> {
  const now = Date.now();
  const stuck = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(
      or(
        and(eq(jobs.status, "queued"), lt(jobs.nextRunAt, now - 5 * 60_000)),
        and(eq(jobs.status, "running"), lt(jobs.updatedAt, now - 30 * 60_000)),
      ),
    )
    .limit(500);
  const ids = stuck.map((s) => s.id);
  if (ids.length === 0) return 0;
  for (let i = 0; i < ids.length; i += 90) {
    await db.update(jobs).set({ status: "queued", nextRunAt: now, updatedAt: now }).where(inArray(jobs.id, ids.slice(i, i + 90)));
  }
  await sendJobs(env, ids);
  return ids.length;
}

export async function replayJob(env: Env, db: Db, id: string): Promise<boolean> {
  const now = Date.now();
  const updated = await db
    .update(jobs)
    .set({ status: "queued", attempts: 0, lastError: null, nextRunAt: now, waitingSince: null, updatedAt: now })
    .where(and(eq(jobs.id, id), eq(jobs.status, "failed")))
    .returning({ id: jobs.id });
  if (updated.length === 0) return false;
  await sendJobs(env, [id]);
  return true;
}
