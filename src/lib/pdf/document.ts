// Object access for a PDF held in memory: the cross-reference data (classic tables, xref streams,
// hybrids, incremental updates through /Prev), object streams, and a rebuild by scanning for
// `N G obj` headers when the cross-reference data is missing or wrong. Objects are parsed on
// demand; stream data stays a view into the input, so the input is never copied.
import { PodPdfError } from "./errors";
import { contentLabel } from "../bytes";
import { decodeStream } from "./inflate";
import {
  ENDSTREAM, Lexer, ascii, indexOfBytes, isBoundary, isWhite, lastIndexOfBytes, matchAt, parseIndirect,
} from "./lexer";
import { PdfDict, PdfRef, PdfStream, asInt, isName, type PdfObj } from "./objects";

type XrefEntry =
  | { type: 1; offset: number; gen: number }
  | { type: 2; stream: number; index: number };

interface ObjStm {
  buf: Uint8Array;
  first: number;
  /** Object number → offset from /First, in the order the header lists them. */
  nums: number[];
  offsets: number[];
}

/** Cross-reference and object streams are small; anything bigger is broken or hostile. */
const AUX_STREAM_LIMIT = 16 << 20;
/**
 * What one PDF may decompress in all (object streams, cross-reference streams, page contents):
 * each stream is held to its own limit, but ten of them at 16 MiB from a 160 KB file would still
 * fill the isolate. Photos themselves are never decompressed (a JPEG page is copied as stored).
 */
export const DECODED_BUDGET = 32 << 20;
const MAX_XREF_SECTIONS = 512;

const PDF_HEADER = ascii("%PDF-");
const EOF_MARK = ascii("%%EOF");
const STARTXREF = ascii("startxref");
const XREF = ascii("xref");
const TRAILER = ascii("trailer");
const OBJ = ascii("obj");

export class PdfDocument {
  private entries = new Map<number, XrefEntry>();
  private readonly cache = new Map<number, PdfObj>();
  private readonly objStms = new Map<number, ObjStm>();
  private readonly resolving = new Set<number>();
  private scanned?: { entries: Map<number, XrefEntry>; trailers: PdfDict[]; catalogs: number[] };
  /** True once the cross-reference data was given up and the scan is the only index. */
  private scanMode = false;
  trailer = new PdfDict();
  /** How the objects were found, for diagnostics and tests. */
  xrefSource: "xref" | "scan" = "xref";

  private decodedBytes = 0;
  /**
   * Set once the budget is spent, and thrown by every later decode. Sticky, because the reader
   * tolerates damage (a stream that fails to decode is skipped), and spending the budget must
   * end the whole reading rather than look like one damaged stream.
   */
  overBudget: PodPdfError | null = null;

  private constructor(readonly buf: Uint8Array) {}

  /** A stream's bytes decoded, within its own `limit` and what is left of the PDF's budget. */
  async decode(dict: PdfDict, data: Uint8Array, limit: number, resolve: (v: PdfObj | undefined) => Promise<PdfObj | undefined>): Promise<Uint8Array> {
    if (this.overBudget) throw this.overBudget;
    const left = DECODED_BUDGET - this.decodedBytes;
    let out: Uint8Array;
    try {
      out = await decodeStream(dict, data, Math.min(limit, left), resolve);
    } catch (e) {
      if (left < limit && e instanceof PodPdfError && /inflates beyond/.test(e.message)) throw this.spent();
      throw e;
    }
    this.decodedBytes += out.length;
    if (this.decodedBytes > DECODED_BUDGET) throw this.spent();
    return out;
  }

  private spent(): PodPdfError {
    this.overBudget ??= new PodPdfError(`the PDF decompresses to more than ${DECODED_BUDGET >> 20} MB in all (its compressed streams together), more than a POD is; it was not read further`);
    return this.overBudget;
  }

