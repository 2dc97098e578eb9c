import { and, asc, eq, inArray, lt, lte, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { jobs } from "../../db/schema";
import { palletwaysImportNotes, palletwaysImports } from "./schema";
import { DeferError, errorCode, errorMessage, PermanentError } from "../../lib/errors";
import { z } from "zod";
import { defineJob, jobWrite, queueJobs, timelineInserts, type JobHandler, type Limit, type Statement, type TimelineEntry } from "../../engine";
import { log } from "../../lib/log";
import { sleep } from "../../lib/sleep";
import { ConsignmentClient, type Lookup } from "./import-client";
import { IMPORT_JOB, importJob } from "./import";
import { runBatches } from "./import-store";
import { palletwaysLimit } from "./limits";
import { palletwaysSettings } from "./settings";

// The lookups: each new tracking ID is asked of Palletways once (getConsignment), by a run that
// drains the `lookup` rows in order and hands consignments for our depot to their import job.
//
// How the Palletways budget is shared. Every Palletways call, lookups included, takes its slot
// from the one limiter (the RateLimiter Durable Object "palletways": PALLETWAYS_RATE_PER_MINUTE
// over 62 s). Lookups are the only bulk caller, so they take slots on narrower terms:
//   - they may fill the window only up to the rate less a headroom (10 %, at least 2: 9 of 90),
//     so the last slots of every window are always free for photo fetches, the notes pull and
//     bookings, which ask with the full limit and find a slot at once;
//   - they book at most LOOKAHEAD_MS ahead: a lookup never queues behind a long line, so a
//     photo fetch that arrives while hundreds of lookups wait is served after at most the few
//     slots already booked (about a second), not after the backlog (photo fetches first);
//   - one run does the lookups, a few at a time, and chains the next run while any are due;
//     a ban (429) or the partner pausing us stops the run until it ends (the rows stay due).
// A burst of hundreds of new tracking IDs therefore drains at nearly the full rate when nothing
// else calls Palletways, never earns a ban, and never delays a photo fetch by more than a slot.

export const LOOKUP_RUN_JOB = "palletways.import-lookups";
export const LOOKAHEAD_MS = 2_000;
/** A run's length before it hands over to the next one (a dying isolate loses little). */
const RUN_MS = 25_000;
const CLAIM = 8;
const CONCURRENCY = 4;
/** Lookups due within this long keep the run waiting for them; later ones are the cron's. */
const CHAIN_MS = 10 * 60_000;
/** A claimed lookup whose run died is due again after this. */
const CLAIM_MS = 5 * 60_000;
/** Backoff after a failed lookup, by lookups so far: 1, 2, 5, 10, 30, 60 minutes, then hourly. */
const RETRY_MS = [60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];

export function lookupHeadroom(ratePerMinute: number): number {
  return Math.max(2, Math.ceil(ratePerMinute * 0.1));
}

/** The shared Palletways limiter, on the lookups' narrower terms (see above). */
export function lookupLimit(ratePerMinute: number): Limit {
  return { ...palletwaysLimit(ratePerMinute), limit: Math.max(1, ratePerMinute - lookupHeadroom(ratePerMinute)) };
}

const due = (now: number) => or(and(eq(palletwaysImports.status, "lookup"), lte(palletwaysImports.nextLookupAt, now)), and(eq(palletwaysImports.status, "looking"), lt(palletwaysImports.claimedUntil, now)));

/** Queues a lookup run when lookups are due and none is queued or running. Returns runs queued. */
export async function ensureLookupRun(env: Env, db: Db): Promise<number> {
  const now = Date.now();
  const [pending] = await db.select({ id: palletwaysImports.trackingId }).from(palletwaysImports).where(due(now)).limit(1);
  if (!pending) return 0;
  // A run that is running, or queued to start now, takes them; one waiting for later lookups
  // (a retry's backoff) does not hold new ones back: a second run starts, claims keep them apart.
  const [running] = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.kind, LOOKUP_RUN_JOB), or(eq(jobs.status, "running"), and(eq(jobs.status, "queued"), lte(jobs.nextRunAt, now + 5_000)))))
    .limit(1);
  if (running) return 0;
  const write = jobWrite(db, [runJob(now)]);
  const ids = write.created(await runBatches(db, write.statements));
  await queueJobs(env, ids, { network: "palletways", step: "palletways.import-lookups.queue" });
  return ids.length;
}

