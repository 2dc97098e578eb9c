// Retention: old finished work, timelines, webhook records, files and raw partner reads go;
// a failure's evidence and a held item's file stay; the pass runs at most once a day.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { db as openDb } from "../src/db/client";
import { carriers } from "../src/carriers";
import { retentionPass, runRetentionIfDue, databaseSize } from "../src/engine";
import { storageSummary } from "../src/read/storage";
import { uniqueRef } from "./support/webhook";

const DAY = 86_400_000;
const old = Date.now() - 120 * DAY;
const cutoff = Date.now() - 90 * DAY;

async function job(id: string, ref: string, status: string, updatedAt: number, payload = "{}", kind = "hazchem.upload") {
  await env.DB.prepare("INSERT INTO jobs (id, kind, network, reference, payload, status, attempts, max_attempts, updated_at, created_at) VALUES (?1, ?2, 'hazchem', ?3, ?4, ?5, 1, 8, ?6, ?6)")
    .bind(id, kind, ref, payload, status, updatedAt).run();
  await env.DB.prepare("INSERT INTO attempts (job_id, started_at, ms, outcome, error) VALUES (?1, ?2, 5, ?3, NULL)").bind(id, updatedAt, status).run();
}
const tl = (ref: string, at: number, message: string) =>
  env.DB.prepare("INSERT INTO timeline (network, reference, at, kind, step, outcome, message) VALUES ('hazchem', ?1, ?2, 'info', 'test', 'info', ?3)").bind(ref, at, message).run();
async function doc(ref: string, status: string, key: string) {
  await env.FILES.put(key, "bytes");
  const id = crypto.randomUUID();
  await env.DB.prepare("INSERT INTO documents (id, network, reference, direction, sha256, document_type, filename, r2_key, status, updated_at) VALUES (?1, 'hazchem', ?2, 'from_tms', ?3, 'POD', 'f.pdf', ?4, ?5, ?6)")
    .bind(id, ref, crypto.randomUUID(), key, status, old).run();
  return id;
}
const count = (sql: string, ...b: unknown[]) => env.DB.prepare(sql).bind(...b).first<number>("n");

