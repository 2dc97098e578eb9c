// Wire-level checks of the partner simulators, from inside workerd with plain fetch: each
// behaviour the contracts pin down (auth errors, limits, paging, destructive reads, PDFs, …).
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { PDFDocument } from "pdf-lib";
import { sim, fromBase64, toBase64, sha256Hex } from "./support/sim";
import { palletOrder, documentCreated, stopCompleted, signWebhook } from "../sandbox/qargo-webhooks.mjs";

// Tiny real images (made with sharp): distinct sizes so the SOF reading can be checked.
const JPEG_16x12 = fromBase64("/9j/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAMABADASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAb/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAABgf/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCAAHlhf//Z");
const JPEG_8x20_PROGRESSIVE = fromBase64("/9j/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wgARCAAUAAgDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAH/xAAVAQEBAAAAAAAAAAAAAAAAAAAABv/aAAwDAQACEAMQAAABgn5MD//EABQQAQAAAAAAAAAAAAAAAAAAABD/2gAIAQEAAQUCf//EABQRAQAAAAAAAAAAAAAAAAAAABD/2gAIAQMBAT8BP//EABQRAQAAAAAAAAAAAAAAAAAAABD/2gAIAQIBAT8BP//EABQQAQAAAAAAAAAAAAAAAAAAABD/2gAIAQEABj8Cf//EABQQAQAAAAAAAAAAAAAAAAAAABD/2gAIAQEAAT8hf//aAAwDAQACAAMAAAAQ/wD/AP/EABQRAQAAAAAAAAAAAAAAAAAAABD/2gAIAQMBAT8QP//EABQRAQAAAAAAAAAAAAAAAAAAABD/2gAIAQIBAT8QP//EABQQAQAAAAAAAAAAAAAAAAAAABD/2gAIAQEAAT8Qf//Z");
const PNG_3x2 = fromBase64("iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAD0lEQVQImWNgYPgPQzAWADXeBftgadRfAAAAAElFTkSuQmCC");
const TIFF = new Uint8Array([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0, 0, 0]);
const PDF = new TextEncoder().encode("%PDF-1.4\n%%EOF\n");

