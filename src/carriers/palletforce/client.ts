import { z } from "zod";
import { DeferError, PermanentError, TransientError } from "../../lib/errors";
import { acquire, pausePartner, type Limit } from "../../engine";
import { partnerFetch, readJson, waitWords, type PartnerCall } from "../../lib/http";
import { palletforceSettings } from "./settings";

// The only code that talks to Palletforce (contracts/palletforce.md): its ExternalScanning API,
// JSON over HTTPS with our access key in every body, zod on every answer, and its error codes
// turned into what the job pipeline understands. Every call, all endpoints together, takes a
// slot from one shared limiter (PALLETFORCE_RATE_PER_MINUTE); a 429 pauses every caller.

/** Over a window 2 s longer than Palletforce's minute; a call must start within 1 s of its slot. */
export function palletforceLimit(ratePerMinute: number): Limit {
  return { name: "palletforce", limit: ratePerMinute, windowMs: 62_000, graceMs: 1_000 };
}

const nullableText = z.string().nullable().optional();

export const addressSchema = z.object({
  name: z.string(),
  street: z.string(),
  town: z.string(),
  county: nullableText,
  postcode: z.string(),
  country: z.string(),
  contactName: nullableText,
  telephone: nullableText,
});
export type PalletforceAddress = z.infer<typeof addressSchema>;

const errorSchema = z.object({ code: z.string(), message: z.string().optional().default("") });
const envelopeSchema = z.object({ success: z.boolean(), errors: z.array(errorSchema).optional().nullable() }).passthrough();

const bookedSchema = z.object({
  consignmentNumber: z.string(),
  trackingNumber: z.string().regex(/^\d{13}$/, "is not a 13-digit tracking number"),
  routing: z.object({ collectionDepot: nullableText, deliveryDepot: nullableText, hub: nullableText }).partial().nullable().optional(),
});
const manifestAnswerSchema = z.object({ success: z.literal(true), consignments: z.array(bookedSchema).min(1) });

export const trackingEventSchema = z.object({
  eventCode: z.string().min(1),
  eventDescription: nullableText,
  eventDateTime: z.string().min(1).refine((s) => Number.isFinite(Date.parse(s)), "is not a date-time"),
  depot: nullableText,
  palletBarcode: nullableText,
});
export type PalletforceEvent = z.infer<typeof trackingEventSchema>;
const trackingAnswerSchema = z.object({ success: z.literal(true), trackingNumber: z.string(), trackingData: z.array(z.unknown()) });

export const consignmentSchema = z.object({
  trackingNumber: z.string().regex(/^\d{13}$/, "is not a 13-digit tracking number"),
  consignmentNumber: z.string(),
  requestingDepot: nullableText,
  collectionDepot: nullableText,
  deliveryDepot: z.string(),
  serviceName: nullableText,
  deliveryDate: nullableText,
  weight: z.number().nullable().optional(),
  palletSpaces: z.number().nullable().optional(),
  pallets: z.array(z.object({ palletType: nullableText, palletBarcode: z.string().min(1) })),
  collectionAddress: addressSchema,
  deliveryAddress: addressSchema,
  notes: z.array(z.string()).nullable().optional(),
});
export type PalletforceConsignment = z.infer<typeof consignmentSchema>;
// Items stay unknown here so one malformed consignment cannot hide the rest of the page.
const consignmentPageSchema = z.object({ success: z.literal(true), consignments: z.array(z.unknown()), nextSince: z.string().nullable() });
const scansAnswerSchema = z.object({ success: z.literal(true), accepted: z.number().int() });

export interface ManifestBody {
  uniqueTransactionNumber: string;
  collectionAddress: PalletforceAddress;
  deliveryAddress: PalletforceAddress;
  consignments: {
    requestingDepot: string;
    consignmentNumber: string;
    CustomerAccountNumber: string;
    datesAndTimes: { dateTimeType: "COLD" | "DELD"; value: string }[];
    pallets: { palletType: string; numberofPallets: number }[];
    palletSpaces: number;
    weight: number;
    serviceName: string;
    notes: string[];
    notifications: { type: "EMAIL"; value: string }[];
  }[];
}

