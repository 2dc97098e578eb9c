import { env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { documentCreated, palletOrder, stopCompleted } from "../../sandbox/qargo-webhooks.mjs";
import { db as openDb } from "../../src/db/client";
import { documents } from "../../src/db/schema";
import { upnEpods } from "../../src/carriers/upn/schema";
import { sha256Hex, sim } from "../support/sim";
import { admin, postWebhook, uniqueRef, waitFor } from "../support/webhook";

// ePOD and delivery images end to end: TMS webhook → intake → tms.document → upn.epod /
// upn.image → UPN simulator. UPN refuses images before the ePOD; we must never make it say so.

const depot = env.UPN_DEPOT;
const jpeg = (n: number) => new Uint8Array([0xff, 0xd8, 0xff, 0xe0, n, n + 1, n + 2, 0xff, 0xd9]);
const png = (n: number) => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, n, n, n]);

async function setup() {
  const barcode = `UPN${depot}${uniqueRef()}`;
  await sim.upn.seedConsignments([{ barcode }]);
  const order = palletOrder({ reference: barcode, network: "UPN", role: "DELIVERING" });
  await sim.qargo.seedOrder({
    id: order.id,
    customer_reference_number: barcode,
    consignments: [{ signatures: [{ type: "CONSIGNEE", name: "J SMITH", timestamp: "2026-11-23T14:01:00+00:00", position: { latitude: 53.7446, longitude: -0.3352 } }] }],
  });
  return { barcode, order };
}

async function docStatus(barcode: string, sha: string) {
  const [row] = await openDb(env).select().from(documents).where(and(eq(documents.network, "upn"), eq(documents.reference, barcode), eq(documents.sha256, sha)));
  return row?.status;
}

