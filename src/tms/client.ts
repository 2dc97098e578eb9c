import { getConfig } from "../config";
import { DeferError, PermanentError, TransientError } from "../lib/errors";
import { acquire, pausePartner } from "../engine";
import { FILE_MAX_BYTES, partnerFetch, readJson, waitWords, type PartnerCall } from "../lib/http";
import { log } from "../lib/log";
import { sleep } from "../lib/sleep";
import { tmsLimit } from "./limits";
import {
  documentImportResponseSchema,
  orderDocumentSchema,
  orderSchema,
  orderUploadResponseSchema,
  partialOrderUpdateResponseSchema,
  uploadStatusSchema,
  type DocumentContent,
  type OrderDocument,
  type TmsOrder,
} from "./schemas";
import { base64ToBytes } from "../lib/bytes";
import { fetchDownload, type DownloadHop } from "./download";

// The only code that talks to Qargo. Every call, API or inbound webhook, first takes a slot
// from the shared limiter; the bearer token comes from the shared TmsTokenCache object.

type Auth = "bearer" | "webhook" | "none";

export interface TmsFile {
  /** Read once, as it arrives: never buffered whole. */
  body: ReadableStream<Uint8Array>;
  /** What the TMS declared (Content-Length), if it did. */
  length: number | null;
  contentType: string;
  filename: string | null;
}

/** A TMS document is never read past this; a larger one is a failure, and nothing is kept. */
export const DOCUMENT_MAX_BYTES = FILE_MAX_BYTES;

const INLINE_429_WAIT_MS = 5_000;
/** A document of up to 100 MB must have time to arrive; the timeout covers the whole body. */
const DOWNLOAD_TIMEOUT_MS = 5 * 60_000;

export interface ImportDocumentInput {
  match: { orderId: string } | { customerReference: string };
  filename: string;
  documentType: string;
  documentName?: string;
  bytes: Uint8Array;
  contentType: string;
}

export class TmsClient {
  private readonly cfg;

  constructor(private readonly env: Env) {
    const cfg = getConfig(env).tms;
    if (!cfg) throw new PermanentError("the TMS is not configured (TMS_API_URL and its credentials)");
    this.cfg = cfg;
  }

  private tokenStub() {
    return this.env.TMS_TOKEN.get(this.env.TMS_TOKEN.idFromName("qargo"));
  }

  private async bearer(rejected?: string): Promise<string> {
    const r = await this.tokenStub().getToken(rejected);
    if (r.ok) return r.token;
    if (r.permanent) throw new PermanentError(r.message, "TMS_AUTH");
    throw new DeferError(r.message, Math.max(r.retryAfterMs, 1000));
  }

  private url(pathOrUrl: string): string {
    // A download_url may be absolute or relative to TMS_API_URL.
    return /^https?:\/\//i.test(pathOrUrl) ? pathOrUrl : `${this.cfg.apiUrl}${pathOrUrl.startsWith("/") ? "" : "/"}${pathOrUrl}`;
  }

