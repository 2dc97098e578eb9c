import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { db as openDb } from "../src/db/client";
import { z } from "zod";
import { defineJob, newJobRow, redriveStuckJobs, replayJob } from "../src/engine";
import { jobs } from "../src/db/schema";
import { handleDeadLetters, runJob } from "../src/queues/consumer";
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
      payload: { documentId: doc.id, documentType: "PROOF_OF_DELIVERY", name: "pod.pdf", content: { downloadUrl: doc.download_url }, role: "DELIVERING", next: "hazchem.upload", route: { type: "POD" }, orderId: crypto.randomUUID(), customerReference: null },
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
    expect(Object.keys(body.networks).sort()).toEqual(["hazchem", "palletforce", "palletways", "upn"]);
    expect(body.networks.upn!.enabled).toBe(true);
    const { app } = await import("../src/app");
    const off = await app.request("/healthz", {}, { ...env, UPN_API_URL: "" });
    expect((await off.json<{ networks: Record<string, { enabled: boolean }> }>()).networks.upn!.enabled).toBe(false);
  });

  it("a job that kills the Worker three times is a failure in plain words, not re-driven forever", async () => {
    const db = openDb(env);
    const ref = uniqueRef("HZ");
    const row = newJobRow({ kind: "hazchem.upload", network: "hazchem", reference: ref, payload: {} });
    await db.insert(jobs).values(row);
    // The cron's queue sends go nowhere here, so no consumer runs it between the crashes.
    const sent: string[] = [];
    const cronEnv = { ...env, JOBS: { sendBatch: async (m: { body: { jobId: string } }[]) => void sent.push(...m.map((x) => x.body.jobId)) } } as unknown as Env;
    const crash = () => env.DB.prepare("UPDATE jobs SET status = 'running', updated_at = ? WHERE id = ?").bind(Date.now() - 31 * 60_000, row.id).run();
    const state = () => env.DB.prepare("SELECT status, attempts, last_error FROM jobs WHERE id = ?").bind(row.id).first<{ status: string; attempts: number; last_error: string }>();

    for (const n of [1, 2]) {
      await crash();
      expect(await redriveStuckJobs(cronEnv, db)).toBeGreaterThanOrEqual(1);
      expect(await state()).toMatchObject({ status: "queued", attempts: n });
    }
    expect(sent.filter((id) => id === row.id)).toHaveLength(2);
    await crash();
    await redriveStuckJobs(cronEnv, db);
    const failed = await state();
    expect(failed).toMatchObject({ status: "failed", attempts: 3, last_error: "stopped the Worker 3 times: the file may be too large for one isolate" });
    expect(sent.filter((id) => id === row.id)).toHaveLength(2);
    const list = await (await admin("/api/failures")).json<{ failures: { id: string; last_error: string }[] }>();
    expect(list.failures.find((f) => f.id === row.id)?.last_error).toContain("stopped the Worker 3 times");
    const t = await (await admin(`/api/consignments/hazchem/${ref}`)).json<{ timeline: { message: string }[] }>();
    expect(t.timeline.some((e) => e.message.startsWith("Failed: stopped the Worker 3 times") && e.message.includes("replay it"))).toBe(true);

    // A replay starts a fresh count: one more crash is re-driven, not failed.
    await env.DB.prepare("UPDATE jobs SET status = 'queued', attempts = 0 WHERE id = ?").bind(row.id).run();
    expect(await replayJob(cronEnv, db, row.id)).toBe(false);
    await env.DB.prepare("UPDATE jobs SET status = 'failed' WHERE id = ?").bind(row.id).run();
    expect(await replayJob(cronEnv, db, row.id)).toBe(true);
    await crash();
    await redriveStuckJobs(cronEnv, db);
    expect(await state()).toMatchObject({ status: "queued", attempts: 1 });
  });

  it("a dead letter never reopens finished work", async () => {
    const db = openDb(env);
    const done = newJobRow({ kind: "hazchem.upload", network: "hazchem", reference: uniqueRef("HZ"), payload: {} });
    const lost = newJobRow({ kind: "hazchem.upload", network: "hazchem", reference: uniqueRef("HZ"), payload: {} });
    await db.insert(jobs).values([{ ...done, status: "done" }, lost]);
    const acked: string[] = [];
    const msg = (jobId: string) => ({ body: { jobId }, ack: () => void acked.push(jobId), retry: () => {} });
    await handleDeadLetters({ messages: [msg(done.id), msg(lost.id)] } as unknown as MessageBatch<{ jobId: string }>, env);
    expect(acked).toEqual([done.id, lost.id]);
    const rows = await env.DB.prepare("SELECT id, status FROM jobs WHERE id IN (?, ?)").bind(done.id, lost.id).all<{ id: string; status: string }>();
    expect(Object.fromEntries(rows.results.map((r) => [r.id, r.status]))).toEqual({ [done.id]: "done", [lost.id]: "failed" });
  });

  it("a job whose outcome D1 could not record is handed back to the queue, not left running", async () => {
    const ref = uniqueRef("HZ");
    const row = newJobRow({ kind: "test.ok", network: "hazchem", reference: ref, payload: {} });
    await openDb(env).insert(jobs).values(row);
    // D1 refuses the batch that records the outcome (as when it fails right after a partner call).
    const refusing = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "batch") return async () => { throw new Error("D1_ERROR: refused"); };
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const flaky = { ...env, DB: refusing } as Env;
    let ran = 0;
    const ok = defineJob("test.ok", z.object({}), async () => void ran++);
    const only = (kind: string) => (kind === ok.kind ? ok : undefined);
    await expect(runJob(flaky, openDb(flaky), row.id, only)).rejects.toThrow(/refused/);
    expect(ran).toBe(1);
    // The attempt counts (issue 18): the handler may have acted, so its next run checks first.
    expect(await env.DB.prepare("SELECT status, attempts FROM jobs WHERE id = ?").bind(row.id).first()).toEqual({ status: "queued", attempts: 1 });
    await runJob(env, openDb(env), row.id, only);
    expect(ran).toBe(2);
    expect(await env.DB.prepare("SELECT status FROM jobs WHERE id = ?").bind(row.id).first("status")).toBe("done");
  });

  it("a stored payload that no longer fits its job's schema is a visible permanent failure naming the field, not a crash", async () => {
    const db = openDb(env);
    const ref = uniqueRef("HZ");
    // A hazchem.upload whose routing options lost the upload type (an old row, a hand-made replay).
    const row = newJobRow({
      kind: "hazchem.upload",
      network: "hazchem",
      reference: ref,
      payload: { documentRowId: crypto.randomUUID(), r2Key: "documents/hazchem/x", sha256: "00", filename: "pod.pdf", contentType: "application/pdf", documentType: "PROOF_OF_DELIVERY", documentId: null, role: "DELIVERING", orderId: crypto.randomUUID(), route: { kind: "POD" } },
    });
    await db.insert(jobs).values(row);
    await runJob(env, db, row.id);
    const j = await env.DB.prepare("SELECT status, attempts, last_error FROM jobs WHERE id = ?").bind(row.id).first<{ status: string; attempts: number; last_error: string }>();
    expect(j).toMatchObject({ status: "failed", attempts: 1 });
    expect(j!.last_error).toMatch(/hazchem\.upload job's payload stored in D1 is not valid: route\.type: /);
    const line = await env.DB.prepare("SELECT message FROM timeline WHERE job_id = ? AND kind = 'error'").bind(row.id).first<string>("message");
    expect(line).toContain("route.type");
    const failures = await (await admin("/api/failures")).json<{ failures: { id: string; last_error: string }[] }>();
    expect(failures.failures.find((f) => f.id === row.id)?.last_error).toContain("route.type");
  });

  it("refuses to queue a job whose payload does not fit its schema, naming the field", async () => {
    const { uploadImageJob } = await import("../src/carriers/upn/images");
    // @ts-expect-error: the payload type comes from the schema, so a wrong field does not compile either
    const make = () => uploadImageJob.job({ network: "upn", reference: "X", payload: { r2Key: 5 } });
    expect(make).toThrow(/upn\.image job's payload being queued is not valid: .*r2Key/);
  });
});
