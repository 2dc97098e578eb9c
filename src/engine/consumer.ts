import { and, eq, inArray, sql } from "drizzle-orm";
import { attempts, jobs } from "../db/schema";
import { db as openDb, type Db } from "../db/client";
import { DeferError, PermanentError, errorCode, errorMessage } from "../lib/errors";
import { log } from "../lib/log";
import { redact } from "../lib/secrets";
import { workStopped } from "./alerts";
import type { AnyJobDefinition, JobContext, NewJob } from "./define";
import { markError, markSuccess } from "./health";
import { enqueue, queueJobs, type JobMessage } from "./jobs";
import { recordTimeline } from "./timeline";

/**
 * What the consumer knows of the world: the declared jobs and the networks. The Worker's entry
 * builds it from the carriers (src/queues/consumer.ts), so the engine imports no network.
 */
export interface JobCatalog {
  /** The declaration that runs this kind of job for this network; none → a permanent failure. */
  find(kind: string, network: string): AnyJobDefinition | undefined;
  /** The network's name for people; null when `network` is none of the carriers (no health is kept for it). */
  label(network: string): string | null;
}

// Runs jobs. Every outcome is written to D1 before the message is acknowledged, and every
// retry is a fresh delayed message, so the D1 row is the only retry counter and a job that
// ran out of attempts stands in the failures list for an operator to replay.

const BACKOFF_S = [10, 30, 60, 120, 300, 600, 1200, 1800, 3600];
const MAX_QUEUE_DELAY_S = 43_200;
/** Longest a job may keep waiting (DeferError) before it stands as a failure. */
const MAX_WAITING_MS = 24 * 3_600_000;
/** Messages run at once in one invocation (each may hold up to 2 sockets; the limit is 6). */
const CONCURRENCY = 3;

export function backoffSeconds(attempt: number): number {
  return BACKOFF_S[Math.min(attempt - 1, BACKOFF_S.length - 1)] ?? 3600;
}