  /** One HTTP call with the limiter, the token, 429 handling and error classification. */
  async call(path: string, init: RequestInit & { auth: Auth; step: string; timeoutMs?: number }): Promise<Response> {
    const { auth, step, timeoutMs, ...request } = init;
    const how: PartnerCall = { partner: "the TMS", what: step, unreachableCode: "TMS_UNREACHABLE", defaultWaitMs: 2_000, timeoutMs };
    let rejected: string | undefined;
    for (let attempt = 0; attempt < 4; attempt++) {
      const headers = new Headers(request.headers);
      let token: string | undefined;
      // Credentials go to TMS_API_URL's origin and nowhere else (contracts rule 7); which URL a
      // download may reach at all is decided in ./download.ts before it gets here.
      const toTms = new URL(this.url(path)).origin === new URL(this.cfg.apiUrl).origin;
      headers.delete("authorization");
      if (auth === "bearer" && toTms) {
        token = await this.bearer(rejected);
        headers.set("authorization", `Bearer ${token}`);
      } else if (auth === "webhook" && toTms) {
        headers.set("authorization", `Basic ${btoa(`${this.cfg.webhookClientId}:${this.cfg.webhookSecret}`)}`);
      } else if (auth !== "none") {
        throw new PermanentError(`${step}: credentials for the TMS may only go to TMS_API_URL`, "TMS_CREDENTIALS");
      }
      // The slot is taken last, right before the call: waiting for a token must not leave
      // callers holding slots that are already due, or they would all fire at once.
      await acquire(this.env, tmsLimit(this.cfg.ratePerSecond));
      const started = Date.now();
      // Never followed by the runtime: a redirect could carry the Authorization header along.
      const answer = await partnerFetch(this.url(path), { ...request, headers, redirect: "manual" }, how);
      if (answer.kind === "ok") return answer.res;
      if (answer.kind === "slow_down") {
        const wait = answer.wait.ms;
        // Everyone pauses, not just this caller: the limit is per tenant. A storage host's 429
        // (a download hop) is that host's own and holds up only this call.
        if (toTms) await pausePartner(this.env, "tms", Date.now() + wait);
        log({ network: "tms", step, outcome: "retry", ms: Date.now() - started, error: `429, Retry-After ${waitWords(answer.wait)}` });
        if (wait > INLINE_429_WAIT_MS) throw new DeferError(`the TMS asked us to slow down (429); waiting ${waitWords(answer.wait)}`, wait);
        await sleep(wait);
        continue;
      }
      if (answer.status === 401 && auth === "bearer" && rejected === undefined) {
        // The token may have been revoked early; ask for a new one once.
        rejected = token;
        continue;
      }
      if (answer.status >= 300 && answer.status < 400) {
        // A download walks its redirects itself, hop by hop (./download.ts); nothing else expects one.
        if (request.redirect === "manual") return new Response(null, { status: answer.status, headers: answer.headers });
        throw new PermanentError(`the TMS redirected ${step} (${answer.status}); not followed`, `HTTP_${answer.status}`);
      }
      throw new PermanentError(`the TMS refused ${step} (${answer.status}): ${answer.text.slice(0, 300)}`, `HTTP_${answer.status}`);
    }
    throw new TransientError(`the TMS kept refusing ${step}`, "TMS_RETRIES");
  }

  private json(res: Response, step: string): Promise<unknown> {
    return readJson(res, { partner: "the TMS", what: step, unreachableCode: "TMS_UNREACHABLE" });
  }

