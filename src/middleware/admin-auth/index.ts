import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { getConfig } from "../../config";
import { sha256Hex, timingSafeEqual } from "../../lib/bytes";

// Operator routes: `Authorization: Bearer ADMIN_TOKEN`, or the console's session cookie, which
// holds a digest of the token rather than the token itself.

export const SESSION_COOKIE = "pb_session";

export async function sessionValue(adminToken: string): Promise<string> {
  return sha256Hex(`palletbridge-session:${adminToken}`);
}

export async function isAdmin(adminToken: string | null, authorization: string | undefined, cookie: string | undefined): Promise<boolean> {
  if (!adminToken) return false;
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? "")?.[1]?.trim();
  if (bearer && timingSafeEqual(bearer, adminToken)) return true;
  if (cookie && timingSafeEqual(cookie, await sessionValue(adminToken))) return true;
  return false;
}

export function adminAuth(): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const token = getConfig(c.env).adminToken;
    if (!token) return c.json({ error: "not_configured", message: "ADMIN_TOKEN is not set" }, 503);
    if (!(await isAdmin(token, c.req.header("authorization"), getCookie(c, SESSION_COOKIE)))) {
      return c.json({ error: "unauthorized", message: "a valid ADMIN_TOKEN bearer token is required" }, 401, { "www-authenticate": "Bearer" });
    }
    await next();
  };
}
