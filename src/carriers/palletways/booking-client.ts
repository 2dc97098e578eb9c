import { z } from "zod";
import { sniffContentType } from "../../lib/bytes";
import { DeferError, PermanentError, TransientError } from "../../lib/errors";
import { capNote, FILE_MAX_BYTES, partnerFetch, readCapped, readText, waitWords, type PartnerAnswer, type PartnerCall } from "../../lib/http";
import { acquire, pausePartner } from "../../engine";
import { log } from "../../lib/log";
import type { Manifest } from "./booking-manifest";
import { palletwaysLimit } from "./limits";
import { classifyText } from "./messages";
import { palletwaysSettings } from "./settings";

// The Palletways calls a booking makes (palletways.md, "Booking"): createconsignment,
// getDynConStatusByConNo, getLabelsByTID, getPodByTrackingId. Every call takes a slot from the
// one shared Palletways limiter, as the photo calls do; a 429 (a ban) pauses every caller.

/** The code of a call that got no answer at all (timeout, reset, a body cut off): it may still have taken effect. */
export const NO_ANSWER_CODE = "PALLETWAYS_UNREACHABLE";

const LABELS_NOT_CONFIGURED = /^ERROR:\s*This account is not configured to produce labels/i;

const validationErrorSchema = z.object({ Code: z.coerce.string().optional().nullable(), Description: z.coerce.string().optional().nullable() });
const commitAnswerSchema = z.object({
  Response: z.object({
    Status: z.object({ Code: z.string(), Description: z.string().optional().nullable() }),
    Detail: z
      .object({
        ImportDetail: z.array(z.object({ ImportID: z.coerce.string().optional(), ResponseID: z.coerce.string().optional(), Information: z.string().optional() })).optional(),
        ValidationErrors: z
          .object({ Consignment: z.array(z.object({ Index: z.unknown().optional(), ImportID: z.unknown().optional(), Error: z.union([z.array(validationErrorSchema), validationErrorSchema]).optional() })) })
          .optional(),
      })
      .optional()
      .nullable(),
  }),
});

const statusAnswerSchema = z.object({
  Response: z.object({
    Status: z.object({ Code: z.string(), Count: z.coerce.number().optional() }),
    Detail: z.object({ Data: z.array(z.object({ TrackingID: z.coerce.string(), ConNo: z.coerce.string().optional(), StatusCode: z.coerce.string().optional(), Status: z.string().optional() })) }).optional().nullable(),
  }),
});

export type CommitAnswer =
  | { kind: "ok"; responseId: string | null; raw: string }
  | { kind: "refused"; errors: { code: string; description: string }[]; raw: string }
  | { kind: "format_invalid"; description: string; raw: string };

export type Found = { trackingId: string; statusCode: string | null; status: string | null; raw: string } | null;
export type Pdf = { kind: "pdf"; bytes: Uint8Array } | { kind: "none"; text: string };

export class BookingClient {
  private readonly cfg;

  constructor(private readonly env: Env) {
    const cfg = palletwaysSettings(env);
    if (!cfg) throw new PermanentError("Palletways is not configured (PALLETWAYS_API_URL, PALLETWAYS_PORTAL_URL, PALLETWAYS_API_KEY)");
    this.cfg = cfg;
  }

  private how(step: string): PartnerCall {
    return { partner: "Palletways", what: step, unreachableCode: NO_ANSWER_CODE, defaultWaitMs: 900_000, answersIn5xx: (text) => classifyText(text) !== null };
  }

  private async call(path: string, step: string, init: RequestInit = {}, query: Record<string, string> = {}, maxWaitMs?: number): Promise<Exclude<PartnerAnswer, { kind: "slow_down" }>> {
    await acquire(this.env, palletwaysLimit(this.cfg.ratePerMinute), maxWaitMs);
    const q = new URLSearchParams({ apikey: this.cfg.apiKey, ...query });
    const started = Date.now();
    const answer = await partnerFetch(`${this.cfg.apiUrl}${path}?${q}`, init, this.how(step));
    if (answer.kind !== "slow_down") return answer;
    await pausePartner(this.env, "palletways", Date.now() + answer.wait.ms);
    log({ network: "palletways", step, outcome: "error", ms: Date.now() - started, error: `429: key banned for ${waitWords(answer.wait)}` });
    throw new DeferError(`Palletways banned our key (429) for ${Math.ceil(answer.wait.ms / 60000)} min${capNote(answer.wait)}; every Palletways call waits until it ends`, answer.wait.ms);
  }

  private async text(answer: Exclude<PartnerAnswer, { kind: "slow_down" }>, step: string): Promise<{ status: number; text: string }> {
    return answer.kind === "ok" ? { status: answer.res.status, text: await readText(answer.res, this.how(step)) } : { status: answer.status, text: answer.text };
  }

