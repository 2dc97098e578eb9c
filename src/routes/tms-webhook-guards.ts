import { bodyLimit } from "hono/body-limit";
import { getConfig } from "../config";
import { log } from "../lib/log";
import { basicAuth } from "../middleware/basic-auth";
import { verifyStandardWebhook } from "../middleware/standard-webhooks";

// What every route the TMS posts to shares (contracts: "as POST /webhooks/tms"): Basic
// credentials with the guessing lock, the 10 MiB body ceiling, and, when INBOUND_SIGNING_SECRET
// is set, a Standard Webhooks signature that must verify.

export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export const tmsBasicAuth = (step: string) =>
  basicAuth({
    route: "webhook",
    step,
    credentials: (env) => {
      const inbound = getConfig(env).inbound;
      return inbound ?? { problem: "INBOUND_BASIC_USER and INBOUND_BASIC_PASSWORD are not set" };
    },
  });

export const tmsBodyLimit = () =>
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => c.json({ error: "payload_too_large", message: `the body is over ${MAX_BODY_BYTES} bytes` }, 413),
  });

export type SignatureCheck =
  | { ok: true; webhookId: string | null }
  | { ok: false; status: 401 | 503; body: { error: string; message: string }; headers?: Record<string, string> };

/** The Standard Webhooks check on a body already read; `webhookId` when a signature verified. */
export async function checkTmsSignature(env: Env, headers: Headers, body: string, step: string): Promise<SignatureCheck> {
  const inbound = getConfig(env).inbound;
  if (inbound?.signingSecretProblem) {
    // A signature that can never be checked must not turn every delivery into a 500: a 503
    // says "not now, try again" to the sender and names the setting for the operator.
    log({ step, outcome: "error", error: inbound.signingSecretProblem });
    return { ok: false, status: 503, body: { error: "not_configured", message: inbound.signingSecretProblem }, headers: { "retry-after": "60" } };
  }
  if (!inbound?.signingSecrets.length) return { ok: true, webhookId: null };
  const v = await verifyStandardWebhook(inbound.signingSecrets, headers, body);
  if (!v.ok) {
    log({ step, outcome: "error", error: `signature: ${v.reason}` });
    return { ok: false, status: 401, body: { error: "invalid_signature", message: v.reason } };
  }
  return { ok: true, webhookId: v.id };
}
