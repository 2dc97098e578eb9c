import { bodyLimit } from "hono/body-limit";
import { every } from "hono/combine";
import type { MiddlewareHandler } from "hono";
import { getConfig } from "../config";
import { basicAuth } from "../middleware/basic-auth";
import { signatureVerifies, standardWebhooks, type SignedVariables } from "../middleware/standard-webhooks";

// The door every route the TMS posts to shares (contracts: "as POST /webhooks/tms"), in order:
// the 10 MiB body ceiling (first, so nothing after it reads more), Basic credentials with the
// guessing lock, and, when INBOUND_SIGNING_SECRET is set, a Standard Webhooks signature that
// must verify (its `webhook-id` is left in `c.var.webhookId`).

export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export type TmsDoorEnv = { Bindings: Env; Variables: SignedVariables };

/** `step`: the log step of the route behind the door ("webhook.tms", "webhook.dispatch"). */
export function tmsDoor(step: string): MiddlewareHandler<TmsDoorEnv> {
  return every(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json({ error: "payload_too_large", message: `the body is over ${MAX_BODY_BYTES} bytes` }, 413),
    }),
    basicAuth({
      route: "webhook",
      step,
      credentials: (env) => getConfig(env).inbound ?? { problem: "INBOUND_BASIC_USER and INBOUND_BASIC_PASSWORD are not set" },
      // Qargo sends every tenant's webhooks from shared addresses: a signature that verifies is
      // ours whoever else has been guessing from there (rule 10), so the lock never refuses it.
      stronger: (c) => signatureVerifies(c, getConfig(c.env).inbound?.signingSecrets ?? []),
    }),
    standardWebhooks({
      step,
      secrets: (env) => {
        const inbound = getConfig(env).inbound;
        return inbound?.signingSecretProblem ? { problem: inbound.signingSecretProblem } : { secrets: inbound?.signingSecrets ?? [] };
      },
    }),
  );
}
