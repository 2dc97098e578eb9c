// Palletways simulator: API2 under /api2 and the portal API under /portal/api on one server.
// Plain-text errors (even under 200), the 100-calls-a-minute ban, POD PDFs that grow as photos
// arrive, and status notes by delta. Control endpoints (and the FTP switch) at the root.
import { createSimServer, text, bytes, json, Reply } from "./lib/http.mjs";
import { sha256, b64, sniff, slidingWindow } from "./lib/util.mjs";
import { podPdf } from "./lib/pdf.mjs";
import { createBookingSim } from "./palletways-booking.mjs";
import { podPagePng } from "./lib/pod-page.mjs";
import { createPalletwaysImport } from "./palletways-import.mjs";

export const API_PREFIX = "/api2";
export const PORTAL_PREFIX = "/portal/api";

const MSG = {
  noKey: "API Key not specified.",
  badKey: "The API key provided is not authorised to use the requested API.",
  unavailable: "The requested API is not available.",
  noPod: "ERROR: POD not found for this ID.",
};

const DEFAULT_CONFIG = {
  podimagesAvailable: true,
  notFoundStatus: 200, // Palletways answers "ERROR: …" under 200; 404 is the polite variant
  authErrorStatus: 200,
  limitPerMinute: 100,
  banSeconds: 900,
};