const e = env;
const basic = (u: string, p: string) => `Basic ${btoa(`${u}:${p}`)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

beforeEach(async () => {
  await sim.reset();
});

describe("Qargo", () => {
  const Q = () => e.TMS_API_URL;
  async function token(): Promise<string> {
    const res = await fetch(`${Q()}/v1/auth/token`, { method: "POST", headers: { authorization: basic(e.TMS_CLIENT_ID, e.TMS_CLIENT_SECRET) } });
    expect(res.status).toBe(200);
    return ((await res.json()) as any).access_token;
  }
  const webhookAuth = () => basic(e.TMS_WEBHOOK_CLIENT_ID, e.TMS_WEBHOOK_SECRET);

  it("issues tokens to the right client credentials only, 5 an hour", async () => {
    await sim.qargo.config({ enforceRateLimit: false });
    const bad = await fetch(`${Q()}/v1/auth/token`, { method: "POST", headers: { authorization: basic(e.TMS_CLIENT_ID, "nope") } });
    expect(bad.status).toBe(401);
    const res = await fetch(`${Q()}/v1/auth/token`, { method: "POST", headers: { authorization: basic(e.TMS_CLIENT_ID, e.TMS_CLIENT_SECRET) } });
    expect(await res.json()).toMatchObject({ token_type: "Bearer", expires_in: 3600, access_token: expect.any(String) });
    for (let i = 0; i < 4; i++) await token();
    const sixth = await fetch(`${Q()}/v1/auth/token`, { method: "POST", headers: { authorization: basic(e.TMS_CLIENT_ID, e.TMS_CLIENT_SECRET) } });
    expect(sixth.status).toBe(429);
    expect(Number(sixth.headers.get("retry-after"))).toBeGreaterThan(3000);
    expect((await sim.qargo.state()).tokens_issued).toBe(5);
  });

  it("answers 429 with Retry-After: 1 to a burst, counting webhooks too", async () => {
    const at = await token();
    const calls = Array.from({ length: 6 }, (_, i) =>
      i % 2
        ? fetch(`${Q()}/v1/orders/order/00000000-0000-4000-8000-000000000000`, { headers: { authorization: `Bearer ${at}` } })
        : fetch(`${Q()}/v1/webhook/subco-status-update`, { method: "POST", headers: { authorization: webhookAuth(), "content-type": "application/json" }, body: JSON.stringify({ updates: [] }) }),
    );
    const res = await Promise.all(calls);
    const limited = res.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(3);
    expect(limited[0]!.headers.get("retry-after")).toBe("1");
    const s = await sim.qargo.state();
    expect(s.rate_limited.length).toBe(limited.length);
    expect(s.max_per_second).toBeGreaterThanOrEqual(7);
    // Sustained 2 a second passes.
    await sleep(1600);
    for (let i = 0; i < 4; i++) {
      const r = await fetch(`${Q()}/v1/orders/order/x`, { headers: { authorization: `Bearer ${at}` } });
      expect(r.status).toBe(404);
      await sleep(520);
    }
  });

  it("downloads documents with a bearer token, JSON first then ?direct=true", async () => {
    const plain = await sim.qargo.seedDocument({ content: JPEG_16x12, mime_type: "image/jpeg", filename: "a.jpg" });
    const indirect = await sim.qargo.seedDocument({ content: PNG_3x2, mime_type: "image/png", filename: "b.png", answer_json_first: true });
    expect(plain.download_url).toBe(`/v1/documents/document/${plain.id}/download`);
    expect((await fetch(Q() + plain.download_url)).status).toBe(401);
    expect((await fetch(Q() + plain.download_url, { headers: { authorization: "Bearer forged" } })).status).toBe(401);
    const at = await token();
    await sleep(1100);
    const r1 = await fetch(Q() + plain.download_url, { headers: { authorization: `Bearer ${at}` } });
    expect(r1.headers.get("content-type")).toBe("image/jpeg");
    expect(new Uint8Array(await r1.arrayBuffer())).toEqual(JPEG_16x12);
    const r2 = await fetch(Q() + indirect.download_url, { headers: { authorization: `Bearer ${at}` } });
    expect(r2.headers.get("content-type")).toContain("application/json");
    expect(await r2.json()).toHaveProperty("url");
    await sleep(600);
    const r3 = await fetch(`${Q()}${indirect.download_url}?direct=true`, { headers: { authorization: `Bearer ${at}` } });
    expect(new Uint8Array(await r3.arrayBuffer())).toEqual(PNG_3x2);
  });

  it("serves seeded orders with consignee signatures", async () => {
    const id = crypto.randomUUID();
    const sig = { type: "CONSIGNEE", name: "J SMITH", position: { latitude: 53.7446, longitude: -0.3352 }, timestamp: "2026-11-23T14:01:00Z" };
    await sim.qargo.seedOrder({ id, customer_reference_number: "REF-1", consignments: [{ id: crypto.randomUUID(), signatures: [sig] }] });
    const at = await token();
    const r = await fetch(`${Q()}/v1/orders/order/${id}`, { headers: { authorization: `Bearer ${at}` } });
    expect(r.status).toBe(200);
    const o = (await r.json()) as any;
    expect(o.consignments[0].signatures[0]).toEqual(sig);
  });

  it("attaches imported documents that match exactly one order and silently discards the rest", async () => {
    const id = crypto.randomUUID();
    await sim.qargo.seedOrder({ id, customer_reference_number: "REF-A" });
    await sim.qargo.seedOrder({ id: crypto.randomUUID(), customer_reference_number: "REF-DUP" });
    await sim.qargo.seedOrder({ id: crypto.randomUUID(), customer_reference_number: "REF-DUP" });
    const post = (q: string, auth = webhookAuth()) =>
      fetch(`${Q()}/v1/webhook/document-import?${q}`, { method: "POST", headers: { authorization: auth, "content-type": "image/jpeg" }, body: JPEG_16x12 });
    expect((await post(`filename=x.jpg&document_type=PHOTO_OF_GOODS_DELIVERY&id=${id}`, basic("x", "y"))).status).toBe(401);
    expect((await post(`document_type=PHOTO_OF_GOODS_DELIVERY&id=${id}`)).status).toBe(422);
    await sleep(1100);
    const ok = await post(`filename=1_photo_1.jpg&document_type=PHOTO_OF_GOODS_DELIVERY&document_name=Photo%201&id=${id}`);
    const unknown = await post(`filename=x.jpg&document_type=PHOTO_OF_GOODS_DELIVERY&id=${crypto.randomUUID()}`);
    await sleep(1100);
    const ambiguous = await post(`filename=x.jpg&document_type=PHOTO_OF_GOODS_DELIVERY&customer_reference_number=REF-DUP`);
    const byRef = await post(`filename=y.jpg&document_type=PHOTO_OF_GOODS_DELIVERY&customer_reference_number=REF-A`);
    for (const r of [ok, unknown, ambiguous, byRef]) {
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ errors: null });
    }
    const s = await sim.qargo.state();
    expect(s.attachments).toMatchObject([
      { order_id: id, matched_by: "id", filename: "1_photo_1.jpg", document_type: "PHOTO_OF_GOODS_DELIVERY", document_name: "Photo 1", content_type: "image/jpeg", size: JPEG_16x12.length, sha256: await sha256Hex(JPEG_16x12) },
      { order_id: id, matched_by: "customer_reference_number", filename: "y.jpg" },
    ]);
    expect(s.discarded.map((d) => d.reason)).toEqual(["0 orders matched", "2 orders matched"]);
  });

  it("imports orders: TODO → IN_PROGRESS → COMPLETED, duplicates by order_identifier, 400 on bad input", async () => {
    const at = await token();
    const input = {
      operation: "CREATE",
      order_identifier: "UPN-UPN0451234567",
      customer_reference_number: "UPN0451234567",
      customer: { code: "UPN" },
      custom_fields: { pallet_network: "UPN", network_reference: "UPN0451234567", network_role: "DELIVERING" },
      consignments: [{ consignment_reference_number: "UPN0451234567", pickup_stop: { location: { name: "Acme" } }, delivery_stop: { location: { name: "Bob" } }, goods: [{ quantity: 1, handling_units: [{ barcode: { value: "P1", source: "UPN" } }] }] }],
    };
    const up = (body: unknown) => fetch(`${Q()}/v1/orders/order/upload`, { method: "POST", headers: { authorization: `Bearer ${at}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    const poll = async (uid: string) => (await fetch(`${Q()}/v1/orders/order/upload/${uid}`, { headers: { authorization: `Bearer ${at}` } })).json() as Promise<any>;
    const first = (await (await up(input)).json()) as any;
    expect(first).toMatchObject({ upload_status: "TODO", order_id: null, upload_id: expect.any(String) });
    await sleep(1100);
    expect(await poll(first.upload_id)).toMatchObject({ upload_status: "IN_PROGRESS", order_id: null });
    const done = await poll(first.upload_id);
    expect(done).toMatchObject({ upload_status: "COMPLETED", order_id: expect.any(String) });
    await sleep(1100);
    const again = (await (await up(input)).json()) as any;
    await poll(again.upload_id);
    expect(await poll(again.upload_id)).toMatchObject({ upload_status: "DUPLICATE", order_id: done.order_id });
    await sleep(1100);
    const bad = await up({ operation: "MAKE", consignments: [{}] });
    expect(bad.status).toBe(400);
    const err = (await bad.json()) as any;
    expect(err.message).toBeTruthy();
    expect(err.errors.map((x: any) => x.path)).toEqual(expect.arrayContaining(["operation", "order_identifier", "customer", "consignments.0.pickup_stop"]));
    const s = await sim.qargo.state();
    expect(s.orders_created).toHaveLength(1);
    expect(s.orders_created[0]!.input).toEqual(input);
  });

  it("applies status updates that match one order's stop, discards the rest", async () => {
    const id = crypto.randomUUID();
    await sim.qargo.seedOrder({ id, customer_reference_number: "UPN0451234567" });
    const send = (updates: unknown[]) =>
      fetch(`${Q()}/v1/webhook/subco-status-update`, { method: "POST", headers: { authorization: webhookAuth(), "content-type": "application/json" }, body: JSON.stringify({ updates }) });
    const qa = { upn_stage_code: "DEL", upn_stage: "Delivered", capture_type: "C", pallet_barcode: null, upn_event_id: "e-1", note: null };
    const r = await send([
      { stop: { match: { matches_all: [{ order: { id: { matches_any: [id] } }, stop: { stop_type: "DELIVERY" } }] }, status: "COMPLETED", question_answers: qa }, event_time: "2026-11-23T14:01:00Z" },
      { stop: { match: { matches_all: [{ order: { customer_reference_number: { matches_any: ["UPN0451234567"] } }, stop: { stop_type: "DELIVERY" } }] }, question_answers: qa }, event_time: "2026-11-23T14:02:00+00:00" },
      { stop: { match: { matches_all: [{ order: { customer_reference_number: { matches_any: ["NOPE"] } } }] } }, event_time: "2026-11-23T14:03:00Z" },
    ]);
    expect(r.status).toBe(200);
    expect((await send([{ stop: {}, event_time: "2026-11-23 14:00" }])).status).toBe(400);
    const s = await sim.qargo.state();
    expect(s.status_updates.map((u) => [u.order_id, u.status, u.matched_by])).toEqual([
      [id, "COMPLETED", "order.id+stop.stop_type"],
      [id, null, "order.customer_reference_number+stop.stop_type"],
    ]);
    expect(s.status_updates[0]!.question_answers).toEqual(qa);
    expect(s.discarded).toHaveLength(1);
  });

  it("records pallet scans on one order's handling unit through partial-order-update, discarding what matches nothing", async () => {
    const id = crypto.randomUUID();
    await sim.qargo.seedOrder({ id, customer_reference_number: "UPN0451234567", consignments: [{ goods: [{ quantity: 2, handling_units: [{ barcode: { value: "P1", source: "UPN" } }, { barcode: { value: "P2", source: "UPN" } }] }] }] });
    const send = (updates: unknown[]) =>
      fetch(`${Q()}/v1/webhook/partial-order-update`, { method: "POST", headers: { authorization: webhookAuth(), "content-type": "application/json" }, body: JSON.stringify({ updates }) });
    const scan = (order: object, barcode: string, question: string, answer: object) => ({
      match: { matches_all: [{ order }] },
      consignment: { updates: [{ good: { updates: [{ handling_unit: { updates: [{ match: { matches_all: [{ handling_unit: { barcode: { matches_any: [barcode] } } }] }, question_answers: { [question]: [answer] } }] } }] } }] },
    });
    const del = { timestamp: "2026-11-23T14:01:00Z", status: "SCANNED_OUT", barcode: "P1", stop_location_code: "UPN-045", description: "UPN Delivered (DEL), event e-1", stop_match: { stop_type: "DELIVERY" } };
    const r = await send([
      scan({ id: { matches_any: [id] } }, "P1", "scan_barcode", del),
      scan({ customer_reference_number: { matches_any: ["UPN0451234567"] } }, "P2", "scan_barcode", { timestamp: "2026-11-23T14:02:00+00:00", description: "UPN Carded (CRD), event e-2" }),
      scan({ id: { matches_any: [id] } }, "P9", "scan_barcode", del),
      scan({ id: { matches_any: [id] } }, "P1", "other_question", del),
      scan({ customer_reference_number: { matches_any: ["NOPE"] } }, "P1", "scan_barcode", del),
    ]);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ errors: null });
    expect((await send([scan({ id: { matches_any: [id] } }, "P1", "scan_barcode", { timestamp: "2026-11-23 14:00", status: "DELIVERED" })])).status).toBe(400);
    const s = await sim.qargo.state();
    expect(s.scans.map((x) => [x.order_id, x.matched_by, x.handling_unit, x.status])).toEqual([
      [id, "order.id", "P1", "SCANNED_OUT"],
      [id, "order.customer_reference_number", "P2", null],
    ]);
    expect(s.scans[0]!.scan).toEqual(del);
    expect(s.discarded.map((d) => d.reason)).toEqual(["0 handling units matched", "question path other_question is not configured", "0 orders matched"]);
    // The order keeps its scans per handling unit, and no stop was touched.
    expect(s.orders.find((o) => o.id === id).consignments[0].goods[0].handling_units.map((h: any) => h.scans?.length ?? 0)).toEqual([1, 1]);
    expect(s.status_updates).toEqual([]);
  });

  it("lists an order's documents, seeded and imported", async () => {
    await sim.qargo.config({ enforceRateLimit: false });
    const id = crypto.randomUUID();
    await sim.qargo.seedOrder({ id, customer_reference_number: "UPN0451234567" });
    const d = await sim.qargo.seedDocument({ content: PNG_3x2, mime_type: "image/png", filename: "sig.png", type: "CONSIGNEE_SIGNATURE", order_id: id });
    await sim.qargo.seedDocument({ content: PNG_3x2, mime_type: "image/png", filename: "other.png" });
    await fetch(`${Q()}/v1/webhook/document-import?filename=p.jpg&document_type=PHOTO_OF_GOODS_DELIVERY&document_name=p.jpg&id=${id}`, { method: "POST", headers: { authorization: webhookAuth(), "content-type": "image/jpeg" }, body: JPEG_16x12 });
    const t = await token();
    const list = (await (await fetch(`${Q()}/v1/orders/order/${id}/documents`, { headers: { authorization: `Bearer ${t}` } })).json()) as any[];
    expect(list.map((x) => [x.name, x.type, x.content_type])).toEqual([
      ["sig.png", "CONSIGNEE_SIGNATURE", "image/png"],
      ["p.jpg", "PHOTO_OF_GOODS_DELIVERY", "image/jpeg"],
    ]);
    expect(list[0].download_url).toBe(d.download_url);
    expect((await fetch(`${Q()}/v1/orders/order/${id}/documents`)).status).toBe(401);
  });

  it("builds spec-valid visibility webhooks", async () => {
    const order = palletOrder({ reference: "60012340167", network: "PALLETWAYS", role: "DELIVERING", customerReference: "CR-1" });
    for (const k of ["id", "order_name", "status", "stops"]) expect(order).toHaveProperty(k);
    for (const st of order.stops) for (const k of ["id", "location", "status", "stop_type"]) expect(st).toHaveProperty(k);
    expect(order.custom_fields).toEqual({ pallet_network: "PALLETWAYS", network_reference: "60012340167", network_role: "DELIVERING" });
    const done = stopCompleted({ order, at: "2026-11-23T14:01:00Z" });
    expect(done.events[0]!.update).toMatchObject({ type: "Stop", stop: { stop_type: "DELIVERY", status: "COMPLETED", actual_end_timestamp: "2026-11-23T14:01:00Z" } });
    const doc = documentCreated({ order, documentType: "PHOTO_OF_GOODS_DELIVERY", name: "IMG_1.jpg", content: JPEG_16x12 });
    const d = doc.events[0]!.update.document;
    for (const k of ["name", "document_type", "document_content", "subject"]) expect(d).toHaveProperty(k);
    expect(d.document_content).toEqual({ content: toBase64(JPEG_16x12), mime_type: "image/jpeg", filename: "IMG_1.jpg" });
    const remote = documentCreated({ order, documentType: "CONSIGNEE_SIGNATURE", name: "sig.png", downloadUrl: "/v1/documents/document/x/download" });
    expect(remote.events[0]!.update.document.document_content).toEqual({ download_url: "/v1/documents/document/x/download" });
    const h = await signWebhook({ secret: "whsec_" + btoa("0123456789abcdef0123456789abcdef"), body: "{}", id: "msg_1", timestamp: 1700000000 });
    expect(h["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  it("injects failures for the next N matching calls", async () => {
    await sim.qargo.fail({ path: "^/v1/auth/token$", status: 503, times: 1 });
    const r1 = await fetch(`${Q()}/v1/auth/token`, { method: "POST", headers: { authorization: basic(e.TMS_CLIENT_ID, e.TMS_CLIENT_SECRET) } });
    expect(r1.status).toBe(503);
    await token();
    const s = await sim.qargo.state();
    expect(s.calls.map((c) => c.status)).toEqual([503, 200]);
  });
});