  static async open(buf: Uint8Array): Promise<PdfDocument> {
    if (indexOfBytes(buf, PDF_HEADER, 0, Math.min(buf.length, 1024 + PDF_HEADER.length)) < 0) {
      throw new PodPdfError(`not a PDF: ${describeStart(buf)}`);
    }
    // Readers accept %%EOF anywhere in the last 1 KB; without it the download was cut short.
    const eof = lastIndexOfBytes(buf, EOF_MARK, buf.length - EOF_MARK.length, Math.max(0, buf.length - 1024 - EOF_MARK.length));
    if (eof < 0) {
      throw new PodPdfError(`the PDF is truncated: it does not end with %%EOF (${buf.length} bytes received; the download was probably cut short)`);
    }
    const doc = new PdfDocument(buf);
    let ok = false;
    try {
      await doc.readXrefChain(eof);
      ok = (await doc.catalog()) !== undefined;
    } catch (e) {
      if (e instanceof PodPdfError && e.message.includes("encrypted")) throw e;
    }
    if (!ok && !doc.overBudget) await doc.rebuildFromScan();
    if (doc.overBudget) throw doc.overBudget;
    if (doc.trailer.get("Encrypt") != null) {
      throw new PodPdfError("the PDF is encrypted; encrypted PDFs cannot be split");
    }
    return doc;
  }

  async catalog(): Promise<PdfDict | undefined> {
    const root = await this.resolve(this.trailer.get("Root"));
    return root instanceof PdfDict && root.get("Pages") != null ? root : undefined;
  }

  async resolve(v: PdfObj | undefined): Promise<PdfObj | undefined> {
    return v instanceof PdfRef ? this.getObject(v.num) : v;
  }

  async getObject(num: number): Promise<PdfObj> {
    const cached = this.cache.get(num);
    if (cached !== undefined) return cached;
    // A reference cycle (an object whose /Length is itself, say) resolves to null, as in readers.
    if (this.resolving.has(num)) return null;
    this.resolving.add(num);
    try {
      let failure: unknown;
      let obj: PdfObj | undefined;
      const entry = this.entries.get(num);
      if (entry) {
        try { obj = await this.load(num, entry); } catch (e) { failure = e; }
      }
      if (obj === undefined && !this.scanMode) {
        const alt = (await this.ensureScanned()).entries.get(num);
        if (alt && !sameEntry(alt, entry)) {
          try { obj = await this.load(num, alt); } catch (e) { failure ??= e; }
        }
      }
      if (obj === undefined && failure !== undefined) throw failure;
      obj ??= null;
      this.cache.set(num, obj);
      return obj;
    } finally {
      this.resolving.delete(num);
    }
  }

  /** Undefined when the entry does not lead to object `num`. */
  private async load(num: number, entry: XrefEntry): Promise<PdfObj | undefined> {
    if (entry.type === 1) {
      if (entry.offset < 0 || entry.offset >= this.buf.length) return undefined;
      const h = parseIndirect(this.buf, entry.offset);
      if (h.num !== num) return undefined;
      if (h.streamStart === undefined) return h.value;
      const dict = h.value as PdfDict;
      return new PdfStream(dict, await this.streamData(dict, h.streamStart, true));
    }
    const stm = await this.objStm(entry.stream);
    let i = stm.nums[entry.index] === num ? entry.index : stm.nums.indexOf(num);
    if (i < 0) return undefined;
    const lx = new Lexer(stm.buf, stm.first + stm.offsets[i]!);
    return lx.parseValue();
  }

  private async objStm(num: number): Promise<ObjStm> {
    const have = this.objStms.get(num);
    if (have) return have;
    const s = await this.getObject(num);
    if (!(s instanceof PdfStream)) throw new PodPdfError(`the PDF is damaged: object stream ${num} is missing`);
    const stm = await this.decodeObjStm(s);
    this.objStms.set(num, stm);
    return stm;
  }

  private async decodeObjStm(s: PdfStream): Promise<ObjStm> {
    const n = asInt(await this.resolve(s.dict.get("N"))) ?? 0;
    const first = asInt(await this.resolve(s.dict.get("First"))) ?? 0;
    const buf = await this.decode(s.dict, s.data, AUX_STREAM_LIMIT, (v) => this.resolve(v));
    const lx = new Lexer(buf);
    const nums: number[] = [];
    const offsets: number[] = [];
    for (let i = 0; i < n; i++) {
      const a = lx.next();
      const b = lx.next();
      if (a.k !== "num" || b.k !== "num") break;
      nums.push(a.v);
      offsets.push(b.v);
    }
    return { buf, first, nums, offsets };
  }

