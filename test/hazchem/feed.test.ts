import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { documentCreated, palletOrder } from "../../sandbox/qargo-webhooks.mjs";
import { runScheduled, scheduledTasks } from "../../src/cron";
import { db as openDb } from "../../src/db/client";
import { consignments, cursors, jobs } from "../../src/db/schema";
import { hazchemFeedDocuments } from "../../src/carriers/hazchem/schema";
import { runJob } from "../../src/queues/consumer";
import { admin, postWebhook, uniqueRef, waitFor } from "../support/webhook";
import { sha256Hex, sim } from "../support/sim";

// Hazchem's document feed into the TMS, with both simulated at the wire: the cron reads the
// feed, the background consumer downloads and attaches, Qargo's simulator records attachments.

const jpeg = (n = 3000) => {
  const b = crypto.getRandomValues(new Uint8Array(n));
  b.set([0xff, 0xd8, 0xff, 0xe0]);
  return b;
};
const tiff = (n = 3000) => {
  const b = crypto.getRandomValues(new Uint8Array(n));
  b.set([0x49, 0x49, 0x2a, 0x00]);
  return b;
};

const feedTasks = scheduledTasks("hazchem");
const runFeed = () => runScheduled(env, feedTasks);

const attachmentsOf = async (sha: string) => (await sim.qargo.state()).attachments.filter((a) => a.sha256 === sha);
const waitAttached = (sha: string, what: string) => waitFor(async () => (await attachmentsOf(sha))[0], 30_000, what);
const feedRow = async (id: string) => (await openDb(env).select().from(hazchemFeedDocuments).where(eq(hazchemFeedDocuments.documentId, id)))[0];

async function timelineOf(ref: string) {
  const res = await admin(`/api/consignments/hazchem/${ref}`);
  if (res.status !== 200) return [];
  return (await res.json<{ timeline: { kind: string; step: string; outcome: string; message: string }[] }>()).timeline;
}

/** A consignment whose TMS order the connector has seen (a webhook), and that Qargo knows. */
async function knownConsignment() {
  const ref = uniqueRef("HZ");
  const order = palletOrder({ reference: ref, network: "HAZCHEM", role: "COLLECTING", customerReference: `CUST-${ref}` });
  await sim.qargo.seedOrder({ id: order.id, customer_reference_number: order.customer_reference_number, order_name: order.order_name });
  // Any update about the order tells the connector its id; a skipped document is enough.
  expect((await postWebhook(documentCreated({ order, documentType: "DELIVERY_NOTE", name: "note.pdf", content: "JVBERi0=" }))).status).toBe(200);
  const row = await waitFor(async () => (await openDb(env).select().from(consignments).where(eq(consignments.reference, ref)))[0], 5_000, "the consignment row");
  expect(row.orderId).toBe(order.id);
  return { ref, order };
}

beforeAll(async () => {
  // The feed is one stream for the whole simulator: start it empty, with the cursor unset.
  await sim.hazchem.reset();
  await openDb(env).delete(cursors).where(eq(cursors.name, "hazchem.documents"));
});