export function createPalletwaysSim({ creds, quiet, ftp }) {
  let config, pods, notes, lastDelta, windows, ban, bans, maxIn60;
  const imports = createPalletwaysImport({ apiPrefix: API_PREFIX });
  function reset() {
    imports.reset();
    config = { ...DEFAULT_CONFIG };
    pods = new Map(); // trackingId → [{format, data, sha256, added_at}]
    notes = [];
    lastDelta = 0;
    windows = new Map(); // apikey → sliding 60 s window
    ban = null;
    bans = [];
    maxIn60 = 0;
  }
  reset();

  // Bookings (createconsignment, look-up, labels, notes that move a booking): palletways-booking.mjs.
  const booking = createBookingSim({
    apiPrefix: API_PREFIX,
    seedNote: (n) => addNote(n),
    addPodPage: async (id) => {
      const data = await podPagePng(id);
      pods.set(id, [...(pods.get(id) ?? []), { format: "png", data, sha256: sha256(data), added_at: new Date().toISOString() }]);
    },
  });

  function guard(ctx) {
    const isApi = ctx.path.startsWith(API_PREFIX + "/") || ctx.path.startsWith(PORTAL_PREFIX + "/");
    if (!isApi) return null;
    const now = Date.now();
    const key = ctx.query.apikey ?? "";
    if (ban && ban.until > now) return text(429, "Too many requests: API key temporarily banned.", { "retry-after": String(config.banSeconds) });
    if (!windows.has(key)) windows.set(key, slidingWindow(60_000));
    const n = windows.get(key).add(now);
    maxIn60 = Math.max(maxIn60, n);
    if (n > config.limitPerMinute && key === creds.PALLETWAYS_API_KEY) {
      ban = { at: new Date(now).toISOString(), until: now + config.banSeconds * 1000, calls_in_60s: n };
      bans.push({ at: ban.at, until: new Date(ban.until).toISOString(), calls_in_60s: n });
      return text(429, "Too many requests: API key temporarily banned.", { "retry-after": String(config.banSeconds) });
    }
    if (!ctx.query.apikey) return text(config.authErrorStatus, MSG.noKey);
    if (key !== creds.PALLETWAYS_API_KEY) return text(config.authErrorStatus, MSG.badKey);
    return null;
  }

  const noPod = () => text(config.notFoundStatus, MSG.noPod);

  async function podimages(ctx) {
    if (!config.podimagesAvailable) return text(200, MSG.unavailable);
    const pages = pods.get(ctx.params.id);
    if (!pages?.length) return noPod();
    return bytes(200, await podPdf(pages), "application/pdf");
  }

  async function latestPod(ctx) {
    const pages = pods.get(ctx.params.id);
    if (!pages?.length) return noPod();
    return bytes(200, await podPdf(pages.slice(-1)), "application/pdf");
  }

  function getNotes(ctx) {
    const epoch = Number(ctx.params.epoch);
    if (!Number.isFinite(epoch)) return text(200, "ERROR: Invalid delta.");
    const data = notes.filter((n) => n.Delta > epoch).sort((a, b) => a.Delta - b.Delta);
    if (ctx.query.outputformat !== "json") return text(200, "ERROR: Only outputformat=json is simulated.");
    if (!data.length) return json(200, { Response: { Status: { Code: "NO_RESULTS_FOUND", Description: "No results found", Count: 0 } } });
    return json(200, { Response: { Status: { Code: "OK", Description: "", Count: data.length }, Detail: { Data: data } } });
  }

  const unavailable = () => text(200, MSG.unavailable);

  // ---- control ----
  function addPod(ctx) {
    const b = ctx.json();
    const list = Array.isArray(b) ? b : b?.pages;
    if (!Array.isArray(list) || !list.length) return json(400, { error: "BAD_SEED", message: "need {pages: [{format: jpeg|png, data: base64}]}" });
    const pages = list.map((p) => {
      const data = b64(p?.data);
      const actual = sniff(data);
      const format = p?.format ?? (actual === "image/png" ? "png" : "jpeg");
      if ((format === "jpeg" && actual !== "image/jpeg") || (format === "png" && actual !== "image/png")) {
        throw new Reply(json(400, { error: "BAD_SEED", message: `page data is not ${format}` }));
      }
      return { format, data, sha256: sha256(data), added_at: new Date().toISOString() };
    });
    const id = ctx.params.id;
    pods.set(id, [...(pods.get(id) ?? []), ...pages]);
    return json(200, { trackingId: id, pages: pods.get(id).length });
  }

  function seedNotes(ctx) {
    const b = ctx.json();
    const list = Array.isArray(b) ? b : [b];
    return json(200, list.map(addNote));
  }

  function addNote(n) {
    const Delta = n.Delta ?? Math.max(lastDelta + 1, Math.floor(Date.now() / 1000));
    lastDelta = Math.max(lastDelta, Delta);
    const note = { Delta, TrackingID: "", ConNo: "", Barcode: "", NoteDate: "", NoteTime: "", PodDate: "", PodTime: "", PodSignature: "", StatusCode: "", NoteGroup: "", NoteType: "", ...n };
    note.Delta = Delta;
    notes.push(note);
    return note;
  }

  function setConfig(ctx) {
    const b = ctx.json() ?? {};
    for (const k of Object.keys(DEFAULT_CONFIG)) if (b[k] !== undefined) config[k] = b[k];
    return json(200, config);
  }

  function forceBan(ctx) {
    const seconds = Number(ctx.json()?.seconds ?? config.banSeconds);
    const now = Date.now();
    if (seconds <= 0) {
      ban = null;
      return json(200, { banned_until: null });
    }
    ban = { at: new Date(now).toISOString(), until: now + seconds * 1000, forced: true };
    bans.push({ at: ban.at, until: new Date(ban.until).toISOString(), forced: true });
    return json(200, { banned_until: new Date(ban.until).toISOString() });
  }

  const ftpControl = ftp
    ? [
        ["GET", /^\/__sim\/ftp\/files$/, async () => json(200, await ftp.files())],
        ["POST", /^\/__sim\/ftp\/files$/, async (ctx) => {
          const { name, data } = ctx.json() ?? {};
          if (!name || /[\\/]/.test(name)) return json(400, { error: "BAD_NAME", message: "need {name, data: base64}" });
          await ftp.putFile(name, b64(data));
          return json(200, { ok: true });
        }],
        ["POST", /^\/__sim\/ftp\/stop$/, async () => (await ftp.stop(), json(200, { running: false }))],
        ["POST", /^\/__sim\/ftp\/start$/, async () => (await ftp.start(), json(200, { running: true }))],
        ["POST", /^\/__sim\/ftp\/config$/, async (ctx) => json(200, await ftp.configure(ctx.json() ?? {}))],
        // {after: "STOR"|"RNTO", times?}: the command takes effect, then the control connection drops.
        ["POST", /^\/__sim\/ftp\/fail$/, (ctx) => json(200, ftp.failAfter(ctx.json() ?? {}))],
        ["GET", /^\/__sim\/ftp\/faults$/, () => json(200, ftp.faults.state())],
        ["POST", /^\/__sim\/ftp\/faults$/, (ctx) => json(200, ftp.faults.configure(ctx.json()))],
      ]
    : [];

  return createSimServer({
    name: "palletways",
    quiet,
    before: guard,
    routes: [
      ["GET", new RegExp(`^${PORTAL_PREFIX}/podimages/(?<id>[^/]+)$`), podimages],
      ["GET", new RegExp(`^${API_PREFIX}/getPodByTrackingId/(?<id>[^/]+)$`), latestPod],
      ["GET", new RegExp(`^${API_PREFIX}/getNotes/delta/(?<epoch>[^/]+)$`), getNotes],
      ...booking.routes,
      ...imports.routes,
      ["*", /^\/(api2|portal\/api)\/.*/, unavailable],
    ],
    control: [
      ["POST", /^\/__sim\/pod\/(?<id>[^/]+)$/, addPod],
      ["POST", /^\/__sim\/notes$/, seedNotes],
      ["POST", /^\/__sim\/config$/, setConfig],
      ["POST", /^\/__sim\/ban$/, forceBan],
      ...booking.control,
      ...imports.control,
      ...ftpControl,
    ],
    getState: () => ({
      config,
      pods: Object.fromEntries([...pods].map(([id, pages]) => [id, pages.map(({ data, ...p }) => ({ ...p, size: data.length }))])),
      notes,
      max_calls_in_60s: maxIn60,
      banned_until: ban && ban.until > Date.now() ? new Date(ban.until).toISOString() : null,
      bans,
      ftp: ftp?.status() ?? null,
      booking: booking.state(),
      ...imports.state(),
    }),
    async reset() {
      reset();
      booking.reset();
      await ftp?.reset();
    },
  });
}
