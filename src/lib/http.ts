import { concatBytes } from "./bytes";
import { PermanentError, TransientError } from "./errors";

// The one way the connector calls a partner over HTTP: a timeout on every call, no answer at
// all is worth trying again, 429 says how long to wait (never more than an hour), 5xx is the
// partner's trouble, any other refusal comes back for the client to put in its own words, and
// no response body is ever read past a ceiling. Messages name the partner and the call, never
// the URL: query strings carry API keys. Redirects are never followed by the runtime, which
// would send the key (header or query string) on to whatever Location names: a redirect is an
// error naming the partner, unless the caller asked for `redirect: "manual"` to walk it itself.

export const TIMEOUT_MS = 60_000;
/** A JSON answer larger than this is not one the connector can hold in a 128 MB isolate. */
export const JSON_MAX_BYTES = 10 * 1024 * 1024;
/** Files read into memory (POD PDFs, feed documents). A TMS document streams to R2 instead. */
export const FILE_MAX_BYTES = 100 * 1024 * 1024;
/** An error body is only ever quoted: a few KB is all a message needs. */
export const ERROR_TEXT_MAX_BYTES = 4 * 1024;
/** A partner asking for longer than this is waited on for this long, and the caller says so. */
export const MAX_WAIT_MS = 3_600_000;

export interface PartnerCall {
  /** The partner as named in messages: "the TMS", "UPN". */
  partner: string;
  /** The call as named in messages: "tms.order.get", "the upload of a.pdf". */
  what: string;
  /** The error code when no answer came at all (timeout, reset, DNS). */
  unreachableCode: string;
  /** How long a 429 without Retry-After waits. */
  defaultWaitMs: number;
  timeoutMs?: number;
  /** A 5xx whose body is still an answer (Palletways' plain-text errors) comes back as `refused`. */
  answersIn5xx?: (text: string) => boolean;
  /** The words for a 5xx, where the partner's body says more than its status. */
  serverError?: (status: number, text: string) => string;
}

/** How long to wait after a 429. */
export interface Wait {
  ms: number;
  /** What the partner asked for, when that was more than MAX_WAIT_MS; else null. */
  askedMs: number | null;
}

export type PartnerAnswer =
  | { kind: "ok"; res: Response }
  | { kind: "slow_down"; wait: Wait; text: string }
  /** `headers` for what a refusal carries besides its body (a redirect's Location). */
  | { kind: "refused"; status: number; text: string; headers: Headers };

export async function partnerFetch(url: string, init: RequestInit, call: PartnerCall): Promise<PartnerAnswer> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, redirect: "manual", signal: init.signal ?? AbortSignal.timeout(call.timeoutMs ?? TIMEOUT_MS) });
  } catch (err) {
    throw new TransientError(`${call.partner} did not answer ${call.what} (${errorName(err)})`, call.unreachableCode);
  }
  if (res.ok) return { kind: "ok", res };
  if (res.status >= 300 && res.status < 400 && init.redirect !== "manual") {
    await res.body?.cancel().catch(() => undefined);
    // The Location is not quoted: it is the partner's (or an impostor's) text and may carry our key back.
    throw new PermanentError(
      `${call.partner} answered ${call.what} with a redirect (${res.status}) to another address; it was not followed, so our key went nowhere else`,
      "PARTNER_REDIRECT",
      `check the ${call.partner} base URL setting: the partner may have moved its API`,
    );
  }
  const text = await readErrorText(res);
  if (res.status === 429) return { kind: "slow_down", wait: retryAfter(res.headers.get("retry-after"), call.defaultWaitMs), text };
  if (res.status >= 500 && !call.answersIn5xx?.(text)) {
    throw new TransientError(call.serverError?.(res.status, text) ?? `${call.partner} answered ${res.status} to ${call.what}`, `HTTP_${res.status}`);
  }
  return { kind: "refused", status: res.status, text, headers: res.headers };
}

/** Retry-After in seconds or as an HTTP date; at most MAX_WAIT_MS. */
export function retryAfter(header: string | null, fallbackMs: number): Wait {
  const asked = retryAfterAsked(header?.trim() ?? "", fallbackMs);
  return asked > MAX_WAIT_MS ? { ms: MAX_WAIT_MS, askedMs: asked } : { ms: asked, askedMs: null };
}

/** Retry-After in milliseconds from now, capped at one hour. */
export function retryAfterMs(header: string | null, fallbackMs: number): number {
  return retryAfter(header, fallbackMs).ms;
}

function retryAfterAsked(header: string, fallbackMs: number): number {
  if (!header) return fallbackMs;
  if (/^\d+(\.\d+)?$/.test(header)) return Number(header) * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : fallbackMs;
}

/** "30 s", or "3600 s, the 1-hour maximum (asked to wait 7200 s)". */
export function waitWords(w: Wait): string {
  return `${Math.ceil(w.ms / 1000)} s${capNote(w)}`;
}

/** Said after a wait that was capped, so the timeline and health show what the partner asked. */
export function capNote(w: Wait): string {
  return w.askedMs === null ? "" : `, the 1-hour maximum (asked to wait ${Math.ceil(w.askedMs / 1000)} s)`;
}

/**
 * The body, read chunk by chunk and never past `max` bytes: a larger answer (declared or
 * streamed) is a PermanentError, since asking again brings the same answer.
 */
export async function readCapped(res: Response, max: number, call: Pick<PartnerCall, "partner" | "what" | "unreachableCode">): Promise<Uint8Array> {
  const tooLarge = () => new PermanentError(`${call.partner} answered ${call.what} with more than ${sizeWords(max)}; stopped reading at that ceiling`, "RESPONSE_TOO_LARGE");
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!res.body) return new Uint8Array();
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let r: ReadableStreamReadResult<Uint8Array>;
    try {
      r = await reader.read();
    } catch (err) {
      throw new TransientError(`${call.partner} stopped sending ${call.what} (${errorName(err)})`, call.unreachableCode);
    }
    if (r.done) break;
    size += r.value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    parts.push(r.value);
  }
  return concatBytes(parts);
}

export async function readText(res: Response, call: Pick<PartnerCall, "partner" | "what" | "unreachableCode">, max = JSON_MAX_BYTES): Promise<string> {
  return new TextDecoder().decode(await readCapped(res, max, call));
}

/** A JSON answer within JSON_MAX_BYTES; null when the body is not JSON (the schema then says why). */
export async function readJson(res: Response, call: Pick<PartnerCall, "partner" | "what" | "unreachableCode">): Promise<unknown> {
  const text = await readText(res, call);
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The start of an error body, for quoting; the rest is left unread. Never throws. */
export async function readErrorText(res: Response, max = ERROR_TEXT_MAX_BYTES): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const r = await reader.read();
      if (r.done) break;
      parts.push(r.value);
      size += r.value.byteLength;
    }
  } catch {
    // A body cut short still says what it said so far.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return new TextDecoder().decode(concatBytes(parts).subarray(0, max));
}

export function sizeWords(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MB` : `${bytes} bytes`;
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : "network error";
}
