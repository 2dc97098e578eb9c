// Typed access to the partner simulators' control endpoints (/__sim/...) from tests inside
// workerd. Base URLs come from the Worker bindings that test/global-setup.ts provides.
import { env } from "cloudflare:test";

const bindings = env as unknown as Record<string, string | undefined>;

function required(name: string): string {
  const v = bindings[name];
  if (!v) throw new Error(`binding ${name} is not set: is the sandbox running (test/global-setup.ts)?`);
  return v;
}

export type Bytes = Uint8Array | ArrayBuffer | string;

/** base64 of bytes; a string is taken to be base64 already. */
export function toBase64(data: Bytes): string {
  if (typeof data === "string") return data;
  const u8 = data instanceof Uint8Array ? data : new Uint8Array(data);
  let s = "";
  for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode(...u8.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const u8 = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
  return u8;
}

export async function sha256Hex(data: Uint8Array | ArrayBuffer): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", data);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function control<T = any>(base: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(base + path, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path} → ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

export interface CallRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  at: string;
}

/** Injects failures: the next `times` calls whose path matches the regex answer `status`. */
export interface FailRule {
  method?: string;
  path: string;
  /** 0 = reset the connection without an answer. */
  status: number;
  /** The partner handles (stores) the request first; only its answer is replaced or lost. */
  after?: boolean;
  /** With status 0: hold the request this long before dropping it (a timeout). */
  hold_ms?: number;
  /** The partner sits on the request for `hold_ms`, then handles (stores) it anyway: the caller gave up before. */
  late?: boolean;
  /** With `late`: the connection drops after this long, before the late store (else at the caller's own timeout). */
  drop_ms?: number;
  times?: number;
  body?: string | object;
  headers?: Record<string, string>;
}

interface Common<S> {
  url(): string;
  state(): Promise<S & { calls: CallRecord[] }>;
  reset(): Promise<void>;
  fail(rule: FailRule | FailRule[]): Promise<void>;
}

function common<S>(base: () => string): Common<S> {
  return {
    url: base,
    state: () => control(base(), "/__sim/state"),
    reset: async () => void (await control(base(), "/__sim/reset", {})),
    fail: async (rule) => void (await control(base(), "/__sim/fail", rule)),
  };
}

// ---- Qargo ----
export interface QargoAttachment {
  order_id: string;
  matched_by: "id" | "customer_reference_number" | "name";
  filename: string;
  document_type: string | null;
  document_name: string | null;
  content_type: string | null;
  size: number;
  sha256: string;
  at: string;
}
export interface QargoState {
  config: { ratePerSecond: number; burst: number; enforceRateLimit: boolean; tokensPerHour: number };
  tokens_issued: number;
  rate_limited: { method: string; path: string; at: string; reason?: string }[];
  max_per_second: number;
  documents: { id: string; filename: string; mime_type: string; size: number; sha256: string | null; downloads: { direct: boolean; at: string; sent_bytes?: number; complete?: boolean }[] }[];
  orders: any[];
  attachments: QargoAttachment[];
  discarded: ({ kind: "document-import" | "subco-status-update" | "partial-order-update"; reason: string } & Record<string, any>)[];
  orders_created: { order_id: string; upload_id: string; order_identifier: string; input: any; at: string }[];
  status_updates: { order_id: string; matched_by: string; status: string | null; event_time: string; question_answers: Record<string, unknown> | null; update: any; body: any; at: string }[];
  /** Pallet scans recorded on handling units through partial-order-update. */
  scans: { order_id: string; matched_by: string; handling_unit: string; question: string; status: string | null; timestamp: string; description: string | null; stop_location_code: string | null; stop_match: unknown; scan: any; at: string }[];
  emitted: { target: string; status: number; body?: string; at: string }[];
  /** Consignment network fields (`palletways`, `palletforce`) set through partial-order-update. */
  consignment_updates: { order_id: string; matched_by: string; consignment_id: string; data: Record<string, any>; at: string }[];
}
export interface QargoSignature {
  type: "CONSIGNEE" | string;
  name?: string | null;
  position?: { latitude: number; longitude: number } | null;
  timestamp?: string | null;
}

