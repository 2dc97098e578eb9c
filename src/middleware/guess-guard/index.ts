import { db as openDb } from "../../db/client";
import { authLocks } from "../../db/schema";
import { errorMessage } from "../../lib/errors";
import { log } from "../../lib/log";

// Guessing slowed (contracts rule 10): after GUESS_LIMIT wrong credentials within GUESS_WINDOW_MS
// from one client (CF-Connecting-IP) on one route, that client's further attempts there are
// refused with 429 until the window has passed. The count lives in the shared RateLimiter
// Durable Object (one instance per route and client), so every isolate sees the same count.

export const GUESS_LIMIT = 10;
export const GUESS_WINDOW_MS = 10 * 60_000;

/** console sign-in, the ADMIN_TOKEN bearer (API and console), the TMS webhook's Basic auth. */
export type GuardedRoute = "login" | "api" | "webhook";

export function clientOf(headers: Headers): string {
  // Cloudflare sets CF-Connecting-IP on every request it forwards; the fallback only happens
  // off Cloudflare (local runs, tests), where every caller then shares one count.
  return headers.get("cf-connecting-ip")?.trim() || "unknown";
}

function stub(env: Env, route: GuardedRoute, client: string) {
  return env.LIMITER.get(env.LIMITER.idFromName(`auth:${route}:${client}`));
}

/**
 * "Not locked" answers, kept for a moment per isolate: the TMS posts webhooks back to back, and
 * asking the Durable Object before each one would cost a round trip per webhook. A lock set by
 * another isolate is therefore seen here within NOT_LOCKED_TTL_MS; a lock is never cached (it is
 * asked again each time), and this isolate's own wrong credential forgets the entry at once.
 */
export const NOT_LOCKED_TTL_MS = 2_000;
const notLocked = new Map<string, number>();

/** Milliseconds this client must still wait on this route; 0 when its credential may be checked. */
export async function lockedFor(env: Env, route: GuardedRoute, client: string): Promise<number> {
  const key = `${route}:${client}`;
  const now = Date.now();
  if ((notLocked.get(key) ?? 0) > now) return 0;
  const wait = await stub(env, route, client).authLockedFor(GUESS_LIMIT, GUESS_WINDOW_MS);
  if (wait > 0) notLocked.delete(key);
  else {
    if (notLocked.size > 10_000) notLocked.clear();
    notLocked.set(key, now + NOT_LOCKED_TTL_MS);
  }
  return wait;
}

/** Records a wrong credential; the one that closes the door is logged and kept for the console. */
export async function wrongCredential(env: Env, route: GuardedRoute, client: string): Promise<void> {
  notLocked.delete(`${route}:${client}`);
  const r = await stub(env, route, client).authFailure(GUESS_LIMIT, GUESS_WINDOW_MS);
  if (!r.locked) return;
  const lockedAt = Date.now();
  log({ step: "auth.lock", outcome: "error", route, client, failures: r.failures, until: new Date(r.until).toISOString(), error: `${r.failures} wrong credentials within ${GUESS_WINDOW_MS / 60_000} minutes` });
  try {
    await openDb(env).insert(authLocks).values({ route, client, failures: r.failures, lockedAt, until: r.until });
  } catch (err) {
    // The lock itself holds in the Durable Object; only the console's list misses this one.
    log({ step: "auth.lock", outcome: "error", route, error: `could not record the lock: ${errorMessage(err)}` });
  }
}

export const retryAfterSeconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));

export function lockedMessage(ms: number): string {
  return `too many wrong credentials from this address; try again in ${retryAfterSeconds(ms)} s`;
}
