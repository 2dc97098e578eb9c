import { and, asc, eq, lt, lte, or, sql } from "drizzle-orm";
import { getConfig } from "../config";
import type { Db } from "../db/client";
import { alertLimits, alertOutbox } from "../db/schema";
import { errorMessage } from "../lib/errors";
import { log } from "../lib/log";
import { redact } from "../lib/secrets";

// Alerts to a Slack/Mattermost-style incoming webhook (ALERT_WEBHOOK_URL): `{"text": …}`.
// At most one per (kind, network, reference) an hour. An alert is written to D1 first and tried
// once at once with a short timeout; one that could not be delivered waits in the outbox for the
// cron (sweepAlerts), a few attempts in all. Nothing here throws: an alert never stops the work
// that raised it. The webhook URL is a secret: it is never logged or stored.

/** "failure", "network", or a network's own attention kind ("exception", …). */
export type AlertKind = string;

export interface Alert {
  kind: AlertKind;
  network: string;
  /** The consignment (or job) it is about; null for the network as a whole. */
  reference: string | null;
  /** Plain words, one or two sentences. */
  text: string;
  /** A console path ("/ops/…") linked when PUBLIC_URL is set. */
  path?: string;
}

export type AlertOutcome = "off" | "limited" | "sent" | "pending" | "error";

export const ALERT_EVERY_MS = 3_600_000;
export const MAX_ALERT_ATTEMPTS = 5;
/** Waits after attempt n (1-based) before the next: the cron sweeps every 10 minutes anyway. */
const RETRY_AFTER_MS = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000];
const SEND_TIMEOUT_MS = 3_000;

export const alertKey = (a: Pick<Alert, "kind" | "network" | "reference">) => `${a.kind}:${a.network}:${a.reference ?? "-"}`;

/** The message as posted: the text, then the console link when PUBLIC_URL is known. */
export function alertText(a: Alert, publicUrl: string | null): string {
  const link = a.path && publicUrl ? `\n${publicUrl}${a.path}` : "";
  return `${a.text}${link}`;
}

/** Raises an alert; answers what became of it. Never throws. */
export async function raiseAlert(env: Env, db: Db, a: Alert, now = Date.now()): Promise<AlertOutcome> {
  const { webhookUrl, publicUrl } = getConfig(env).alerts;
  if (!webhookUrl) return "off";
  const key = alertKey(a);
  try {
    const row = { id: crypto.randomUUID(), key, text: redact(alertText(a, publicUrl)), status: "pending", attempts: 0, nextAt: now, createdAt: now, updatedAt: now };
    // The hour's claim and the outbox row are one transaction: the row exists only if the claim
    // took, and a claim whose row could not be written is undone with it, so a failed write
    // never mutes an alert that was not sent. The claim's check is in the statement itself, so
    // two isolates never both take it.
    const [claimed] = await db.batch([
      db
        .insert(alertLimits)
        .values({ key, sentAt: now })
        .onConflictDoUpdate({ target: alertLimits.key, set: { sentAt: now }, setWhere: sql`${alertLimits.sentAt} <= ${now - ALERT_EVERY_MS}` })
        .returning({ key: alertLimits.key }),
      db.insert(alertOutbox).select(
        db
          .select({
            id: sql<string>`${row.id}`.as("id"),
            key: alertLimits.key,
            text: sql<string>`${row.text}`.as("text"),
            status: sql<string>`'pending'`.as("status"),
            attempts: sql<number>`0`.as("attempts"),
            nextAt: sql<number>`${now}`.as("next_at"),
            lastError: sql<string | null>`null`.as("last_error"),
            createdAt: sql<number>`${now}`.as("created_at"),
            updatedAt: sql<number>`${now}`.as("updated_at"),
          })
          .from(alertLimits)
          .where(and(eq(alertLimits.key, key), eq(alertLimits.sentAt, now))),
      ),
    ]);
    if (claimed.length === 0) {
      log({ network: a.network, reference: a.reference ?? undefined, step: "alert", outcome: "skipped", kind: a.kind, error: "an alert for this went out less than an hour ago" });
      return "limited";
    }
    const r = await deliver(db, webhookUrl, row, now);
    return r === "taken" ? "pending" : r;
  } catch (err) {
    log({ network: a.network, reference: a.reference ?? undefined, step: "alert", outcome: "error", kind: a.kind, error: scrub(errorMessage(err), webhookUrl) });
    return "error";
  }
}

/** The cron's pass: alerts whose earlier delivery failed and whose wait is over. */
export async function sweepAlerts(env: Env, db: Db, now = Date.now()): Promise<{ sent: number; pending: number; failed: number }> {
  const out = { sent: 0, pending: 0, failed: 0 };
  const { webhookUrl } = getConfig(env).alerts;
  if (!webhookUrl) return out;
  const due = await db
    .select()
    .from(alertOutbox)
    .where(or(and(eq(alertOutbox.status, "pending"), lte(alertOutbox.nextAt, now)), and(eq(alertOutbox.status, "sending"), lt(alertOutbox.updatedAt, now - STALE_SENDING_MS))))
    .orderBy(asc(alertOutbox.nextAt))
    .limit(20);
  for (const row of due) {
    const r = await deliver(db, webhookUrl, row, now);
    if (r === "sent") out.sent++;
    else if (r === "pending") out.pending++;
    else if (r === "error") out.failed++;
  }
  return out;
}

