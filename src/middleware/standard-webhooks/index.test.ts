import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { sign, standardWebhooks, verifyStandardWebhook, type SigningSecrets, type SignedVariables } from ".";

const secret = "whsec_" + btoa("a-test-secret-a-test-secret-0001");
const other = "whsec_" + btoa("another-secret-another-secret-02");
const body = '{"events":[]}';

async function signed(secrets: string[], b = body, id = "msg_1", at = Math.floor(Date.now() / 1000)) {
  const sigs = await Promise.all(secrets.map(async (s) => `v1,${await sign(s, `${id}.${at}.${b}`)}`));
  return { "webhook-id": id, "webhook-timestamp": String(at), "webhook-signature": sigs.join(" ") };
}

function appWith(secrets: SigningSecrets) {
  return new Hono<{ Bindings: Env; Variables: SignedVariables }>().post(
    "/",
    standardWebhooks({ step: "test", secrets: () => secrets }),
    async (c) => c.json({ webhookId: c.var.webhookId, body: await c.req.text() }),
  );
}

describe("standardWebhooks middleware", () => {
  it("lets a verifying request through with its webhook-id, the body still readable", async () => {
    const res = await appWith({ secrets: [secret] }).request("/", { method: "POST", body, headers: await signed([secret]) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ webhookId: "msg_1", body });
  });

  it("accepts a signature under any secret while one is being rotated", async () => {
    const res = await appWith({ secrets: [other, secret] }).request("/", { method: "POST", body, headers: await signed([secret]) });
    expect(res.status).toBe(200);
  });

  it("answers 401 naming what is wrong: missing headers, a changed body, a stale timestamp", async () => {
    const app = appWith({ secrets: [secret] });
    const missing = await app.request("/", { method: "POST", body });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: "invalid_signature", message: "missing webhook-id, webhook-timestamp or webhook-signature" });
    const changed = await app.request("/", { method: "POST", body: body + " ", headers: await signed([secret]) });
    expect((await changed.json<{ message: string }>()).message).toBe("webhook-signature does not match");
    const stale = await app.request("/", { method: "POST", body, headers: await signed([secret], body, "msg_2", Math.floor(Date.now() / 1000) - 301) });
    expect(stale.status).toBe(401);
    expect((await stale.json<{ message: string }>()).message).toBe("webhook-timestamp is more than 5 minutes away");
  });

  it("asks for no signature when no secret is set (webhookId null)", async () => {
    const res = await appWith({ secrets: [] }).request("/", { method: "POST", body });
    expect(await res.json()).toEqual({ webhookId: null, body });
  });

  it("answers 503 naming the setting when the secret cannot be used, and never reads further", async () => {
    const res = await appWith({ problem: "INBOUND_SIGNING_SECRET is not a Standard Webhooks secret" }).request("/", { method: "POST", body, headers: await signed([secret]) });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("60");
    expect((await res.json<{ message: string }>()).message).toContain("INBOUND_SIGNING_SECRET");
  });
});

describe("verifyStandardWebhook", () => {
  it("checks every v1 signature sent, ignoring other versions", async () => {
    const headers = new Headers(await signed([secret]));
    headers.set("webhook-signature", `v2,xyz ${headers.get("webhook-signature")}`);
    expect(await verifyStandardWebhook(secret, headers, body)).toEqual({ ok: true, id: "msg_1" });
    headers.set("webhook-signature", "v1,bm90LWl0");
    expect((await verifyStandardWebhook(secret, headers, body)).ok).toBe(false);
  });
});
