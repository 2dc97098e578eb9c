import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { db as openDb } from "../src/db/client";
import { jobs } from "../src/db/schema";
import { newJobRow } from "../src/engine";
import { runJob } from "../src/queues/consumer";
import { sha256Hex, sim } from "./support/sim";
import { uniqueRef } from "./support/webhook";

// Issue 18 item 3: a document-import is reconciled by the identity its name carries, not by a
// filename that can repeat, and no path hands a job back without counting the attempt (so the
// next run checks the TMS before sending again).

function jpeg(seed: number): Uint8Array {
  const b = new Uint8Array(4_000);
  crypto.getRandomValues(b);
  b.set([0xff, 0xd8, 0xff, 0xe0, seed]);
  return b;
}

async function order(ref: string) {
  const orderId = crypto.randomUUID();
  await env.DB.prepare("INSERT INTO consignments (network, reference, order_id, customer_reference) VALUES ('palletways', ?1, ?2, ?3)").bind(ref, orderId, `CR-${ref}`).run();
  await sim.qargo.seedOrder({ id: orderId, customer_reference_number: `CR-${ref}` });
  return orderId;
}

/** A photo row to attach, with this filename (two photos of one POD can share one). */
async function photo(ref: string, filename: string, bytes: Uint8Array) {
  const sha = await sha256Hex(bytes);
  const r2Key = `photos/palletways/${ref}/${sha}`;
  await env.FILES.put(r2Key, bytes);
  const id = crypto.randomUUID();
  await env.DB.prepare(
    `INSERT INTO documents (id, network, reference, direction, sha256, document_type, filename, content_type, size, r2_key, status)
     VALUES (?1, 'palletways', ?2, 'to_tms', ?3, 'PHOTO_OF_GOODS_DELIVERY', ?4, 'image/jpeg', ?5, ?6, 'new')`,
  ).bind(id, ref, sha, filename, bytes.length, r2Key).run();
  return { id, sha };
}

async function newJob(ref: string, documentId: string) {
  const row = newJobRow({ kind: "palletways.attach-photo", network: "palletways", reference: ref, payload: { documentId } });
  await openDb(env).insert(jobs).values(row);
  return row.id;
}

const jobRow = (id: string) => env.DB.prepare("SELECT status, attempts FROM jobs WHERE id = ?").bind(id).first();
const attachedShas = async (orderId: string) => (await sim.qargo.state()).attachments.filter((a) => a.order_id === orderId).map((a) => a.sha256);

describe("document-import reconciled by identity", () => {
  it("a second file with the same filename is not taken for the first after an unclear answer", async () => {
    const ref = "600" + uniqueRef().slice(-8);
    const orderId = await order(ref);
    const a = await photo(ref, `${ref}_photo_1.jpg`, jpeg(1));
    const b = await photo(ref, `${ref}_photo_1.jpg`, jpeg(2));
    await runJob(env, openDb(env), await newJob(ref, a.id));
    expect(await attachedShas(orderId)).toEqual([a.sha]);
    // The second one's import is answered 503 without being stored.
    await sim.qargo.fail({ method: "POST", path: "^/v1/webhook/document-import$", status: 503 });
    const jobB = await newJob(ref, b.id);
    await runJob(env, openDb(env), jobB);
    expect(await jobRow(jobB)).toEqual({ status: "queued", attempts: 1 });
    await runJob(env, openDb(env), jobB);
    expect(await jobRow(jobB)).toEqual({ status: "done", attempts: 2 });
    expect((await attachedShas(orderId)).sort()).toEqual([a.sha, b.sha].sort());
    const names = (await sim.qargo.state()).attachments.filter((x) => x.order_id === orderId).map((x) => x.document_name);
    expect(new Set(names).size).toBe(2);
  });

  it("a job whose outcome could not be recorded counts the attempt, so its next run finds the stored import", async () => {
    const ref = "600" + uniqueRef().slice(-8);
    const orderId = await order(ref);
    const p = await photo(ref, `${ref}_photo_1.jpg`, jpeg(3));
    const jobId = await newJob(ref, p.id);
    // The import is stored; then D1 refuses every record of the outcome (the job's "done" and its
    // attempt row go in one batch, and so do the failure's): the job is handed back.
    await env.DB.exec(`CREATE TRIGGER t_job_done BEFORE INSERT ON attempts WHEN NEW.job_id = '${jobId}' BEGIN SELECT RAISE(ABORT, 'injected D1 fault'); END`);
    try {
      await expect(runJob(env, openDb(env), jobId)).rejects.toThrow();
    } finally {
      await env.DB.exec("DROP TRIGGER IF EXISTS t_job_done");
    }
    expect(await jobRow(jobId)).toEqual({ status: "queued", attempts: 1 });
    // The queue's redelivery (the photo row never got its "attached" either).
    await env.DB.prepare("UPDATE documents SET status = 'new' WHERE id = ?").bind(p.id).run();
    await runJob(env, openDb(env), jobId);
    expect(await jobRow(jobId)).toMatchObject({ status: "done" });
    expect(await attachedShas(orderId)).toEqual([p.sha]);
  });
});