  /**
   * The stream's bytes as stored. /Length is trusted only when `endstream` follows it; else the
   * data runs to the next `endstream` (writers get /Length wrong more often than the keyword).
   */
  private async streamData(dict: PdfDict, start: number, mayResolve: boolean): Promise<Uint8Array> {
    const b = this.buf;
    const lenObj = dict.get("Length");
    const len = asInt(lenObj instanceof PdfRef ? (mayResolve ? await this.resolve(lenObj) : undefined) : lenObj);
    if (len !== undefined && len >= 0 && start + len <= b.length) {
      let p = start + len;
      while (p < b.length && p < start + len + 16 && isWhite(b[p])) p++;
      if (matchAt(b, p, ENDSTREAM)) return b.subarray(start, start + len);
    }
    const e = indexOfBytes(b, ENDSTREAM, start);
    if (e < 0) {
      throw new PodPdfError(`the PDF is truncated: a stream at byte ${start} runs past the end of the file`);
    }
    let end = e;
    if (b[end - 1] === 0x0a) end--;
    if (b[end - 1] === 0x0d) end--;
    return b.subarray(start, Math.max(start, end));
  }

  private async readXrefChain(eof: number): Promise<void> {
    const sx = lastIndexOfBytes(this.buf, STARTXREF, eof, Math.max(0, eof - 1024));
    if (sx < 0) throw new PodPdfError("the PDF is damaged: no startxref");
    const t = new Lexer(this.buf, sx + STARTXREF.length).next();
    if (t.k !== "num") throw new PodPdfError("the PDF is damaged: startxref has no offset");
    const seen = new Set<number>();
    let newest: PdfDict | undefined;
    let off: number | undefined = t.v;
    while (off !== undefined && !seen.has(off) && seen.size < MAX_XREF_SECTIONS) {
      seen.add(off);
      const section = await this.readXrefSection(off);
      newest ??= section;
      // Hybrid files: the table's companion stream lists the objects kept in object streams.
      const stm = asInt(section.get("XRefStm"));
      if (stm !== undefined && !seen.has(stm)) {
        seen.add(stm);
        await this.readXrefSection(stm);
      }
      off = asInt(section.get("Prev"));
    }
    if (!newest) throw new PodPdfError("the PDF is damaged: no cross-reference data");
    this.trailer = newest;
  }

