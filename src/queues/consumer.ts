import { and, eq, inArray, sql } from "drizzle-orm";
import { attempts, jobs } from "../db/schema";
import { db as openDb, type Db } from "../db/client";
import { DeferError, PermanentError, errorCode, errorMessage } from "../lib/errors";
import { markError, markSuccess } from "../lib/health";
import { log } from "../lib/log";
import { recordTimeline } from "../lib/timeline";
import { redact } from "../lib/secrets";
import { enqueue, queueJobs, type JobMessage } from "../lib/jobs";
import { TMS_DOCUMENT_JOB, type JobContext, type JobHandler, type JobHandlers } from "../carriers/carrier";
import { carrierFor, networkLabel } from "../carriers";
import { raiseAlert } from "../lib/alerts";
import { tmsDocument } from "./tms-document";

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

export async function handleJobBatch(batch: MessageBatch<JobMessage>, env: Env, handlers?: JobHandlers): Promise<void> {
  const db = openDb(env);
  const queue = [...batch.messages];
  const worker = async () => {
    for (let m = queue.shift(); m; m = queue.shift()) {
      try {
        await runJob(env, db, m.body.jobId, handlers);
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

function parsePayload(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new PermanentError("the job's payload is not readable JSON");
  }
}

/** The centre's own job, then the job's own network's handlers (looked up at run time). */
function handlerFor(kind: string, network: string): JobHandler | undefined {
  return kind === TMS_DOCUMENT_JOB ? tmsDocument : carrierFor(network)?.jobs[kind];
}

export async function runJob(env: Env, db: Db, jobId: string, handlers?: JobHandlers): Promise<void> {
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
  const followUps: Parameters<JobContext["enqueue"]>[0] = [];
  const ctx: JobContext = {
    env,
    db,
    jobId,
    network: job.network,
    reference: job.reference,
    payload: {},
    attempt: job.attempts + 1,
    ranBefore: async () =>
      job.attempts > 0 || (await db.select({ id: attempts.id }).from(attempts).where(eq(attempts.jobId, jobId)).limit(1)).length > 0,
    timeline: (e) => recordTimeline(db, { network: job.network, reference: job.reference, jobId, ...e }),
    enqueue: async (list) => {
      followUps.push(...list);
      return [];
    },
  };
  try {
    const handler = handlers ? handlers[job.kind] : handlerFor(job.kind, job.network);
    try {
      if (!handler) throw new PermanentError(`no handler for job kind ${job.kind}`);
      // Parsed inside the try: a payload that is not JSON is this job's failure, not a stuck claim.
      ctx.payload = parsePayload(job.payload);
      const result = await handler(ctx);
      if (followUps.length) await enqueue(env, db, followUps);
      const status = result?.status ?? "done";
      const ms = Date.now() - started;
      await db.batch([
        db.update(jobs).set({ status, attempts: job.attempts + 1, lastError: null, waitingSince: null, updatedAt: Date.now() }).where(eq(jobs.id, jobId)),
        db.insert(attempts).values({ jobId, startedAt: started, ms, outcome: status, error: null }),
      ]);
      if (carrierFor(job.network)) await markSuccessThrottled(db, job.network);
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
      if (carrierFor(job.network)) {
        await markError(db, job.network, message, code, err instanceof PermanentError ? err.action : null);
        lastSuccessWrite.delete(job.network);
      }
      log({ ...base, step: job.kind, outcome: "error", ms, error: message, attempt, gave_up: giveUp });
      if (!giveUp) await queueJobs(env, [jobId], { ...base, step: "queue.job.requeue" }, backoffSeconds(attempt));
      else await raiseAlert(env, db, { kind: "failure", network: job.network, reference: job.reference, text: `${networkLabel(job.network)} ${job.reference}: work stopped (${job.kind}): ${message}`, path: `/ops/failures#job-${jobId}` });
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
export async function handleDeadLetters(batch: MessageBatch<JobMessage>, env: Env): Promise<void> {
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
        if (job) await raiseAlert(env, db, { kind: "failure", network: job.network, reference: job.reference, text: `${networkLabel(job.network)} ${job.reference}: work stopped (${job.kind}): the queue gave up delivering it`, path: `/ops/failures#job-${id}` });
      }
    }
    m.ack();
  }
}
