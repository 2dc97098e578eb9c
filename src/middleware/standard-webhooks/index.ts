import { base64ToBytes, timingSafeEqual } from "../../lib/bytes";

// Standard Webhooks (standardwebhooks.com): HMAC-SHA256 over "id.timestamp.body" with the
// base64 secret after "whsec_"; several space-separated "v1,<sig>" allowed; ±5 minutes.

const TOLERANCE_S = 5 * 60;

type Verification = { ok: true; id: string } | { ok: false; reason: string };

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