  /** Adds the section's entries where a newer section has not set them; returns its trailer. */
  private async readXrefSection(off: number): Promise<PdfDict> {
    const b = this.buf;
    const lx = new Lexer(b, off);
    lx.skipWhitespace();
    if (matchAt(b, lx.pos, XREF)) {
      lx.pos += XREF.length;
      for (;;) {
        const t = lx.next();
        if (t.k === "kw" && t.v === "trailer") {
          const d = lx.parseValue();
          if (!(d instanceof PdfDict)) throw lx.fail("a trailer that is not a dictionary");
          return d;
        }
        const c = lx.next();
        if (t.k !== "num" || c.k !== "num") throw lx.fail("a broken cross-reference table");
        for (let i = 0; i < c.v; i++) {
          const o = lx.next();
          const g = lx.next();
          const f = lx.next();
          if (o.k !== "num" || g.k !== "num" || f.k !== "kw") throw lx.fail("a broken cross-reference entry");
          const num = t.v + i;
          // Free entries are skipped rather than recorded: in hybrid files the table marks
          // objects free that the companion xref stream places in object streams.
          if (f.v === "n" && o.v > 0 && !this.entries.has(num)) this.entries.set(num, { type: 1, offset: o.v, gen: g.v });
        }
      }
    }
    const h = parseIndirect(b, off);
    const dict = h.value;
    if (h.streamStart === undefined || !(dict instanceof PdfDict) || !isName(dict.get("Type"), "XRef")) {
      throw new PodPdfError(`the PDF is damaged: no cross-reference data at byte ${off}`);
    }
    const data = await this.decode(dict, await this.streamData(dict, h.streamStart, false), AUX_STREAM_LIMIT, async (v) => v);
    const w = dict.get("W");
    const widths = Array.isArray(w) ? w.map((x) => asInt(x) ?? 0) : [];
    if (widths.length < 3 || widths.some((x) => x < 0 || x > 8)) throw new PodPdfError("the PDF is damaged: bad /W in an xref stream");
    const [w0, w1, w2] = widths as [number, number, number];
    const row = w0 + w1 + w2;
    if (row === 0) throw new PodPdfError("the PDF is damaged: bad /W in an xref stream");
    const idx = dict.get("Index");
    const index = Array.isArray(idx) ? idx.map((x) => asInt(x) ?? 0) : [0, asInt(dict.get("Size")) ?? 0];
    let p = 0;
    const field = (width: number, dflt: number): number => {
      if (width === 0) return dflt;
      let v = 0;
      for (let i = 0; i < width; i++) v = v * 256 + data[p++]!;
      return v;
    };
    for (let s = 0; s + 1 < index.length; s += 2) {
      const start = index[s]!;
      const count = index[s + 1]!;
      for (let i = 0; i < count && p + row <= data.length; i++) {
        const type = field(w0, 1);
        const f1 = field(w1, 0);
        const f2 = field(w2, 0);
        const num = start + i;
        if (this.entries.has(num)) continue;
        if (type === 1) this.entries.set(num, { type: 1, offset: f1, gen: f2 });
        else if (type === 2) this.entries.set(num, { type: 2, stream: f1, index: f2 });
      }
    }
    return dict;
  }

  /**
   * Finds every `N G obj` outside stream data, front to back so later definitions (incremental
   * updates) win, plus every trailer and xref stream dictionary as candidate roots.
   */
  private async ensureScanned(): Promise<NonNullable<PdfDocument["scanned"]>> {
    if (this.scanned) return this.scanned;
    const b = this.buf;
    const entries = new Map<number, XrefEntry>();
    const where = new Map<number, number>();
    const trailers: { at: number; dict: PdfDict }[] = [];
    const streams: [number, number][] = [];
    const objStms: { num: number; at: number }[] = [];
    const catalogs: { num: number; at: number }[] = [];
    let pos = 0;
    for (;;) {
      const i = indexOfBytes(b, OBJ, pos);
      if (i < 0) break;
      pos = i + OBJ.length;
      if (!isBoundary(b[i + 3])) continue;
      let p = i - 1;
      if (!isWhite(b[p])) continue;
      while (p >= 0 && isWhite(b[p])) p--;
      const genEnd = p;
      while (p >= 0 && isDigit(b[p])) p--;
      if (p === genEnd || !isWhite(b[p])) continue;
      while (p >= 0 && isWhite(b[p])) p--;
      const numEnd = p;
      while (p >= 0 && isDigit(b[p])) p--;
      if (p === numEnd || (p >= 0 && !isBoundary(b[p]))) continue;
      const at = p + 1;
      let h;
      try { h = parseIndirect(b, at); } catch { continue; }
      const dict = h.value;
      if (h.streamStart !== undefined && dict instanceof PdfDict) {
        let data: Uint8Array;
        try { data = await this.streamData(dict, h.streamStart, false); } catch { continue; }
        const end = data.byteOffset - b.byteOffset + data.length;
        streams.push([h.streamStart, end]);
        pos = Math.max(pos, end);
        if (isName(dict.get("Type"), "XRef")) trailers.push({ at, dict });
        if (isName(dict.get("Type"), "ObjStm")) objStms.push({ num: h.num, at });
      }
      if (dict instanceof PdfDict && isName(dict.get("Type"), "Catalog")) catalogs.push({ num: h.num, at });
      entries.set(h.num, { type: 1, offset: at, gen: h.gen });
      where.set(h.num, at);
    }
    let r = 0;
    for (let t = indexOfBytes(b, TRAILER); t >= 0; t = indexOfBytes(b, TRAILER, t + TRAILER.length)) {
      while (r < streams.length && streams[r]![1] < t) r++;
      if (r < streams.length && streams[r]![0] <= t) continue;
      try {
        const d = new Lexer(b, t + TRAILER.length).parseValue();
        if (d instanceof PdfDict) trailers.push({ at: t, dict: d });
      } catch { /* not a trailer after all */ }
    }
    this.scanned = { entries, trailers: [], catalogs: [] };
    // Objects inside object streams count as defined where their object stream is.
    for (const { num, at } of objStms) {
      let stm: ObjStm;
      try { stm = await this.objStmFromScan(num, entries); } catch { continue; }
      stm.nums.forEach((n, index) => {
        if ((where.get(n) ?? -1) < at) { entries.set(n, { type: 2, stream: num, index }); where.set(n, at); }
      });
      for (const [index, n] of stm.nums.entries()) {
        try {
          const v = new Lexer(stm.buf, stm.first + stm.offsets[index]!).parseValue();
          if (v instanceof PdfDict && isName(v.get("Type"), "Catalog")) catalogs.push({ num: n, at });
        } catch { /* a damaged member; the others may still be fine */ }
      }
    }
    trailers.sort((x, y) => x.at - y.at);
    catalogs.sort((x, y) => x.at - y.at);
    this.scanned = { entries, trailers: trailers.map((t) => t.dict), catalogs: catalogs.map((c) => c.num) };
    return this.scanned;
  }

