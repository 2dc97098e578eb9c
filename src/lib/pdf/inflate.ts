// Decoding for the few streams the splitter must read itself: cross-reference streams, object
// streams and page content streams. Image data is never decoded.
import { PodPdfError } from "./errors";
import { PdfDict, PdfName, type PdfObj, asInt } from "./objects";

/**
 * Inflates zlib data with the platform's DecompressionStream. Damaged data is common in the
 * wild (a bad Adler-32, junk after the end, a missing final block) and runtimes differ in what
 * they forgive (workerd rejects bytes after the deflate end), so a strict zlib pass comes first,
 * then a raw-deflate pass without the checksum; output produced before an error is kept.
 */
export async function inflate(data: Uint8Array, limit: number): Promise<Uint8Array> {
  const strict = await run("deflate", data, limit);
  if (!strict.failed) return strict.out;
  const zlibHeader = data.length > 6 && (data[0]! & 0x0f) === 8 && ((data[0]! << 8) | data[1]!) % 31 === 0;
  const lenient = zlibHeader ? await run("deflate-raw", data.subarray(2, data.length - 4), limit) : strict;
  const best = lenient.out.length >= strict.out.length ? lenient : strict;
  if (best.out.length === 0) {
    throw new PodPdfError("the PDF is damaged: a compressed stream cannot be inflated", { cause: strict.failed });
  }
  return best.out;
}

async function run(
  format: "deflate" | "deflate-raw",
  data: Uint8Array,
  limit: number,
): Promise<{ out: Uint8Array; failed?: unknown }> {
  const ds = new DecompressionStream(format);
  const writer = ds.writable.getWriter();
  writer.write(data).catch(() => {});
  writer.close().catch(() => {});
  const reader = ds.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let failed: unknown;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        await reader.cancel().catch(() => {});
        throw new PodPdfError(`the PDF is damaged: a compressed stream inflates beyond ${limit} bytes`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof PodPdfError) throw e;
    failed = e ?? new Error("inflate failed");
  }
  if (chunks.length === 1) return { out: chunks[0]!, failed };
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return { out, failed };
}

/** Decodes a stream whose filters are none or FlateDecode (with an optional PNG predictor). */
export async function decodeStream(
  dict: PdfDict,
  data: Uint8Array,
  limit: number,
  resolve: (v: PdfObj | undefined) => Promise<PdfObj | undefined>,
): Promise<Uint8Array> {
  const filterObj = await resolve(dict.get("Filter"));
  const filters: PdfObj[] = Array.isArray(filterObj) ? filterObj : filterObj == null ? [] : [filterObj];
  const parmsObj = await resolve(dict.get("DecodeParms") ?? dict.get("DP"));
  const parmsList: PdfObj[] = Array.isArray(parmsObj) ? parmsObj : [parmsObj ?? null];
  let out = data;
  for (let i = 0; i < filters.length; i++) {
    const f = await resolve(filters[i]);
    const name = f instanceof PdfName ? f.value : "?";
    if (name !== "FlateDecode" && name !== "Fl") {
      throw new PodPdfError(`the PDF uses a ${name} stream where only FlateDecode is supported`);
    }
    out = await inflate(out, limit);
    const parms = await resolve(parmsList[i]);
    if (parms instanceof PdfDict) out = await unpredict(out, parms, resolve);
  }
  return out;
}

async function unpredict(
  data: Uint8Array,
  parms: PdfDict,
  resolve: (v: PdfObj | undefined) => Promise<PdfObj | undefined>,
): Promise<Uint8Array> {
  const predictor = asInt(await resolve(parms.get("Predictor"))) ?? 1;
  if (predictor === 1) return data;
  const colors = asInt(await resolve(parms.get("Colors"))) ?? 1;
  const bpc = asInt(await resolve(parms.get("BitsPerComponent"))) ?? 8;
  const columns = asInt(await resolve(parms.get("Columns"))) ?? 1;
  const rowLen = Math.ceil((colors * bpc * columns) / 8);
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  if (rowLen <= 0 || rowLen > 1 << 20) throw new PodPdfError("the PDF is damaged: a stream has impossible predictor columns");
  if (predictor === 2) {
    if (bpc !== 8) throw new PodPdfError("the PDF uses a TIFF predictor with other than 8 bits per component");
    const out = data.slice();
    for (let r = 0; r + rowLen <= out.length; r += rowLen) {
      for (let i = bpp; i < rowLen; i++) out[r + i] = (out[r + i]! + out[r + i - bpp]!) & 0xff;
    }
    return out;
  }
  // PNG predictors: every row starts with its own filter type byte.
  const rows = Math.floor(data.length / (rowLen + 1));
  const out = new Uint8Array(rows * rowLen);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (rowLen + 1)]!;
    const src = r * (rowLen + 1) + 1;
    const dst = r * rowLen;
    const prev = dst - rowLen;
    for (let i = 0; i < rowLen; i++) {
      const x = data[src + i]!;
      const a = i >= bpp ? out[dst + i - bpp]! : 0;
      const b = r > 0 ? out[prev + i]! : 0;
      const c = r > 0 && i >= bpp ? out[prev + i - bpp]! : 0;
      let v: number;
      switch (type) {
        case 0: v = x; break;
        case 1: v = x + a; break;
        case 2: v = x + b; break;
        case 3: v = x + ((a + b) >> 1); break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default: throw new PodPdfError(`the PDF is damaged: unknown PNG predictor row type ${type}`);
      }
      out[dst + i] = v & 0xff;
    }
  }
  return out;
}
