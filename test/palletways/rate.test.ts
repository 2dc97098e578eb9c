import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { palletOrder, stopCompleted } from "../../sandbox/qargo-webhooks.mjs";
import { sim } from "../support/sim";
import { admin, postWebhook, uniqueRef, waitFor } from "../support/webhook";
import { windowState } from "../support/palletways-window";
import { fixture } from "../support/fixtures";

// Palletways bans a key for 15 minutes above 100 calls a minute; the connector keeps every
// Palletways call, across all windows, under PALLETWAYS_RATE_PER_MINUTE (90) and loses nothing.

let jpeg: Uint8Array;
beforeAll(async () => {
  jpeg = await fixture("pod-photo-grey.jpg");
});

async function countWhere(sql: string, ...binds: unknown[]): Promise<number> {
  return (await env.DB.prepare(sql).bind(...binds).first<number>("n")) ?? 0;
}

describe("Palletways rate limit", () => {
  it("a ban pauses every Palletways call until it ends; the missed fetches run afterwards", async () => {
    await sim.palletways.reset();
    await sim.palletways.config({ banSeconds: 4 });
    const refs = [uniqueRef("600").slice(0, 11), uniqueRef("601").slice(0, 11)];
    const orders = refs.map((reference) => palletOrder({ reference, network: "PALLETWAYS", role: "DELIVERING" }));
    for (const [i, o] of orders.entries()) {
      await sim.qargo.seedOrder({ id: o.id });
      await postWebhook({ events: [], order: o }); // the connector knows both orders
      await sim.palletways.addPhotos(refs[i]!, [{ format: "jpeg", data: jpeg }]);
    }
    await sim.palletways.ban(4);
    const bannedAt = Date.now();
    // A window opens during the ban, and an operator asks for a refresh of the other one.
    await postWebhook(stopCompleted({ order: orders[0]!, at: new Date(Date.now() - 3_600_000).toISOString() }));
    const refresh = await (await admin(`/api/consignments/palletways/${refs[1]}/refresh`, { method: "POST" })).json<Record<string, unknown>>();
    expect(refresh).toMatchObject({ deferred: true });
    // Both arrive after the ban, exactly once each.
    for (const o of orders) {
      await waitFor(async () => (await sim.qargo.state()).attachments.filter((a) => a.order_id === o.id).length === 1, 30_000, "the photo after the ban");
    }
    const calls = (await sim.palletways.state()).calls.filter((c) => c.path.includes("podimages"));
    const after = calls.filter((c) => c.status === 200);
    expect(after.length).toBeGreaterThanOrEqual(2);
    expect(Math.min(...after.map((c) => Date.parse(c.at)))).toBeGreaterThanOrEqual(bannedAt + 3_500);
    // No Palletways call was made while the connector knew of the ban, beyond the one that found it.
    const during = calls.filter((c) => Date.parse(c.at) < bannedAt + 3_500);
    expect(during.length).toBeLessThanOrEqual(1);
    await env.LIMITER.get(env.LIMITER.idFromName("palletways")).resume();
    await sim.palletways.config({ banSeconds: 900 });
  });

  it(
    "300 consignments completing in the same minute stay under the limit, and each gets its fetch and its photo",
    async () => {
      await sim.palletways.reset();
      const N = 300;
      const prefix = "6" + String(Date.now()).slice(-5);
      const refs = Array.from({ length: N }, (_, i) => `${prefix}${String(i).padStart(5, "0")}`);
      const orders = refs.map((reference) => palletOrder({ reference, network: "PALLETWAYS", role: "DELIVERING" }));
      for (let i = 0; i < N; i += 25) {
        await Promise.all(orders.slice(i, i + 25).map((o, j) => Promise.all([sim.qargo.seedOrder({ id: o.id }), sim.palletways.addPhotos(refs[i + j]!, [{ format: "jpeg", data: jpeg }])])));
      }
      // All delivered within the same minute, long enough ago that every offset is already past:
      // each window collapses its schedule into one fetch, so 300 fetches are due at once.
      const completed = new Date(Date.now() - 60 * 60_000).toISOString();
      for (let i = 0; i < N; i += 20) {
        const res = await Promise.all(orders.slice(i, i + 20).map((o) => postWebhook(stopCompleted({ order: o, at: completed }))));
        expect(res.every((r) => r.status === 200)).toBe(true);
      }
      // D1 takes at most 100 bound parameters a statement: count in chunks.
      const fetched = async () => {
        let n = 0;
        for (let i = 0; i < N; i += 90) {
          const part = refs.slice(i, i + 90);
          n += await countWhere(`SELECT count(DISTINCT tracking_id) AS n FROM palletways_fetches WHERE tracking_id IN (${part.map(() => "?").join(",")})`, ...part);
        }
        return n;
      };
      await waitFor(async () => (await fetched()) === N, 360_000, "every window's fetch");
      const state = await sim.palletways.state();
      expect(state.bans).toEqual([]);
      expect(state.max_calls_in_60s).toBeLessThanOrEqual(90);
      // Each photo reaches its order exactly once.
      const ids = new Set(orders.map((o) => o.id));
      await waitFor(async () => (await sim.qargo.state()).attachments.filter((a) => ids.has(a.order_id)).length >= N, 300_000, "300 attachments");
      const atts = (await sim.qargo.state()).attachments.filter((a) => ids.has(a.order_id));
      expect(atts).toHaveLength(N);
      expect(new Set(atts.map((a) => a.order_id)).size).toBe(N);
      const st = await windowState(refs[0]!);
      expect(st!.attempts.every((a) => a.done)).toBe(true);
    },
    900_000,
  );
});
