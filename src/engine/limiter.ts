import { DeferError } from "../lib/errors";
import { sleep } from "../lib/sleep";
import { MAX_WAIT_MS } from "../lib/http";

// The client side of the shared RateLimiter Durable Object.

export interface Limit {
  /** One limiter per partner, shared by every isolate: its Durable Object is named after it. */
  name: string;
  limit: number;
  /** Together with graceMs, keeps every call inside the partner's limit: each partner's limits.ts says why. */
  windowMs: number;
  /** How late after its slot a call may still start. */
  graceMs: number;
  /** A second, longer window the slots must also keep to (a partner with a burst allowance). */
  burst?: { limit: number; windowMs: number };
}

/** Longest a caller holds on inline; past that its work is deferred (queue delay, alarm). */
export const MAX_INLINE_WAIT_MS = 20_000;

export function limiterStub(env: Env, name: Limit["name"]) {
  return env.LIMITER.get(env.LIMITER.idFromName(name));
}

export async function acquire(env: Env, l: Limit, maxWaitMs = MAX_INLINE_WAIT_MS): Promise<void> {
  const stub = limiterStub(env, l.name);
  for (let tries = 0; ; tries++) {
    const asked = Date.now();
    const r = await stub.reserve(l.limit, l.windowMs, maxWaitMs, l.burst);
    if (!r.ok) {
      const why = r.reason === "paused" ? `${l.name} asked us to pause` : `${l.name} rate limit reached`;
      throw new DeferError(`${why}; trying again in ${Math.ceil(r.retryAfterMs / 1000)} s`, r.retryAfterMs);
    }
    const slot = asked + r.waitMs;
    if (r.waitMs > 0) await sleep(r.waitMs);
    // The window's margin over the partner's only holds if the call starts on its slot. A
    // caller that wakes late (a busy isolate) gives its slot up and takes a new one, so late
    // calls can never bunch up with on-time ones inside the partner's window.
    if (Date.now() - slot <= l.graceMs) return;
    if (tries >= 5) throw new DeferError(`${l.name} calls are running late on this isolate; trying again shortly`, 5_000);
  }
}

/** Every caller of the partner waits until `untilMs`, but never more than an hour from now. */
export async function pausePartner(env: Env, name: Limit["name"], untilMs: number): Promise<void> {
  await limiterStub(env, name).pause(Math.min(untilMs, Date.now() + MAX_WAIT_MS));
}