export interface OutboundScan {
  trackingNumber: string;
  eventCode: string;
  eventDateTime: string;
  depot: string;
  palletBarcode: null;
  signature: null;
}

/** Palletforce refused the request; `code` is its error code (AUTH, VALIDATION, NOT_FOUND…). */
export class PalletforceError extends PermanentError {
  constructor(message: string, code: string, readonly status: number, readonly messages: string[], action?: string) {
    super(message, code, action);
  }
}

/** How long a call may wait for a limiter slot, and for its answer (the dispatch door's 20 s). */
export interface CallOptions {
  maxWaitMs?: number;
  timeoutMs?: number;
}

export const AUTH_ACTION = "Palletforce refused our access key: check PALLETFORCE_ACCESS_KEY (wrangler secret put PALLETFORCE_ACCESS_KEY), then replay the failed work";

function issuesOf(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ");
}

export interface ParsedTracking {
  events: PalletforceEvent[];
  /** Events that failed validation, with the reason; kept so nothing vanishes silently. */
  invalid: { raw: unknown; reason: string }[];
}

/** A DownloadTracking answer: the whole history, each event checked on its own. */
export function parseTracking(json: unknown): ParsedTracking {
  const parsed = trackingAnswerSchema.safeParse(json);
  if (!parsed.success) throw new TransientError(`Palletforce's tracking answer was not in the expected shape (${issuesOf(parsed.error)})`, "PALLETFORCE_BAD_ANSWER");
  const out: ParsedTracking = { events: [], invalid: [] };
  for (const item of parsed.data.trackingData) {
    const e = trackingEventSchema.safeParse(item);
    if (e.success) out.events.push(e.data);
    else out.invalid.push({ raw: item, reason: issuesOf(e.error) });
  }
  return out;
}

export interface ParsedPage {
  consignments: PalletforceConsignment[];
  invalid: { raw: unknown; reason: string }[];
  nextSince: string | null;
}

/** A DownloadConsignments page: one malformed consignment never hides the rest. */
export function parseConsignmentPage(json: unknown): ParsedPage {
  const page = consignmentPageSchema.safeParse(json);
  if (!page.success) throw new TransientError(`Palletforce's consignment list was not in the expected shape (${issuesOf(page.error)})`, "PALLETFORCE_BAD_PAGE");
  const out: ParsedPage = { consignments: [], invalid: [], nextSince: page.data.nextSince };
  for (const item of page.data.consignments) {
    const c = consignmentSchema.safeParse(item);
    if (c.success) out.consignments.push(c.data);
    else out.invalid.push({ raw: item, reason: issuesOf(c.error) });
  }
  return out;
}

export class PalletforceClient {
  private readonly cfg;

  constructor(private readonly env: Env) {
    const cfg = palletforceSettings(env);
    if (!cfg) throw new PermanentError("Palletforce is not configured (PALLETFORCE_API_URL, PALLETFORCE_ACCESS_KEY, PALLETFORCE_DEPOT)", "PALLETFORCE_NOT_CONFIGURED");
    this.cfg = cfg;
  }

  get depot(): string {
    return this.cfg.depot;
  }

  private how(step: string, timeoutMs?: number): PartnerCall {
    return { partner: "Palletforce", what: step, unreachableCode: "PALLETFORCE_UNREACHABLE", defaultWaitMs: 60_000, ...(timeoutMs ? { timeoutMs } : {}) };
  }