describe("Palletways", () => {
  const api = () => e.PALLETWAYS_API_URL;
  const portal = () => e.PALLETWAYS_PORTAL_URL;
  const key = () => `apikey=${encodeURIComponent(e.PALLETWAYS_API_KEY)}`;

  it("answers auth and lookup errors in plain text, under 200 by default", async () => {
    const noKey = await fetch(`${portal()}/podimages/60012340167`);
    expect(await noKey.text()).toBe("API Key not specified.");
    const badKey = await fetch(`${portal()}/podimages/60012340167?apikey=wrong`);
    expect(await badKey.text()).toBe("The API key provided is not authorised to use the requested API.");
    const none = await fetch(`${portal()}/podimages/60012340167?${key()}`);
    expect(none.status).toBe(200);
    expect(none.headers.get("content-type")).toContain("text/plain");
    expect(await none.text()).toBe("ERROR: POD not found for this ID.");
    await sim.palletways.config({ notFoundStatus: 404 });
    expect((await fetch(`${api()}/getPodByTrackingId/60012340167?${key()}`)).status).toBe(404);
    await sim.palletways.config({ podimagesAvailable: false });
    expect(await (await fetch(`${portal()}/podimages/60012340167?${key()}`)).text()).toBe("The requested API is not available.");
  });

  it("serves a growing POD PDF, one image per page, JPEG bytes intact; getPodByTrackingId gives the latest", async () => {
    await sim.palletways.addPhotos("60012340167", [{ format: "jpeg", data: JPEG_16x12 }]);
    const first = new Uint8Array(await (await fetch(`${portal()}/podimages/60012340167?${key()}`)).arrayBuffer());
    expect((await PDFDocument.load(first)).getPageCount()).toBe(1);
    await sim.palletways.addPhotos("60012340167", [{ format: "png", data: PNG_3x2 }, { format: "jpeg", data: JPEG_8x20_PROGRESSIVE }]);
    const res = await fetch(`${portal()}/podimages/60012340167?${key()}`);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    const pdf = new Uint8Array(await res.arrayBuffer());
    const doc = await PDFDocument.load(pdf);
    expect(doc.getPageCount()).toBe(3);
    expect(doc.getPages().map((p) => [p.getWidth(), p.getHeight()])).toEqual([[16, 12], [3, 2], [8, 20]]);
    expect(indexOfBytes(pdf, JPEG_16x12)).toBeGreaterThan(0);
    expect(indexOfBytes(pdf, JPEG_8x20_PROGRESSIVE)).toBeGreaterThan(0);
    const latest = new Uint8Array(await (await fetch(`${api()}/getPodByTrackingId/60012340167?${key()}`)).arrayBuffer());
    expect((await PDFDocument.load(latest)).getPageCount()).toBe(1);
    expect(indexOfBytes(latest, JPEG_8x20_PROGRESSIVE)).toBeGreaterThan(0);
    expect(indexOfBytes(latest, JPEG_16x12)).toBe(-1);
  });

  it("bans a key after more than the limit in 60 s: 429 Retry-After for every call", async () => {
    await sim.palletways.config({ limitPerMinute: 5, banSeconds: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await fetch(`${api()}/getNotes/delta/0?${key()}&outputformat=json`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const s = await sim.palletways.state();
    expect(s.bans).toHaveLength(1);
    expect(s.banned_until).not.toBeNull();
    expect(s.max_calls_in_60s).toBe(6);
    await sleep(1100);
    await sim.palletways.config({ limitPerMinute: 100 });
    expect((await fetch(`${api()}/getNotes/delta/0?${key()}&outputformat=json`)).status).toBe(200);
    await sim.palletways.config({ banSeconds: 900 });
    await sim.palletways.ban(60);
    const banned = await fetch(`${portal()}/podimages/1?${key()}`);
    expect(banned.status).toBe(429);
    expect(banned.headers.get("retry-after")).toBe("900");
  });

  it("returns status notes after a delta, NO_RESULTS_FOUND when none", async () => {
    const seeded = await sim.palletways.seedNotes([
      { TrackingID: "60012340167", StatusCode: "800", NoteType: "Out for delivery" },
      { TrackingID: "60012340167", StatusCode: "900", NoteGroup: "POD", NoteType: "Delivered", PodDate: "2026-11-23", PodTime: "14:01", PodSignature: "J SMITH" },
    ]);
    expect(seeded[1]!.Delta).toBeGreaterThan(seeded[0]!.Delta);
    const all = (await (await fetch(`${api()}/getNotes/delta/0?${key()}&outputformat=json`)).json()) as any;
    expect(all.Response.Status).toEqual({ Code: "OK", Description: "", Count: 2 });
    expect(all.Response.Detail.Data.map((n: any) => n.StatusCode)).toEqual(["800", "900"]);
    const after = (await (await fetch(`${api()}/getNotes/delta/${seeded[0]!.Delta}?${key()}&outputformat=json`)).json()) as any;
    expect(after.Response.Detail.Data).toHaveLength(1);
    const none = (await (await fetch(`${api()}/getNotes/delta/${seeded[1]!.Delta}?${key()}&outputformat=json`)).json()) as any;
    expect(none.Response.Status.Code).toBe("NO_RESULTS_FOUND");
    expect(none.Response.Detail).toBeUndefined();
  });

  it("exposes the FTP directory through control endpoints", async () => {
    await sim.palletways.ftp.putFile(".60012340167_1.jpg.part", JPEG_16x12);
    expect(await sim.palletways.ftp.files()).toEqual([{ name: ".60012340167_1.jpg.part", size: JPEG_16x12.length, sha256: await sha256Hex(JPEG_16x12) }]);
    expect(e.PALLETWAYS_FTP_URL).toMatch(/^ftp:\/\/[^:]+:[^@]+@127\.0\.0\.1:\d+\/incoming$/);
  });
});

describe("UPN", () => {
  const U = () => e.UPN_API_URL;
  const h = (k = e.UPN_API_KEY) => ({ "x-api-key": k, "content-type": "application/json" });
  const epod = { signed_by: "J SMITH", signed_at: "2026-11-23T14:01:00Z", latitude: 53.7446, longitude: -0.3352, signature: { content_type: "image/png", data: toBase64(PNG_3x2) } };

  it("rejects a bad key with INVALID_API_KEY", async () => {
    const r = await fetch(`${U()}/v1/depots/045/consignments`, { headers: h("wrong") });
    expect(r.status).toBe(401);
    expect(await r.json()).toMatchObject({ error: "INVALID_API_KEY", message: expect.any(String) });
  });

  it("pages consignments two at a time, repeatably, ending with next_cursor null", async () => {
    await sim.upn.seedConsignments([{ barcode: "UPN0450000001" }, { barcode: "UPN0450000002" }, { barcode: "UPN0450000003", delivery_depot: "012" }]);
    const p1 = (await (await fetch(`${U()}/v1/depots/045/consignments`, { headers: h() })).json()) as any;
    expect(p1.consignments.map((c: any) => c.barcode)).toEqual(["UPN0450000001", "UPN0450000002"]);
    expect(p1.next_cursor).toEqual(expect.any(String));
    const p2 = (await (await fetch(`${U()}/v1/depots/045/consignments?since=${p1.next_cursor}`, { headers: h() })).json()) as any;
    expect(p2.consignments.map((c: any) => c.barcode)).toEqual(["UPN0450000003"]);
    expect(p2.next_cursor).toBeNull();
    const again = (await (await fetch(`${U()}/v1/depots/045/consignments?since=${p1.next_cursor}`, { headers: h() })).json()) as any;
    expect(again).toEqual(p2);
    for (const k of ["service", "booked_at", "requesting_depot", "delivery_depot", "shipper", "consignee", "pallets", "total_weight_kg", "instructions"]) expect(p1.consignments[0]).toHaveProperty(k);
  });

  it("reads tracking events destructively", async () => {
    await sim.upn.seedEvents([{ event_id: "e-1", barcode: "UPN0450000001", stage_code: "ARR", stage: "Arrived" }]);
    const r1 = (await (await fetch(`${U()}/v1/depots/045/tracking-events`, { headers: h() })).json()) as any;
    expect(r1.events.map((x: any) => x.event_id)).toEqual(["e-1"]);
    const r2 = (await (await fetch(`${U()}/v1/depots/045/tracking-events`, { headers: h() })).json()) as any;
    expect(r2.events).toEqual([]);
    await sim.upn.seedEvents([{ event_id: "e-2", barcode: "UPN0450000001", stage_code: "DEL", stage: "Delivered" }]);
    const r3 = (await (await fetch(`${U()}/v1/depots/045/tracking-events`, { headers: h() })).json()) as any;
    expect(r3.events.map((x: any) => x.event_id)).toEqual(["e-2"]);
  });

  it("emits pallet-level events naming the consignment's pallet, with UPN's stage names", async () => {
    await sim.upn.seedConsignments([{ barcode: "UPN0450000002", pallets: [{ barcode: "UPNP0450000002001", type: "FULL", weight_kg: 300 }] }]);
    await sim.upn.seedEvents([{ event_id: "e-p", barcode: "UPN0450000002", capture_type: "P", stage_code: "CRD" }]);
    const r = (await (await fetch(`${U()}/v1/depots/045/tracking-events`, { headers: h() })).json()) as any;
    expect(r.events[0]).toMatchObject({ event_id: "e-p", capture_type: "P", pallet_barcode: "UPNP0450000002001", stage_code: "CRD", stage: "Carded", depot: "045" });
  });

  it("takes an ePOD once, images only after it, deduped by sha256", async () => {
    await sim.upn.seedConsignments([{ barcode: "UPN0450000001" }]);
    const img = async (data: Uint8Array, name: string) =>
      fetch(`${U()}/v1/consignments/UPN0450000001/images`, { method: "POST", headers: h(), body: JSON.stringify({ filename: name, content_type: "image/jpeg", data: toBase64(data), sha256: await sha256Hex(data) }) });
    const early = await img(JPEG_16x12, "a.jpg");
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ error: "EPOD_REQUIRED" });
    const post = (b: unknown) => fetch(`${U()}/v1/consignments/UPN0450000001/epod`, { method: "POST", headers: h(), body: JSON.stringify(b) });
    const created = await post(epod);
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ status: "DELIVERED" });
    expect((await post(epod)).status).toBe(200);
    const other = await post({ ...epod, signed_by: "SOMEONE ELSE" });
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ error: "EPOD_EXISTS" });
    const i1 = await img(JPEG_16x12, "a.jpg");
    expect(i1.status).toBe(201);
    const { image_id } = (await i1.json()) as any;
    const i2 = await img(JPEG_8x20_PROGRESSIVE, "b.jpg");
    expect(i2.status).toBe(201);
    const dup = await img(JPEG_16x12, "a-again.jpg");
    expect(dup.status).toBe(200);
    expect(await dup.json()).toEqual({ image_id });
    const unknown = await fetch(`${U()}/v1/consignments/UPN999/epod`, { method: "POST", headers: h(), body: JSON.stringify(epod) });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: "CONSIGNMENT_NOT_FOUND" });
    const s = await sim.upn.state();
    expect(s.epods).toHaveLength(1);
    expect(s.epods[0]!.signature_sha256).toBe(await sha256Hex(PNG_3x2));
    expect(s.images.map((i) => i.sha256)).toEqual([await sha256Hex(JPEG_16x12), await sha256Hex(JPEG_8x20_PROGRESSIVE)]);
  });

  it("answers 403 ACTION_NOT_ENABLED naming the action", async () => {
    await sim.upn.config({ disabledActions: ["tracking", "epod"] });
    const r = await fetch(`${U()}/v1/depots/045/tracking-events`, { headers: h() });
    expect(r.status).toBe(403);
    expect(await r.json()).toMatchObject({ error: "ACTION_NOT_ENABLED", action: "tracking" });
    const p = await fetch(`${U()}/v1/consignments/UPN0450000001/epod`, { method: "POST", headers: h(), body: JSON.stringify(epod) });
    expect(await p.json()).toMatchObject({ error: "ACTION_NOT_ENABLED", action: "epod" });
  });

  it("injects a 429 with Retry-After, then recovers", async () => {
    await sim.upn.fail({ path: "/consignments$", status: 429, times: 1, body: { error: "RATE_LIMITED", message: "slow down" }, headers: { "retry-after": "2" } });
    const r = await fetch(`${U()}/v1/depots/045/consignments`, { headers: h() });
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("2");
    expect(await r.json()).toEqual({ error: "RATE_LIMITED", message: "slow down" });
    expect((await fetch(`${U()}/v1/depots/045/consignments`, { headers: h() })).status).toBe(200);
  });
});

