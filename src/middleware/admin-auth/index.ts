import type { MiddlewareHandler } from "hono";
import { getConfig } from "../../config";
import { timingSafeEqual } from "../../lib/bytes";
import { clientOf, lockedFor, lockedMessage, retryAfterSeconds, wrongCredential } from "../guess-guard";
import { sameOrigin } from "./origin";
import { SESSION_COOKIE, sessionValid } from "./session";

// Operator routes: `Authorization: Bearer ADMIN_TOKEN`, or a console session cookie (a random
// id kept server-side, see ./session.ts). A wrong bearer counts towards the guessing lock; a
// cookie-authenticated POST must come from our own origin.

export { SESSION_COOKIE, SESSION_TTL_MS, closeSession, openSession, sessionKey, sessionValid } from "./session";
export { sameOrigin } from "./origin";

export type AdminCheck =
  | { ok: true; via: "bearer" | "session" }
  | { ok: false; status: 401 | 429 | 503; error: string; message: string; retryAfter?: string };

export async function checkAdmin(env: Env, req: Request): Promise<AdminCheck> {
  const config = getConfig(env);
  const token = config.adminToken;
  if (!token) return { ok: false, status: 503, error: "not_configured", message: "ADMIN_TOKEN is not set" };
  if (config.adminTokenProblem) return { ok: false, status: 503, error: "weak_setting", message: config.adminTokenProblem };
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.get("authorization") ?? "")?.[1]?.trim();
  if (bearer) {
    const client = clientOf(req.headers);
    const wait = await lockedFor(env, "api", client);
    if (wait > 0) return { ok: false, status: 429, error: "too_many_attempts", message: lockedMessage(wait), retryAfter: retryAfterSeconds(wait) };
    if (timingSafeEqual(bearer, token)) return { ok: true, via: "bearer" };
    await wrongCredential(env, "api", client);
    return { ok: false, status: 401, error: "unauthorized", message: "a valid ADMIN_TOKEN bearer token is required" };
  }
  const cookie = cookieValue(req.headers.get("cookie"));
  if (cookie && (await sessionValid(env, token, cookie))) return { ok: true, via: "session" };
  return { ok: false, status: 401, error: "unauthorized", message: "a valid ADMIN_TOKEN bearer token is required" };
}

function cookieValue(header: string | null): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === SESSION_COOKIE) return part.slice(i + 1).trim();
  }
  return undefined;
}

export function adminAuth(): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const r = await checkAdmin(c.env, c.req.raw);
    if (!r.ok) {
      const headers: Record<string, string> = r.status === 401 ? { "www-authenticate": "Bearer" } : r.retryAfter ? { "retry-after": r.retryAfter } : {};
      return c.json({ error: r.error, message: r.message }, r.status, headers);
    }
    if (r.via === "session" && c.req.method !== "GET" && c.req.method !== "HEAD" && !sameOrigin(c.req.raw.headers, c.req.url)) {
      return c.json({ error: "cross_site", message: "this request came from another site and was refused" }, 400);
    }
    await next();
  };
}