/**
 * A claim this old was left by an invocation that died between claiming and recording the
 * outcome: whether the hook got it is unknown (it has no idempotency key), so it is sent again
 * saying so (contract rule 8: a repeat costs one duplicate message; silence could cost more).
 */
export const STALE_SENDING_MS = 15 * 60_000;
const REPEAT_PREFIX = "(Possibly a repeat: the first delivery's outcome is unknown.) ";

type OutboxRow = Pick<typeof alertOutbox.$inferSelect, "id" | "key" | "text" | "attempts" | "status">;

/** One delivery attempt of one row, claimed first: an overlapping sweep that loses the claim sends nothing. */
async function deliver(db: Db, webhookUrl: string, row: OutboxRow, now: number): Promise<"sent" | "pending" | "error" | "taken"> {
  const claimedAt = Date.now();
  const repeat = row.status === "sending";
  const claim = await db
    .update(alertOutbox)
    .set({ status: "sending", updatedAt: claimedAt })
    .where(and(eq(alertOutbox.id, row.id), or(and(eq(alertOutbox.status, "pending"), lte(alertOutbox.nextAt, now)), and(eq(alertOutbox.status, "sending"), lt(alertOutbox.updatedAt, now - STALE_SENDING_MS)))))
    .returning({ attempts: alertOutbox.attempts });
  if (claim.length === 0) return "taken";
  const attempt = claim[0]!.attempts + 1;
  let problem: string;
  try {
    const res = await fetch(webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: slackEscape(repeat ? REPEAT_PREFIX + row.text : row.text) }),
      // The URL is the secret: a redirect would carry the alert (and the hook's path) elsewhere.
      redirect: "manual",
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
    // The body is not needed, but an unread body keeps the connection busy.
    await res.body?.cancel();
    if (res.ok) problem = "";
    else problem = `the alert webhook answered ${res.status}`;
  } catch (err) {
    problem = `the alert webhook could not be reached (${scrub(errorMessage(err), webhookUrl)})`;
  }
  if (!problem) {
    // Outside the send's try: a D1 error here must not pass for a failed send. Should the mark
    // not land at all, the row stays claimed ("sending") and no sweep takes it for undelivered.
    await markSent(db, row, attempt);
    log({ step: "alert", outcome: "ok", key: row.key, attempt });
    return "sent";
  }
  const giveUp = attempt >= MAX_ALERT_ATTEMPTS;
  const wait = RETRY_AFTER_MS[Math.min(attempt - 1, RETRY_AFTER_MS.length - 1)]!;
  await db
    .update(alertOutbox)
    .set({ status: giveUp ? "failed" : "pending", attempts: attempt, lastError: problem, nextAt: Date.now() + wait, updatedAt: Date.now() })
    .where(and(eq(alertOutbox.id, row.id), eq(alertOutbox.status, "sending")));
  log({ step: "alert", outcome: "error", key: row.key, attempt, gave_up: giveUp, error: problem });
  return giveUp ? "error" : "pending";
}

async function markSent(db: Db, row: OutboxRow, attempt: number): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await db.update(alertOutbox).set({ status: "sent", attempts: attempt, lastError: null, updatedAt: Date.now() }).where(eq(alertOutbox.id, row.id));
      return;
    } catch (err) {
      if (i >= 2) {
        log({ step: "alert", outcome: "error", key: row.key, attempt, error: `sent, but the outbox could not record it (${errorMessage(err)}); it stays claimed` });
        return;
      }
      await new Promise((r) => setTimeout(r, 100 * (i + 1)));
    }
  }
}

/**
 * Slack's (and Mattermost's) escaping for message text: only &, < and > are control characters,
 * so `<!channel>`, `<@U…>` and `<http://x|label>` in a reference or a partner's words become
 * plain text instead of a mention or a disguised link.
 */
export function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** An error text without the webhook URL (or its path, which is where such URLs keep their token). */
function scrub(text: string, webhookUrl: string): string {
  let out = redact(text).split(webhookUrl).join("***");
  try {
    const path = new URL(webhookUrl).pathname;
    if (path.length > 1) out = out.split(path).join("/***");
  } catch {
    // the config check refused anything unparseable
  }
  return out;
}

/**
 * The one alert for work that stopped (a job failed for good, crashed too often, or was dead-
 * lettered), pointing at its line in the failures list. `label` is the network's name for people.
 */
export function workStopped(env: Env, db: Db, job: { id: string; network: string; reference: string; kind: string }, why: string, label: string | null): Promise<AlertOutcome> {
  return raiseAlert(env, db, { kind: "failure", network: job.network, reference: job.reference, text: `${label ?? job.network} ${job.reference}: work stopped (${job.kind}): ${why}`, path: `/ops/failures#job-${job.id}` });
}