  /** Read straight from the scanned position: the xref-based index may point elsewhere. */
  private async objStmFromScan(num: number, entries: Map<number, XrefEntry>): Promise<ObjStm> {
    const e = entries.get(num);
    if (!e || e.type !== 1) throw new PodPdfError(`the PDF is damaged: object stream ${num} is missing`);
    const h = parseIndirect(this.buf, e.offset);
    const dict = h.value as PdfDict;
    return this.decodeObjStm(new PdfStream(dict, await this.streamData(dict, h.streamStart ?? e.offset, false)));
  }

  /** Gives up on the cross-reference data: the scan becomes the index and picks the root. */
  private async rebuildFromScan(): Promise<void> {
    this.cache.clear();
    this.objStms.clear();
    this.entries = new Map();
    const scan = await this.ensureScanned();
    this.entries = scan.entries;
    this.scanMode = true;
    this.xrefSource = "scan";
    this.cache.clear();
    this.objStms.clear();
    for (const t of [...scan.trailers].reverse()) {
      this.trailer = t;
      if (await this.catalog().catch(() => undefined)) return;
    }
    for (const num of [...scan.catalogs].reverse()) {
      const t = new PdfDict(new Map([["Root", new PdfRef(num, 0)]]));
      const enc = scan.trailers.find((d) => d.get("Encrypt") != null);
      if (enc) t.entries.set("Encrypt", enc.get("Encrypt") ?? null);
      this.trailer = t;
      if (await this.catalog().catch(() => undefined)) return;
    }
    throw new PodPdfError("the PDF is damaged: its page tree cannot be found");
  }
}

function sameEntry(a: XrefEntry, b: XrefEntry | undefined): boolean {
  if (!b || a.type !== b.type) return false;
  return a.type === 1 ? a.offset === (b as typeof a).offset : a.stream === (b as typeof a).stream && a.index === (b as typeof a).index;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** What the bytes look like instead, so an error page or a JPEG is recognisable in the log. */
function describeStart(buf: Uint8Array): string {
  if (buf.length === 0) return "the response is empty";
  const kind = contentLabel(buf);
  if (kind) return `the data is ${kind}`;
  let text = "";
  for (let i = 0; i < Math.min(buf.length, 80); i++) {
    const c = buf[i]!;
    text += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : c === 0x0a || c === 0x0d || c === 0x09 ? " " : "?";
  }
  return `it starts with "${text.trim()}"`;
}
