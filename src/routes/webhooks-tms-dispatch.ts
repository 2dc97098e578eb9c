import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { carrierFor, networkEnabled } from "../carriers";
import { db as openDb } from "../db/client";
import { errorMessage } from "../lib/errors";
import { log } from "../lib/log";
import { redact } from "../lib/secrets";
import { invalidBody, jsonBody } from "../middleware/json-body";
import { dispatchAnswer, subcontractorDispatchSchema, type DispatchAnswer, type SubcontractorDispatch } from "../tms/dispatch";
import { tmsDoor, type TmsDoorEnv } from "./tms-webhook-guards";

// POST /webhooks/tms/dispatch/{network}: Qargo's subcontractor dispatch (tms-qargo.md). Same
// door as the visibility webhook (credentials, lock, ceiling, signature); behind it the
// network's dispatch capability books the trip. Once the caller is authenticated and the body
// is a dispatch, the answer is always 200 with a SubcontractorDispatchResponse, because that
// is what Qargo shows the planner on the dispatch task: anything else would be a bare failure.

/** Qargo waits 20 s for the answer; 2 s of that are kept for the answer's own way back. */
export const DISPATCH_ANSWER_MS = 18_000;

export const tmsDispatchWebhook = new Hono<TmsDoorEnv>();

const dispatchBody = zValidator("json", subcontractorDispatchSchema, invalidBody("the body is not a SubcontractorDispatch"));

tmsDispatchWebhook.post("/:network", tmsDoor("webhook.dispatch"), jsonBody(), dispatchBody, async (c) => {
  const started = Date.now();
  const env = c.env;
  const network = c.req.param("network");
  const dispatch = c.req.valid("json");
  const where = { network, reference: dispatch.payload.orders[0]?.name, step: "webhook.dispatch" };

  const answer = await answerDispatch(env, network, dispatch, started + DISPATCH_ANSWER_MS).catch((err): DispatchAnswer => {
    // Never a bare 500 to the planner: the dispatch task shows these words, and a later send
    // of the same dispatch answers with the booking as it stands (nothing is booked twice).
    log({ ...where, outcome: "error", ms: Date.now() - started, error: errorMessage(err) });
    return dispatchAnswer.error("INTERNAL_ERROR", `the connector could not take this dispatch (${redact(errorMessage(err)).slice(0, 200)}); send it again in a few minutes`);
  });
  log({ ...where, outcome: answer.errors.length ? "error" : "ok", ms: Date.now() - started, operation: dispatch.operation, errors: answer.errors.map((e) => e.error_type) });
  return c.json(answer, 200);
});

async function answerDispatch(env: Env, network: string, dispatch: SubcontractorDispatch, deadline: number): Promise<DispatchAnswer> {
  const carrier = carrierFor(network);
  if (!carrier) return dispatchAnswer.error("NOT_SUPPORTED", `the connector knows no network called “${network}”: point this dispatch at /webhooks/tms/dispatch/<network>`);
  if (!carrier.dispatch) return dispatchAnswer.error("NOT_SUPPORTED", `${carrier.label} takes no dispatches through the connector: book it with ${carrier.label} directly`);
  if (!networkEnabled(env, network)) return dispatchAnswer.error("NOT_SUPPORTED", `${carrier.label} is switched off in the connector (its settings are absent)`);
  const why = carrier.dispatch.unavailable(env);
  if (why) return dispatchAnswer.error("NOT_SUPPORTED", why);
  return carrier.dispatch.handle({ env, db: openDb(env), deadline }, dispatch);
}
