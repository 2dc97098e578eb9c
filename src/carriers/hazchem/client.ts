import { z } from "zod";
import { hazchemSettings } from "./settings";
import { DeferError, PermanentError, TransientError } from "../../lib/errors";
import { retryAfterMs } from "../../lib/limiter";
import { log } from "../../lib/log";
import type { UploadType } from "./enums";

// The only code that talks to Hazchem (contracts/hazchem.md). Every answer is classified here
// into the connector's failure kinds, in words an operator can act on.

const uploadAnswer = z.object({ document_id: z.string().min(1) });
const errorBody = z.object({ error: z.string().optional(), message: z.string().optional() }).passthrough();

export const feedDocumentSchema = z
  .object({
    document_id: z.string().min(1),
    consignment_number: z.string().min(1),
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
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${this.cfg.apiKey}`);
    headers.set("x-depot", this.cfg.depot);
    const started = Date.now();
    let res: Response;
    try {
      res = await fetch(`${this.cfg.apiUrl}${path}`, { ...init, headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (err) {
      throw new TransientError(`Hazchem did not answer ${init.what} (${err instanceof Error ? err.name : "network error"})`, "HAZCHEM_UNREACHABLE");
    }
    if (res.ok) return res;
    const failure = await classify(res, init.what);
    log({ network: "hazchem", step: init.step, outcome: "error", ms: Date.now() - started, status: res.status, error: failure.message });
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
    const body = uploadAnswer.safeParse(await res.json().catch(() => null));
    if (!body.success) throw new TransientError(`Hazchem accepted ${input.filename} (${res.status}) but did not name its document_id`, "HAZCHEM_BAD_ANSWER");
    return { documentId: body.data.document_id, replayed: res.headers.get("idempotent-replayed") === "true" };
  }

  /** GET /v1/documents?since=: one page of the feed. */
  async listDocuments(since: string | null): Promise<{ documents: FeedDocument[]; malformed: { entry: unknown; problem: string }[]; nextCursor: string | null }> {
    const q = since === null ? "" : `?${new URLSearchParams({ since })}`;
    const res = await this.call(`/v1/documents${q}`, { method: "GET", step: "hazchem.feed", what: "the document feed" });
    const parsed = feedPage.safeParse(await res.json().catch(() => null));
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
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { bytes, contentType: res.headers.get("content-type")?.split(";")[0]?.trim() || null };
  }
}

async function classify(res: Response, what: string): Promise<Error> {
  const raw = await res.text().catch(() => "");
  let parsed: { error?: string; message?: string } = {};
  try {
    const b = errorBody.safeParse(JSON.parse(raw));
    if (b.success) parsed = b.data;
  } catch {
    // Not JSON (a proxy's HTML page): keep the status alone.
  }
  const code = parsed.error ?? `HTTP_${res.status}`;
  const said = parsed.message ? `: ${parsed.message.slice(0, 200)}` : "";
  const s = res.status;
  if (s === 429) {
    const wait = retryAfterMs(res.headers.get("retry-after"), DEFAULT_429_WAIT_MS);
    return new DeferError(`Hazchem asked us to slow down (429) during ${what}; waiting ${Math.ceil(wait / 1000)} s`, wait);
  }
  if (s >= 500) return new TransientError(`Hazchem had a problem with ${what} (${s}${parsed.error ? ` ${parsed.error}` : ""})`, code);
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