describe("Hazchem document feed", () => {
  it("attaches each document once: by order id when known, by customer reference when not", async () => {
    const known = await knownConsignment();
    const unknownRef = uniqueRef("HZ");
    await sim.qargo.seedOrder({ id: crypto.randomUUID(), customer_reference_number: unknownRef });

    const photo = jpeg();
    const photo2 = jpeg();
    const cop = tiff();
    const seeded = await sim.hazchem.seedDocuments([
      { consignment_number: known.ref, type: "DELIVERY_IMAGE", filename: `${known.ref}_1.jpg`, data: photo },
      { consignment_number: unknownRef, type: "COP", filename: `${unknownRef}_cop.tif`, data: cop },
      { consignment_number: known.ref, type: "DELIVERY_IMAGE", filename: `${known.ref}_2.jpg`, data: photo2 },
      // The same photo again under another id: one attachment (identity is bytes + consignment).
      { consignment_number: known.ref, type: "DELIVERY_IMAGE", filename: `${known.ref}_1_again.jpg`, data: photo },
    ]);
    await sim.hazchem.config({ pageSize: 2 });

    const first = await runFeed();
    expect(first["hazchem.feed"]).toMatchObject({ pages: 2, seen: 4, new: 4 });
    // A second run before the jobs finish, and a third after, add nothing.
    const second = await runFeed();
    expect(second["hazchem.feed"]).toMatchObject({ new: 0 });

    const byId = await waitAttached(await sha256Hex(photo), "the known consignment's photo");
    expect(byId).toMatchObject({ order_id: known.order.id, matched_by: "id", document_type: "PHOTO_OF_GOODS_DELIVERY", filename: `${known.ref}_1.jpg`, content_type: "image/jpeg" });
    expect(await waitAttached(await sha256Hex(photo2), "the second photo")).toMatchObject({ matched_by: "id" });
    const byRef = await waitAttached(await sha256Hex(cop), "the unknown consignment's COP");
    expect(byRef).toMatchObject({ matched_by: "customer_reference_number", document_type: "CUSTOMER_PAPERWORK", filename: `${unknownRef}_cop.tif`, content_type: "image/tiff" });
    expect((byRef as unknown as { query: Record<string, string> }).query).toMatchObject({ customer_reference_number: unknownRef });

    await waitFor(async () => (await feedRow(seeded[3]!.document_id))?.status === "duplicate", 30_000, "the repeated photo to be recognised");
    await runFeed();
    await new Promise((r) => setTimeout(r, 1500));
    const qargo = await sim.qargo.state();
    for (const d of [photo, photo2, cop]) {
      const sha = await sha256Hex(d);
      expect(qargo.attachments.filter((a) => a.sha256 === sha)).toHaveLength(1);
    }
    expect(qargo.attachments.filter((a) => [known.ref, unknownRef].some((r) => a.filename.startsWith(r)))).toHaveLength(3);
    expect(qargo.discarded.filter((d) => [known.ref, unknownRef].some((r) => String(d.filename).startsWith(r)))).toHaveLength(0);

    expect(await feedRow(seeded[0]!.document_id)).toMatchObject({ status: "attached", matchedBy: "id", orderId: known.order.id });
    expect(await feedRow(seeded[1]!.document_id)).toMatchObject({ status: "attached", matchedBy: "customer_reference_number" });
    const unknownTimeline = await timelineOf(unknownRef);
    expect(unknownTimeline.some((e) => e.kind === "attachment" && /matched by reference/.test(e.message))).toBe(true);
    const knownTimeline = await timelineOf(known.ref);
    expect(knownTimeline.some((e) => /^Attached .*_1\.jpg from Hazchem to the TMS as PHOTO_OF_GOODS_DELIVERY, [\d,]+ bytes, to its order \(by order id\)$/.test(e.message))).toBe(true);
    expect(knownTimeline.some((e) => e.outcome === "skipped" && /same bytes/.test(e.message))).toBe(true);

    const [cursor] = await openDb(env).select().from(cursors).where(eq(cursors.name, "hazchem.documents"));
    expect(cursor?.value).toBe("d2");
  });

  it("does not upload a pulled document back when the TMS reports it", async () => {
    const known = await knownConsignment();
    // Were the echo not recognised, Hazchem would accept it: the test would see the upload.
    await sim.hazchem.seedConsignments([{ consignment_number: known.ref }]);
    const photo = jpeg();
    await sim.hazchem.seedDocuments([{ consignment_number: known.ref, type: "DELIVERY_IMAGE", filename: `${known.ref}_1.jpg`, data: photo }]);
    await runFeed();
    await waitAttached(await sha256Hex(photo), "the photo attached");

    // Qargo tells us about the document we just attached.
    expect((await postWebhook(documentCreated({ order: known.order, documentType: "PHOTO_OF_GOODS_DELIVERY", name: `${known.ref}_1.jpg`, content: photo, mimeType: "image/jpeg" }))).status).toBe(200);
    const echo = await waitFor(async () => (await timelineOf(known.ref)).find((e) => /which the connector itself attached; not sent back/.test(e.message)), 30_000, "the echo to be recognised");
    expect(echo.outcome).toBe("skipped");
    const work = await env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE reference=? AND kind='hazchem.upload'").bind(known.ref).first("n");
    expect(work).toBe(0);
    expect((await sim.hazchem.state()).uploads.filter((u) => u.consignment_number === known.ref)).toHaveLength(0);
  });

  it("does not attach back to the TMS what the connector uploaded to Hazchem", async () => {
    const known = await knownConsignment();
    await sim.hazchem.seedConsignments([{ consignment_number: known.ref }]);
    const res = await fetch(`${env.FIXTURES_URL}/photo-small.jpg`);
    const photo = new Uint8Array(await res.arrayBuffer());
    await postWebhook(documentCreated({ order: known.order, documentType: "PHOTO_OF_GOODS_DELIVERY", name: "IMG_0009.jpg", content: photo, mimeType: "image/jpeg" }));
    const up = await waitFor(async () => (await sim.hazchem.state()).uploads.find((u) => u.consignment_number === known.ref), 30_000, "the upload");
    // Hazchem lists our own upload on its feed (same document_id), and once more under another id.
    const seeded = await sim.hazchem.seedDocuments([
      { document_id: up.document_id, consignment_number: known.ref, type: "DELIVERY_IMAGE", filename: "IMG_0009.jpg", data: photo },
      { consignment_number: known.ref, type: "DELIVERY_IMAGE", filename: `${known.ref}_9.jpg`, data: photo },
    ]);
    await runFeed();
    for (const d of seeded) await waitFor(async () => (await feedRow(d.document_id))?.status === "duplicate", 20_000, "our own upload to be recognised");
    expect(await attachmentsOf(await sha256Hex(photo))).toHaveLength(0);
    expect((await timelineOf(known.ref)).filter((e) => /which the connector itself sent to Hazchem from the TMS; not attached back/.test(e.message))).toHaveLength(2);
  });

  it("keeps the cursor where it was when the feed fails, and marks Hazchem's health", async () => {
    const [before] = await openDb(env).select().from(cursors).where(eq(cursors.name, "hazchem.documents"));
    await sim.hazchem.fail({ method: "GET", path: "^/v1/documents$", status: 503, times: 1 });
    const report = await runFeed();
    expect(report["hazchem.feed"]).toMatchObject({ error: expect.stringMatching(/Hazchem had a problem with the document feed \(503/) });
    const health = await (await admin("/healthz")).json<{ networks: { hazchem: { last_error: unknown } } }>();
    expect(JSON.stringify(health.networks.hazchem.last_error)).toMatch(/503/);
    const [after] = await openDb(env).select().from(cursors).where(eq(cursors.name, "hazchem.documents"));
    expect(after?.value).toBe(before?.value);
    expect((await runFeed())["hazchem.feed"]).toMatchObject({ new: 0 });

    // Wrong credentials: the operator is told which settings to check.
    await runScheduled({ ...env, HAZCHEM_API_KEY: "not-the-key" }, feedTasks);
    const off = await (await admin("/healthz")).json<{ networks: { hazchem: Record<string, unknown> } }>();
    expect(JSON.stringify(off.networks.hazchem)).toMatch(/HAZCHEM_API_KEY and HAZCHEM_DEPOT/);
    expect(JSON.stringify(off.networks.hazchem)).not.toContain("not-the-key");
    await runFeed();
  });

  it("waits for the order id of a consignment the TMS mentioned without one", async () => {
    const ref = uniqueRef("HZ");
    const db = openDb(env);
    await db.insert(consignments).values({ network: "hazchem", reference: ref, orderId: null, role: "DELIVERING" });
    const photo = jpeg();
    const [doc] = await sim.hazchem.seedDocuments([{ consignment_number: ref, type: "DELIVERY_IMAGE", filename: `${ref}_1.jpg`, data: photo }]);
    await runFeed();
    const job = await waitFor(async () => {
      const [j] = await db.select().from(jobs).where(eq(jobs.reference, ref));
      return j?.lastError ? j : undefined;
    }, 20_000, "the job to wait");
    expect(job).toMatchObject({ status: "queued", attempts: 0 });
    expect(job.lastError).toMatch(/not yet its order id/);

    const orderId = crypto.randomUUID();
    await sim.qargo.seedOrder({ id: orderId, customer_reference_number: null });
    await db.update(consignments).set({ orderId }).where(eq(consignments.reference, ref));
    await runJob(env, db, job.id);
    expect(await waitAttached(await sha256Hex(photo), "the photo after the order id arrived")).toMatchObject({ order_id: orderId, matched_by: "id" });
    expect(await feedRow(doc!.document_id)).toMatchObject({ status: "attached" });
  });

  it("manual refresh reads the feed now and reports the consignment's documents", async () => {
    const ref = uniqueRef("HZ");
    await sim.qargo.seedOrder({ id: crypto.randomUUID(), customer_reference_number: ref });
    const cop = tiff();
    const [doc] = await sim.hazchem.seedDocuments([{ consignment_number: ref, type: "COP", filename: `${ref}.tif`, data: cop }]);
    const res = await admin(`/api/consignments/hazchem/${ref}/refresh`, { method: "POST" });
    expect(res.status).toBe(202);
    const body = await res.json<{ ok: boolean; feed: { new: number }; new_for_consignment: { document_id: string }[]; documents: { document_id: string }[] }>();
    expect(body.ok).toBe(true);
    expect(body.new_for_consignment.map((d) => d.document_id)).toEqual([doc!.document_id]);
    expect(body.documents.map((d) => d.document_id)).toEqual([doc!.document_id]);
    expect(await waitAttached(await sha256Hex(cop), "the refreshed COP")).toMatchObject({ matched_by: "customer_reference_number" });
    expect((await timelineOf(ref)).some((e) => /^Manual refresh: read Hazchem's document feed/.test(e.message))).toBe(true);
  });
});
