import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { limiterStub, pausePartner } from "./limiter";
import { tmsLimit } from "../tms/limits";

describe("pausePartner", () => {
  it("never pauses a partner for more than an hour, whatever it asked", async () => {
    const name = `test-${crypto.randomUUID()}`;
    await pausePartner(env, name, Date.now() + 5 * 3_600_000);
    const { pausedUntil } = await limiterStub(env, name).status(1_000);
    expect(pausedUntil).toBeGreaterThan(Date.now() + 3_500_000);
    expect(pausedUntil).toBeLessThanOrEqual(Date.now() + 3_600_000);
  });
});

describe("slots", () => {
  /** Each reservation's slot, in ms after the first was asked for. */
  async function slots(limit: number, windowMs: number, n: number, burst?: { limit: number; windowMs: number }) {
    const stub = limiterStub(env, `test-${crypto.randomUUID()}`);
    const start = Date.now();
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const asked = Date.now();
      const r = await stub.reserve(limit, windowMs, 60_000, burst);
      if (!r.ok) throw new Error("refused");
      out.push(asked - start + r.waitMs);
    }
    return out;
  }
  const near = (got: number[], want: number[]) => got.forEach((g, i) => expect(Math.abs(g - want[i]!), `slot ${i}: ${got.join(", ")}`).toBeLessThan(100));

  it("hands out `limit` slots per window", async () => {
    near(await slots(2, 1_000, 6), [0, 0, 1_000, 1_000, 2_000, 2_000]);
  });

  it("keeps the burst window too: the TMS's 2 a second, never 3 slots within 1.5 s after the first pair", async () => {
    const { limit, windowMs, burst } = tmsLimit(2);
    // Two at once, then one every 500 ms: 2 a second sustained, and no 1.5 s holds 4.
    near(await slots(limit, windowMs, 7, burst), [0, 0, 1_000, 1_500, 2_000, 2_500, 3_000]);
  });
});
