import { Hono, type Context } from "hono";
import { intakeBody, takeUpdate } from "../intake";
import { jsonBody } from "../middleware/json-body";
import { tmsDoor, type TmsDoorEnv } from "./tms-webhook-guards";

// POST /webhooks/tms: Qargo's operational visibility webhook. The door (ceiling, Basic
// credentials, signature) and the body's validation are middleware; the intake service writes
// everything the update implies to R2 and D1 before we answer, so nothing acknowledged can be
// lost, and queues the jobs right after the answer; the work happens in the consumer.

export const tmsWebhook = new Hono<TmsDoorEnv>();

tmsWebhook.post("/", tmsDoor("webhook.tms"), jsonBody(), intakeBody(), async (c) => {
  const delivery = { webhookId: c.var.webhookId, raw: await c.req.text(), body: c.req.valid("json") };
  const outcome = await takeUpdate(c.env, delivery, (work) => afterAnswer(c, work));
  switch (outcome.kind) {
    case "duplicate":
      return c.json({ ok: true, duplicate: true });
    case "invalid":
      return c.json({ error: "invalid_body", message: outcome.message, fields: outcome.fields }, 400);
    case "unavailable":
      return c.json({ error: "unavailable", message: outcome.message }, 503, { "retry-after": "5" });
    case "taken":
      return c.json({ ok: true, jobs: outcome.jobs });
  }
});

/** Runs `work` after the response when the runtime gives us a context to do so, else now. */
async function afterAnswer(c: Context, work: Promise<unknown>): Promise<void> {
  let ctx: Context["executionCtx"] | undefined;
  try {
    ctx = c.executionCtx;
  } catch {
    // Called without an execution context (app.request in a script): nothing to hand it to.
  }
  if (ctx) ctx.waitUntil(work);
  else await work;
}
