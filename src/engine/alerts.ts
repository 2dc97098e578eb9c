import { and, asc, eq, lte, sql } from "drizzle-orm";
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
    // The claim and the hour's check are one statement, so two isolates never both send.
    const claimed = await db
      .insert(alertLimits)
      .values({ key, sentAt: now })
      .onConflictDoUpdate({ target: alertLimits.key, set: { sentAt: now }, setWhere: sql`${alertLimits.sentAt} <= ${now - ALERT_EVERY_MS}` })
      .returning({ key: alertLimits.key });
    if (claimed.length === 0) {
      log({ network: a.network, reference: a.reference ?? undefined, step: "alert", outcome: "skipped", kind: a.kind, error: "an alert for this went out less than an hour ago" });
      return "limited";
    }
    const row = { id: crypto.randomUUID(), key, text: redact(alertText(a, publicUrl)), status: "pending", attempts: 0, nextAt: now, createdAt: now, updatedAt: now };
    await db.insert(alertOutbox).values(row);
    return await deliver(db, webhookUrl, row);
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
    .where(and(eq(alertOutbox.status, "pending"), lte(alertOutbox.nextAt, now)))
    .orderBy(asc(alertOutbox.nextAt))
    .limit(20);
  for (const row of due) {
    const r = await deliver(db, webhookUrl, row);
    if (r === "sent") out.sent++;
    else if (r === "pending") out.pending++;
    else out.failed++;
  }
  return out;
}

type OutboxRow = Pick<typeof alertOutbox.$inferSelect, "id" | "key" | "text" | "attempts">;

async function deliver(db: Db, webhookUrl: string, row: OutboxRow): Promise<"sent" | "pending" | "error"> {
  const attempt = row.attempts + 1;
  let problem: string;
  try {
    const res = await fetch(webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: slackEscape(row.text) }),
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
    // Outside the send's try: a D1 error here must not pass for a failed send (and send it again).
    await db.update(alertOutbox).set({ status: "sent", attempts: attempt, lastError: null, updatedAt: Date.now() }).where(eq(alertOutbox.id, row.id));
    log({ step: "alert", outcome: "ok", key: row.key, attempt });
    return "sent";
  }
  const giveUp = attempt >= MAX_ALERT_ATTEMPTS;
  const wait = RETRY_AFTER_MS[Math.min(attempt - 1, RETRY_AFTER_MS.length - 1)]!;
  await db
    .update(alertOutbox)
    .set({ status: giveUp ? "failed" : "pending", attempts: attempt, lastError: problem, nextAt: Date.now() + wait, updatedAt: Date.now() })
    .where(eq(alertOutbox.id, row.id));
  log({ step: "alert", outcome: "error", key: row.key, attempt, gave_up: giveUp, error: problem });
  return giveUp ? "error" : "pending";
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