describe("UPN ePOD and delivery images", () => {
  it("a photo, then the signature, then a photo: ePOD first, then both images in order, never EPOD_REQUIRED", async () => {
    const { barcode, order } = await setup();
    const p1 = jpeg(1);
    const p2 = jpeg(2);
    const sig = png(7);
    const [s1, s2, sSig] = await Promise.all([sha256Hex(p1), sha256Hex(p2), sha256Hex(sig)]);

    expect((await postWebhook(documentCreated({ order, documentType: "PHOTO_OF_GOODS_DELIVERY", name: "photo1.jpg", content: p1, mimeType: "image/jpeg" }))).status).toBe(200);
    await waitFor(async () => (await docStatus(barcode, s1)) === "held", 20_000, "photo 1 to be held");

    expect((await postWebhook(documentCreated({ order, documentType: "CONSIGNEE_SIGNATURE", name: "signature.png", content: sig, mimeType: "image/png" }))).status).toBe(200);
    await waitFor(async () => (await docStatus(barcode, s1)) === "sent", 20_000, "the ePOD and then photo 1");

    expect((await postWebhook(documentCreated({ order, documentType: "PHOTO_OF_GOODS_DELIVERY", name: "photo2.jpg", content: p2, mimeType: "image/jpeg" }))).status).toBe(200);
    await waitFor(async () => (await docStatus(barcode, s2)) === "sent", 20_000, "photo 2 to be sent");

    const s = await sim.upn.state();
    const epods = s.epods.filter((e) => e.barcode === barcode);
    expect(epods).toHaveLength(1);
    expect(epods[0]).toMatchObject({ signed_by: "J SMITH", signed_at: "2026-11-23T14:01:00Z", latitude: 53.7446, longitude: -0.3352, signature_content_type: "image/png", signature_sha256: sSig });
    const images = s.images.filter((i) => i.barcode === barcode);
    expect(images.map((i) => i.sha256)).toEqual([s1, s2]);
    expect(images.map((i) => i.filename)).toEqual(["photo1.jpg", "photo2.jpg"]);
    expect(Date.parse(epods[0]!.at)).toBeLessThanOrEqual(Date.parse(images[0]!.at));
    const calls = s.calls.filter((c) => c.path.includes(barcode));
    expect(calls.filter((c) => c.status === 409)).toEqual([]);
    expect(calls.filter((c) => c.path.endsWith("/images"))).toHaveLength(2);

    const [epodRow] = await openDb(env).select().from(upnEpods).where(eq(upnEpods.barcode, barcode));
    expect(epodRow).toMatchObject({ status: "sent", signedBy: "J SMITH", signatureSha256: sSig });
    const [imgRow] = await openDb(env).select().from(documents).where(and(eq(documents.reference, barcode), eq(documents.sha256, s1)));
    expect(imgRow?.destination).toBe(`upn:image:${images[0]!.image_id}`);

    // The same photo again (a new TMS document with the same bytes) is not sent twice.
    await postWebhook(documentCreated({ order, documentType: "PHOTO_OF_GOODS_DELIVERY", name: "photo1-again.jpg", content: p1, mimeType: "image/jpeg" }));
    await waitFor(async () => {
      const r = await env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE reference = ? AND kind = 'tms.document' AND status IN ('done','skipped')").bind(barcode).first<{ n: number }>();
      return (r?.n ?? 0) >= 4;
    }, 20_000, "the repeated photo to be handled");
    const after = await sim.upn.state();
    expect(after.calls.filter((c) => c.path.includes(barcode) && c.path.endsWith("/images"))).toHaveLength(2);

    const tl = await (await admin(`/api/consignments/upn/${barcode}`)).json<{ timeline: { message: string }[] }>();
    const msgs = tl.timeline.map((e) => e.message);
    expect(msgs.some((m) => m.includes("held: UPN takes images only after"))).toBe(true);
    expect(msgs.some((m) => m.startsWith("ePOD sent to UPN: signed by J SMITH"))).toBe(true);
  });

  it("a different signature after the ePOD is a clear permanent failure (EPOD_EXISTS)", async () => {
    const { barcode, order } = await setup();
    await postWebhook(documentCreated({ order, documentType: "CONSIGNEE_SIGNATURE", name: "signature.png", content: png(20), mimeType: "image/png" }));
    await waitFor(async () => (await sim.upn.state()).epods.some((e) => e.barcode === barcode), 20_000, "the first ePOD");
    await postWebhook(documentCreated({ order, documentType: "CONSIGNEE_SIGNATURE", name: "signature-2.png", content: png(40), mimeType: "image/png" }));
    const failed = await waitFor(
      () => env.DB.prepare("SELECT status, last_error FROM jobs WHERE reference = ? AND kind = 'upn.epod' AND status = 'failed'").bind(barcode).first<{ status: string; last_error: string }>(),
      20_000,
      "the second ePOD to fail",
    );
    expect(failed.last_error).toContain("UPN already holds a different ePOD");
    const j = await env.DB.prepare("SELECT attempts FROM jobs WHERE reference = ? AND kind = 'upn.epod' AND status = 'failed'").bind(barcode).first<{ attempts: number }>();
    expect(j?.attempts).toBe(1);
  });

  it("refuses an image over 10 MB without sending it", async () => {
    const { barcode, order } = await setup();
    const big = new Uint8Array(10 * 1024 * 1024 + 10);
    big.set([0xff, 0xd8, 0xff, 0xe0]);
    // Straight into the pipeline's R2 + documents row, as tms.document leaves it (a webhook body is capped at 10 MiB).
    const sha = await sha256Hex(big);
    const r2Key = `documents/upn/${barcode}/${sha}`;
    await env.FILES.put(r2Key, big);
    const id = crypto.randomUUID();
    await openDb(env).insert(documents).values({ id, network: "upn", reference: barcode, direction: "from_tms", sha256: sha, documentType: "PHOTO_OF_GOODS_DELIVERY", filename: "huge.jpg", contentType: "image/jpeg", size: big.length, r2Key, status: "received" });
    const { enqueue } = await import("../../src/engine");
    const { uploadImageJob } = await import("../../src/carriers/upn/images");
    await enqueue(env, openDb(env), [uploadImageJob.job({ network: "upn", reference: barcode, payload: { documentRowId: id, r2Key, sha256: sha, filename: "huge.jpg", contentType: "image/jpeg", documentType: "PHOTO_OF_GOODS_DELIVERY", documentId: null, role: "DELIVERING", orderId: order.id, route: null } })]);
    const failed = await waitFor(
      () => env.DB.prepare("SELECT last_error FROM jobs WHERE reference = ? AND kind = 'upn.image' AND status = 'failed'").bind(barcode).first<{ last_error: string }>(),
      20_000,
      "the big image to fail",
    );
    expect(failed.last_error).toContain("over UPN's 10 MB limit");
    expect((await sim.upn.state()).calls.filter((c) => c.path.includes(barcode))).toEqual([]);
  });

  it("holds an image that UPN answers EPOD_REQUIRED, and sends it on the retry", async () => {
    const { barcode, order } = await setup();
    await postWebhook(documentCreated({ order, documentType: "CONSIGNEE_SIGNATURE", name: "signature.png", content: png(60), mimeType: "image/png" }));
    await waitFor(async () => (await sim.upn.state()).epods.some((e) => e.barcode === barcode), 20_000, "the ePOD");
    await sim.upn.fail({ method: "POST", path: `/v1/consignments/${barcode}/images$`, status: 409, times: 1, body: { error: "EPOD_REQUIRED", message: "no ePOD yet" } });
    const p = jpeg(60);
    const sha = await sha256Hex(p);
    await postWebhook(documentCreated({ order, documentType: "PHOTO_OF_GOODS_DELIVERY", name: "late.jpg", content: p, mimeType: "image/jpeg" }));
    await waitFor(async () => (await docStatus(barcode, sha)) === "sent", 30_000, "the image to be sent on the retry");
    const tl = await (await admin(`/api/consignments/upn/${barcode}`)).json<{ timeline: { message: string }[] }>();
    expect(tl.timeline.some((e) => e.message.includes("EPOD_REQUIRED") && e.message.includes("held"))).toBe(true);
    expect((await sim.upn.state()).images.filter((i) => i.barcode === barcode)).toHaveLength(1);
  });

  it("a completed stop whose order holds a signature that no webhook announced sends one ePOD, then the held photo", async () => {
    const { barcode, order } = await setup();
    const sig = png(80);
    const sSig = await sha256Hex(sig);
    // The signature is on the order in the TMS; its DocumentUpdate never reaches us.
    await sim.qargo.seedDocument({ content: sig, mime_type: "image/png", filename: "signature.png", name: "signature.png", type: "CONSIGNEE_SIGNATURE", order_id: order.id });
    const p = jpeg(80);
    const sPhoto = await sha256Hex(p);
    await postWebhook(documentCreated({ order, documentType: "PHOTO_OF_GOODS_DELIVERY", name: "photo.jpg", content: p, mimeType: "image/jpeg" }));
    await waitFor(async () => (await docStatus(barcode, sPhoto)) === "held", 20_000, "the photo to be held");

    const completed = stopCompleted({ order });
    expect((await postWebhook(completed)).status).toBe(200);
    await waitFor(async () => (await docStatus(barcode, sPhoto)) === "sent", 30_000, "the ePOD from the order, then the held photo");
    // The same stop completing again (a replayed or repeated webhook) sends nothing more.
    await postWebhook({ ...completed, events: completed.events.map((e) => ({ ...e, timestamp: new Date().toISOString() })) });
    await postWebhook(stopCompleted({ order }));
    await new Promise((r) => setTimeout(r, 1_500));

    const s = await sim.upn.state();
    expect(s.epods.filter((e) => e.barcode === barcode)).toEqual([expect.objectContaining({ signed_by: "J SMITH", signed_at: "2026-11-23T14:01:00Z", latitude: 53.7446, longitude: -0.3352, signature_content_type: "image/png", signature_sha256: sSig })]);
    expect(s.calls.filter((c) => c.path === `/v1/consignments/${barcode}/epod`)).toHaveLength(1);
    expect(s.images.filter((i) => i.barcode === barcode).map((i) => i.sha256)).toEqual([sPhoto]);
    expect(await docStatus(barcode, sSig)).toBe("sent");
    const [epodRow] = await openDb(env).select().from(upnEpods).where(eq(upnEpods.barcode, barcode));
    expect(epodRow).toMatchObject({ status: "sent", signedBy: "J SMITH", signatureSha256: sSig });
    const tl = await (await admin(`/api/consignments/upn/${barcode}`)).json<{ timeline: { message: string }[] }>();
    expect(tl.timeline.some((e) => e.message.startsWith("Consignee signature found on the TMS order (signed by J SMITH)"))).toBe(true);

    // The signature's webhook turning up late is not a second ePOD either.
    await postWebhook(documentCreated({ order, documentType: "CONSIGNEE_SIGNATURE", name: "signature.png", content: sig, mimeType: "image/png" }));
    await waitFor(
      () => env.DB.prepare("SELECT status FROM jobs WHERE reference = ? AND kind = 'tms.document' AND status IN ('done','skipped') ORDER BY created_at DESC LIMIT 1").bind(barcode).first<{ status: string }>().then((r) => (r?.status === "skipped" ? r : undefined)),
      20_000,
      "the late signature webhook to be recognised",
    );
    expect((await sim.upn.state()).calls.filter((c) => c.path === `/v1/consignments/${barcode}/epod`)).toHaveLength(1);
  });

  it("a completed stop after a webhook-driven ePOD sends nothing twice", async () => {
    const { barcode, order } = await setup();
    const sig = png(90);
    await sim.qargo.seedDocument({ content: sig, mime_type: "image/png", filename: "signature.png", name: "signature.png", type: "CONSIGNEE_SIGNATURE", order_id: order.id });
    await postWebhook(documentCreated({ order, documentType: "CONSIGNEE_SIGNATURE", name: "signature.png", content: sig, mimeType: "image/png" }));
    await waitFor(async () => (await sim.upn.state()).epods.some((e) => e.barcode === barcode), 20_000, "the webhook's ePOD");
    await postWebhook(stopCompleted({ order }));
    const job = await waitFor(
      () => env.DB.prepare("SELECT status FROM jobs WHERE reference = ? AND kind = 'upn.delivery-completed' AND status IN ('done','skipped','failed')").bind(barcode).first<{ status: string }>(),
      20_000,
      "the delivery check",
    );
    expect(job.status).toBe("skipped");
    expect((await sim.upn.state()).calls.filter((c) => c.path === `/v1/consignments/${barcode}/epod`)).toHaveLength(1);
  });

  it("a delivery long past with no signature on the order is skipped with the reason, not a failure", async () => {
    const barcode = `UPN${depot}${uniqueRef()}`;
    await sim.upn.seedConsignments([{ barcode }]);
    const order = palletOrder({ reference: barcode, network: "UPN", role: "DELIVERING" });
    await sim.qargo.seedOrder({ id: order.id, customer_reference_number: barcode, consignments: [{ signatures: [] }] });
    await postWebhook(stopCompleted({ order, at: new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z") }));
    const job = await waitFor(
      () => env.DB.prepare("SELECT status FROM jobs WHERE reference = ? AND kind = 'upn.delivery-completed' AND status IN ('done','skipped','failed')").bind(barcode).first<{ status: string }>(),
      20_000,
      "the delivery check",
    );
    expect(job.status).toBe("skipped");
    const tl = await (await admin(`/api/consignments/upn/${barcode}`)).json<{ timeline: { message: string; outcome: string }[] }>();
    expect(tl.timeline.find((e) => e.message.includes("no ePOD from the order"))?.message).toContain("no consignee signature (name and time) or CONSIGNEE_SIGNATURE document");
    expect((await sim.upn.state()).calls.filter((c) => c.path.includes(barcode))).toEqual([]);
  });
});