  /**
   * One call: a limiter slot (waiting at most `maxWaitMs` inline), the access key in the body,
   * and Palletforce's envelope checked. Returns the JSON of a successful answer.
   */
  private async call(endpoint: string, step: string, body: Record<string, unknown>, opts: CallOptions = {}): Promise<unknown> {
    await acquire(this.env, palletforceLimit(this.cfg.ratePerMinute), opts.maxWaitMs);
    const answer = await partnerFetch(
      `${this.cfg.apiUrl}/api/ExternalScanning/${endpoint}`,
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ accessKey: this.cfg.accessKey, ...body }) },
      this.how(step, opts.timeoutMs),
    );
    if (answer.kind === "slow_down") {
      await pausePartner(this.env, "palletforce", Date.now() + answer.wait.ms);
      throw new DeferError(`Palletforce asked us to slow down (429); trying ${step} again in ${waitWords(answer.wait)}`, Math.max(answer.wait.ms, 1_000));
    }
    if (answer.kind === "refused") throw this.refusal(answer.status, answer.text, step);
    const json = await readJson(answer.res, this.how(step));
    const envelope = envelopeSchema.safeParse(json);
    if (!envelope.success) throw new TransientError(`Palletforce answered ${step} with something that is not its JSON envelope`, "PALLETFORCE_BAD_ANSWER");
    if (!envelope.data.success) throw this.refusal(answer.res.status, JSON.stringify(json), step);
    return json;
  }

  /** A refusal in Palletforce's words: its codes, every message, and what to do. */
  private refusal(status: number, text: string, step: string): PalletforceError {
    let errors: { code: string; message: string }[] = [];
    try {
      const p = envelopeSchema.safeParse(JSON.parse(text));
      if (p.success) errors = p.data.errors ?? [];
    } catch {
      errors = [];
    }
    const code = errors[0]?.code ?? `HTTP_${status}`;
    const messages = errors.map((e) => e.message).filter(Boolean);
    const said = messages.length ? `: ${messages.join("; ")}` : "";
    if (code === "AUTH" || status === 401) return new PalletforceError(`Palletforce refused our access key for ${step}${said}`, "AUTH", status, messages, AUTH_ACTION);
    return new PalletforceError(`Palletforce refused ${step} (${code})${said}`, code, status, messages);
  }

  /** Books one consignment; the transaction number makes a repeat return the first answer. */
  async uploadManifest(body: ManifestBody, opts: CallOptions = {}): Promise<z.infer<typeof bookedSchema>> {
    const json = await this.call("UploadManifest", "the booking (UploadManifest)", { ...body }, opts);
    const parsed = manifestAnswerSchema.safeParse(json);
    // Palletforce said success but we cannot read the tracking number: asking again (same key)
    // returns the same answer, so this is worth retrying, not a failure of the booking.
    if (!parsed.success) throw new TransientError(`Palletforce's booking answer was not in the expected shape (${issuesOf(parsed.error)})`, "PALLETFORCE_BAD_ANSWER");
    return parsed.data.consignments[0]!;
  }

  /** The consignment's whole history (reading is repeatable). Invalid events are reported apart. */
  async downloadTracking(trackingNumber: string, opts: CallOptions = {}): Promise<ParsedTracking> {
    return parseTracking(await this.call("DownloadTracking", "tracking (DownloadTracking)", { trackingNumber }, opts));
  }

  /** One page of consignments naming our depot, from `since` (none: from the start). */
  async downloadConsignments(since: string | null): Promise<ParsedPage> {
    return parseConsignmentPage(await this.call("DownloadConsignments", "the consignment list (DownloadConsignments)", { depot: this.cfg.depot, ...(since === null ? {} : { since }) }));
  }

  /** Our scans; a scan Palletforce already has (same number, code and time) is accepted again without a second record. */
  async uploadScans(scans: OutboundScan[]): Promise<number> {
    const json = await this.call("UploadScans", "our scans (UploadScans)", { scans });
    const parsed = scansAnswerSchema.safeParse(json);
    if (!parsed.success) throw new TransientError(`Palletforce's answer to our scans was not in the expected shape (${issuesOf(parsed.error)})`, "PALLETFORCE_BAD_ANSWER");
    return parsed.data.accepted;
  }
}
