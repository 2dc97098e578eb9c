import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { limiterStub, pausePartner } from "./limiter";

describe("pausePartner", () => {
  it("never pauses a partner for more than an hour, whatever it asked", async () => {
    const name = `test-${crypto.randomUUID()}`;
    await pausePartner(env, name, Date.now() + 5 * 3_600_000);
    const { pausedUntil } = await limiterStub(env, name).status(1_000);
    expect(pausedUntil).toBeGreaterThan(Date.now() + 3_500_000);
    expect(pausedUntil).toBeLessThanOrEqual(Date.now() + 3_600_000);
  });
});
