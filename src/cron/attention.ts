import { and, inArray, lt } from "drizzle-orm";
import { getConfig } from "../config";
import type { Db } from "../db/client";
import { alertOutbox } from "../db/schema";
import { networkLabel } from "../carriers";
import { cursor, raiseAlert, sweepAlerts } from "../engine";
import { carrierItems, stalePulls } from "../read/attention";
import { explain } from "../read/explain";
import { networkStates } from "../read/health";

// The cron's attention pass (the centre's, every 10 minutes, after the networks' pulls): alerts
// for the networks' new alert-worthy items (exception stages), for a network unhealthy for 15
// minutes (once per episode), and the retry of alerts that could not be delivered at once.
// Failures alert when they happen (the queue consumer), not here.

export const SWEPT_AT = "attention.swept_at";
const UNHEALTHY = "attention.unhealthy.";
export const UNHEALTHY_ALERT_AFTER_MS = 15 * 60_000;
/** Items recorded while the previous pass ran are looked at again; the hourly limit stops a repeat. */
const OVERLAP_MS = 10 * 60_000;
const KEEP_OUTBOX_MS = 30 * 24 * 3_600_000;


export async function attentionSweep(env: Env, db: Db, now = Date.now()): Promise<Record<string, unknown>> {
  if (!getConfig(env).alerts.webhookUrl) return { alerts: "off (ALERT_WEBHOOK_URL is not set)" };
  const last = (await cursor(db, SWEPT_AT).number()) ?? now - 2 * OVERLAP_MS;
  const outcomes: Record<string, number> = {};
  const count = (o: string) => (outcomes[o] = (outcomes[o] ?? 0) + 1);

  for (const { network, item } of await carrierItems(env, db, last - OVERLAP_MS)) {
    if (!item.alert) continue;
    const text = `${item.title}.${item.action ? ` What to do: ${item.action}` : ""}`;
    count(await raiseAlert(env, db, { kind: item.kind, network, reference: item.reference || null, text, path: `/ops/consignments/${encodeURIComponent(network)}/${encodeURIComponent(item.reference)}` }, now));
  }

  for (const [network, s] of Object.entries(await networkStates(env))) {
    const name = UNHEALTHY + network;
    if (!s.enabled || !s.last_error) {
      await cursor(db, name).clear();
      continue;
    }
    const raw = await cursor(db, name).get();
    // The first pass that sees the error dates the episode from its last error, a conservative start.
    const episode = raw ? (JSON.parse(raw) as { since: number; alerted: boolean }) : { since: s.last_error_at ? Date.parse(s.last_error_at) : now, alerted: false };
    if (!raw) await cursor(db, name).set(JSON.stringify(episode));
    if (episode.alerted || now - episode.since < UNHEALTHY_ALERT_AFTER_MS) continue;
    const minutes = Math.floor((now - episode.since) / 60_000);
    const action = explain(network, s.last_error, s.last_error_code, s.action);
    const text = `${networkLabel(network)} has not been working for ${minutes} minutes: ${s.last_error}.${action ? ` What to do: ${action}` : ""}`;
    const r = await raiseAlert(env, db, { kind: "network", network, reference: null, text, path: "/ops" }, now);
    count(r);
    if (r === "sent" || r === "pending" || r === "limited") await cursor(db, name).set(JSON.stringify({ ...episode, alerted: true }));
  }

  // A pull with no success for 30 minutes: one alert an hour per pull (the limit's key).
  for (const e of stalePulls(await networkStates(env), now)) {
    const pull = e.id.split(":")[1] ?? e.id;
    count(await raiseAlert(env, db, { kind: "pull", network: e.network, reference: pull, text: `${e.title}.${e.action ? ` What to do: ${e.action}` : ""}`, path: e.link }, now));
  }

  const retried = await sweepAlerts(env, db, now);
  await db.delete(alertOutbox).where(and(inArray(alertOutbox.status, ["sent", "failed"]), lt(alertOutbox.updatedAt, now - KEEP_OUTBOX_MS)));
  await cursor(db, SWEPT_AT).set(String(now));
  return { alerts: outcomes, retried };
}
