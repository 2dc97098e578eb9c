import { getConfig } from "../config";
import type { Db } from "../db/client";
import { cursor } from "./pulls";
import { errorMessage } from "../lib/errors";
import { log } from "../lib/log";

// Retention (RETENTION_DAYS, default 90): once a day, from the 10-minute cron, finished work,
// its attempts, timelines, inbound webhook records, stored files and (through each carrier's
// hook) raw partner responses older than the cutoff are deleted, in bounded batches. Never
// what an open failure or held item still needs: a consignment with unfinished or failed work
// keeps its timeline and files. A TMS file's inbox copy goes once its job is done.

const DAY_MS = 86_400_000;
const LAST_RUN = "retention.last_run";
const LAST_RESULT = "retention.last_result";
/** Rows per DELETE: small statements, few bound parameters (D1 allows 100). */
export const BATCH = 500;
/** Statements per pass per table: a pass stays well inside one invocation; the next day goes on. */
const MAX_ROUNDS = 40;
/** An inbox copy younger than this may belong to a webhook whose job is not written yet. */
const INBOX_GRACE_MS = 3_600_000;

export type RetentionCounts = Record<string, number>;
export interface RetentionResult {
  at: number;
  cutoff: number;
  days: number;
  removed: RetentionCounts;
  errors: string[];
  ms: number;
}

export function retentionDays(env: Env): number {
  return getConfig(env).retentionDays;
}

/** A consignment that still has unfinished or failed work: its evidence stays. */
const OPEN_WORK = (alias: string) =>
  `EXISTS (SELECT 1 FROM jobs o WHERE o.network = ${alias}.network AND o.reference = ${alias}.reference AND o.status IN ('queued','running','failed'))`;

/** Document statuses after which the stored copy is no longer needed for sending. */
const FINISHED_DOCUMENTS = "('attached','uploaded','refused','sent','duplicate')";

/** Runs `sql` (a DELETE … LIMIT-bounded by its subquery) until it removes nothing or the rounds run out. */
export async function deleteInRounds(env: Env, sql: string, ...binds: unknown[]): Promise<number> {
  let total = 0;
  for (let i = 0; i < MAX_ROUNDS; i++) {
    const r = await env.DB.prepare(sql).bind(...binds).run();
    const n = r.meta.changes ?? 0;
    total += n;
    if (n < BATCH) break;
  }
  return total;
}

/** The generic tables and files; each carrier's own come from its `retention` hook. */
export async function retentionPass(
  env: Env,
  cutoff: number,
  hooks: { network: string; run: (env: Env, cutoffMs: number) => Promise<RetentionCounts> }[] = [],
  opts: { inboxGraceMs?: number } = {},
): Promise<{ removed: RetentionCounts; errors: string[] }> {
  const removed: RetentionCounts = {};
  const errors: string[] = [];
  const step = async (name: string, fn: () => Promise<number | RetentionCounts>) => {
    try {
      const r = await fn();
      if (typeof r === "number") removed[name] = (removed[name] ?? 0) + r;
      else for (const [k, v] of Object.entries(r)) removed[k] = (removed[k] ?? 0) + v;
    } catch (err) {
      errors.push(`${name}: ${errorMessage(err)}`);
    }
  };

  // Stored files of finished documents first (their rows stay: a document's identity is what
  // keeps it from being sent twice); only the R2 copy and its key go.
  await step("files", async () => {
    let n = 0;
    for (let i = 0; i < MAX_ROUNDS; i++) {
      const rows = await env.DB.prepare(
        `SELECT d.id, d.r2_key AS key FROM documents d
         WHERE d.r2_key IS NOT NULL AND d.updated_at < ?1 AND d.status IN ${FINISHED_DOCUMENTS} AND NOT ${OPEN_WORK("d")}
         LIMIT 100`,
      ).bind(cutoff).all<{ id: string; key: string }>();
      if (rows.results.length === 0) break;
      await env.FILES.delete(rows.results.map((r) => r.key));
      const ids = rows.results.map((r) => r.id);
      await env.DB.prepare(`UPDATE documents SET r2_key = NULL WHERE id IN (${ids.map((_, k) => `?${k + 1}`).join(",")})`).bind(...ids).run();
      n += ids.length;
      if (ids.length < 100) break;
    }
    return n;
  });

  await step("attempts", () =>
    deleteInRounds(env, `DELETE FROM attempts WHERE id IN (
      SELECT a.id FROM attempts a JOIN jobs j ON j.id = a.job_id
      WHERE j.status IN ('done','skipped') AND j.updated_at < ?1 LIMIT ${BATCH})`, cutoff),
  );
  await step("jobs", () =>
    deleteInRounds(env, `DELETE FROM jobs WHERE id IN (
      SELECT j.id FROM jobs j WHERE j.status IN ('done','skipped') AND j.updated_at < ?1
      AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.job_id = j.id) LIMIT ${BATCH})`, cutoff),
  );
  await step("timeline", () =>
    deleteInRounds(env, `DELETE FROM timeline WHERE id IN (
      SELECT t.id FROM timeline t WHERE t.at < ?1 AND NOT ${OPEN_WORK("t")} LIMIT ${BATCH})`, cutoff),
  );
  await step("inbound_webhooks", () =>
    deleteInRounds(env, `DELETE FROM inbound_webhooks WHERE id IN (SELECT id FROM inbound_webhooks WHERE received_at < ?1 LIMIT ${BATCH})`, cutoff),
  );
  await step("tms_inbox", () => sweepInbox(env, Date.now() - (opts.inboxGraceMs ?? INBOX_GRACE_MS)));

  for (const h of hooks) await step(h.network, () => h.run(env, cutoff));
  return { removed, errors };
}

