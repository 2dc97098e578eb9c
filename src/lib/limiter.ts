import { DeferError } from "./errors";
import { sleep } from "./sleep";

// The client side of the shared RateLimiter Durable Object.

export interface Limit {
  name: "tms" | "palletways";
  limit: number;
  windowMs: number;
}

/** Longest a caller holds on inline; past that its work is deferred (queue delay, alarm). */
export const MAX_INLINE_WAIT_MS = 20_000;

export function limiterStub(env: Env, name: Limit["name"]) {
  return env.LIMITER.get(env.LIMITER.idFromName(name));
}

export async function acquire(env: Env, l: Limit, maxWaitMs = MAX_INLINE_WAIT_MS): Promise<void> {
  const r = await limiterStub(env, l.name).reserve(l.limit, l.windowMs, maxWaitMs);
  if (!r.ok) {
    const why = r.reason === "paused" ? `${l.name} asked us to pause` : `${l.name} rate limit reached`;
    throw new DeferError(`${why}; trying again in ${Math.ceil(r.retryAfterMs / 1000)} s`, r.retryAfterMs);
  }
  if (r.waitMs > 0) await sleep(r.waitMs);
}

export async function pausePartner(env: Env, name: Limit["name"], untilMs: number): Promise<void> {
  await limiterStub(env, name).pause(untilMs);
}

/** Retry-After in seconds or an HTTP date, in milliseconds from now. */
export function retryAfterMs(header: string | null, fallbackMs: number): number {
  if (!header) return fallbackMs;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : fallbackMs;
}
