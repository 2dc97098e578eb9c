import { z } from "zod";
import { referenceProblem } from "../../lib/reference";
import { CONSIGNMENT_FORMAT } from "./enums";
import { hazchemSettings } from "./settings";
import { DeferError, PermanentError, TransientError } from "../../lib/errors";
import { FILE_MAX_BYTES, partnerFetch, readCapped, readJson, waitWords, type PartnerCall } from "../../lib/http";
import { log } from "../../lib/log";
import type { UploadType } from "./enums";

// The only code that talks to Hazchem (contracts/hazchem.md). Every answer is classified here
// into the connector's failure kinds, in words an operator can act on.

const uploadAnswer = z.object({ document_id: z.string().min(1) });
const errorBody = z.object({ error: z.string().optional(), message: z.string().optional() }).passthrough();

export const feedDocumentSchema = z
  .object({
    document_id: z.string().min(1),
    // Refused where it enters, with the reason: it becomes part of our URLs and TMS look-ups.
    consignment_number: z.string().refine((v) => referenceProblem(v, "Hazchem", CONSIGNMENT_FORMAT) === null, { message: CONSIGNMENT_FORMAT.words }),
    tracking_code: z.string().nullish(),
    type: z.string(),
    content_type: z.string(),
    filename: z.string().min(1),
    size: z.number().int().nonnegative().nullish(),
    created_at: z.string().nullish(),
  })
  .passthrough();
export type FeedDocument = z.infer<typeof feedDocumentSchema>;

// Documents are checked one by one: a single malformed entry must not stall the whole feed.
const feedPage = z.object({ documents: z.array(z.unknown()), next_cursor: z.string().nullable().optional() });

export const CREDENTIALS_ACTION = "check HAZCHEM_API_KEY and HAZCHEM_DEPOT (the key must belong to that depot), then replay the failed work";
const DEFAULT_429_WAIT_MS = 60_000;
const TIMEOUT_MS = 60_000;

export class HazchemClient {
  private readonly cfg;

  constructor(env: Env) {
    const cfg = hazchemSettings(env);
    if (!cfg) throw new PermanentError("Hazchem is switched off (HAZCHEM_API_URL, HAZCHEM_API_KEY and HAZCHEM_DEPOT are not all set)", "HAZCHEM_OFF");
    this.cfg = cfg;
  }

  get maxUploadBytes(): number {
    return this.cfg.maxUploadBytes;
  }

  private async call(path: string, init: RequestInit & { step: string; what: string }): Promise<Response> {
    const { step, what, ...request } = init;
    const headers = new Headers(request.headers);
    headers.set("authorization", `Bearer ${this.cfg.apiKey}`);
    headers.set("x-depot", this.cfg.depot);
    const started = Date.now();
    let failure: Error;
    try {
      const answer = await partnerFetch(`${this.cfg.apiUrl}${path}`, { ...request, headers }, how(what));
      if (answer.kind === "ok") return answer.res;
      failure = answer.kind === "slow_down"
        ? new DeferError(`Hazchem asked us to slow down (429) during ${what}; waiting ${waitWords(answer.wait)}`, answer.wait.ms)
        : refusal(answer.status, answer.text, what);
    } catch (err) {
      if (!(err instanceof TransientError) || err.code === "HAZCHEM_UNREACHABLE") throw err;
      failure = err;
    }
    log({ network: "hazchem", step, outcome: "error", ms: Date.now() - started, error: failure.message });
    throw failure;
  }

  /** POST /v1/consignments/{n}/documents: the bytes as the body, answered with Hazchem's document_id. */
  async uploadDocument(input: {
    consignment: string;
    type: UploadType;
    filename: string;
    bytes: Uint8Array;
    contentType: string;
    idempotencyKey: string;
  }): Promise<{ documentId: string; replayed: boolean }> {
    const q = new URLSearchParams({ type: input.type, filename: input.filename });
    const res = await this.call(`/v1/consignments/${encodeURIComponent(input.consignment)}/documents?${q}`, {
      method: "POST",
      step: "hazchem.upload",
      what: `the upload of ${input.filename} (${input.type})`,
      headers: { "content-type": input.contentType, "idempotency-key": input.idempotencyKey },
      body: input.bytes,
    });
    const body = uploadAnswer.safeParse(await readJson(res, how(`the upload of ${input.filename} (${input.type})`)));
    if (!body.success) throw new TransientError(`Hazchem accepted ${input.filename} (${res.status}) but did not name its document_id`, "HAZCHEM_BAD_ANSWER");
    return { documentId: body.data.document_id, replayed: res.headers.get("idempotent-replayed") === "true" };
  }