const runJob = (now: number) => lookupRunJob.job({ network: "palletways", reference: "import-lookups", payload: {}, dedupeKey: `${LOOKUP_RUN_JOB}:${now}:${crypto.randomUUID().slice(0, 8)}` });

async function claim(db: Db, now: number): Promise<string[]> {
  const rows = await db.select({ id: palletwaysImports.trackingId }).from(palletwaysImports).where(due(now)).orderBy(asc(palletwaysImports.nextLookupAt)).limit(CLAIM);
  if (!rows.length) return [];
  const claimed = await db
    .update(palletwaysImports)
    .set({ status: "looking", claimedUntil: now + CLAIM_MS, updatedAt: now })
    .where(and(inArray(palletwaysImports.trackingId, rows.map((r) => r.id)), due(now)))
    .returning({ id: palletwaysImports.trackingId });
  return claimed.map((r) => r.id);
}

type Outcome = { id: string; kind: "lookup"; lookup: Lookup } | { id: string; kind: "failed"; error: unknown } | { id: string; kind: "later"; waitMs: number };

/** One lookup: waits for a lookup slot (never past the run's end), then asks Palletways. */
async function lookupOne(client: ConsignmentClient, limit: Limit, id: string, deadline: number): Promise<Outcome> {
  for (;;) {
    try {
      return { id, kind: "lookup", lookup: await client.getConsignment(id, limit, LOOKAHEAD_MS) };
    } catch (err) {
      if (!(err instanceof DeferError)) return { id, kind: "failed", error: err };
      // No slot soon enough (others come first), or the partner paused us: wait if the run can.
      if (Date.now() + err.retryAfterMs > deadline) return { id, kind: "later", waitMs: err.retryAfterMs };
      await sleep(Math.min(err.retryAfterMs, 1_000));
    }
  }
}

async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/** The run: lookups due now, a few at a time, until none is due or its time is up. */
const lookupRun: JobHandler<Record<string, never>> = async (ctx) => {
  const { env, db } = ctx;
  const settings = palletwaysSettings(env);
  const depot = settings?.import.depot;
  if (!settings || !depot) return { status: "skipped", message: "the import is switched off (PALLETWAYS_DEPOT is not set)" };
  const client = new ConsignmentClient(env);
  const limit = lookupLimit(settings.ratePerMinute);
  const deadline = Date.now() + RUN_MS;
  let looked = 0;
  let waitMs = 0;
  while (Date.now() < deadline && waitMs === 0) {
    const ids = await claim(db, Date.now());
    if (!ids.length) break;
    const outcomes = await pool(ids, CONCURRENCY, (id) => lookupOne(client, limit, id, deadline));
    await record(env, db, depot, outcomes);
    looked += outcomes.filter((o) => o.kind !== "later").length;
    waitMs = Math.max(0, ...outcomes.map((o) => (o.kind === "later" ? o.waitMs : 0)));
    // A refused key refuses every lookup: stop and say so once, instead of counting them all.
    const refused = outcomes.find((o) => o.kind === "failed" && errorCode(o.error) === "PALLETWAYS_KEY");
    if (refused && refused.kind === "failed") throw refused.error;
  }
  // What is due next: now (the next run follows at once), soon (this run comes back for it: a
  // wait, not a failure), or later than CHAIN_MS (the cron's upkeep starts a run then).
  const [next] = await db
    .select({ at: sql<number | null>`min(case when ${palletwaysImports.status} = 'looking' then ${palletwaysImports.claimedUntil} else ${palletwaysImports.nextLookupAt} end)` })
    .from(palletwaysImports)
    .where(inArray(palletwaysImports.status, ["lookup", "looking"]));
  const inMs = next?.at == null ? null : next.at - Date.now();
  if (inMs !== null && inMs <= 0) {
    await ctx.enqueue([runJob(Date.now())]);
    return { status: "done", message: `${looked} looked up; more follow in the next run` };
  }
  if (inMs !== null && inMs <= CHAIN_MS) throw new DeferError(`${looked} looked up; the next lookups are due in ${Math.ceil(inMs / 1000)} s${waitMs ? " (Palletways' budget or a pause)" : ""}`, inMs);
  return { status: "done", message: `${looked} looked up` };
};