  /**
   * A TMS document as a stream: inline base64, or its download_url with the bearer token. The
   * caller stores it as it arrives (storeStream), so a large file is never whole in memory.
   */
  async downloadDocument(content: DocumentContent): Promise<TmsFile> {
    if ("content" in content) {
      const bytes = base64ToBytes(content.content);
      return { body: new Blob([bytes]).stream(), length: bytes.length, contentType: content.mime_type, filename: content.filename };
    }
    const step = "tms.document.download";
    const policy = { apiUrl: this.cfg.apiUrl, allowedHosts: this.cfg.downloadHosts };
    const hop: DownloadHop = (url, auth) => this.call(url, { method: "GET", auth, redirect: "manual", step, timeoutMs: DOWNLOAD_TIMEOUT_MS });
    let res = await fetchDownload(content.download_url, policy, hop);
    if ((res.headers.get("content-type") ?? "").includes("application/json")) {
      // Some tenants answer the plain URL with a JSON wrapper; ?direct=true gives the bytes.
      await res.body?.cancel();
      const u = new URL(this.url(content.download_url));
      u.searchParams.set("direct", "true");
      res = await fetchDownload(u.toString(), policy, hop);
      if ((res.headers.get("content-type") ?? "").includes("application/json")) {
        await res.body?.cancel();
        throw new PermanentError("the TMS answered JSON instead of the document even with ?direct=true", "TMS_DOWNLOAD_JSON");
      }
    }
    const disposition = res.headers.get("content-disposition") ?? "";
    const filename = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1] ?? null;
    const length = res.headers.has("content-length") ? Number(res.headers.get("content-length")) : null;
    return { body: res.body ?? new Blob([]).stream(), length: Number.isFinite(length) ? length : null, contentType: res.headers.get("content-type")?.split(";")[0]?.trim() || "application/octet-stream", filename };
  }

  /**
   * Attach a file to an order. By order id whenever we know it; by customer reference only for
   * orders never seen (Qargo silently discards a match that is not exactly one order).
   */
  async importDocument(input: ImportDocumentInput): Promise<void> {
    const q = new URLSearchParams({ filename: input.filename, document_type: input.documentType, document_name: input.documentName ?? input.filename });
    if ("orderId" in input.match) q.set("id", input.match.orderId);
    else q.set("customer_reference_number", input.match.customerReference);
    const res = await this.call(`/v1/webhook/document-import?${q}`, {
      method: "POST",
      auth: "webhook",
      step: "tms.document.import",
      headers: { "content-type": input.contentType },
      body: input.bytes,
    });
    const body = documentImportResponseSchema.safeParse((await this.json(res, "tms.document.import")) ?? {});
    const errors = body.success ? (body.data.errors ?? []) : [];
    if (errors.length > 0) {
      const msg = errors.map((e) => `${e.error_type ?? "ERROR"}: ${e.error_message ?? ""}`).join("; ");
      if (errors.some((e) => e.error_type === "INTERNAL_ERROR")) throw new TransientError(`the TMS could not import the document: ${msg}`, "TMS_IMPORT");
      throw new PermanentError(`the TMS rejected the document: ${msg}`, "TMS_IMPORT");
    }
  }

  async getOrder(orderId: string): Promise<TmsOrder> {
    const res = await this.call(`/v1/orders/order/${encodeURIComponent(orderId)}`, { method: "GET", auth: "bearer", step: "tms.order.get" });
    return orderSchema.parse(await this.json(res, "tms.order.get"));
  }

  async uploadOrder(orderInput: unknown): Promise<{ uploadId: string; orderId: string | null }> {
    const res = await this.call(`/v1/orders/order/upload`, {
      method: "POST",
      auth: "bearer",
      step: "tms.order.upload",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(orderInput),
    });
    const body = orderUploadResponseSchema.parse(await this.json(res, "tms.order.upload"));
    return { uploadId: body.upload_id, orderId: body.order_id ?? null };
  }

  async uploadStatus(uploadId: string): Promise<{ status: string; orderId: string | null; errors?: unknown }> {
    const res = await this.call(`/v1/orders/order/upload/${encodeURIComponent(uploadId)}`, { method: "GET", auth: "bearer", step: "tms.order.upload-status" });
    const body = uploadStatusSchema.parse(await this.json(res, "tms.order.upload-status"));
    return { status: body.upload_status, orderId: body.order_id ?? null, errors: body.errors };
  }

  async subcoStatusUpdate(payload: unknown): Promise<void> {
    const res = await this.call(`/v1/webhook/subco-status-update`, {
      method: "POST",
      auth: "webhook",
      step: "tms.status-update",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload),
    });
    await res.body?.cancel();
  }

  /** Pallet scans and other partial updates (`POST /v1/webhook/partial-order-update`). */
  async partialOrderUpdate(payload: unknown): Promise<void> {
    const res = await this.call(`/v1/webhook/partial-order-update`, {
      method: "POST",
      auth: "webhook",
      step: "tms.partial-order-update",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload),
    });
    const body = partialOrderUpdateResponseSchema.safeParse(await this.json(res, "tms.partial-order-update").catch(() => null));
    const errors = body.success ? (body.data?.errors ?? []) : [];
    if (errors.length > 0) {
      const msg = errors.map((e) => `${e.error_type ?? "ERROR"}: ${e.error_message ?? ""}`).join("; ");
      if (errors.some((e) => e.error_type === "INTERNAL_ERROR")) throw new TransientError(`the TMS could not apply the update: ${msg}`, "TMS_PARTIAL_UPDATE");
      throw new PermanentError(`the TMS rejected the update: ${msg}`, "TMS_PARTIAL_UPDATE");
    }
  }

  /** The order's documents, consignment documents included (`GET /v1/orders/order/{id}/documents`). */
  async orderDocuments(orderId: string): Promise<OrderDocument[]> {
    const res = await this.call(`/v1/orders/order/${encodeURIComponent(orderId)}/documents`, { method: "GET", auth: "bearer", step: "tms.order.documents" });
    return orderDocumentSchema.array().parse(await this.json(res, "tms.order.documents"));
  }
}