  /** GET /v1/documents?since=: one page of the feed. */
  async listDocuments(since: string | null): Promise<{ documents: FeedDocument[]; malformed: { entry: unknown; problem: string }[]; nextCursor: string | null }> {
    const q = since === null ? "" : `?${new URLSearchParams({ since })}`;
    const res = await this.call(`/v1/documents${q}`, { method: "GET", step: "hazchem.feed", what: "the document feed" });
    const parsed = feedPage.safeParse(await readJson(res, how("the document feed")));
    if (!parsed.success) {
      throw new TransientError(`Hazchem's document feed answered something unexpected: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`, "HAZCHEM_BAD_ANSWER");
    }
    const documents: FeedDocument[] = [];
    const malformed: { entry: unknown; problem: string }[] = [];
    for (const entry of parsed.data.documents) {
      const d = feedDocumentSchema.safeParse(entry);
      if (d.success) documents.push(d.data);
      else malformed.push({ entry, problem: d.error.issues.slice(0, 3).map((i) => `${i.path.join(".")} ${i.message}`).join("; ") });
    }
    return { documents, malformed, nextCursor: parsed.data.next_cursor ?? null };
  }

  /** GET /v1/documents/{id}/content: the bytes. */
  async downloadDocument(documentId: string): Promise<{ bytes: Uint8Array; contentType: string | null }> {
    const res = await this.call(`/v1/documents/${encodeURIComponent(documentId)}/content`, {
      method: "GET",
      step: "hazchem.download",
      what: `the download of document ${documentId}`,
    });
    const bytes = await readCapped(res, FILE_MAX_BYTES, how(`the download of document ${documentId}`));
    return { bytes, contentType: res.headers.get("content-type")?.split(";")[0]?.trim() || null };
  }
}

function how(what: string): PartnerCall {
  return {
    partner: "Hazchem",
    what,
    unreachableCode: "HAZCHEM_UNREACHABLE",
    defaultWaitMs: DEFAULT_429_WAIT_MS,
    timeoutMs: TIMEOUT_MS,
    serverError: (status, text) => {
      const code = errorOf(text).error;
      return `Hazchem had a problem with ${what} (${status}${code ? ` ${code}` : ""})`;
    },
  };
}

function errorOf(text: string): { error?: string; message?: string } {
  try {
    const b = errorBody.safeParse(JSON.parse(text));
    if (b.success) return b.data;
  } catch {
    // Not JSON (a proxy's HTML page): the status alone says it.
  }
  return {};
}

/** A 4xx in words an operator can act on, under Hazchem's own error code. */
function refusal(s: number, text: string, what: string): PermanentError {
  const parsed = errorOf(text);
  const code = parsed.error ?? `HTTP_${s}`;
  const said = parsed.message ? `: ${parsed.message.slice(0, 200)}` : "";
  switch (s) {
    case 401:
      return new PermanentError(`Hazchem refused our credentials for ${what} (401 ${code})${said}`, code, CREDENTIALS_ACTION);
    case 413:
      return new PermanentError(`Hazchem refused ${what} as too large (413 ${code})${said}`, code);
    case 415:
      return new PermanentError(`Hazchem does not accept the format of ${what} (415 ${code})${said}`, code);
    case 403:
      return code === "COP_UPLOAD_NOT_ALLOWED"
        ? new PermanentError(`Hazchem allows customer paperwork (COP) only from the consignment's requesting/collection depot, and refused ${what} (403 ${code})${said}`, code, "check that this consignment's TMS order has network_role COLLECTING and that HAZCHEM_DEPOT is the collecting depot")
        : new PermanentError(`Hazchem refused ${what} (403 ${code})${said}`, code);
    case 404:
      return new PermanentError(`Hazchem does not know the consignment or document for ${what} (404 ${code})${said}`, code, "check the network_reference on the TMS order against the Hazchem consignment number");
    case 400:
      return new PermanentError(`Hazchem rejected ${what} as malformed (400 ${code})${said}`, code);
    default:
      return new PermanentError(`Hazchem refused ${what} (${s} ${code})${said}`, code);
  }
}
