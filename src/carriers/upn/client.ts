import { z } from "zod";
import { referenceProblem } from "../../lib/reference";
import { upnSettings } from "./settings";
import { DeferError, PermanentError, TransientError } from "../../lib/errors";
import { partnerFetch, readJson, readText, waitWords, type PartnerCall } from "../../lib/http";
import { ACTION_LABELS, BARCODE_FORMAT } from "./enums";

// The only code that talks to UPN (contracts/upn.md): X-Api-Key on every call, zod on every
// answer, and UPN's error codes turned into what the job pipeline understands.

/** The destructive tracking read is never refused below this (JSON answers stop at 10 MB). */
const TRACKING_MAX_BYTES = 32 * 1024 * 1024;

const nullableText = z.string().nullable().optional();

export const partySchema = z.object({
  name: z.string(),
  address1: z.string(),
  address2: nullableText,
  town: z.string(),
  postcode: z.string(),
  country: z.string(),
  contact: nullableText,
  phone: nullableText,
});

/** A barcode that could point our key elsewhere (`..`, a slash) is refused where it enters, with the reason. */
const barcode = z.string().refine((v) => referenceProblem(v, "UPN", BARCODE_FORMAT) === null, { message: BARCODE_FORMAT.words });

export const consignmentSchema = z.object({
  barcode,
  service: nullableText,
  booked_at: nullableText,
  requesting_depot: nullableText,
  delivery_depot: z.string(),
  shipper: partySchema,
  consignee: partySchema,
  pallets: z.array(z.object({ barcode: z.string().min(1), type: nullableText, weight_kg: z.number().nullable().optional() })),
  total_weight_kg: z.number().nullable().optional(),
  instructions: nullableText,
});

// Items stay unknown here so one malformed consignment cannot hide the rest of the page.
const consignmentPageSchema = z.object({ consignments: z.array(z.unknown()), next_cursor: z.string().nullable() });

export const trackingEventSchema = z.object({
  event_id: z.string().min(1),
  barcode,
  capture_type: z.string(),
  pallet_barcode: z.string().nullable().optional(),
  stage_code: z.string().min(1),
  stage: z.string().nullable().optional(),
  occurred_at: z.string().min(1),
  depot: z.string().nullable().optional(),
  note: z.string().nullable().optional(),
});

const trackingEnvelopeSchema = z.object({ events: z.array(z.unknown()) });

const epodAnswerSchema = z.object({ status: z.string() });
const imageAnswerSchema = z.object({ image_id: z.string() });
const errorBodySchema = z.object({ error: z.string(), message: z.string().optional(), action: z.string().optional() }).passthrough();

export type UpnConsignment = z.infer<typeof consignmentSchema>;
export type UpnParty = z.infer<typeof partySchema>;
export type UpnTrackingEvent = z.infer<typeof trackingEventSchema>;

export interface UpnEpodBody {
  signed_by: string;
  signed_at: string;
  latitude?: number;
  longitude?: number;
  signature: { content_type: string; data: string };
}

export interface UpnImageBody {
  filename: string;
  content_type: string;
  data: string;
  sha256: string;
}

/** UPN answered with one of its error codes; `code` is that code. */
export class UpnError extends PermanentError {
  constructor(message: string, code: string, readonly status: number, action?: string) {
    super(message, code, action);
  }
}

export interface ParsedTracking {
  events: UpnTrackingEvent[];
  /** Events that failed validation, with the reason; kept so nothing vanishes silently. */
  invalid: { raw: unknown; reason: string }[];
}