describe("retention", () => {
  it("removes old finished work, timelines, webhook records and files, and keeps a failure's evidence", async () => {
    const done = uniqueRef("HZ");
    const failed = uniqueRef("HZ");
    const recent = uniqueRef("HZ");
    const [doneJob, failedJob, recentJob] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    await job(doneJob, done, "done", old);
    await job(failedJob, failed, "failed", old);
    await job(recentJob, recent, "done", Date.now());
    await tl(done, old, "old and finished");
    await tl(failed, old, "evidence of a failure");
    await tl(recent, Date.now(), "recent");
    const webhookOld = crypto.randomUUID();
    const webhookNew = crypto.randomUUID();
    await env.DB.prepare("INSERT INTO inbound_webhooks (id, body_sha256, event_count, received_at) VALUES (?1, 'x', 1, ?2), (?3, 'y', 1, ?4)").bind(webhookOld, old, webhookNew, Date.now()).run();
    const sentDoc = await doc(done, "sent", `documents/hazchem/${done}/a`);
    const failedDoc = await doc(failed, "sent", `documents/hazchem/${failed}/b`);
    const heldDoc = await doc(done, "held", `documents/hazchem/${done}/c`);
    // Inbox copies: one whose job is done, one whose job failed (a replay still needs it).
    const inboxDone = `tms-inbox/${crypto.randomUUID()}`;
    const inboxFailed = `tms-inbox/${crypto.randomUUID()}`;
    await env.FILES.put(inboxDone, "x");
    await env.FILES.put(inboxFailed, "y");
    await job(crypto.randomUUID(), done, "done", Date.now(), JSON.stringify({ content: { r2Key: inboxDone } }), "tms.document");
    await job(crypto.randomUUID(), failed, "failed", Date.now(), JSON.stringify({ content: { r2Key: inboxFailed } }), "tms.document");

    const { removed, errors } = await retentionPass(env, cutoff, [], { inboxGraceMs: 0 });
    expect(errors).toEqual([]);
    expect(removed.jobs).toBeGreaterThanOrEqual(1);
    expect(removed.tms_inbox).toBeGreaterThanOrEqual(1);

    expect(await count("SELECT count(*) AS n FROM jobs WHERE id = ?", doneJob)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM attempts WHERE job_id = ?", doneJob)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM jobs WHERE id IN (?, ?)", failedJob, recentJob)).toBe(2);
    expect(await count("SELECT count(*) AS n FROM attempts WHERE job_id = ?", failedJob)).toBe(1);
    const left = await env.DB.prepare("SELECT message FROM timeline WHERE reference IN (?, ?, ?) ORDER BY message").bind(done, failed, recent).all<{ message: string }>();
    expect(left.results.map((r) => r.message)).toEqual(["evidence of a failure", "recent"]);
    expect(await count("SELECT count(*) AS n FROM inbound_webhooks WHERE id IN (?, ?)", webhookOld, webhookNew)).toBe(1);
    expect(await env.FILES.head(`documents/hazchem/${done}/a`)).toBeNull();
    expect(await env.DB.prepare("SELECT r2_key FROM documents WHERE id = ?").bind(sentDoc).first("r2_key")).toBeNull();
    expect(await env.FILES.head(`documents/hazchem/${failed}/b`)).not.toBeNull();
    expect(await env.DB.prepare("SELECT r2_key FROM documents WHERE id = ?").bind(failedDoc).first("r2_key")).not.toBeNull();
    expect(await env.FILES.head(`documents/hazchem/${done}/c`)).not.toBeNull();
    expect(await env.DB.prepare("SELECT status FROM documents WHERE id = ?").bind(heldDoc).first("status")).toBe("held");
    expect(await env.FILES.head(inboxDone)).toBeNull();
    expect(await env.FILES.head(inboxFailed)).not.toBeNull();
  });

  it("UPN's hook removes old applied reads (R2 and D1 chunks) and keeps a read with an event still waiting", async () => {
    const [gone, kept] = [uniqueRef("b-"), uniqueRef("b-")];
    for (const id of [gone, kept]) {
      await env.DB.prepare("INSERT INTO upn_tracking_batches (id, r2_key, received_at, event_count, status) VALUES (?1, ?2, ?3, 1, 'recorded')").bind(id, `upn/tracking/${id}.json`, old).run();
      await env.FILES.put(`upn/tracking/${id}.json`, "{}");
      await env.DB.prepare("INSERT INTO upn_raw_chunks (batch_id, seq, data) VALUES (?1, 0, '{}')").bind(id).run();
    }
    await env.DB.prepare("INSERT INTO upn_events (event_id, batch_id, barcode, stage_code, occurred_at, body, status, applied_at) VALUES (?1, ?2, 'B1', 'DEL', 'x', '{}', 'applied', ?3), (?4, ?5, 'B2', 'DEL', 'x', '{}', 'waiting', NULL)")
      .bind(`${gone}-e`, gone, old, `${kept}-e`, kept).run();
    const upn = carriers().find((c) => c.network === "upn")!;
    const r = await upn.retention!(env, openDb(env), cutoff);
    expect(r.upn_tracking_reads).toBeGreaterThanOrEqual(1);
    expect(await count("SELECT count(*) AS n FROM upn_tracking_batches WHERE id = ?", gone)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM upn_raw_chunks WHERE batch_id = ?", gone)).toBe(0);
    expect(await env.FILES.head(`upn/tracking/${gone}.json`)).toBeNull();
    expect(await count("SELECT count(*) AS n FROM upn_events WHERE event_id = ?", `${gone}-e`)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM upn_tracking_batches WHERE id = ?", kept)).toBe(1);
    expect(await env.FILES.head(`upn/tracking/${kept}.json`)).not.toBeNull();
  });

  it("every carrier's hook runs in the cron's pass, and Hazchem's removes only old finished feed records", async () => {
    const [gone, kept] = [uniqueRef("d-"), uniqueRef("d-")];
    await env.DB.prepare("INSERT INTO hazchem_feed_documents (document_id, consignment_number, type, filename, content_type, status, updated_at) VALUES (?1, 'HZ1', 'DELIVERY_IMAGE', 'a.jpg', 'image/jpeg', 'attached', ?2), (?3, 'HZ2', 'DELIVERY_IMAGE', 'b.jpg', 'image/jpeg', 'new', ?2)")
      .bind(gone, old, kept).run();
    const hooks = carriers().filter((c) => c.retention).map((c) => c.network);
    expect(hooks.sort()).toEqual(["hazchem", "palletways", "upn"]);
    const { removed, errors } = await retentionPass(env, cutoff, carriers().filter((c) => c.retention).map((c) => ({ network: c.network, run: (e: Env, k: number) => c.retention!(e, openDb(env), k) })));
    expect(errors).toEqual([]);
    expect(removed.hazchem_feed_records).toBeGreaterThanOrEqual(1);
    expect(await count("SELECT count(*) AS n FROM hazchem_feed_documents WHERE document_id = ?", gone)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM hazchem_feed_documents WHERE document_id = ?", kept)).toBe(1);
  });

  it("runs at most once a day from the cron, records what it removed, and the console shows it with the database size", async () => {
    const db = openDb(env);
    const now = Date.now() + 400 * DAY; // later than any pass another test may have recorded
    const first = await runRetentionIfDue(env, db, [], now);
    expect(first).not.toBeNull();
    expect(first!.days).toBe(90);
    expect(await runRetentionIfDue(env, db, [], now + 3_600_000)).toBeNull();
    expect(await runRetentionIfDue(env, db, [], now + DAY + 1)).not.toBeNull();
    expect(await databaseSize(env)).toBeGreaterThan(0);
    const s = await storageSummary(env);
    expect(s.lastPass?.at).toBe(now + DAY + 1);
    expect(s.databaseBytes).toBeGreaterThan(0);
  });
});
