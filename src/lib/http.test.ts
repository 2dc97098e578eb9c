import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PermanentError, TransientError } from "./errors";
import { ERROR_TEXT_MAX_BYTES, JSON_MAX_BYTES, MAX_WAIT_MS, partnerFetch, readCapped, readErrorText, readJson, retryAfter, waitWords, type PartnerCall } from "./http";
import { sim } from "../../test/support/sim";

const call: PartnerCall = { partner: "the Sim", what: "sim.test", unreachableCode: "SIM_UNREACHABLE", defaultWaitMs: 5_000 };
/** Outside /v1/: the Qargo simulator's own rate limit does not count these calls. */
const base = () => `${env.TMS_API_URL}/http-test/${crypto.randomUUID()}`;

/** A body of `size` bytes made up as it is read; `pulled` says how much was asked for. */
function generated(size: number, chunk = 64 * 1024) {
  const state = { pulled: 0 };
  const block = new Uint8Array(chunk).fill(0x20);
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (state.pulled >= size) return c.close();
      const n = Math.min(chunk, size - state.pulled);
      state.pulled += n;
      c.enqueue(n === chunk ? block.slice() : block.slice(0, n));
    },
  });
  return { body, state };
}

async function failure(p: Promise<unknown>): Promise<Error> {
  const got = await p.then(() => null, (e: unknown) => e);
  if (!(got instanceof Error)) throw new Error("expected a failure");
  return got;
}

describe("retryAfter", () => {
  it("reads seconds and HTTP dates, and falls back on anything else", () => {
    expect(retryAfter("2", 9_000)).toEqual({ ms: 2_000, askedMs: null });
    expect(retryAfter(null, 9_000)).toEqual({ ms: 9_000, askedMs: null });
    expect(retryAfter("soon", 9_000)).toEqual({ ms: 9_000, askedMs: null });
    const at = retryAfter(new Date(Date.now() + 60_000).toUTCString(), 9_000);
    expect(at.ms).toBeGreaterThan(55_000);
    expect(at.ms).toBeLessThanOrEqual(60_000);
    expect(retryAfter(new Date(Date.now() - 60_000).toUTCString(), 9_000).ms).toBe(0);
  });

  it("waits at most an hour, and says what was asked", () => {
    const w = retryAfter("7200", 9_000);
    expect(w).toEqual({ ms: MAX_WAIT_MS, askedMs: 7_200_000 });
    expect(waitWords(w)).toBe("3600 s, the 1-hour maximum (asked to wait 7200 s)");
    expect(waitWords(retryAfter("30", 0))).toBe("30 s");
    const date = retryAfter(new Date(Date.now() + 5 * 3_600_000).toUTCString(), 0);
    expect(date.ms).toBe(MAX_WAIT_MS);
    expect(date.askedMs).toBeGreaterThan(4 * 3_600_000);
  });
});

describe("partnerFetch", () => {
  it("classifies 5xx as worth retrying, with no query string or secret in the words", async () => {
    const url = base();
    await sim.qargo.fail({ path: new URL(url).pathname, status: 503, times: 1, body: "down" });
    const err = await failure(partnerFetch(`${url}?apikey=SECRET-KEY`, {}, call));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).code).toBe("HTTP_503");
    expect(err.message).toBe("the Sim answered 503 to sim.test");
  });

  it("hands a 5xx that is really an answer back as a refusal, when the partner says so", async () => {
    const url = base();
    await sim.qargo.fail({ path: new URL(url).pathname, status: 500, times: 1, body: "POD not found" });
    const a = await partnerFetch(url, {}, { ...call, answersIn5xx: (t) => t.includes("not found") });
    expect(a).toMatchObject({ kind: "refused", status: 500, text: "POD not found" });
  });

  it("returns a 429 with its capped wait, and a 4xx with only the start of its body", async () => {
    const url = base();
    await sim.qargo.fail({ path: new URL(url).pathname, status: 429, times: 1, headers: { "retry-after": "86400" } });
    const slow = await partnerFetch(url, {}, call);
    expect(slow.kind === "slow_down" && slow.wait).toEqual({ ms: MAX_WAIT_MS, askedMs: 86_400_000 });
    await sim.qargo.fail({ path: new URL(url).pathname, status: 422, times: 1, body: "x".repeat(100_000) });
    const refused = await partnerFetch(url, {}, call);
    expect(refused.kind).toBe("refused");
    expect(refused.kind === "refused" && refused.text.length).toBe(ERROR_TEXT_MAX_BYTES);
  });

  it("turns no answer at all into a TransientError with the partner's code", async () => {
    // A refused port, on purpose. The fetch rejects and partnerFetch handles it (asserted
    // below), yet workerd's own outbound proxy, outside the Worker's isolate (an
    // `unhandledrejection` listener here never sees it), still logs the refusal to stderr as
    // "exception = rust/worker/ffi.rs…: Connection refused" and two "uncaught exception …
    // Network connection lost" lines with stacks. Those lines in a green run are this test.
    const refused = await failure(partnerFetch("http://127.0.0.1:9/nothing?token=SECRET", {}, call));
    expect(refused).toBeInstanceOf(TransientError);
    expect((refused as TransientError).code).toBe("SIM_UNREACHABLE");
    expect(refused.message).not.toContain("SECRET");
    const aborted = await failure(partnerFetch(base(), { signal: AbortSignal.abort() }, call));
    expect(aborted.message).toMatch(/^the Sim did not answer sim\.test \(/);
  });
});

describe("body ceilings", () => {
  it("stops reading a JSON answer at 10 MB, without pulling the rest", async () => {
    const big = generated(JSON_MAX_BYTES + 5 * 1024 * 1024);
    const err = await failure(readJson(new Response(big.body), call));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).code).toBe("RESPONSE_TOO_LARGE");
    expect(err.message).toBe("the Sim answered sim.test with more than 10 MB; stopped reading at that ceiling");
    expect(big.state.pulled).toBeLessThanOrEqual(JSON_MAX_BYTES + 2 * 64 * 1024);
  });

  it("refuses a declared length over the ceiling before reading a byte", async () => {
    const big = generated(50 * 1024 * 1024);
    const res = new Response(big.body, { headers: { "content-length": String(50 * 1024 * 1024) } });
    await expect(readCapped(res, 1024 * 1024, call)).rejects.toThrow(/more than 1 MB/);
    expect(big.state.pulled).toBeLessThanOrEqual(2 * 64 * 1024);
  });

  it("reads an answer within the ceiling whole, and a body that is not JSON as null", async () => {
    expect(await readJson(new Response(JSON.stringify({ a: [1, 2] })), call)).toEqual({ a: [1, 2] });
    expect(await readJson(new Response("<html>"), call)).toBeNull();
    const exact = generated(1024 * 1024, 1000);
    expect((await readCapped(new Response(exact.body), 1024 * 1024, call)).byteLength).toBe(1024 * 1024);
  });

  it("reads only the start of an error body", async () => {
    const big = generated(8 * 1024 * 1024, 1024);
    expect((await readErrorText(new Response(big.body))).length).toBe(ERROR_TEXT_MAX_BYTES);
    expect(big.state.pulled).toBeLessThanOrEqual(ERROR_TEXT_MAX_BYTES + 2 * 1024);
  });
});
