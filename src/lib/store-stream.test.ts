import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PermanentError } from "./errors";
import { storeStream } from "./store-stream";
import { sha256Hex } from "./bytes";

const MB = 1024 * 1024;

/** `size` bytes made up as they are read (byte i is i mod 251); `pulled` counts what was asked. */
function generated(size: number, chunk = 64 * 1024) {
  const state = { pulled: 0 };
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (state.pulled >= size) return c.close();
      const n = Math.min(chunk, size - state.pulled);
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = (state.pulled + i) % 251;
      state.pulled += n;
      c.enqueue(out);
    },
  });
  return { body, state };
}

function expected(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = i % 251;
  return out;
}

describe("storeStream", () => {
  it("stores a file larger than one part as it arrives, byte for byte, with its SHA-256", async () => {
    const key = `test/store-stream/${crypto.randomUUID()}`;
    const size = 17 * MB + 123;
    const src = generated(size);
    const stored = await storeStream(env.FILES, key, src.body, { maxBytes: 100 * MB, what: "the test file", code: "TOO_LARGE", contentType: "application/pdf" });
    const want = expected(size);
    expect(stored.size).toBe(size);
    expect(stored.sha256).toBe(await sha256Hex(want));
    expect(stored.head).toEqual(want.subarray(0, 1024));
    const obj = await env.FILES.get(key);
    expect(obj?.size).toBe(size);
    expect(obj?.httpMetadata?.contentType).toBe("application/pdf");
    expect(await sha256Hex(new Uint8Array(await obj!.arrayBuffer()))).toBe(stored.sha256);
    await env.FILES.delete(key);
  });

  it("stores a small file in one put", async () => {
    const key = `test/store-stream/${crypto.randomUUID()}`;
    const stored = await storeStream(env.FILES, key, generated(5000, 700).body, { maxBytes: MB, what: "the test file", code: "TOO_LARGE" });
    expect(stored.size).toBe(5000);
    expect(new Uint8Array(await (await env.FILES.get(key))!.arrayBuffer())).toEqual(expected(5000));
    await env.FILES.delete(key);
  });

  it("stops at the ceiling, pulls no further, and leaves nothing in R2", async () => {
    const key = `test/store-stream/${crypto.randomUUID()}`;
    const src = generated(101 * MB);
    const err = await storeStream(env.FILES, key, src.body, { maxBytes: 100 * MB, what: "the test file", code: "TOO_LARGE" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).code).toBe("TOO_LARGE");
    expect((err as Error).message).toBe("the test file is larger than 100 MB; stopped reading at that ceiling and kept none of it");
    expect(src.state.pulled).toBeLessThanOrEqual(100 * MB + 2 * 64 * 1024);
    expect(await env.FILES.head(key)).toBeNull();
    expect((await env.FILES.list({ prefix: key })).objects).toEqual([]);
  });

  it("refuses a declared length over the ceiling without reading", async () => {
    const key = `test/store-stream/${crypto.randomUUID()}`;
    const src = generated(101 * MB);
    await expect(storeStream(env.FILES, key, src.body, { maxBytes: 100 * MB, what: "the test file", code: "TOO_LARGE", declaredBytes: 101 * MB })).rejects.toThrow(/larger than 100 MB/);
    expect(src.state.pulled).toBeLessThanOrEqual(64 * 1024);
    expect(await env.FILES.head(key)).toBeNull();
  });
});
