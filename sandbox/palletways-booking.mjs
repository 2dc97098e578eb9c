// Palletways bookings in the simulator (palletways.md, "Booking"): createconsignment (no
// deduplication, as at Palletways: the same manifest twice is two consignments),
// getDynConStatusByConNo, getLabelsByTID (a real PDF, one page per pallet) and notes that move
// a booked consignment through 300 → 700 → 800 → 900 with a POD at the end. The store-then-fail
// fault is the harness's `after` rule on createconsignment (/__sim/fail) or /__sim/booking/fault.
import { PDFDocument, StandardFonts } from "pdf-lib";
import { json, text, bytes } from "./lib/http.mjs";

const NOT_CONFIGURED = "ERROR: This account is not configured to produce labels.";
const BILL_UNITS = ["FP", "HP", "QP", "MQP", "LP", "ELP", "SELP"];
const PROGRESS = [
  { StatusCode: "300", NoteType: "At Collection Depot", NoteGroup: "Tracking" },
  { StatusCode: "700", NoteType: "At Delivery Depot", NoteGroup: "Tracking" },
  { StatusCode: "800", NoteType: "Out For Delivery", NoteGroup: "Tracking" },
  { StatusCode: "900", NoteType: "Delivered", NoteGroup: "POD" },
];

const ukParts = (d) => Object.fromEntries(new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/London", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(d).map((p) => [p.type, p.value]));
const ukDate = (d) => { const p = ukParts(d); return `${p.year}-${p.month}-${p.day}`; };
const ukTime = (d) => { const p = ukParts(d); return `${p.hour}:${p.minute}`; };

/**
 * @param {{ apiPrefix: string, seedNote: (n: object) => object, addPodPage: (trackingId: string) => Promise<void> }} deps
 */
export function createBookingSim({ apiPrefix, seedNote, addPodPage }) {
  let consignments, config, nextTid;
  function reset() {
    consignments = []; // {TrackingID, ConNo, ImportID, Account, Lifts, Weight, manifest, status, created_at}
    config = { labelsConfigured: true, account: null };
    nextTid = 60012340000 + Math.floor(Math.random() * 9000) * 1000;
  }
  reset();

  function validate(c) {
    const errors = [];
    const need = (cond, Code, Description) => cond || errors.push({ Code, Description });
    need(Number.isInteger(c?.Lifts) && c.Lifts >= 1, "E101", "Lifts must be at least 1");
    need(typeof c?.Weight === "number" && c.Weight >= 1, "E102", "Weight must be at least 1 kg");
    need(typeof c?.Weight === "number" && Number.isInteger(c?.Lifts) && c.Weight <= 1200 * Math.max(c.Lifts, 1), "E103", "Weight is more than 1200 kg a pallet");
    need(/^\d{4}-\d{2}-\d{2}$/.test(c?.CollectionDate ?? ""), "E110", "CollectionDate is not a date");
    need(/^\d{4}-\d{2}-\d{2}$/.test(c?.DeliveryDate ?? ""), "E111", "DeliveryDate is not a date");
    for (const a of c?.Address ?? []) need(/^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/i.test(a?.PostCode ?? ""), "E120", `${a?.Type ?? "An"} postcode ${a?.PostCode ?? ""} is not a UK postcode`);
    need(Array.isArray(c?.Address) && c.Address.length === 2, "E121", "Two addresses (Collection, Delivery) are required");
    for (const b of c?.BillUnit ?? []) need(BILL_UNITS.includes(b?.Type), "E130", `Bill unit ${b?.Type} is not known`);
    need(typeof c?.Service?.[0]?.Code === "string" && /^[A-Z]{1,2}$/.test(c.Service[0].Code), "E140", "Service code is not known");
    return errors;
  }

  function createConsignment(ctx) {
    const form = new URLSearchParams(ctx.body.toString("utf8"));
    if (form.get("inputformat") !== "json" || form.get("outputformat") !== "json") return text(200, "ERROR: Only inputformat=json and outputformat=json are simulated.");
    let manifest;
    try {
      manifest = JSON.parse(form.get("data") ?? "");
    } catch {
      manifest = null;
    }
    const account = manifest?.Manifest?.Depot?.Account;
    const list = account?.Consignment;
    if (!Array.isArray(list) || !account?.Code) {
      return json(200, { Response: { Status: { Code: "ERROR_FORMAT_INVALID", Description: "Manifest.Depot.Account.Consignment is missing" } } });
    }
    const invalid = list.map((c, Index) => ({ Index, ImportID: c?.ImportID ?? "", Error: validate(c) })).filter((v) => v.Error.length);
    if (invalid.length) return json(200, { Response: { Status: { Code: "ERROR_VALIDATION", Description: `${invalid.length} consignment(s) failed validation` }, Detail: { ValidationErrors: { Consignment: invalid } } } });
    const commit = form.get("commit") === "yes";
    const details = list.map((c) => {
      if (!commit) return { ImportID: c.ImportID, ResponseID: "", Information: "Validated (not committed)" };
      // No deduplication, as at Palletways: the same manifest twice is two consignments.
      nextTid += 1;
      const row = { TrackingID: String(nextTid), ConNo: String(c.Number), ImportID: c.ImportID, Account: account.Code, Lifts: c.Lifts, Weight: c.Weight, manifest: c, status: { StatusCode: "25", Status: "TO REQUEST" }, created_at: new Date().toISOString(), ResponseID: String(2380000 + consignments.length) };
      consignments.push(row);
      return { ImportID: c.ImportID, ResponseID: row.ResponseID, Information: "Consignment created" };
    });
    return json(200, { Response: { Status: { Code: "OK", Description: `${details.length} consignment(s) imported` }, Detail: { ImportDetail: details } } });
  }

  function statusByConNo(ctx) {
    if (ctx.query.outputformat !== "json") return text(200, "ERROR: Only outputformat=json is simulated.");
    const hits = consignments.filter((c) => c.ConNo === ctx.params.number);
    if (!hits.length) return json(200, { Response: { Status: { Code: "NO_RESULTS_FOUND", Description: "No results found", Count: 0 } } });
    const now = new Date();
    return json(200, {
      Response: {
        Status: { Code: "OK", Count: hits.length },
        Detail: { Data: hits.map((c) => ({ TrackingID: c.TrackingID, ConNo: c.ConNo, StatusCode: c.status.StatusCode, Status: c.status.Status, StatusDate: ukDate(now), StatusTime: ukTime(now) })) },
      },
    });
  }

  async function labels(ctx) {
    const c = consignments.find((x) => x.TrackingID === ctx.params.tid);
    if (!config.labelsConfigured) return text(200, NOT_CONFIGURED);
    if (!c) return text(200, "ERROR: Consignment not found for this ID.");
    return bytes(200, await labelsPdf(c), "application/pdf");
  }

  // ---- control ----
  /** {trackingId, codes?: ["300","700","800","900"], signature?, stepMinutes?, at?}: notes with UK times, a POD at 900. */
  async function progress(ctx) {
    const b = ctx.json() ?? {};
    const c = consignments.find((x) => x.TrackingID === String(b.trackingId));
    if (!c) return json(404, { error: "UNKNOWN", message: `no booked consignment ${b.trackingId}` });
    const codes = (b.codes ?? PROGRESS.map((p) => p.StatusCode)).map(String);
    const start = b.at ? new Date(b.at) : new Date();
    const step = (b.stepMinutes ?? 1) * 60_000;
    const out = [];
    for (const [i, code] of codes.entries()) {
      const kind = PROGRESS.find((p) => p.StatusCode === code) ?? { StatusCode: code, NoteType: b.noteType ?? "Update", NoteGroup: b.noteGroup ?? "Tracking" };
      const when = new Date(start.getTime() + i * step);
      const note = { TrackingID: c.TrackingID, ConNo: c.ConNo, NoteDate: ukDate(when), NoteTime: ukTime(when), ...kind, ...(b.noteText ? { NoteText: b.noteText } : {}) };
      if (code === "900") {
        Object.assign(note, { PodDate: ukDate(when), PodTime: ukTime(when), PodSignature: b.signature ?? "J SMITH" });
        await addPodPage(c.TrackingID);
      }
      c.status = { StatusCode: code, Status: kind.NoteType.toUpperCase() };
      out.push(seedNote(note));
    }
    return json(200, out);
  }

  function setConfig(ctx) {
    const b = ctx.json() ?? {};
    if (b.labelsConfigured !== undefined) config.labelsConfigured = Boolean(b.labelsConfigured);
    return json(200, config);
  }

  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return {
    routes: [
      ["POST", new RegExp(`^${esc(apiPrefix)}/createconsignment$`), createConsignment],
      ["GET", new RegExp(`^${esc(apiPrefix)}/getDynConStatusByConNo/(?<number>[^/]+)$`), statusByConNo],
      ["GET", new RegExp(`^${esc(apiPrefix)}/getLabelsByTID/(?<tid>[^/]+)$`), labels],
    ],
    control: [
      ["POST", /^\/__sim\/booking\/progress$/, progress],
      ["POST", /^\/__sim\/booking\/config$/, setConfig],
    ],
    state: () => {
      const byNumber = new Map();
      for (const c of consignments) byNumber.set(c.ConNo, (byNumber.get(c.ConNo) ?? 0) + 1);
      return {
        config,
        consignments: consignments.map(({ manifest, ...c }) => ({ ...c, manifest })),
        /** Consignment numbers committed more than once: what the connector must never cause. */
        booked_twice: [...byNumber].filter(([, n]) => n > 1).map(([number, n]) => ({ number, count: n })),
      };
    },
    reset,
  };
}

/** One A6 page per pallet with the tracking ID, the pallet's number and the delivery town. */
async function labelsPdf(c) {
  const doc = await PDFDocument.create();
  doc.setProducer("palletbridge sandbox");
  doc.setCreationDate(new Date(0));
  doc.setModificationDate(new Date(0));
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const delivery = (c.manifest.Address ?? []).find((a) => a.Type === "Delivery") ?? {};
  const lifts = Math.max(1, Number(c.Lifts) || 1);
  for (let i = 1; i <= lifts; i++) {
    const page = doc.addPage([298, 420]);
    page.drawText(`Palletways ${c.TrackingID}`, { x: 20, y: 380, size: 16, font });
    page.drawText(`Pallet ${i} of ${lifts}`, { x: 20, y: 350, size: 14, font });
    page.drawText(`${delivery.CompanyName ?? ""}`, { x: 20, y: 320, size: 12, font });
    page.drawText(`${delivery.Town ?? ""} ${delivery.PostCode ?? ""}`, { x: 20, y: 300, size: 12, font });
    page.drawText(`Con ${c.ConNo}`, { x: 20, y: 270, size: 12, font });
  }
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}