const qargoBase = () => required("TMS_API_URL");
const qargo = {
  ...common<QargoState>(qargoBase),
  config: (c: Partial<{ ratePerSecond: number; burst: number; enforceRateLimit: boolean; tokensPerHour: number; scanQuestion: string }>) => control(qargoBase(), "/__sim/config", c),
  /** Stores a document; its download_url is relative to TMS_API_URL. With order_id it is listed on that order. */
  seedDocument: (d: { id?: string; content: Bytes; mime_type: string; filename: string; answer_json_first?: boolean; order_id?: string; type?: string; name?: string }) =>
    control<{ id: string; download_url: string }>(qargoBase(), "/__sim/documents", { ...d, content: toBase64(d.content) }),
  /** A document of `size` bytes made up as it is downloaded (never held whole, in the sim or here). */
  seedGeneratedDocument: (d: { size: number; declare_length?: boolean; mime_type: string; filename: string }) =>
    control<{ id: string; download_url: string }>(qargoBase(), "/__sim/documents", { mime_type: d.mime_type, filename: d.filename, generated: { size: d.size, declare_length: d.declare_length ?? false } }),
  /** A known order (for GET /v1/orders/order/{id}, document-import and status matching). */
  seedOrder: (o: { id: string; customer_reference_number?: string | null; order_name?: string; consignments?: { signatures?: QargoSignature[]; [k: string]: unknown }[]; [k: string]: unknown }) =>
    control<{ id: string }>(qargoBase(), "/__sim/orders", o),
  /** Qargo sends a webhook to `target` with the INBOUND Basic credentials (and signs it when a secret is given). */
  emit: (e: { target: string; body: unknown; signing_secret?: string; webhook_id?: string; timestamp?: number; basic?: { user: string; password: string } | null }) =>
    control<{ status: number; body?: string; error?: string }>(qargoBase(), "/__sim/emit", e),
};

// ---- Palletways ----
export interface PalletwaysState {
  config: { podimagesAvailable: boolean; notFoundStatus: number; authErrorStatus: number; limitPerMinute: number; banSeconds: number };
  pods: Record<string, { format: "jpeg" | "png"; sha256: string; size: number; added_at: string }[]>;
  notes: PalletwaysNote[];
  max_calls_in_60s: number;
  banned_until: string | null;
  bans: { at: string; until: string; calls_in_60s?: number; forced?: boolean }[];
  ftp: { running: boolean; port: number; dir: string; logins: { username: string; ok: boolean; at: string }[] } | null;
}
export interface PalletwaysNote {
  Delta?: number;
  TrackingID: string;
  ConNo?: string;
  Barcode?: string;
  NoteDate?: string;
  NoteTime?: string;
  PodDate?: string;
  PodTime?: string;
  PodSignature?: string;
  StatusCode: string;
  NoteGroup?: string;
  NoteType?: string;
}
export interface FtpFile {
  name: string;
  size: number;
  sha256: string;
}

const pwBase = () => bindings.PALLETWAYS_SIM_CONTROL_URL ?? required("PALLETWAYS_API_URL").replace(/\/api2$/, "");
const palletways = {
  ...common<PalletwaysState>(pwBase),
  config: (c: Partial<PalletwaysState["config"]>) => control(pwBase(), "/__sim/config", c),
  /** Appends delivery photos to the tracking ID's POD PDF (one page each). */
  addPhotos: (trackingId: string, pages: { format: "jpeg" | "png"; data: Bytes }[]) =>
    control(pwBase(), `/__sim/pod/${encodeURIComponent(trackingId)}`, { pages: pages.map((p) => ({ format: p.format, data: toBase64(p.data) })) }),
  /** Seeds status notes; Delta is assigned (increasing) unless given. Returns them as stored. */
  seedNotes: (notes: PalletwaysNote[]) => control<Required<PalletwaysNote>[]>(pwBase(), "/__sim/notes", notes),
  /** Forces a ban for `seconds` (0 lifts it). */
  ban: (seconds: number) => control(pwBase(), "/__sim/ban", { seconds }),
  ftp: {
    files: () => control<FtpFile[]>(pwBase(), "/__sim/ftp/files"),
    putFile: (name: string, data: Bytes) => control(pwBase(), "/__sim/ftp/files", { name, data: toBase64(data) }),
    stop: () => control(pwBase(), "/__sim/ftp/stop", {}),
    start: () => control(pwBase(), "/__sim/ftp/start", {}),
    /** e.g. {blacklist: ["EPSV"], pasvAddress: "10.0.0.7"}; cleared by reset. */
    configure: (c: { blacklist?: string[]; pasvAddress?: string | null }) => control(pwBase(), "/__sim/ftp/config", c),
    /** The next `times` STOR/RNTO take effect, then the control connection drops before the reply. */
    failAfter: (after: "STOR" | "RNTO", times = 1) => control(pwBase(), "/__sim/ftp/fail", { after, times }),
  },
};