export async function handleJobBatch(batch: MessageBatch<JobMessage>, env: Env, catalog: JobCatalog): Promise<void> {
  const db = openDb(env);
  const queue = [...batch.messages];
  const worker = async () => {
    for (let m = queue.shift(); m; m = queue.shift()) {
      try {
        await runJob(env, db, m.body.jobId, catalog);
        m.ack();
      } catch (err) {
        // Only D1 itself failing lands here: let the queue redeliver.
        log({ step: "queue.job", outcome: "error", error: errorMessage(err), job_id: m.body?.jobId });
        m.retry({ delaySeconds: 30 });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
}

// A success only needs recording once in a while per isolate (it clears the last error, which
// every failure sets again), not once per job: at volume that is one D1 write saved per job.
const lastSuccessWrite = new Map<string, number>();
async function markSuccessThrottled(db: Db, network: string): Promise<void> {
  const now = Date.now();
  if (now - (lastSuccessWrite.get(network) ?? 0) < 10_000) return;
  lastSuccessWrite.set(network, now);
  await markSuccess(db, network);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new PermanentError("the job's payload is not readable JSON");
  }
}

export async function runJob(env: Env, db: Db, jobId: string, catalog: JobCatalog): Promise<void> {
  const started = Date.now();
  // Claim the job: a second delivery of the same message (at-least-once queues, the cron's
  // re-drive) finds it running or finished and leaves it alone. A claim left by a crashed
  // invocation is released by the re-drive after 30 minutes.
  const [job] = await db
    .update(jobs)
    .set({ status: "running", updatedAt: started })
    .where(and(eq(jobs.id, jobId), eq(jobs.status, "queued")))
    .returning();
  if (!job) {
    log({ step: "queue.job", outcome: "skipped", error: "not queued (already running, finished, or unknown)", job_id: jobId });
    return;
  }
  const base = { network: job.network, reference: job.reference, job_id: jobId, kind: job.kind };
  const followUps: NewJob[] = [];
  const label = catalog.label(job.network);
  const ctx: JobContext<unknown> = {
    env,
    db,
    jobId,
    network: job.network,
    reference: job.reference,
    payload: null,
    attempt: job.attempts + 1,
    ranBefore: async () =>
      job.attempts > 0 || (await db.select({ id: attempts.id }).from(attempts).where(eq(attempts.jobId, jobId)).limit(1)).length > 0,
    timeline: (e) => recordTimeline(db, { network: job.network, reference: job.reference, jobId, ...e }),
    enqueue: async (list) => {
      followUps.push(...list);
      return [];
    },
    jobFor: (kind) => catalog.find(kind, job.network),
  };
  try {
    const definition = catalog.find(job.kind, job.network);
    try {
      if (!definition) throw new PermanentError(`no handler for job kind ${job.kind}`);
      // Parsed inside the try: a payload that is not JSON, or no longer fits its schema, is this
      // job's failure, not a stuck claim.
      const result = await definition.run({ ...ctx, payload: definition.parse(parseJson(job.payload)) });
      if (followUps.length) await enqueue(env, db, followUps);
      const status = result?.status ?? "done";
      const ms = Date.now() - started;
      await db.batch([
        db.update(jobs).set({ status, attempts: job.attempts + 1, lastError: null, waitingSince: null, updatedAt: Date.now() }).where(eq(jobs.id, jobId)),
        db.insert(attempts).values({ jobId, startedAt: started, ms, outcome: status, error: null }),
      ]);
      if (label !== null) await markSuccessThrottled(db, job.network);
      log({ ...base, step: job.kind, outcome: status === "done" ? "ok" : "skipped", ms, attempt: job.attempts + 1 });
    } catch (err) {
      const ms = Date.now() - started;
      const message = redact(errorMessage(err));
      const waitingSince = job.waitingSince ?? started;
      if (err instanceof DeferError && started - waitingSince < MAX_WAITING_MS) {
        // Waiting is not failing: the attempt is not counted.
        const delay = Math.min(Math.ceil(err.retryAfterMs / 1000), MAX_QUEUE_DELAY_S);
        await db.batch([
          db.update(jobs).set({ status: "queued", lastError: message, nextRunAt: Date.now() + delay * 1000, waitingSince, updatedAt: Date.now() }).where(eq(jobs.id, jobId)),
          db.insert(attempts).values({ jobId, startedAt: started, ms, outcome: "waiting", error: message }),
        ]);
        log({ ...base, step: job.kind, outcome: "waiting", ms, error: message, retry_in_s: delay });
        // The row says when; a refused send is left to the re-drive, which honours next_run_at.
        await queueJobs(env, [jobId], { ...base, step: "queue.job.requeue" }, delay);
        return;
      }
      const attempt = job.attempts + 1;
      // A wait that never ends is a failure an operator must see (nothing may wait silently).
      const permanent = err instanceof PermanentError || err instanceof DeferError;
      const giveUp = permanent || attempt >= job.maxAttempts;
      const code = errorCode(err);
      await db.batch([
        db.update(jobs).set({
          status: giveUp ? "failed" : "queued",
          attempts: attempt,
          lastError: message,
          nextRunAt: giveUp ? null : Date.now() + backoffSeconds(attempt) * 1000,
          waitingSince: null,
          updatedAt: Date.now(),
        }).where(eq(jobs.id, jobId)),
        db.insert(attempts).values({ jobId, startedAt: started, ms, outcome: "error", error: message }),
      ]);
      await ctx.timeline({
        kind: "error",
        step: job.kind,
        outcome: "error",
        message: giveUp
          ? err instanceof DeferError
            ? `Waited more than ${MAX_WAITING_MS / 3_600_000} h without being able to run (${message}). Replay it from the failures list.`
            : permanent
            ? `Failed: ${message}. Not retried; replay it from the failures list once fixed.`
            : `Gave up after ${attempt} attempts: ${message}. Replay it from the failures list.`
          : `Attempt ${attempt} of ${job.maxAttempts} failed: ${message}. Retrying in ${backoffSeconds(attempt)} s.`,
        detail: { attempt, code },
      });
      if (label !== null) {
        await markError(db, job.network, message, code, err instanceof PermanentError ? err.action : null);
        lastSuccessWrite.delete(job.network);
      }
      log({ ...base, step: job.kind, outcome: "error", ms, error: message, attempt, gave_up: giveUp });
      if (!giveUp) await queueJobs(env, [jobId], { ...base, step: "queue.job.requeue" }, backoffSeconds(attempt));
      else await workStopped(env, db, { id: jobId, network: job.network, reference: job.reference, kind: job.kind }, message, label);
    }
  } catch (err) {
    // Only D1 failing while recording the outcome lands here. The claim is ours (it still carries
    // our start time): hand the job back at once, so the queue's redelivery runs it again instead
    // of the cron taking it for a crashed isolate 30 minutes from now. The attempt counts: the
    // handler may have acted at a partner, so the next run must check before it repeats (rule 8).
    await db
      .update(jobs)
      .set({ status: "queued", attempts: sql`${jobs.attempts} + 1`, updatedAt: Date.now() })
      .where(and(eq(jobs.id, jobId), eq(jobs.status, "running"), eq(jobs.updatedAt, started)))
      .catch(() => {});
    throw err;
  }
}

/**
 * The queue's own dead letters: unfinished work that got here is a visible failure. Work that
 * already ended (done, skipped, failed) is left as it is: a stale message never reopens it.
 */
export async function handleDeadLetters(batch: MessageBatch<JobMessage>, env: Env, catalog: JobCatalog): Promise<void> {
  const db = openDb(env);
  for (const m of batch.messages) {
    const id = m.body?.jobId;
    if (id) {
      const marked = await db
        .update(jobs)
        .set({ status: "failed", lastError: "the queue gave up delivering this job", updatedAt: Date.now() })
        .where(and(eq(jobs.id, id), inArray(jobs.status, ["queued", "running"])))
        .returning({ id: jobs.id });
      log({ step: "queue.dead-letter", outcome: marked.length ? "error" : "skipped", job_id: id, error: marked.length ? "dead-lettered" : "dead letter of finished work, ignored" });
      if (marked.length) {
        const [job] = await db.select({ kind: jobs.kind, network: jobs.network, reference: jobs.reference }).from(jobs).where(eq(jobs.id, id));
        if (job) await workStopped(env, db, { id, ...job }, "the queue gave up delivering it", catalog.label(job.network));
      }
    }
    m.ack();
  }
}
