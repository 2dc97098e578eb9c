import { env, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { TmsClient } from "../src/tms/client";
import { sim, sha256Hex } from "./support/sim";
import { DeferError } from "../src/lib/errors";
import type { TmsTokenCache } from "../src/durable/tms-token";

beforeEach(async () => {
  await sim.qargo.reset();
});

describe("TMS client", () => {
  it("shares one token across many concurrent calls", async () => {
    const order = await sim.qargo.seedOrder({ id: crypto.randomUUID(), customer_reference_number: "R1" });
    // A fresh token object: what a brand-new deployment would have.
    const client = new TmsClient(env);
    const results = await Promise.all(Array.from({ length: 8 }, () => client.getOrder(order.id)));
    expect(results.every((r) => r.id === order.id)).toBe(true);
    const state = await sim.qargo.state();
    expect(state.tokens_issued).toBeLessThanOrEqual(1);
    const again = await new TmsClient(env).getOrder(order.id);
    expect(again.id).toBe(order.id);
    expect((await sim.qargo.state()).tokens_issued).toBeLessThanOrEqual(1);
  });

  it("keeps concurrent callers within Qargo's 2 calls a second (3 in a burst), with no 429", async () => {
    const order = await sim.qargo.seedOrder({ id: crypto.randomUUID() });
    await new TmsClient(env).getOrder(order.id); // token fetched outside the measurement
    await new Promise((r) => setTimeout(r, 1_100));
    const before = (await sim.qargo.state()).calls.length;
    const started = Date.now();
    // Two "isolates" worth of clients, 12 calls at once.
    const a = new TmsClient(env);
    const b = new TmsClient(env);
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).getOrder(order.id)));
    const elapsed = Date.now() - started;
    const state = await sim.qargo.state();
    expect(state.rate_limited, JSON.stringify(state.rate_limited)).toEqual([]);
    // The contract's burst is 3: a call starting late on its slot may share a second with the
    // next second's two (src/tms/limits.ts), never more.
    expect(state.max_per_second).toBeLessThanOrEqual(3);
    expect(state.calls.length - before).toBe(12);
    // 12 calls at 2/s need at least ~5 s.
    expect(elapsed).toBeGreaterThanOrEqual(4_500);
  });

  it("honours Retry-After on a 429 before calling again", async () => {
    const order = await sim.qargo.seedOrder({ id: crypto.randomUUID() });
    await new TmsClient(env).getOrder(order.id); // a valid token first
    await sim.qargo.fail({ method: "GET", path: `^/v1/orders/order/${order.id}$`, status: 429, times: 1, headers: { "retry-after": "2" } });
    const started = Date.now();
    const got = await new TmsClient(env).getOrder(order.id);
    expect(got.id).toBe(order.id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    const calls = (await sim.qargo.state()).calls.filter((c) => c.path === `/v1/orders/order/${order.id}`);
    expect(calls.map((c) => c.status)).toEqual([200, 429, 200]);
    // Gap between the 429 and the retry is at least the Retry-After.
    expect(Date.parse(calls[2]!.at) - Date.parse(calls[1]!.at)).toBeGreaterThanOrEqual(1_900);
  });

  it("defers instead of holding on when Retry-After is long", async () => {
    const order = await sim.qargo.seedOrder({ id: crypto.randomUUID() });
    await sim.qargo.fail({ method: "GET", path: `^/v1/orders/order/${order.id}$`, status: 429, times: 1, headers: { "retry-after": "30" } });
    const err = await new TmsClient(env).getOrder(order.id).catch((e) => e);
    expect(err).toBeInstanceOf(DeferError);
    expect((err as DeferError).retryAfterMs).toBeGreaterThan(25_000);
    // Lift the shared pause so later tests are not held up.
    await env.LIMITER.get(env.LIMITER.idFromName("tms")).resume();
  });

  it("waits at most an hour when Retry-After asks for a day, pausing every caller for that hour and saying so", async () => {
    const order = await sim.qargo.seedOrder({ id: crypto.randomUUID() });
    await sim.qargo.fail({ method: "GET", path: `^/v1/orders/order/${order.id}$`, status: 429, times: 1, headers: { "retry-after": "86400" } });
    const limiter = env.LIMITER.get(env.LIMITER.idFromName("tms"));
    try {
      const err = await new TmsClient(env).getOrder(order.id).catch((e) => e);
      expect(err).toBeInstanceOf(DeferError);
      expect((err as DeferError).retryAfterMs).toBe(3_600_000);
      expect((err as DeferError).message).toBe("the TMS asked us to slow down (429); waiting 3600 s, the 1-hour maximum (asked to wait 86400 s)");
      const { pausedUntil } = await limiter.status(1_000);
      expect(pausedUntil).toBeGreaterThan(Date.now() + 3_500_000);
      expect(pausedUntil).toBeLessThanOrEqual(Date.now() + 3_600_000);
    } finally {
      await limiter.resume();
    }
  });

  it("downloads a document, retrying a JSON answer with ?direct=true", async () => {
    const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 9, 8, 7, 0xff, 0xd9]);
    const doc = await sim.qargo.seedDocument({ content: bytes, mime_type: "image/jpeg", filename: "a.jpg", answer_json_first: true });
    const file = await new TmsClient(env).downloadDocument({ download_url: doc.download_url });
    expect(await sha256Hex(new Uint8Array(await new Response(file.body).arrayBuffer()))).toBe(await sha256Hex(bytes));
    const downloads = (await sim.qargo.state()).documents.find((d) => d.id === doc.id)!.downloads;
    expect(downloads.map((d) => d.direct)).toEqual([false, true]);
  });

  it("attaches by order id and records the document-import", async () => {
    const order = await sim.qargo.seedOrder({ id: crypto.randomUUID(), customer_reference_number: "CR-" + Date.now() });
    const bytes = new Uint8Array([1, 2, 3]);
    await new TmsClient(env).importDocument({ match: { orderId: order.id }, filename: "x.pdf", documentType: "PROOF_OF_DELIVERY", bytes, contentType: "application/pdf" });
    const att = (await sim.qargo.state()).attachments;
    expect(att).toHaveLength(1);
    expect(att[0]).toMatchObject({ order_id: order.id, matched_by: "id", filename: "x.pdf", document_type: "PROOF_OF_DELIVERY", size: 3 });
  });

  it("never spends more than 5 tokens an hour", async () => {
    const stub = env.TMS_TOKEN.get(env.TMS_TOKEN.idFromName("budget-test"));
    await runInDurableObject(stub, async (_o: TmsTokenCache, state) => {
      const now = Date.now();
      await state.storage.put("issued", [now - 10, now - 9, now - 8, now - 7, now - 6]);
    });
    const r = await stub.getToken();
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.permanent).toBe(false);
      expect(r.retryAfterMs).toBeGreaterThan(3_500_000);
    }
  });
});