/** Each outcome written with its consequences (an import job, skipped notes, the timeline) in one batch. */
async function record(env: Env, db: Db, depot: string, outcomes: Outcome[]): Promise<void> {
  const now = Date.now();
  const statements: Statement[] = [];
  const entries: TimelineEntry[] = [];
  const ours: string[] = [];
  const line = (reference: string, outcome: TimelineEntry["outcome"], message: string, kind: TimelineEntry["kind"] = "info") =>
    entries.push({ network: "palletways", reference, kind, step: "palletways.import.lookup", outcome, message });
  for (const o of outcomes) {
    const row = eq(palletwaysImports.trackingId, o.id);
    if (o.kind === "later") {
      // Not asked: due again as it was, not counted as a lookup.
      statements.push(db.update(palletwaysImports).set({ status: "lookup", claimedUntil: null, nextLookupAt: now + o.waitMs, updatedAt: now }).where(and(row, eq(palletwaysImports.status, "looking"))));
      continue;
    }
    if (o.kind === "lookup" && o.lookup.kind === "found") {
      const c = o.lookup.consignment;
      if (c.DeliveryDepot.trim() === depot) {
        ours.push(o.id);
        statements.push(db.update(palletwaysImports).set({ status: "ours", deliveryDepot: c.DeliveryDepot, body: JSON.stringify(c), lookups: sql`${palletwaysImports.lookups} + 1`, claimedUntil: null, error: null, updatedAt: now }).where(row));
        line(o.id, "ok", `Palletways consignment ${c.Number} (${o.id}) is delivered by our depot ${depot}: creating its TMS order`);
      } else {
        statements.push(
          db.update(palletwaysImports).set({ status: "not_ours", deliveryDepot: c.DeliveryDepot, body: null, lookups: sql`${palletwaysImports.lookups} + 1`, claimedUntil: null, error: null, updatedAt: now }).where(row),
          db.update(palletwaysImportNotes).set({ status: "skipped", error: `delivered by depot ${c.DeliveryDepot}, not ours` }).where(and(eq(palletwaysImportNotes.trackingId, o.id), eq(palletwaysImportNotes.status, "waiting"))),
        );
        line(o.id, "skipped", `Palletways consignment ${o.id} is delivered by depot ${c.DeliveryDepot}, not ours (${depot}): not imported, and not looked up again`, "skipped");
      }
      continue;
    }
    const error = o.kind === "failed" ? errorMessage(o.error) : `Palletways has no consignment ${o.id} (yet)`;
    const permanent = o.kind === "failed" && o.error instanceof PermanentError;
    statements.push(
      db
        .update(palletwaysImports)
        .set({ status: "lookup", lookups: sql`${palletwaysImports.lookups} + 1`, nextLookupAt: sql`${now} + (case ${palletwaysImports.lookups} ${sql.raw(RETRY_MS.map((ms, i) => `when ${i} then ${ms}`).join(" "))} else 3600000 end)`, claimedUntil: null, error, updatedAt: now })
        .where(row),
    );
    line(o.id, "error", `Looking up Palletways consignment ${o.id} failed (${error}); tried again later${permanent ? ", and on the attention list after 5 tries" : ""}`, "error");
    log({ network: "palletways", reference: o.id, step: "palletways.import.lookup", outcome: "error", error });
  }
  const write = jobWrite(db, ours.map((id) => importJob.job({ network: "palletways", reference: id, payload: { trackingId: id }, dedupeKey: `${IMPORT_JOB}:${id}` })));
  const offset = statements.length;
  statements.push(...write.statements, ...timelineInserts(db, entries));
  const results = await runBatches(db, statements);
  await queueJobs(env, write.created(results, offset), { network: "palletways", step: "palletways.import.queue" });
}

export const lookupRunJob = defineJob(LOOKUP_RUN_JOB, z.object({}).strict(), lookupRun);
