// UPN simulator: X-Api-Key auth, paged consignments (repeatable reads), destructive tracking
// events (consignment- and pallet-level), and ePOD/images with their ordering rule (no image
// before the ePOD).
import { randomUUID } from "node:crypto";
import { createSimServer, json } from "./lib/http.mjs";
import { sha256, b64 } from "./lib/util.mjs";

const MAX_IMAGE_BYTES = 10_000_000; // "Up to 10 MB an image" (upn.md)
const STAGES = { BKD: "Booked", OFD: "Out for delivery", ARR: "Arrived", UNL: "Unloaded", DEL: "Delivered", CRD: "Carded", CMP: "Complaint raised" };
const err = (status, error, message, extra = {}, headers = {}) => json(status, { error, message, ...extra }, headers);

export function createUpnSim({ creds, quiet }) {
  let config, consignments, pendingEvents, deliveredEvents, epods, images, eventReads;
  function reset() {
    config = { pageSize: 2, disabledActions: [] };
    consignments = []; // in booking order; a cursor is an index into this list
    pendingEvents = [];
    deliveredEvents = [];
    eventReads = [];
    epods = [];
    images = [];
  }
  reset();

  function guard(ctx) {
    if (!ctx.path.startsWith("/v1/")) return null;
    if (ctx.headers["x-api-key"] !== creds.UPN_API_KEY) return err(401, "INVALID_API_KEY", "The API key is missing or not valid.");
    return null;
  }
  const disabled = (action) => (config.disabledActions.includes(action) ? err(403, "ACTION_NOT_ENABLED", `The action '${action}' is not enabled for this depot. Ask UPN IT to enable it.`, { action }) : null);
  const depotCheck = (depot) => (depot !== creds.UPN_DEPOT ? err(404, "DEPOT_NOT_FOUND", `Depot ${depot} is not accessible with this key.`) : null);

  function listConsignments(ctx) {
    const bad = depotCheck(ctx.params.depot);
    if (bad) return bad;
    let start = 0;
    if (ctx.query.since !== undefined) {
      const m = /^c(\d+)$/.exec(ctx.query.since);
      if (!m) return err(400, "INVALID_CURSOR", "The cursor is not valid.");
      start = Number(m[1]);
    }
    const page = consignments.slice(start, start + config.pageSize);
    const end = start + page.length;
    // The last page says null; the next cycle re-reads from the cursor that fetched it.
    return json(200, { consignments: page, next_cursor: end < consignments.length ? `c${end}` : null });
  }

  function trackingEvents(ctx) {
    const off = disabled("tracking") ?? depotCheck(ctx.params.depot);
    if (off) return off;
    const events = pendingEvents;
    pendingEvents = [];
    deliveredEvents.push(...events);
    eventReads.push({ at: new Date().toISOString(), count: events.length, event_ids: events.map((e) => e.event_id) });
    return json(200, { events });
  }

  const findConsignment = (barcode) => consignments.find((c) => c.barcode === barcode);

  function postEpod(ctx) {
    const off = disabled("epod");
    if (off) return off;
    const barcode = ctx.params.barcode;
    if (!findConsignment(barcode)) return err(404, "CONSIGNMENT_NOT_FOUND", `No consignment ${barcode}.`);
    const b = ctx.json();
    const missing = ["signed_by", "signed_at"].filter((k) => typeof b?.[k] !== "string" || !b[k]);
    if (typeof b?.signature?.data !== "string") missing.push("signature.data");
    if (typeof b?.signature?.content_type !== "string") missing.push("signature.content_type");
    for (const k of ["latitude", "longitude"]) if (b?.[k] != null && typeof b[k] !== "number") missing.push(k);
    if (missing.length) return err(400, "VALIDATION_ERROR", `Invalid or missing: ${missing.join(", ")}.`, { fields: missing });
    const sig = b64(b.signature.data);
    const rec = { barcode, signed_by: b.signed_by, signed_at: b.signed_at, latitude: b.latitude ?? null, longitude: b.longitude ?? null, signature_content_type: b.signature.content_type, signature_sha256: sha256(sig), signature_size: sig.length, at: new Date().toISOString() };
    const existing = epods.find((e) => e.barcode === barcode);
    if (existing) {
      const same = existing.signed_by === rec.signed_by && existing.signed_at === rec.signed_at && existing.signature_sha256 === rec.signature_sha256;
      return same ? json(200, { status: "DELIVERED" }) : err(409, "EPOD_EXISTS", `Consignment ${barcode} already has a different ePOD.`);
    }
    epods.push(rec);
    return json(201, { status: "DELIVERED" });
  }

  function postImage(ctx) {
    const off = disabled("image_download");
    if (off) return off;
    const barcode = ctx.params.barcode;
    if (!findConsignment(barcode)) return err(404, "CONSIGNMENT_NOT_FOUND", `No consignment ${barcode}.`);
    const b = ctx.json();
    const missing = ["filename", "content_type", "data", "sha256"].filter((k) => typeof b?.[k] !== "string" || !b[k]);
    if (missing.length) return err(400, "VALIDATION_ERROR", `Invalid or missing: ${missing.join(", ")}.`, { fields: missing });
    const data = b64(b.data);
    if (data.length > MAX_IMAGE_BYTES) return err(413, "IMAGE_TOO_LARGE", "An image may be up to 10 MB.");
    const actual = sha256(data);
    if (actual !== b.sha256.toLowerCase()) return err(400, "SHA256_MISMATCH", "sha256 does not match the bytes.", { fields: ["sha256"] });
    if (!epods.some((e) => e.barcode === barcode)) return err(409, "EPOD_REQUIRED", `Consignment ${barcode} has no ePOD yet.`);
    const dup = images.find((i) => i.barcode === barcode && i.sha256 === actual);
    if (dup) return json(200, { image_id: dup.image_id });
    const image_id = `img-${randomUUID()}`;
    images.push({ image_id, barcode, filename: b.filename, content_type: b.content_type, size: data.length, sha256: actual, at: new Date().toISOString() });
    return json(201, { image_id });
  }

  // ---- control ----
  function seedConsignments(ctx) {
    const b = ctx.json();
    const list = Array.isArray(b) ? b : [b];
    for (const c of list) consignments.push(defaultsFor(c, creds.UPN_DEPOT));
    return json(200, { count: consignments.length });
  }
  function seedEvents(ctx) {
    const b = ctx.json();
    const list = Array.isArray(b) ? b : [b];
    for (const e of list) {
      const ev = { event_id: `e-${randomUUID().slice(0, 8)}`, capture_type: "C", pallet_barcode: null, occurred_at: new Date().toISOString(), depot: creds.UPN_DEPOT, note: null, ...e };
      if (ev.stage === undefined && STAGES[ev.stage_code]) ev.stage = STAGES[ev.stage_code];
      // A pallet-level seed without its pallet scans the consignment's first one, as UPN would name it.
      if (ev.capture_type === "P" && !ev.pallet_barcode && e.pallet_barcode === undefined) ev.pallet_barcode = findConsignment(ev.barcode)?.pallets?.[0]?.barcode ?? null;
      pendingEvents.push(ev);
    }
    return json(200, { pending: pendingEvents.length });
  }
  function setConfig(ctx) {
    const b = ctx.json() ?? {};
    if (b.disabledActions !== undefined) config.disabledActions = b.disabledActions;
    if (b.pageSize !== undefined) config.pageSize = b.pageSize;
    return json(200, config);
  }

  return createSimServer({
    name: "upn",
    quiet,
    before: guard,
    routes: [
      ["GET", /^\/v1\/depots\/(?<depot>[^/]+)\/consignments$/, listConsignments],
      ["GET", /^\/v1\/depots\/(?<depot>[^/]+)\/tracking-events$/, trackingEvents],
      ["POST", /^\/v1\/consignments\/(?<barcode>[^/]+)\/epod$/, postEpod],
      ["POST", /^\/v1\/consignments\/(?<barcode>[^/]+)\/images$/, postImage],
    ],
    control: [
      ["POST", /^\/__sim\/consignments$/, seedConsignments],
      ["POST", /^\/__sim\/events$/, seedEvents],
      ["POST", /^\/__sim\/config$/, setConfig],
    ],
    getState: () => ({ config, consignments, pending_events: pendingEvents, delivered_events: deliveredEvents, event_reads: eventReads, epods, images }),
    reset,
  });
}

/** A full consignment in the contract's shape; seeds may give only the fields they care about. */
function defaultsFor(c, depot) {
  const barcode = c.barcode ?? `UPN${depot}${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
  return {
    barcode,
    service: "NEXT_DAY",
    booked_at: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    requesting_depot: "012",
    delivery_depot: depot,
    shipper: { name: "Acme Ltd", address1: "1 Mill Lane", address2: null, town: "Leeds", postcode: "LS1 1AA", country: "GB" },
    consignee: { name: "Bob's Builders", address1: "9 Quay St", address2: null, town: "Hull", postcode: "HU1 1AA", country: "GB", contact: "Bob", phone: "01482 000000" },
    pallets: [{ barcode: `UPNP${barcode.slice(3)}001`, type: "FULL", weight_kg: 480 }],
    total_weight_kg: 480,
    instructions: null,
    ...c,
  };
}
