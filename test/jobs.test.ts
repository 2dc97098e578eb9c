import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { db as openDb } from "../src/db/client";
import { newJobRow } from "../src/lib/jobs";
import { jobs } from "../src/db/schema";
import { runJob } from "../src/queues/consumer";
import { admin, uniqueRef, waitFor } from "./support/webhook";
import { sim } from "./support/sim";

describe("job pipeline", () => {
  it("lists work that ran out of retries as a failure, and replays it to success", async () => {
    const db = openDb(env);
    const ref = uniqueRef("HZ");
    const doc = await sim.qargo.seedDocument({ content: new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 1, 2]), mime_type: "application/pdf", filename: "pod.pdf" });
    // The TMS is down for the next two downloads.
    await sim.qargo.fail({ method: "GET", path: `^/v1/documents/document/${doc.id}/download`, status: 503, times: 2 });
    const row = newJobRow({
      kind: "tms.document",
      network: "hazchem",
      reference: ref,
      maxAttempts: 2,
      payload: { documentId: doc.id, documentType: "PROOF_OF_DELIVERY", name: "pod.pdf", content: { downloadUrl: doc.download_url }, role: "DELIVERING", next: "hazchem.upload", hazchemType: "POD", orderId: crypto.randomUUID(), customerReference: null },
    });
    await db.insert(jobs).values(row);

    await runJob(env, db, row.id);
    let [j] = await db.select().from(jobs).where((await import("drizzle-orm")).eq(jobs.id, row.id));
    expect(j).toMatchObject({ status: "queued", attempts: 1 });
    await runJob(env, db, row.id);
    [j] = await db.select().from(jobs).where((await import("drizzle-orm")).eq(jobs.id, row.id));
    expect(j).toMatchObject({ status: "failed", attempts: 2 });
    expect(j!.lastError).toContain("503");

    const list = await (await admin("/api/failures")).json<{ failures: { id: string; last_error: string }[] }>();
    expect(list.failures.find((f) => f.id === row.id)?.last_error).toContain("503");
    const timeline = await (await admin(`/api/consignments/hazchem/${ref}`)).json<{ timeline: { outcome: string; message: string }[] }>();
    expect(timeline.timeline.some((e) => e.message.startsWith("Gave up after 2 attempts"))).toBe(true);

    const replay = await admin(`/api/failures/${row.id}/replay`, { method: "POST" });
    expect(replay.status).toBe(202);
    // The real queue consumer runs it now that the TMS answers.
    const done = await waitFor(async () => {
      const r = await env.DB.prepare("SELECT status FROM jobs WHERE id=?").bind(row.id).first<{ status: string }>();
      return r?.status === "done" ? r : undefined;
    }, 20_000, "the replayed job to finish");
    expect(done.status).toBe("done");
    const follow = await env.DB.prepare("SELECT kind FROM jobs WHERE reference=? AND kind='hazchem.upload'").bind(ref).first();
    expect(follow).toEqual({ kind: "hazchem.upload" });
    expect((await admin(`/api/failures/${row.id}/replay`, { method: "POST" })).status).toBe(404);
  });

  it("guards the operator API with ADMIN_TOKEN", async () => {
    const { SELF } = await import("cloudflare:test");
    expect((await SELF.fetch("https://c/api/failures")).status).toBe(401);
    expect((await SELF.fetch("https://c/api/failures", { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    expect((await admin("/api/consignments/dhl/1")).status).toBe(400);
    expect((await admin("/api/consignments/upn/nope")).status).toBe(404);
  });

  it("reports each network's state on /healthz", async () => {
    const { SELF } = await import("cloudflare:test");
    const res = await SELF.fetch("https://c/healthz");
    expect(res.status).toBe(200);
    const body = await res.json<{ ok: boolean; networks: Record<string, { enabled: boolean }> }>();
    expect(body.ok).toBe(true);
    expect(Object.keys(body.networks).sort()).toEqual(["hazchem", "palletways", "upn"]);
    expect(body.networks.upn!.enabled).toBe(true);
    const { app } = await import("../src/app");
    const off = await app.request("/healthz", {}, { ...env, UPN_API_URL: "" });
    expect((await off.json<{ networks: Record<string, { enabled: boolean }> }>()).networks.upn!.enabled).toBe(false);
  });
});
