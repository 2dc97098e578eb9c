// A small PDF that decompresses to a lot: object streams each within the per-stream limit, but
// together past what one PDF may decode in a 128 MB isolate. Built by hand, inside workerd.
import { describe, expect, it } from "vitest";
import { PodPdfError, splitPodPdf } from "./split";

const enc = new TextEncoder();

async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const out = new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate")));
  return new Uint8Array(await out.arrayBuffer());
}

/** `streams` object streams, each holding one page dictionary followed by `padMiB` MiB of spaces. */
async function bombPdf(streams: number, padMiB: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  const offsets: number[] = [];
  const add = (b: Uint8Array) => { parts.push(b); size += b.length; };
  const obj = (num: number, body: Uint8Array[] | string) => {
    offsets[num] = size;
    if (typeof body === "string") add(enc.encode(`${num} 0 obj\n${body}\nendobj\n`));
    else for (const b of body) add(b);
  };
  add(enc.encode("%PDF-1.5\n%\xe2\xe3\xcf\xd3\n"));
  const kids = Array.from({ length: streams }, (_, i) => `${100 + i} 0 R`).join(" ");
  obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
  obj(2, `<< /Type /Pages /Kids [${kids}] /Count ${streams} >>`);
  for (let i = 0; i < streams; i++) {
    const page = enc.encode(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>`);
    const header = enc.encode(`${100 + i} 0 `);
    const plain = new Uint8Array(header.length + page.length + padMiB * 1024 * 1024).fill(0x20);
    plain.set(header);
    plain.set(page, header.length);
    const data = await deflate(plain);
    const num = 10 + i;
    obj(num, [enc.encode(`${num} 0 obj\n<< /Type /ObjStm /N 1 /First ${header.length} /Filter /FlateDecode /Length ${data.length} >>\nstream\n`), data, enc.encode("\nendstream\nendobj\n")]);
  }
  // No usable cross-reference data: the reader scans, and decodes every object stream it finds.
  add(enc.encode(`trailer\n<< /Root 1 0 R /Size ${110 + streams} >>\nstartxref\n999999999\n%%EOF\n`));
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

describe("a decoded-bytes budget per PDF", () => {
  it("refuses a small PDF whose object streams decompress past the budget, in plain words", { timeout: 60_000 }, async () => {
    const pdf = await bombPdf(5, 10);
    expect(pdf.length).toBeLessThan(200_000);
    const err = await (async () => {
      for await (const _ of splitPodPdf(pdf)) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PodPdfError);
    expect((err as Error).message).toMatch(/decompresses to more than 32 MB in all/);
  });
});
