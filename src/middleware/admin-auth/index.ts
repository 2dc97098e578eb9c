import type { MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";
import { getConfig } from "../../config";
import { timingSafeEqual } from "../../lib/bytes";
import { beginAttempt, clientOf, lockedMessage, retryAfterSeconds } from "../guess-guard";
import { SESSION_COOKIE, sessionValid } from "./session";

// Operator routes: `Authorization: Bearer ADMIN_TOKEN`, or a console session cookie (a random
// id kept server-side, see ./session.ts). Every bearer attempt counts towards the guessing lock
// (one count with the console sign-in) before it is compared; a cookie-authenticated POST goes
// through Hono's csrf() (403 unless Sec-Fetch-Site or Origin says it came from our own origin).

export { SESSION_COOKIE, SESSION_TTL_MS, closeSession, openSession, sessionKey, sessionValid } from "./session";

/** Cross-site form posts are refused 403 (Hono's csrf(): Sec-Fetch-Site same-origin, else Origin). */
export const sameOriginOnly = csrf();

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
    const begun = await beginAttempt(env, "admin", clientOf(req.headers));
    if (!begun.ok) return { ok: false, status: 429, error: "too_many_attempts", message: lockedMessage(begun.waitMs), retryAfter: retryAfterSeconds(begun.waitMs) };
    if (timingSafeEqual(bearer, token)) {
      await begun.attempt.right();
      return { ok: true, via: "bearer" };
    }
    await begun.attempt.wrong();
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
    // A bearer token is not something a browser sends by itself: only a cookie needs the check.
    if (r.via === "session") return sameOriginOnly(c, next);
    await next();
  };
}
