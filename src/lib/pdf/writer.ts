// Writes a one-page PDF from one page of the source: the page, its content streams and every
// object they need, copied as stored (no stream is decoded or re-encoded). Objects are
// renumbered from 1; the output is a plain classic-xref PDF any reader opens.
import type { PdfDocument } from "./document";
import { PodPdfError } from "./errors";
import { ascii } from "./lexer";
import { PdfDict, PdfName, PdfRef, PdfStream, PdfString, isName, type PdfObj } from "./objects";
import { INHERITABLE, type PageNode } from "./pages";

/** Page keys that point back into the source document's structure; a lone page drops them. */
const DROP_FROM_PAGE = new Set(["Parent", "Annots", "B", "StructParents", "Thumb", "PieceInfo", "Type"]);
const MAX_OBJECTS = 20_000;
const DEFAULT_MEDIABOX: PdfObj = [0, 0, 612, 792];

export async function writeOnePagePdf(
  doc: PdfDocument,
  page: PageNode,
  /** XObject names the page draws; the rest of a shared /XObject dictionary is left out. */
  drawn: Set<string> | null,
): Promise<Uint8Array> {
  const pageDict = new PdfDict();
  for (const [k, v] of page.dict.entries) if (!DROP_FROM_PAGE.has(k) && !INHERITABLE.includes(k as never)) pageDict.entries.set(k, v);
  for (const k of INHERITABLE) {
    const v = page.inherited.get(k);
    if (v !== undefined) pageDict.entries.set(k, v);
  }
  if (!pageDict.entries.has("MediaBox")) pageDict.entries.set("MediaBox", DEFAULT_MEDIABOX);
  pageDict.entries.set("Resources", await prunedResources(doc, page.inherited.get("Resources"), drawn));

  // New numbers: 1 catalog, 2 page tree, 3 page, then the copied objects in discovery order.
  const renumber = new Map<number, number>();
  const excluded = new Set<number>();
  const copied: PdfObj[] = [];
  const queue: number[] = [];
  const discover = (v: PdfObj | undefined, depth: number): void => {
    if (depth > 64) throw new PodPdfError("the PDF is damaged: objects nested too deeply");
    if (v instanceof PdfRef) {
      if (!renumber.has(v.num) && !excluded.has(v.num)) {
        renumber.set(v.num, 0);
        queue.push(v.num);
      }
    } else if (Array.isArray(v)) for (const x of v) discover(x, depth + 1);
    else if (v instanceof PdfDict) for (const x of v.entries.values()) discover(x, depth + 1);
    else if (v instanceof PdfStream) discover(v.dict, depth + 1);
  };
  discover(pageDict, 0);
  while (queue.length > 0) {
    const num = queue.shift()!;
    const obj = await doc.getObject(num);
    // Reaching another page or the page tree means the closure would drag in the whole source.
    const dict = obj instanceof PdfStream ? obj.dict : obj instanceof PdfDict ? obj : undefined;
    if (dict && (isName(dict.get("Type"), "Page") || isName(dict.get("Type"), "Pages") || isName(dict.get("Type"), "Catalog"))) {
      renumber.delete(num);
      excluded.add(num);
      continue;
    }
    if (copied.length >= MAX_OBJECTS) throw new PodPdfError("the PDF page needs too many objects to copy");
    copied.push(obj);
    renumber.set(num, 3 + copied.length);
    discover(obj, 0);
  }

  const out = new Sink();
  out.text("%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n");
  const offsets: number[] = [];
  const begin = (n: number) => { offsets[n] = out.length; out.text(`${n} 0 obj\n`); };
  begin(1);
  out.text("<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
  begin(2);
  out.text("<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n");
  begin(3);
  out.text("<< /Type /Page /Parent 2 0 R");
  for (const [k, v] of pageDict.entries) { out.text(" "); writeName(out, k); out.text(" "); writeValue(out, v, renumber, 0); }
  out.text(" >>\nendobj\n");
  copied.forEach((obj, i) => {
    begin(4 + i);
    if (obj instanceof PdfStream) {
      out.text("<<");
      for (const [k, v] of obj.dict.entries) {
        if (k === "Length") continue;
        out.text(" "); writeName(out, k); out.text(" "); writeValue(out, v, renumber, 0);
      }
      out.text(` /Length ${obj.data.length} >>\nstream\n`);
      out.bytes(obj.data);
      out.text("\nendstream\nendobj\n");
    } else {
      writeValue(out, obj, renumber, 0);
      out.text("\nendobj\n");
    }
  });
  const size = 4 + copied.length;
  const xref = out.length;
  out.text(`xref\n0 ${size}\n0000000000 65535 f\r\n`);
  for (let n = 1; n < size; n++) out.text(`${String(offsets[n]).padStart(10, "0")} 00000 n\r\n`);
  out.text(`trailer\n<< /Size ${size} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  return out.finish();
}

async function prunedResources(doc: PdfDocument, resources: PdfObj | undefined, drawn: Set<string> | null): Promise<PdfObj> {
  const res = await doc.resolve(resources);
  if (!(res instanceof PdfDict)) return new PdfDict();
  if (!drawn) return resources ?? null;
  const copy = new PdfDict(new Map(res.entries));
  const x = await doc.resolve(res.get("XObject"));
  if (x instanceof PdfDict) {
    const kept = new PdfDict();
    for (const [k, v] of x.entries) if (drawn.has(k)) kept.entries.set(k, v);
    copy.entries.set("XObject", kept);
  }
  return copy;
}

function writeValue(out: Sink, v: PdfObj, renumber: Map<number, number>, depth: number): void {
  if (depth > 64) throw new PodPdfError("the PDF is damaged: objects nested too deeply");
  if (v === null) out.text("null");
  else if (typeof v === "boolean") out.text(v ? "true" : "false");
  else if (typeof v === "number") out.text(formatNumber(v));
  else if (v instanceof PdfName) writeName(out, v.value);
  else if (v instanceof PdfString) out.bytes(v.raw);
  else if (v instanceof PdfRef) {
    const n = renumber.get(v.num);
    out.text(n ? `${n} 0 R` : "null");
  } else if (Array.isArray(v)) {
    out.text("[");
    v.forEach((x, i) => { if (i) out.text(" "); writeValue(out, x, renumber, depth + 1); });
    out.text("]");
  } else if (v instanceof PdfDict) {
    out.text("<<");
    for (const [k, x] of v.entries) { out.text(" "); writeName(out, k); out.text(" "); writeValue(out, x, renumber, depth + 1); }
    out.text(" >>");
  } else {
    // A stream can only be an indirect object, never nested inside another value.
    throw new PodPdfError("the PDF is damaged: a stream nested inside another object");
  }
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  // PDF has no exponent notation, so small and large reals are written out in full.
  const s = n.toFixed(6).replace(/0+$/, "").replace(/\.$/, "");
  return s === "-0" ? "0" : s;
}

function writeName(out: Sink, name: string): void {
  let s = "/";
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    s += c < 0x21 || c > 0x7e || "#()<>[]{}/%".includes(name[i]!) ? "#" + c.toString(16).padStart(2, "0") : name[i];
  }
  out.text(s);
}

/** Collects text and byte views, then copies everything once into the result. */
class Sink {
  private parts: Uint8Array[] = [];
  private pending = "";
  private flushed = 0;

  get length(): number {
    return this.flushed + this.pending.length;
  }
  text(s: string): void {
    this.pending += s;
  }
  bytes(b: Uint8Array): void {
    this.flush();
    this.parts.push(b);
    this.flushed += b.length;
  }
  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.flushed);
    let o = 0;
    for (const p of this.parts) { out.set(p, o); o += p.length; }
    this.parts = [];
    return out;
  }
  private flush(): void {
    if (!this.pending) return;
    const b = ascii(this.pending);
    this.parts.push(b);
    this.flushed += b.length;
    this.pending = "";
  }
}
