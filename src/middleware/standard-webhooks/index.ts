import type { Context, MiddlewareHandler } from "hono";
import { base64ToBytes, timingSafeEqual } from "../../lib/bytes";
import { log } from "../../lib/log";

// Standard Webhooks (standardwebhooks.com): HMAC-SHA256 over "id.timestamp.body" with the
// base64 secret after "whsec_"; several space-separated "v1,<sig>" allowed; ±5 minutes.

const TOLERANCE_S = 5 * 60;

type Verification = { ok: true; id: string } | { ok: false; reason: string };

/** What a route checks against: the secrets (none: signatures are not asked for), or why they cannot be used. */
export type SigningSecrets = { secrets: string[] } | { problem: string };

/** `webhookId`: the verified `webhook-id`, or null when no signature was asked for. */
export type SignedVariables = { webhookId: string | null };

/**
 * Hono middleware: when `secrets(env)` lists any, the request must carry a Standard Webhooks
 * signature under one of them (401 naming what is wrong); a secret that cannot be used answers
 * 503 naming the setting. The verified `webhook-id` is left in `c.var.webhookId`. Put it after
 * the body ceiling: it reads the whole body (Hono keeps it for the handlers after it).
 */
export function standardWebhooks(opts: { step: string; secrets: (env: Env) => SigningSecrets }): MiddlewareHandler<{ Bindings: Env; Variables: SignedVariables }> {
  return async (c, next) => {
    const configured = opts.secrets(c.env);
    if ("problem" in configured) {
      // A signature that can never be checked must not turn every delivery into a 500: a 503
      // says "not now, try again" to the sender and names the setting for the operator.
      log({ step: opts.step, outcome: "error", error: configured.problem });
      return c.json({ error: "not_configured", message: configured.problem }, 503, { "retry-after": "60" });
    }
    c.set("webhookId", null);
    if (configured.secrets.length) {
      const v = await verifyStandardWebhook(configured.secrets, c.req.raw.headers, await c.req.text());
      if (!v.ok) {
        log({ step: opts.step, outcome: "error", error: `signature: ${v.reason}` });
        return c.json({ error: "invalid_signature", message: v.reason }, 401);
      }
      c.set("webhookId", v.id);
    }
    await next();
  };
}

/** true when the request carries a signature that verifies under one of `secrets` (none: false). */
export async function signatureVerifies(c: Context, secrets: string[]): Promise<boolean> {
  if (!secrets.length || !c.req.header("webhook-signature")) return false;
  return (await verifyStandardWebhook(secrets, c.req.raw.headers, await c.req.text())).ok;
}

/** `secrets`: one, or several while a secret is being rotated (a signature under any is valid). */
export async function verifyStandardWebhook(secrets: string | string[], headers: Headers, body: string, nowMs = Date.now()): Promise<Verification> {
  const id = headers.get("webhook-id");
  const ts = headers.get("webhook-timestamp");
  const sigs = headers.get("webhook-signature");
  if (!id || !ts || !sigs) return { ok: false, reason: "missing webhook-id, webhook-timestamp or webhook-signature" };
  const seconds = Number(ts);
  if (!Number.isInteger(seconds)) return { ok: false, reason: "webhook-timestamp is not a number of seconds" };
  if (Math.abs(nowMs / 1000 - seconds) > TOLERANCE_S) return { ok: false, reason: "webhook-timestamp is more than 5 minutes away" };
  let matched = false;
  for (const secret of typeof secrets === "string" ? [secrets] : secrets) {
    const expected = await sign(secret, `${id}.${ts}.${body}`);
    for (const part of sigs.split(" ")) {
      const [version, sig] = part.split(",", 2);
      if (version === "v1" && sig && timingSafeEqual(sig, expected)) matched = true;
    }
  }
  if (matched) return { ok: true, id };
  return { ok: false, reason: "webhook-signature does not match" };
}

export async function sign(secret: string, content: string): Promise<string> {
  const raw = secret.startsWith("whsec_") ? base64ToBytes(secret.slice(6)) : new TextEncoder().encode(secret);
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(content));
  let bin = "";
  for (const b of new Uint8Array(mac)) bin += String.fromCharCode(b);
  return btoa(bin);
}