/**
 * `tms-inbox/<sha>`: a webhook's inline file, kept until its tms.document job has copied it.
 * Gone once no unfinished or failed job names it (a failed one may be replayed).
 */
async function sweepInbox(env: Env, before: number): Promise<number> {
  let removed = 0;
  let cursor: string | undefined;
  for (let page = 0; page < 10; page++) {
    const list = await env.FILES.list({ prefix: "tms-inbox/", cursor, limit: 500 });
    const old = list.objects.filter((o) => o.uploaded.getTime() < before).map((o) => o.key);
    const gone: string[] = [];
    for (const key of old) {
      const open = await env.DB.prepare(
        `SELECT 1 FROM jobs WHERE kind = 'tms.document' AND status IN ('queued','running','failed') AND instr(payload, ?1) > 0 LIMIT 1`,
      ).bind(`"${key}"`).first();
      if (!open) gone.push(key);
    }
    if (gone.length) await env.FILES.delete(gone);
    removed += gone.length;
    if (!list.truncated) break;
    cursor = list.cursor;
  }
  return removed;
}

/** Bytes the D1 database takes. */
export async function databaseSize(env: Env): Promise<number | null> {
  try {
    const pages = await env.DB.prepare("PRAGMA page_count").first<Record<string, number>>();
    const size = await env.DB.prepare("PRAGMA page_size").first<Record<string, number>>();
    const p = pages ? Number(Object.values(pages)[0]) : NaN;
    const s = size ? Number(Object.values(size)[0]) : NaN;
    if (Number.isFinite(p) && Number.isFinite(s)) return p * s;
  } catch {}
  try {
    // Every D1 answer carries the database's size.
    const r = await env.DB.prepare("SELECT 1").run();
    const after = (r.meta as { size_after?: number }).size_after;
    return typeof after === "number" ? after : null;
  } catch {
    return null;
  }
}

export async function lastRetention(db: Db): Promise<RetentionResult | null> {
  const value = await cursor(db, LAST_RESULT).get();
  if (value === null) return null;
  try {
    return JSON.parse(value) as RetentionResult;
  } catch {
    return null;
  }
}

/**
 * From the 10-minute cron: runs the pass when the last one is a day old. The day is claimed in
 * D1 first (compare-and-set), so two cron invocations never both run it.
 */
export async function runRetentionIfDue(
  env: Env,
  db: Db,
  hooks: Parameters<typeof retentionPass>[2] = [],
  now = Date.now(),
): Promise<RetentionResult | null> {
  const lastRun = cursor(db, LAST_RUN);
  const last = await lastRun.get();
  if (last !== null && now - Number(last) < DAY_MS) return null;
  if (!(await lastRun.claim(last, String(now)))) return null;
  const days = retentionDays(env);
  const cutoff = now - days * DAY_MS;
  const started = Date.now();
  const { removed, errors } = await retentionPass(env, cutoff, hooks);
  const result: RetentionResult = { at: now, cutoff, days, removed, errors, ms: Date.now() - started };
  await cursor(db, LAST_RESULT).set(JSON.stringify(result));
  log({ step: "retention", outcome: errors.length ? "error" : "ok", ms: result.ms, ...removed, error: errors.join("; ") || undefined });
  return result;
}