// ---- UPN ----
export interface UpnState {
  config: { pageSize: number; disabledActions: string[] };
  consignments: any[];
  pending_events: any[];
  delivered_events: any[];
  event_reads: { at: string; count: number; event_ids: string[] }[];
  epods: { barcode: string; signed_by: string; signed_at: string; latitude: number | null; longitude: number | null; signature_content_type: string; signature_sha256: string; signature_size: number; at: string }[];
  images: { image_id: string; barcode: string; filename: string; content_type: string; size: number; sha256: string; at: string }[];
}
const upnBase = () => required("UPN_API_URL");
const upn = {
  ...common<UpnState>(upnBase),
  config: (c: Partial<{ pageSize: number; disabledActions: ("tracking" | "image_download" | "epod")[] }>) => control(upnBase(), "/__sim/config", c),
  /** Consignments in the contract's shape; missing fields get plausible defaults. */
  seedConsignments: (list: Record<string, unknown>[]) => control(upnBase(), "/__sim/consignments", list),
  /** Events for the next (destructive) tracking-events read. */
  seedEvents: (list: Record<string, unknown>[]) => control(upnBase(), "/__sim/events", list),
};

// ---- Hazchem ----
export interface HazchemState {
  config: { maxUploadBytes: number; pageSize: number };
  consignments: { consignment_number: string; requesting_depot: string; delivery_depot: string }[];
  uploads: { document_id: string; consignment_number: string; type: string; filename: string; content_type: string; depot: string; idempotency_key: string; size: number; sha256: string; width?: number; height?: number; progressive?: boolean; at: string }[];
  feed: { document_id: string; consignment_number: string; type: string; content_type: string; filename: string; size: number; sha256: string; created_at: string }[];
}
const hzBase = () => required("HAZCHEM_API_URL");
const hazchem = {
  ...common<HazchemState>(hzBase),
  config: (c: Partial<HazchemState["config"]>) => control(hzBase(), "/__sim/config", c),
  seedConsignments: (list: { consignment_number: string; requesting_depot?: string; delivery_depot?: string }[]) => control(hzBase(), "/__sim/consignments", list),
  /** Documents for the feed (GET /v1/documents); `data` is the bytes. */
  seedDocuments: (list: { document_id?: string; consignment_number: string; type?: "DELIVERY_IMAGE" | "COP"; content_type?: string; filename?: string; tracking_code?: string; created_at?: string; data: Bytes }[]) =>
    control<{ document_id: string; sha256: string }[]>(hzBase(), "/__sim/documents", list.map((d) => ({ ...d, data: toBase64(d.data) }))),
};

// ---- Palletforce ----
export interface PalletforceState {
  config: { pageSize: number; refuseServices: string[] };
  bookings: { uniqueTransactionNumber: string; trackingNumber: string; pallets: number; pallet_barcodes: string[]; manifest: any; at: string }[];
  consignments: any[];
  events: Record<string, any[]>;
  scans: { trackingNumber: string; eventCode: string; eventDateTime: string; depot: string; at: string }[];
  max_calls_in_60s: number;
}
const pfBase = () => required("PALLETFORCE_API_URL");
const palletforce = {
  ...common<PalletforceState>(pfBase),
  config: (c: Partial<PalletforceState["config"]>) => control(pfBase(), "/__sim/config", c),
  /** Listing entries (DownloadConsignments); missing fields get plausible defaults (`palletCount`). */
  seedConsignments: (list: Record<string, unknown>[]) => control<{ consignments: any[] }>(pfBase(), "/__sim/consignments", list),
  /** Tracking events; `pallet: n` names the consignment's n-th pallet barcode. */
  seedEvents: (list: { trackingNumber: string; eventCode: string; eventDateTime?: string; pallet?: number; palletBarcode?: string | null; eventDescription?: string }[]) => control(pfBase(), "/__sim/events", list),
};

// ---- Alert receiver (ALERT_WEBHOOK_URL points at a hook path on it) ----
export interface AlertsState {
  alerts: { text: string; content_type: string | null; at: string }[];
}
const alertsBase = () => new URL(required("ALERT_WEBHOOK_URL")).origin;
const alerts = {
  ...common<AlertsState>(alertsBase),
  /** The alerts received whose text mentions `word` (a reference). */
  about: async (word: string) => (await control<AlertsState>(alertsBase(), "/__sim/state")).alerts.filter((a) => a.text.includes(word)),
};

export const sim = {
  alerts,
  qargo,
  palletways,
  upn,
  hazchem,
  palletforce,
  /** Clears every simulator (state, calls, pending failures, config, FTP files). */
  async reset() {
    await Promise.all([qargo.reset(), palletways.reset(), upn.reset(), hazchem.reset(), palletforce.reset()]);
  },
};
