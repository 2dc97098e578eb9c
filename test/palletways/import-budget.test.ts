import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LOOKAHEAD_MS, lookupHeadroom, lookupLimit } from "../../src/carriers/palletways/import-lookups";
import { palletwaysLimit } from "../../src/carriers/palletways/limits";
import { DeferError } from "../../src/lib/errors";
import { acquire } from "../../src/engine";

// How the import's lookups share the one Palletways limiter (the real RateLimiter Durable
// Object): they fill a minute's budget only up to its headroom, so a photo fetch that arrives
// in the middle of a burst of lookups still finds a slot at once. Its own file: it uses up the
// shared limiter's window.

describe("the Palletways budget during a burst of lookups", () => {
  it("leaves the headroom to photo fetches and every other caller", async () => {
    const rate = 90;
    const lookups = lookupLimit(rate);
    expect(lookupHeadroom(rate)).toBe(9);
    for (let i = 0; i < rate - 9; i++) await acquire(env, lookups, LOOKAHEAD_MS);
    // The lookups' share is full: the next lookup is told to wait, and books nothing.
    const refused = await acquire(env, lookups, LOOKAHEAD_MS).then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(DeferError);
    expect((refused as DeferError).retryAfterMs).toBeGreaterThan(50_000);
    // A photo fetch (the full limit, the normal inline wait) gets a slot straight away, and so
    // does every other caller until the headroom is spent.
    for (let i = 0; i < 9; i++) {
      const t0 = Date.now();
      await acquire(env, palletwaysLimit(rate));
      expect(Date.now() - t0).toBeLessThan(1_000);
    }
    // Never more than the rate in the window, lookups included: the next caller of any kind waits.
    const over = await acquire(env, palletwaysLimit(rate), 1_000).then(() => null, (e: unknown) => e);
    expect(over).toBeInstanceOf(DeferError);
  });
});