  private refused(status: number, text: string, step: string): never {
    const e = classifyText(text);
    if (e && (e.kind === "no_key" || e.kind === "not_authorised")) {
      throw new PermanentError(`Palletways refused the API key: ${e.text}`, "PALLETWAYS_KEY", "Check PALLETWAYS_API_KEY with Palletways (the key may lack access to this API)");
    }
    if (e?.kind === "not_available") throw new PermanentError(`Palletways says ${step} is not available to our key`, "PALLETWAYS_NOT_AVAILABLE", `Ask Palletways to enable ${step} for our key`);
    throw new PermanentError(`Palletways answered ${status} to ${step}: ${(e?.text ?? text).slice(0, 200)}`, `HTTP_${status}`);
  }

  /**
   * Commits one manifest. No answer at all (timeout, reset) and 5xx throw TransientError: the
   * outcome is unclear and the caller looks the consignment up before committing again.
   */
  async createConsignment(manifest: Manifest, maxWaitMs?: number): Promise<CommitAnswer> {
    const step = "createconsignment";
    const body = new URLSearchParams({ inputformat: "json", outputformat: "json", commit: "yes", data: JSON.stringify(manifest) });
    const answer = await this.call("/createconsignment", step, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: body.toString() }, {}, maxWaitMs);
    const { status, text } = await this.text(answer, step);
    if (classifyText(text) || answer.kind !== "ok") return this.refused(status, text, step);
    const parsed = commitAnswerSchema.safeParse(safeJson(text));
    // An OK status with a body we cannot read may still have booked: that is an unclear outcome.
    if (!parsed.success) throw new TransientError("Palletways answered createconsignment with something we could not read", "PALLETWAYS_SHAPE");
    const r = parsed.data.Response;
    if (r.Status.Code === "OK") return { kind: "ok", responseId: r.Detail?.ImportDetail?.[0]?.ResponseID ?? null, raw: text };
    if (r.Status.Code === "ERROR_VALIDATION") {
      const errors = (r.Detail?.ValidationErrors?.Consignment ?? []).flatMap((c) => (Array.isArray(c.Error) ? c.Error : c.Error ? [c.Error] : []));
      return { kind: "refused", errors: errors.map((e) => ({ code: e.Code ?? "", description: e.Description ?? "" })), raw: text };
    }
    if (r.Status.Code === "ERROR_FORMAT_INVALID") return { kind: "format_invalid", description: r.Status.Description ?? "", raw: text };
    // Any other status code is not one the contract knows; nothing says it did not book.
    throw new TransientError(`Palletways answered createconsignment with status ${r.Status.Code}`, "PALLETWAYS_STATUS");
  }

  /** The consignment booked under our `Number` (the TMS order name), or null when there is none. */
  async findByNumber(number: string, maxWaitMs?: number): Promise<Found> {
    const step = "getDynConStatusByConNo";
    const answer = await this.call(`/getDynConStatusByConNo/${encodeURIComponent(number)}`, step, {}, { outputformat: "json" }, maxWaitMs);
    const { status, text } = await this.text(answer, step);
    if (classifyText(text) || answer.kind !== "ok") return this.refused(status, text, step);
    const parsed = statusAnswerSchema.safeParse(safeJson(text));
    if (!parsed.success) throw new TransientError("Palletways answered getDynConStatusByConNo with something we could not read", "PALLETWAYS_SHAPE");
    if (parsed.data.Response.Status.Code === "NO_RESULTS_FOUND") return null;
    const d = parsed.data.Response.Detail?.Data?.find((x) => !x.ConNo || x.ConNo === number);
    if (parsed.data.Response.Status.Code !== "OK" || !d) throw new TransientError(`Palletways answered getDynConStatusByConNo with status ${parsed.data.Response.Status.Code}`, "PALLETWAYS_STATUS");
    if ((parsed.data.Response.Detail?.Data?.length ?? 0) > 1) {
      log({ network: "palletways", reference: number, step, outcome: "error", error: `${parsed.data.Response.Detail!.Data.length} consignments carry this number` });
    }
    return { trackingId: d.TrackingID, statusCode: d.StatusCode ?? null, status: d.Status ?? null, raw: text };
  }

  /** The labels PDF (one page per pallet), or the account's "not configured" answer. */
  async labels(trackingId: string): Promise<Pdf> {
    return this.pdf(`/getLabelsByTID/${encodeURIComponent(trackingId)}`, "getLabelsByTID", (t) => LABELS_NOT_CONFIGURED.test(t));
  }

  /** The latest POD image as a PDF, or "not found" while there is none. */
  async pod(trackingId: string): Promise<Pdf> {
    return this.pdf(`/getPodByTrackingId/${encodeURIComponent(trackingId)}`, "getPodByTrackingId", (t) => classifyText(t)?.kind === "not_found");
  }

  private async pdf(path: string, step: string, isNone: (text: string) => boolean): Promise<Pdf> {
    const answer = await this.call(path, step);
    let text: string;
    if (answer.kind === "ok") {
      const bytes = await readCapped(answer.res, FILE_MAX_BYTES, this.how(step));
      if (sniffContentType(bytes) === "application/pdf") return { kind: "pdf", bytes };
      text = new TextDecoder().decode(bytes.subarray(0, 2000)).trim();
    } else {
      text = answer.text.trim();
    }
    if (isNone(text)) return { kind: "none", text };
    return this.refused(answer.kind === "ok" ? answer.res.status : answer.status, text, step);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
