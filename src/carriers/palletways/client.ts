import { z } from "zod";
import { palletwaysSettings } from "./settings";
import { DeferError, PermanentError, TransientError } from "../../lib/errors";
import { acquire, pausePartner, type Limit } from "../../engine";
import { capNote, FILE_MAX_BYTES, partnerFetch, readCapped, readText, waitWords, type PartnerAnswer, type PartnerCall } from "../../lib/http";
import { sniffContentType } from "../../lib/bytes";
import { log } from "../../lib/log";
import { palletwaysLimit } from "./limits";
import { classifyText } from "./messages";

// The Palletways web-services client (API2 and the portal API). Every call, all endpoints
// together, takes a slot from the shared limiter; a 429 (a ban) pauses every caller until it
// ends, and the work waits for it instead of being dropped.

export type PodResult = { kind: "pdf"; bytes: Uint8Array; source: "podimages" | "getPodByTrackingId" } | { kind: "none"; source: "podimages" | "getPodByTrackingId" };

const noteSchema = z.object({
  Delta: z.coerce.number(),
  TrackingID: z.coerce.string(),
  ConNo: z.coerce.string().optional(),
  PodDate: z.string().optional().nullable(),
  PodTime: z.string().optional().nullable(),
  PodSignature: z.string().optional().nullable(),
  StatusCode: z.coerce.string(),
  NoteType: z.string().optional().nullable(),
  NoteDate: z.string().optional().nullable(),
  NoteTime: z.string().optional().nullable(),
}).passthrough();

const notesSchema = z.object({
  Response: z.object({
    Status: z.object({ Code: z.string(), Description: z.string().optional(), Count: z.coerce.number().optional() }),
    Detail: z.object({ Data: z.array(noteSchema) }).optional().nullable(),
  }),
});

export type StatusNote = z.infer<typeof noteSchema>;

export class PalletwaysClient {
  protected readonly cfg;

  constructor(private readonly env: Env) {
    const cfg = palletwaysSettings(env);
    if (!cfg) throw new PermanentError("Palletways is not configured (PALLETWAYS_API_URL, PALLETWAYS_PORTAL_URL, PALLETWAYS_API_KEY)");
    this.cfg = cfg;
  }

  protected how(step: string): PartnerCall {
    return {
      partner: "Palletways",
      what: step,
      unreachableCode: "PALLETWAYS_UNREACHABLE",
      defaultWaitMs: 900_000,
      // Their errors are plain text whatever the status: "POD not found" under a 500 is still
      // "no photos yet", and "not available" still means use the fallback.
      answersIn5xx: (text) => classifyText(text) !== null,
    };
  }

  /**
   * An answer to read, or a refusal's text (4xx, or a 5xx that is one of their text answers).
   * `limit` narrows the shared limiter for low-priority callers (import lookups, import-client.ts).
   */
  protected async get(base: string, path: string, step: string, query: Record<string, string> = {}, maxWaitMs?: number, limit?: Limit): Promise<Exclude<PartnerAnswer, { kind: "slow_down" }>> {
    await acquire(this.env, limit ?? palletwaysLimit(this.cfg.ratePerMinute), maxWaitMs);
    const q = new URLSearchParams({ apikey: this.cfg.apiKey, ...query });
    const started = Date.now();
    const answer = await partnerFetch(`${base}${path}?${q}`, {}, this.how(step));
    if (answer.kind !== "slow_down") return answer;
    const wait = answer.wait.ms;
    await pausePartner(this.env, "palletways", Date.now() + wait);
    log({ network: "palletways", step, outcome: "error", ms: Date.now() - started, error: `429: key banned for ${waitWords(answer.wait)}` });
    throw new DeferError(`Palletways banned our key (429) for ${Math.ceil(wait / 60000)} min${capNote(answer.wait)}; every Palletways call waits until it ends`, wait);
  }

  protected plainError(status: number, text: string, step: string): never {
    const e = classifyText(text);
    if (e && (e.kind === "no_key" || e.kind === "not_authorised")) {
      throw new PermanentError(`Palletways refused the API key: ${e.text}`, "PALLETWAYS_KEY", "Check PALLETWAYS_API_KEY with Palletways (the key may lack access to this API)");
    }
    throw new PermanentError(`Palletways answered ${status} to ${step}: ${(e?.text ?? text).slice(0, 200)}`, `HTTP_${status}`);
  }

  private async pod(base: string, path: string, source: PodResult["source"], maxWaitMs?: number): Promise<PodResult | "not_available"> {
    const step = `palletways.${source}`;
    const answer = await this.get(base, path, step, {}, maxWaitMs);
    let text: string;
    if (answer.kind === "ok") {
      const bytes = await readCapped(answer.res, FILE_MAX_BYTES, this.how(step));
      // A PDF is a PDF whatever the headers say; anything else is one of their text answers.
      if (sniffContentType(bytes) === "application/pdf") return { kind: "pdf", bytes, source };
      text = new TextDecoder().decode(bytes.subarray(0, 2000));
    } else {
      text = answer.text;
    }
    const e = classifyText(text);
    if (e?.kind === "not_found") return { kind: "none", source };
    if (e?.kind === "not_available") return "not_available";
    return this.plainError(answer.kind === "ok" ? answer.res.status : answer.status, text, step);
  }

  /** Every delivery photo so far (podimages), falling back to the latest POD image only. */
  async deliveryPhotos(trackingId: string, maxWaitMs?: number): Promise<PodResult> {
    const id = encodeURIComponent(trackingId);
    const first = await this.pod(this.cfg.portalUrl, `/podimages/${id}`, "podimages", maxWaitMs);
    if (first !== "not_available") return first;
    const fallback = await this.pod(this.cfg.apiUrl, `/getPodByTrackingId/${id}`, "getPodByTrackingId", maxWaitMs);
    if (fallback === "not_available") throw new PermanentError("Palletways says neither podimages nor getPodByTrackingId is available to our key", "PALLETWAYS_NOT_AVAILABLE", "Ask Palletways to enable the POD image APIs for our key");
    return fallback;
  }

  /** Status notes after `epoch` (the cursor is the largest Delta seen). */
  async notesSince(epoch: number): Promise<StatusNote[]> {
    const step = "palletways.notes";
    const answer = await this.get(this.cfg.apiUrl, `/getNotes/delta/${Math.floor(epoch)}`, step, { outputformat: "json" });
    const text = answer.kind === "ok" ? await readText(answer.res, this.how(step)) : answer.text;
    if (classifyText(text)) return this.plainError(answer.kind === "ok" ? answer.res.status : answer.status, text, step);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new TransientError("Palletways answered getNotes with something that is not JSON", "PALLETWAYS_NOT_JSON");
    }
    const parsed = notesSchema.safeParse(json);
    if (!parsed.success) throw new PermanentError(`Palletways getNotes answer has an unexpected shape: ${parsed.error.issues[0]?.message}`, "PALLETWAYS_SHAPE");
    if (parsed.data.Response.Status.Code === "NO_RESULTS_FOUND") return [];
    return parsed.data.Response.Detail?.Data ?? [];
  }
}