describe("Hazchem", () => {
  const H = () => e.HAZCHEM_API_URL;
  const up = (number: string, type: string, body: Uint8Array, contentType: string, key: string | null = crypto.randomUUID(), extra: Record<string, string> = {}) =>
    fetch(`${H()}/v1/consignments/${number}/documents?type=${type}&filename=f.bin`, {
      method: "POST",
      headers: { authorization: `Bearer ${e.HAZCHEM_API_KEY}`, "x-depot": e.HAZCHEM_DEPOT, "content-type": contentType, ...(key ? { "idempotency-key": key } : {}), ...extra },
      body,
    });

  beforeEach(async () => {
    await sim.hazchem.seedConsignments([
      { consignment_number: "HZ7781234", requesting_depot: e.HAZCHEM_DEPOT, delivery_depot: "HZ99" },
      { consignment_number: "HZ7785555", requesting_depot: "HZ42", delivery_depot: e.HAZCHEM_DEPOT },
    ]);
  });

  it("requires the key and the key's depot", async () => {
    for (const extra of [{ authorization: "Bearer wrong" }, { "x-depot": "HZ42" }] as Record<string, string>[]) {
      const r = await up("HZ7781234", "DELIVERY_IMAGE", JPEG_16x12, "image/jpeg", "k", extra);
      expect(r.status).toBe(401);
      expect(await r.json()).toMatchObject({ error: "UNAUTHORIZED" });
    }
  });

  it("uploads idempotently and records the JPEG's size from its SOF marker", async () => {
    const missing = await up("HZ7781234", "DELIVERY_IMAGE", JPEG_16x12, "image/jpeg", null);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: "IDEMPOTENCY_KEY_REQUIRED" });
    const a = await up("HZ7781234", "DELIVERY_IMAGE", JPEG_8x20_PROGRESSIVE, "image/jpeg", "key-1");
    expect(a.status).toBe(201);
    const first = await a.json();
    const b = await up("HZ7781234", "DELIVERY_IMAGE", JPEG_8x20_PROGRESSIVE, "image/jpeg", "key-1");
    expect(b.status).toBe(201);
    expect(await b.json()).toEqual(first);
    const s = await sim.hazchem.state();
    expect(s.uploads).toHaveLength(1);
    expect(s.uploads[0]).toMatchObject({ type: "DELIVERY_IMAGE", content_type: "image/jpeg", depot: e.HAZCHEM_DEPOT, width: 8, height: 20, progressive: true, size: JPEG_8x20_PROGRESSIVE.length, sha256: await sha256Hex(JPEG_8x20_PROGRESSIVE) });
  });

  it("enforces size, media type (declared and real), COP depot and consignment rules", async () => {
    await sim.hazchem.config({ maxUploadBytes: 100 });
    const big = await up("HZ7781234", "DELIVERY_IMAGE", JPEG_16x12, "image/jpeg");
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: "FILE_TOO_LARGE" });
    await sim.hazchem.config({ maxUploadBytes: 1_000_000 });
    const png = await up("HZ7781234", "DELIVERY_IMAGE", PNG_3x2, "image/png");
    expect(png.status).toBe(415);
    const lying = await up("HZ7781234", "DELIVERY_IMAGE", PNG_3x2, "image/jpeg");
    expect(lying.status).toBe(415);
    expect(await lying.json()).toMatchObject({ error: "UNSUPPORTED_MEDIA_TYPE" });
    expect((await up("HZ7781234", "COP", JPEG_16x12, "image/jpeg")).status).toBe(415);
    expect((await up("HZ7781234", "COP", TIFF, "image/tiff")).status).toBe(201);
    expect((await up("HZ7781234", "POD", PDF, "application/pdf")).status).toBe(201);
    const cop = await up("HZ7785555", "COP", PDF, "application/pdf");
    expect(cop.status).toBe(403);
    expect(await cop.json()).toMatchObject({ error: "COP_UPLOAD_NOT_ALLOWED" });
    const nf = await up("HZ0000000", "POD", PDF, "application/pdf");
    expect(nf.status).toBe(404);
    expect(await nf.json()).toMatchObject({ error: "CONSIGNMENT_NOT_FOUND" });
  });

  it("pages the document feed and serves the bytes", async () => {
    await sim.hazchem.seedDocuments([
      { consignment_number: "HZ7785555", type: "DELIVERY_IMAGE", data: JPEG_16x12 },
      { consignment_number: "HZ7785555", type: "COP", data: TIFF, filename: "HZ7785555_cop.tif" },
      { consignment_number: "HZ7781234", type: "DELIVERY_IMAGE", data: JPEG_8x20_PROGRESSIVE },
    ]);
    const auth = { authorization: `Bearer ${e.HAZCHEM_API_KEY}`, "x-depot": e.HAZCHEM_DEPOT };
    const p1 = (await (await fetch(`${H()}/v1/documents`, { headers: auth })).json()) as any;
    expect(p1.documents).toHaveLength(2);
    expect(p1.documents[1]).toMatchObject({ type: "COP", content_type: "image/tiff", filename: "HZ7785555_cop.tif", size: TIFF.length });
    const p2 = (await (await fetch(`${H()}/v1/documents?since=${p1.next_cursor}`, { headers: auth })).json()) as any;
    expect(p2.documents).toHaveLength(1);
    expect(p2.next_cursor).toBeNull();
    const bytes = new Uint8Array(await (await fetch(`${H()}/v1/documents/${p1.documents[0].document_id}/content`, { headers: auth })).arrayBuffer());
    expect(bytes).toEqual(JPEG_16x12);
    expect((await fetch(`${H()}/v1/documents`)).status).toBe(401);
  });
});
