import { db as openDb } from "../db/client";
import { queueJobs } from "../engine";
import { sha256Hex } from "../lib/bytes";
import { errorMessage } from "../lib/errors";
import { log } from "../lib/log";
import type { IntakeBody } from "./body";
import { planUpdate } from "./plan";
import { isRepeatDelivery, recordUpdate } from "./record";

// The intake service: one validated TMS update → R2 (inline files), then D1 (delivery,
// consignment, jobs, timeline) in one transaction, then the queue. What the 2xx promises is
// durable before it is sent; queueing happens after the answer (`later`): if the send fails or
// the isolate dies first, the cron's re-drive queues the jobs from D1.

export { intakeBody, type IntakeBody } from "./body";

export type IntakeOutcome =
  | { kind: "taken"; jobs: number }
  | { kind: "duplicate" }
  | { kind: "invalid"; message: string; fields: { path: string; message: string }[] }
  | { kind: "unavailable"; message: string };

/** `webhookId`: a verified Standard Webhooks id; without one, the body's hash names the delivery. */
export async function takeUpdate(
  env: Env,
  delivery: { webhookId: string | null; raw: string; body: IntakeBody },
  later: (work: Promise<unknown>) => Promise<void>,
): Promise<IntakeOutcome> {
  const started = Date.now();
  const { update } = delivery.body;
  const bodySha256 = await sha256Hex(delivery.raw);
  const plan = await planUpdate(env, delivery.body);
  if ("refused" in plan) {
    log({ step: "webhook.tms", outcome: "error", error: `refused: ${plan.refused.message}` });
    return { kind: "invalid", message: "the order's network_reference cannot be used", fields: [plan.refused] };
  }
  const where = { network: plan.link?.network, reference: plan.link?.reference, step: "webhook.tms" };
  for (const blob of plan.blobs) {
    try {
      await env.FILES.put(blob.key, blob.bytes, { httpMetadata: { contentType: blob.contentType } });
    } catch (err) {
      log({ ...where, outcome: "error", error: `R2: ${errorMessage(err)}` });
      return { kind: "unavailable", message: "could not store the document; please retry" };
    }
  }
  const id = delivery.webhookId ? `whid:${delivery.webhookId}` : `sha256:${bodySha256}`;
  let created: string[];
  try {
    created = await recordUpdate(openDb(env), { id, bodySha256, eventCount: update.events.length }, plan);
  } catch (err) {
    if (isRepeatDelivery(err)) {
      log({ ...where, outcome: "skipped", ms: Date.now() - started, delivery: id, error: "duplicate delivery" });
      return { kind: "duplicate" };
    }
    log({ ...where, outcome: "error", ms: Date.now() - started, error: errorMessage(err) });
    return { kind: "unavailable", message: "could not record the webhook; please retry" };
  }
  if (created.length) await later(queueJobs(env, created, { ...where, step: "webhook.tms.enqueue" }));
  // Each queued job logs its own line (with this reference) when it runs; a webhook that queued
  // nothing is logged here, so every webhook leaves a line in `wrangler tail` either way.
  else log({ ...where, outcome: "ok", ms: Date.now() - started, events: update.events.length, jobs: 0 });
  return { kind: "taken", jobs: created.length };
}
