import { env, SELF } from "cloudflare:test";
import { basicHeader } from "../../sandbox/qargo-webhooks.mjs";

/** POSTs a body to the connector's TMS webhook with the configured Basic credentials. */
export async function postWebhook(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch("https://connector.test/webhooks/tms", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: basicHeader(env.INBOUND_BASIC_USER, env.INBOUND_BASIC_PASSWORD), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export function admin(path: string, init: RequestInit = {}): Promise<Response> {
  return SELF.fetch(`https://connector.test${path}`, { ...init, headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, ...(init.headers ?? {}) } });
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined | false | null>, timeoutMs = 20_000, what = "condition"): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false && v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const uniqueRef = (prefix = "") => `${prefix}${Date.now().toString().slice(-7)}${Math.floor(Math.random() * 1e4).toString().padStart(4, "0")}`;

/** Signs in to the console the way a browser does and returns the `cookie` header to send back. */
export async function consoleSession(): Promise<string> {
  const base = "https://connector.test";
  const res = await SELF.fetch(`${base}/ops/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: base, "sec-fetch-site": "same-origin" },
    body: new URLSearchParams({ token: env.ADMIN_TOKEN }).toString(),
  });
  const cookie = /__Host-pb_session=[^;]+/.exec(res.headers.get("set-cookie") ?? "")?.[0];
  if (!cookie) throw new Error(`sign-in gave no session cookie (${res.status})`);
  return cookie;
}
