import { and, eq, inArray, isNull, lt, or } from "drizzle-orm";
import type { Db } from "../../db/client";
import { jobs } from "../../db/schema";
import { palletwaysImports } from "./schema";
import { chunk, IN_LIST_MAX } from "../../lib/chunk";
import { z } from "zod";
import { defineJob, jobWrite, queueJobs, timelineInserts, type JobContext, type JobHandler, type NewJob, type TimelineEntry } from "../../engine";
import { TmsClient } from "../../tms/client";
import { consignmentSchema } from "./import-client";
import { orderIdentifier, palletwaysFieldsUpdate } from "./import-mapping";
import { runBatches } from "./import-store";

// The imported consignments' `palletways` fields (tracking ID, consignment number): OrderInput
// has no such field, so once an order exists one partial-order-update sets them. One update per
// consignment, up to FIELDS_PER_CALL of them in one call: during a burst of imports the TMS's
// 2 calls a second go to uploads and status checks, not to a call per consignment for this.
// A repeat sets the same values again, so an unclear answer is simply sent again (rule 8).

export const FIELDS_JOB = "palletways.import-fields";
const FIELDS_PER_CALL = 50;
/** How long a new order waits for others to share its call. */
export const GATHER_S = 1;

export function fieldsJob(now = Date.now()): NewJob {
  return fieldsRunJob.job({ network: "palletways", reference: "import-fields", payload: {}, dedupeKey: `${FIELDS_JOB}:${now}:${crypto.randomUUID().slice(0, 8)}` });
}

/** Queues a fields run unless one is waiting to run already (one running may have read its rows). */
export async function ensureFieldsRun(env: Env, db: Db, delaySeconds = GATHER_S): Promise<number> {
  const [queued] = await db.select({ id: jobs.id }).from(jobs).where(and(eq(jobs.kind, FIELDS_JOB), eq(jobs.status, "queued"))).limit(1);
  if (queued) return 0;
  const write = jobWrite(db, [fieldsJob()]);
  const ids = write.created(await runBatches(db, write.statements));
  await queueJobs(env, ids, { network: "palletways", step: "palletways.import-fields.queue" }, delaySeconds);
  return ids.length;
}

/** Orders created more than `olderThanMs` ago still without their fields (a run that never came). */
export async function fieldsOverdue(db: Db, olderThanMs: number): Promise<boolean> {
  const [row] = await db.select({ id: palletwaysImports.trackingId }).from(palletwaysImports).where(and(eq(palletwaysImports.status, "created"), lt(palletwaysImports.updatedAt, Date.now() - olderThanMs))).limit(1);
  return Boolean(row);
}

/** A claim lasts this long: two runs never send the same orders, and a dead run's are taken again. */
const CLAIM_MS = 2 * 60_000;

async function claim(db: Db) {
  const now = Date.now();
  const free = and(eq(palletwaysImports.status, "created"), or(isNull(palletwaysImports.claimedUntil), lt(palletwaysImports.claimedUntil, now)));
  const ids = (await db.select({ id: palletwaysImports.trackingId }).from(palletwaysImports).where(free).limit(FIELDS_PER_CALL)).map((r) => r.id);
  if (!ids.length) return [];
  return db.update(palletwaysImports).set({ claimedUntil: now + CLAIM_MS }).where(and(inArray(palletwaysImports.trackingId, ids), free)).returning();
}

/** Calls one run makes while each is full; then the next run follows as a fresh job. */
const ROUNDS_PER_RUN = 20;

/** One call for up to FIELDS_PER_CALL orders; how many it set. */
async function sendRound(ctx: JobContext<Record<string, never>>): Promise<number> {
  const { env, db } = ctx;
  const rows = await claim(db);
  if (!rows.length) return 0;
  const updates = rows.flatMap((r) => {
    const c = consignmentSchema.safeParse(JSON.parse(r.body ?? "null"));
    return c.success && r.orderId ? palletwaysFieldsUpdate(c.data, r.orderId).updates : [];
  });
  try {
    await new TmsClient(env).partialOrderUpdate({ updates });
  } catch (err) {
    // Free for the retry (or another run) at once rather than after the claim runs out.
    await runBatches(db, chunk(rows.map((r) => r.trackingId), IN_LIST_MAX).map((part) => db.update(palletwaysImports).set({ claimedUntil: null }).where(inArray(palletwaysImports.trackingId, part))));
    throw err;
  }
  const now = Date.now();
  const ids = rows.map((r) => r.trackingId);
  const entries: TimelineEntry[] = rows.map((r) => ({
    network: "palletways",
    reference: r.trackingId,
    kind: "upload",
    step: FIELDS_JOB,
    outcome: "ok",
    message: `TMS order ${orderIdentifier(r.trackingId)} (${r.orderId}) carries its Palletways tracking ID and consignment number`,
    jobId: ctx.jobId,
  }));
  await runBatches(db, [
    ...chunk(ids, IN_LIST_MAX).map((part) => db.update(palletwaysImports).set({ status: "completed", claimedUntil: null, error: null, updatedAt: now }).where(and(inArray(palletwaysImports.trackingId, part), eq(palletwaysImports.status, "created")))),
    ...timelineInserts(db, entries),
  ]);
  return rows.length;
}

const setFields: JobHandler<Record<string, never>> = async (ctx) => {
  // A full call may have left others waiting: the next call follows in this run, each on its own
  // TMS slot (other TMS work takes the slots between). A queue hop per call instead would cost
  // the queue's batch wait each time, a second apiece after a burst of imports.
  let set = 0;
  let last = FIELDS_PER_CALL;
  for (let round = 0; round < ROUNDS_PER_RUN && last === FIELDS_PER_CALL; round++) {
    last = await sendRound(ctx);
    set += last;
  }
  if (!set) return { status: "skipped", message: "no imported order is waiting for its Palletways fields" };
  if (last === FIELDS_PER_CALL) await ctx.enqueue([fieldsJob()]);
  return { status: "done", message: `Palletways fields set on ${set} imported order${set === 1 ? "" : "s"}` };
};

export const fieldsRunJob = defineJob(FIELDS_JOB, z.object({}).strict(), setFields);
