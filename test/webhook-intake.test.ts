import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { documentCreated, palletOrder, signWebhook, stopCompleted, basicHeader } from "../sandbox/qargo-webhooks.mjs";
import { admin, postWebhook, uniqueRef } from "./support/webhook";
import { SELF } from "cloudflare:test";

const photo = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 0xff, 0xd9]);

describe("POST /webhooks/tms", () => {
  it("refuses missing and wrong Basic credentials with 401", async () => {
    const body = stopCompleted({ order: palletOrder({ reference: uniqueRef("600"), network: "PALLETWAYS", role: "DELIVERING" }) });
    const none = await SELF.fetch("https://c/webhooks/tms", { method: "POST", body: JSON.stringify(body) });
    expect(none.status).toBe(401);
    const wrong = await postWebhook(body, { authorization: basicHeader(env.INBOUND_BASIC_USER, "not-the-password") });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain(env.INBOUND_BASIC_PASSWORD);
  });

  it("answers 400 naming the failing fields", async () => {
    const res = await postWebhook({ events: [{ update: { type: "Stop", stop: { id: "s" } } }] });
    expect(res.status).toBe(400);
    const body = await res.json<{ fields: { path: string }[] }>();
    expect(body.fields.map((f) => f.path)).toContain("events.0.timestamp");
    const res2 = await postWebhook({ events: [{ timestamp: "2026-11-23T10:00:00Z", update: { type: "Stop", stop: { id: "s" } } }], order: null });
    expect(res2.status).toBe(400);
    const paths = (await res2.json<{ fields: { path: string }[] }>()).fields.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(["events.0.update.stop.status", "events.0.update.stop.stop_type"]));
    const notJson = await postWebhook("{nope");
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: "invalid_json", message: "the body is not JSON", fields: [] });
    // Qargo declares its webhooks as JSON; a body declared as anything else is not read.
    const asText = await postWebhook(JSON.stringify(stopCompleted({ order: palletOrder({ reference: uniqueRef("600"), network: "PALLETWAYS", role: "DELIVERING" }) })), { "content-type": "text/plain" });
    expect(asText.status).toBe(415);
    const order = palletOrder({ reference: uniqueRef("HZ"), network: "HAZCHEM", role: "DELIVERING" });
    const badBase64 = documentCreated({ order, documentType: "PROOF_OF_DELIVERY", name: "pod.pdf", content: "not base64 at all!", mimeType: "application/pdf" });
    const res3 = await postWebhook(badBase64);
    expect(res3.status).toBe(400);
    expect((await res3.json<{ fields: { path: string }[] }>()).fields.map((f) => f.path)).toEqual(["events.0.update.document.document_content.content"]);
  });

  it("answers 413 above 10 MiB", async () => {
    const big = "x".repeat(10 * 1024 * 1024 + 1);
    const res = await postWebhook(big);
    expect(res.status).toBe(413);
  });

  it("answers 413 to a streamed body (no content-length) once it passes 10 MiB", async () => {
    const chunk = new TextEncoder().encode(" ".repeat(1024 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode('{"events":[],"pad":"'));
        if (sent++ > 10) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const { app } = await import("../src/app");
    const request = new Request("https://connector.test/webhooks/tms", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: basicHeader(env.INBOUND_BASIC_USER, env.INBOUND_BASIC_PASSWORD) },
      body,
      duplex: "half",
    } as RequestInit);
    expect(request.headers.has("content-length")).toBe(false);
    const res = await app.fetch(request, env);
    expect(res.status).toBe(413);
  });

  it("records the update and its work in D1 before answering, and processes a repeat once", async () => {
    const ref = uniqueRef("600");
    const order = palletOrder({ reference: ref, network: "PALLETWAYS", role: "DELIVERING" });
    const body = JSON.stringify(stopCompleted({ order, at: "2026-11-23T14:01:00Z" }));
    const first = await postWebhook(body);
    expect(first.status).toBe(200);
    // By the time the 2xx arrives the consignment, the job and the timeline entry are in D1.
    const consignment = await env.DB.prepare("SELECT order_id, role FROM consignments WHERE network='palletways' AND reference=?").bind(ref).first();
    expect(consignment).toEqual({ order_id: order.id, role: "DELIVERING" });
    const jobs = await env.DB.prepare("SELECT kind FROM jobs WHERE reference=?").bind(ref).all();
    expect(jobs.results).toEqual([{ kind: "palletways.delivery-completed" }]);
    const again = await postWebhook(body);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true });
    const count = await env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE reference=?").bind(ref).first("n");
    expect(count).toBe(1);
  });

  it("with a signing secret: verifies Standard Webhooks signatures, window and replays", async () => {
    const secret = "whsec_" + btoa("0123456789abcdef0123456789abcdef");
    const signedEnv = { ...env, INBOUND_SIGNING_SECRET: secret };
    const { app } = await import("../src/app");
    const order = palletOrder({ reference: uniqueRef("600"), network: "PALLETWAYS", role: "DELIVERING" });
    const body = JSON.stringify(stopCompleted({ order }));
    const send = async (headers: Record<string, string>, b = body) => {
      const ctx = createExecutionContext();
      const res = await app.request("/webhooks/tms", { method: "POST", body: b, headers: { "content-type": "application/json", authorization: basicHeader(env.INBOUND_BASIC_USER, env.INBOUND_BASIC_PASSWORD), ...headers } }, signedEnv, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    };

    expect((await send({})).status).toBe(401);
    const good = await signWebhook({ secret, body, id: "msg_" + uniqueRef() });
    expect((await send({ ...good, "webhook-signature": "v1,AAAA" })).status).toBe(401);
    expect((await send(good, body.replace(order.id, crypto.randomUUID()))).status).toBe(401);
    const stale = await signWebhook({ secret, body, id: "msg_" + uniqueRef(), timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect((await send(stale)).status).toBe(401);
    // Several signatures may be sent; one valid is enough.
    const ok = await send({ ...good, "webhook-signature": `v1,AAAA ${good["webhook-signature"]}` });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ jobs: 1 });
    const replay = await send(good);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ duplicate: true });
  });

  it("records a skipped document with its reason, and ignores orders of other networks", async () => {
    const ref = uniqueRef("HZ");
    const order = palletOrder({ reference: ref, network: "HAZCHEM", role: "DELIVERING" });
    const res = await postWebhook(documentCreated({ order, documentType: "CUSTOMER_PAPERWORK", name: "cop.pdf", content: photo, mimeType: "application/pdf" }));
    expect(res.status).toBe(200);
    const view = await (await admin(`/api/consignments/hazchem/${ref}`)).json<{ timeline: { outcome: string; message: string }[] }>();
    expect(view.timeline.at(-1)).toMatchObject({ outcome: "skipped" });
    expect(view.timeline.at(-1)!.message).toContain("requesting/collection depot");

    const other = palletOrder({ reference: uniqueRef(), network: "DHL", role: "DELIVERING" });
    const res2 = await postWebhook(stopCompleted({ order: other }));
    expect(res2.status).toBe(200);
    expect(await res2.json()).toMatchObject({ jobs: 0 });
  });
});
