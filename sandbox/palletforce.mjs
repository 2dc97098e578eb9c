// Palletforce simulator (contracts/palletforce.md): its ExternalScanning JSON API with the
// access key in every body; UploadManifest deduplicated on uniqueTransactionNumber (a repeat
// returns the first answer, a VALIDATION refusal is not remembered); DownloadTracking returning
// the whole history every time; DownloadConsignments paged with a repeatable cursor; UploadScans
// accepting a repeat without a second record. Counts calls per 60 s against the rate limit.
import { createSimServer, json } from "./lib/http.mjs";

const PREFIX = "/api/ExternalScanning";
const EVENT_NAMES = {
  SCOT: "Scanned out of collection depot", ARRD: "Arrived at delivery depot", ARDL: "Arrived at delivery address", POC: "Proof of collection",
  POD: "Proof of delivery", PODD: "Proof of delivery (damaged)", PODE: "Proof of delivery (electronic)", DMGD: "Damaged", ABRT: "Delivery aborted",
};
const refuse = (status, code, message) => json(status, { success: false, errors: [{ code, message }] });

export function createPalletforceSim({ creds, quiet }) {
  let config, bookings, consignments, events, scans, callTimes, maxPerMinute, serial;
  function reset() {
    config = { pageSize: 2, refuseServices: [], ratePerMinute: 60 };
    bookings = new Map(); // uniqueTransactionNumber → { answer, manifest, trackingNumber, pallets }
    consignments = []; // the depot listing, in order; a cursor is an index into it
    events = new Map(); // trackingNumber → events
    scans = [];
    callTimes = [];
    maxPerMinute = 0;
    serial = 0;
  }
  reset();

  function guard(ctx) {
    if (!ctx.path.startsWith(PREFIX)) return null;
    const now = Date.now();
    callTimes = callTimes.filter((t) => t > now - 60_000);
    callTimes.push(now);
    maxPerMinute = Math.max(maxPerMinute, callTimes.length);
    const b = ctx.json();
    if (b?.accessKey !== creds.PALLETFORCE_ACCESS_KEY) return refuse(401, "AUTH", "The access key is missing or not valid.");
    return null;
  }

  const nextTracking = (depot) => `${String(depot ?? "000").padStart(3, "0").slice(0, 3)}${String(Date.now() % 1e7).padStart(7, "0")}${String(serial++ % 1000).padStart(3, "0")}`;

  function uploadManifest(ctx) {
    const b = ctx.json();
    const tx = b.uniqueTransactionNumber;
    if (typeof tx !== "string" || !tx) return refuse(400, "VALIDATION", "uniqueTransactionNumber is required.");
    const first = bookings.get(tx);
    if (first) return json(200, first.answer);
    const errors = [];
    for (const which of ["collectionAddress", "deliveryAddress"]) {
      for (const f of ["name", "postcode", "town", "country"]) if (typeof b[which]?.[f] !== "string" || (f !== "name" && !b[which][f])) errors.push({ code: "VALIDATION", message: `${which}.${f} is required.` });
    }
    if (!Array.isArray(b.consignments) || b.consignments.length !== 1) errors.push({ code: "VALIDATION", message: "consignments must hold exactly one consignment." });
    const c = b.consignments?.[0] ?? {};
    for (const f of ["requestingDepot", "consignmentNumber", "CustomerAccountNumber", "serviceName"]) if (typeof c[f] !== "string" || !c[f]) errors.push({ code: "VALIDATION", message: `consignments[0].${f} is required.` });
    if (!Array.isArray(c.pallets) || !c.pallets.length) errors.push({ code: "VALIDATION", message: "consignments[0].pallets is required." });
    if (config.refuseServices.includes(c.serviceName)) errors.push({ code: "VALIDATION", message: `serviceName ${c.serviceName} is not available for account ${c.CustomerAccountNumber}.` });
    if (c.notes?.some((n) => typeof n !== "string" || n.length > 250)) errors.push({ code: "VALIDATION", message: "notes may hold at most 250 characters each." });
    if (errors.length) return json(400, { success: false, errors });
    const trackingNumber = nextTracking(c.requestingDepot);
    const pallets = c.pallets.reduce((n, p) => n + (p.numberofPallets ?? 0), 0);
    const answer = { success: true, errors: [], consignments: [{ consignmentNumber: c.consignmentNumber, trackingNumber, routing: { collectionDepot: c.requestingDepot, deliveryDepot: "112", hub: "BIRMINGHAM" } }] };
    bookings.set(tx, { answer, manifest: b, trackingNumber, pallets, palletBarcodes: Array.from({ length: pallets }, (_, i) => `PF${trackingNumber}${String(i + 1).padStart(3, "0")}`), at: new Date().toISOString() });
    if (!events.has(trackingNumber)) events.set(trackingNumber, []);
    return json(200, answer);
  }

  function downloadTracking(ctx) {
    const b = ctx.json();
    const t = b.trackingNumber;
    if (typeof t !== "string" || !/^\d{13}$/.test(t)) return refuse(400, "VALIDATION", "trackingNumber must be 13 digits.");
    if (!events.has(t)) return refuse(404, "NOT_FOUND", `No consignment ${t}.`);
    return json(200, { success: true, errors: [], trackingNumber: t, trackingData: events.get(t) });
  }

  function downloadConsignments(ctx) {
    const b = ctx.json();
    if (b.depot !== creds.PALLETFORCE_DEPOT) return refuse(404, "NOT_FOUND", `Depot ${b.depot} is not accessible with this key.`);
    let start = 0;
    if (b.since !== undefined && b.since !== null) {
      const m = /^c(\d+)$/.exec(String(b.since));
      if (!m) return refuse(400, "VALIDATION", "since is not a valid cursor.");
      start = Number(m[1]);
    }
    const page = consignments.slice(start, start + config.pageSize);
    const end = start + page.length;
    return json(200, { success: true, errors: [], consignments: page, nextSince: end < consignments.length ? `c${end}` : null });
  }

  function uploadScans(ctx) {
    const b = ctx.json();
    if (!Array.isArray(b.scans) || !b.scans.length) return refuse(400, "VALIDATION", "scans is required.");
    const errors = [];
    b.scans.forEach((s, i) => {
      if (!/^\d{13}$/.test(s?.trackingNumber ?? "")) errors.push({ code: "VALIDATION", message: `scans[${i}].trackingNumber must be 13 digits.` });
      if (!["DONR", "ARDL", "POD"].includes(s?.eventCode)) errors.push({ code: "VALIDATION", message: `scans[${i}].eventCode is not a scan we take.` });
      if (Number.isNaN(Date.parse(s?.eventDateTime ?? ""))) errors.push({ code: "VALIDATION", message: `scans[${i}].eventDateTime is not a date-time.` });
    });
    if (errors.length) return json(400, { success: false, errors });
    for (const s of b.scans) {
      const dup = scans.find((x) => x.trackingNumber === s.trackingNumber && x.eventCode === s.eventCode && x.eventDateTime === s.eventDateTime);
      if (!dup) scans.push({ ...s, at: new Date().toISOString() });
    }
    return json(200, { success: true, errors: [], accepted: b.scans.length });
  }

  // ---- control ----
  function seedConsignments(ctx) {
    const list = [].concat(ctx.json());
    for (const c of list) {
      const full = defaultsFor(c, creds.PALLETFORCE_DEPOT, nextTracking("112"));
      consignments.push(full);
      if (!events.has(full.trackingNumber)) events.set(full.trackingNumber, []);
    }
    return json(200, { count: consignments.length, consignments: consignments.slice(-list.length) });
  }
  /** Events for a tracking number; a pallet's barcode may be given by index (`pallet: 0`). */
  function seedEvents(ctx) {
    const list = [].concat(ctx.json());
    for (const e of list) {
      const t = e.trackingNumber;
      const booked = [...bookings.values()].find((x) => x.trackingNumber === t);
      const listed = consignments.find((c) => c.trackingNumber === t);
      const barcodes = booked?.palletBarcodes ?? listed?.pallets.map((p) => p.palletBarcode) ?? [];
      const palletBarcode = e.palletBarcode !== undefined ? e.palletBarcode : typeof e.pallet === "number" ? (barcodes[e.pallet] ?? null) : null;
      const ev = { eventCode: e.eventCode, eventDescription: e.eventDescription ?? EVENT_NAMES[e.eventCode] ?? e.eventCode, eventDateTime: e.eventDateTime ?? new Date().toISOString().replace(/\.\d{3}Z$/, "Z"), depot: e.depot ?? "112", palletBarcode };
      if (!events.has(t)) events.set(t, []);
      events.get(t).push(ev);
    }
    return json(200, { ok: true });
  }
  function setConfig(ctx) {
    const b = ctx.json() ?? {};
    for (const k of ["pageSize", "refuseServices", "ratePerMinute"]) if (b[k] !== undefined) config[k] = b[k];
    return json(200, config);
  }

  return createSimServer({
    name: "palletforce",
    quiet,
    before: guard,
    routes: [
      ["POST", new RegExp(`^${PREFIX}/UploadManifest$`), uploadManifest],
      ["POST", new RegExp(`^${PREFIX}/DownloadTracking$`), downloadTracking],
      ["POST", new RegExp(`^${PREFIX}/DownloadConsignments$`), downloadConsignments],
      ["POST", new RegExp(`^${PREFIX}/UploadScans$`), uploadScans],
    ],
    control: [
      ["POST", /^\/__sim\/consignments$/, seedConsignments],
      ["POST", /^\/__sim\/events$/, seedEvents],
      ["POST", /^\/__sim\/config$/, setConfig],
    ],
    getState: () => ({
      config,
      bookings: [...bookings.entries()].map(([tx, b]) => ({ uniqueTransactionNumber: tx, trackingNumber: b.trackingNumber, pallets: b.pallets, pallet_barcodes: b.palletBarcodes, manifest: b.manifest, at: b.at })),
      consignments,
      events: Object.fromEntries(events),
      scans,
      max_calls_in_60s: maxPerMinute,
    }),
    reset,
  });
}

/** A full listing entry in the contract's shape; seeds may give only the fields they care about. */
function defaultsFor(c, depot, trackingNumber) {
  const t = c.trackingNumber ?? trackingNumber;
  const n = c.palletCount ?? 1;
  const { palletCount: _ignored, ...rest } = c;
  return {
    trackingNumber: t,
    consignmentNumber: `PF-${t.slice(-6)}`,
    requestingDepot: "112",
    collectionDepot: "112",
    deliveryDepot: depot,
    serviceName: "NEXT DAY",
    deliveryDate: new Date().toISOString().slice(0, 10),
    weight: 480 * n,
    palletSpaces: n,
    pallets: Array.from({ length: n }, (_, i) => ({ palletType: "FULL", palletBarcode: `PF${t}${String(i + 1).padStart(3, "0")}` })),
    collectionAddress: { name: "Acme Ltd", street: "1 Mill Lane", town: "Leeds", county: "", postcode: "LS1 1AA", country: "GB", contactName: "", telephone: "" },
    deliveryAddress: { name: "Bob's Builders", street: "9 Quay St, Unit 4", town: "Hull", county: "", postcode: "HU1 1AA", country: "GB", contactName: "Bob", telephone: "01482 000000" },
    notes: [],
    ...rest,
  };
}