/** A stored raw tracking read, parsed. Throws when the body is not a tracking response at all. */
export function parseTrackingResponse(raw: string): ParsedTracking {
  const envelope = trackingEnvelopeSchema.parse(JSON.parse(raw));
  const out: ParsedTracking = { events: [], invalid: [] };
  for (const item of envelope.events) {
    const p = trackingEventSchema.safeParse(item);
    if (p.success) out.events.push(p.data);
    else out.invalid.push({ raw: item, reason: p.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ") });
  }
  return out;
}

/** The tracking read's own timeout: longer than the 60 s of every other call. */
export const TRACKING_TIMEOUT_MS = 180_000;
/** No answer at all to the tracking read (timeout, reset): UPN may have handed the events over. */
export const TRACKING_UNANSWERED = "UPN_TRACKING_UNANSWERED";
/** The tracking answer started and broke off: its events are gone at UPN. */
export const TRACKING_BODY_LOST = "UPN_TRACKING_READ_LOST";

export class UpnClient {
  private readonly cfg;

  constructor(env: Env) {
    const cfg = upnSettings(env);
    if (!cfg) throw new PermanentError("UPN is not configured (UPN_API_URL, UPN_API_KEY, UPN_DEPOT)", "UPN_NOT_CONFIGURED");
    this.cfg = cfg;
  }

  get depot(): string {
    return this.cfg.depot;
  }

  private how(step: string): PartnerCall {
    return { partner: "UPN", what: step, unreachableCode: "UPN_UNREACHABLE", defaultWaitMs: 30_000 };
  }

  private async call(path: string, step: string, init: RequestInit = {}, how = this.how(step)): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("x-api-key", this.cfg.apiKey);
    if (init.body) headers.set("content-type", "application/json");
    const answer = await partnerFetch(`${this.cfg.apiUrl}${path}`, { ...init, headers }, how);
    if (answer.kind === "ok") return answer.res;
    if (answer.kind === "slow_down") {
      const wait = { ...answer.wait, ms: Math.max(answer.wait.ms, 1_000) };
      throw new DeferError(`UPN asked us to slow down (429); trying ${step} again in ${waitWords(wait)}`, wait.ms);
    }
    throw this.refusal(answer.status, answer.text, step);
  }

  /** A 4xx in UPN's words: its error code, and what an operator can do about it. */
  private refusal(status: number, text: string, step: string): UpnError {
    let body: z.infer<typeof errorBodySchema> | null = null;
    try {
      const p = errorBodySchema.safeParse(JSON.parse(text));
      if (p.success) body = p.data;
    } catch {
      body = null;
    }
    const said = body?.message ? `: ${body.message}` : "";
    const code = body?.error ?? `HTTP_${status}`;
    if (status === 401) {
      return new UpnError(`UPN refused our API key for ${step}${said}`, code, 401, "Check the UPN_API_KEY secret with UPN IT (wrangler secret put UPN_API_KEY)");
    }
    if (status === 403 && code === "ACTION_NOT_ENABLED") {
      const action = body?.action ?? step;
      const label = ACTION_LABELS[action] ?? action;
      return new UpnError(
        `UPN has not enabled ${label} for depot ${this.cfg.depot}${said}`,
        code,
        403,
        `Ask UPN IT to enable ${label} for depot ${this.cfg.depot}, then replay the failed work`,
      );
    }
    return new UpnError(`UPN refused ${step} (${status} ${code})${said}`, code, status);
  }

  /** One page of consignments from `since` (none: from the start). Invalid items are reported apart. */
  async listConsignments(since: string | null): Promise<{ consignments: UpnConsignment[]; invalid: { raw: unknown; reason: string }[]; nextCursor: string | null }> {
    const q = since === null ? "" : `?since=${encodeURIComponent(since)}`;
    const res = await this.call(`/v1/depots/${encodeURIComponent(this.cfg.depot)}/consignments${q}`, "the consignment list");
    const page = consignmentPageSchema.safeParse(await readJson(res, this.how("the consignment list")));
    if (!page.success) throw new TransientError("UPN's consignment list was not in the expected shape", "UPN_BAD_PAGE");
    const consignments: UpnConsignment[] = [];
    const invalid: { raw: unknown; reason: string }[] = [];
    for (const item of page.data.consignments) {
      const c = consignmentSchema.safeParse(item);
      if (c.success) consignments.push(c.data);
      else invalid.push({ raw: item, reason: c.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ") });
    }
    return { consignments, invalid, nextCursor: page.data.next_cursor };
  }

  /**
   * The destructive read: the body is returned as UPN sent it, unparsed, because it must be
   * stored before anything can go wrong with it (UPN never sends these events again).
   */
  async readTrackingEvents(): Promise<string> {
    // The destructive read: a longer timeout than any other call (a busy depot's answer is
    // large), and an answer that dies on its way is told apart (READ_LOST codes): its events are
    // gone at UPN, so the caller keeps a record of the window for an operator.
    const how: PartnerCall = { ...this.how("tracking"), unreachableCode: TRACKING_UNANSWERED, timeoutMs: TRACKING_TIMEOUT_MS };
    const res = await this.call(`/v1/depots/${encodeURIComponent(this.cfg.depot)}/tracking-events`, "tracking", {}, how);
    // Refusing an answer here loses its events for good, so this read alone may be larger than
    // an ordinary JSON answer: about 100,000 events (ten minutes of a very busy depot).
    return readText(res, { ...how, unreachableCode: TRACKING_BODY_LOST }, TRACKING_MAX_BYTES);
  }

  /** `created` is false when UPN already had this very ePOD (200). */
  async postEpod(barcode: string, body: UpnEpodBody): Promise<{ created: boolean; status: string }> {
    const res = await this.call(`/v1/consignments/${encodeURIComponent(barcode)}/epod`, "epod", { method: "POST", body: JSON.stringify(body) });
    const parsed = epodAnswerSchema.parse(await readJson(res, this.how("epod")));
    return { created: res.status === 201, status: parsed.status };
  }

  /** `created` is false when UPN already had an image with this sha256 (200, the first id). */
  async postImage(barcode: string, body: UpnImageBody): Promise<{ created: boolean; imageId: string }> {
    const res = await this.call(`/v1/consignments/${encodeURIComponent(barcode)}/images`, "image_download", { method: "POST", body: JSON.stringify(body) });
    const parsed = imageAnswerSchema.parse(await readJson(res, this.how("image_download")));
    return { created: res.status === 201, imageId: parsed.image_id };
  }
}
