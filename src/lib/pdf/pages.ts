// The page tree walk and, per page, the images its content actually draws.
import type { PdfDocument } from "./document";
import { PodPdfError } from "./errors";
import { Lexer } from "./lexer";
import { PdfDict, PdfRef, PdfStream, asInt, isName, type PdfObj } from "./objects";

/** Attributes a page takes from its ancestors when it does not set them itself. */
export const INHERITABLE = ["Resources", "MediaBox", "CropBox", "Rotate"] as const;

export interface PageNode {
  dict: PdfDict;
  /** The inheritable attributes in effect for this page, its own or an ancestor's. */
  inherited: Map<string, PdfObj>;
}

const MAX_PAGES = 10_000;
const MAX_TREE_DEPTH = 64;
/** Decoded content streams of photo pages are a few hundred bytes; a cap keeps memory bounded. */
const CONTENT_LIMIT = 4 << 20;

export async function listPages(doc: PdfDocument): Promise<PageNode[]> {
  const catalog = await doc.catalog();
  if (!catalog) throw new PodPdfError("the PDF is damaged: its page tree cannot be found");
  const pages: PageNode[] = [];
  const visited = new Set<number>();
  const walk = async (node: PdfObj | undefined, inherited: Map<string, PdfObj>, depth: number): Promise<void> => {
    if (depth > MAX_TREE_DEPTH) throw new PodPdfError("the PDF is damaged: its page tree is nested too deeply");
    if (node instanceof PdfRef) {
      // A page listed twice, or a Kids loop, must not make the walk run forever.
      if (visited.has(node.num)) return;
      visited.add(node.num);
    }
    const dict = await doc.resolve(node);
    if (!(dict instanceof PdfDict)) {
      throw new PodPdfError(`the PDF is damaged: page ${pages.length + 1} is missing`);
    }
    const inh = new Map(inherited);
    for (const k of INHERITABLE) {
      const v = dict.get(k);
      if (v !== undefined && v !== null) inh.set(k, v);
    }
    const kids = await doc.resolve(dict.get("Kids"));
    if (!isName(dict.get("Type"), "Page") && Array.isArray(kids)) {
      for (const kid of kids) await walk(kid, inh, depth + 1);
      return;
    }
    if (isName(dict.get("Type"), "Pages")) return;
    if (pages.length >= MAX_PAGES) throw new PodPdfError(`the PDF has more than ${MAX_PAGES} pages`);
    pages.push({ dict, inherited: inh });
  };
  await walk(catalog.get("Pages"), new Map(), 0);
  return pages;
}

interface ImageUse {
  stream: PdfStream;
  /** The object number, which is what makes two uses the same image. */
  num: number | undefined;
}

interface PageContent {
  /** The page's content streams as stored. */
  contents: PdfStream[];
  /** XObject names the page content draws with `Do`; null when the content cannot be read. */
  drawn: Set<string> | null;
  /** Distinct images drawn on the page, directly or through form XObjects, in drawing order. */
  images: ImageUse[];
}

export async function pageContent(doc: PdfDocument, page: PageNode): Promise<PageContent> {
  const raw = await doc.resolve(page.dict.get("Contents"));
  const list = Array.isArray(raw) ? raw : raw == null ? [] : [raw];
  const contents: PdfStream[] = [];
  for (const c of list) {
    const s = await doc.resolve(c);
    if (s instanceof PdfStream) contents.push(s);
  }
  const drawn = await drawnNames(doc, contents);
  const images: ImageUse[] = [];
  const seen = new Set<PdfStream>();
  await collectImages(doc, page.inherited.get("Resources"), drawn, images, seen, new Set(), 0);
  return { contents, drawn, images };
}

async function collectImages(
  doc: PdfDocument,
  resources: PdfObj | undefined,
  drawn: Set<string> | null,
  out: ImageUse[],
  seen: Set<PdfStream>,
  forms: Set<PdfStream>,
  depth: number,
): Promise<void> {
  if (depth > 16) return;
  const res = await doc.resolve(resources);
  const xobjects = res instanceof PdfDict ? await doc.resolve(res.get("XObject")) : undefined;
  if (!(xobjects instanceof PdfDict)) return;
  const names = drawn ? [...drawn] : [...xobjects.entries.keys()];
  for (const name of names) {
    const ref = xobjects.get(name);
    const x = await doc.resolve(ref);
    if (!(x instanceof PdfStream)) continue;
    const subtype = await doc.resolve(x.dict.get("Subtype"));
    if (isName(subtype, "Image")) {
      if (!seen.has(x)) {
        seen.add(x);
        out.push({ stream: x, num: ref instanceof PdfRef ? ref.num : undefined });
      }
    } else if (isName(subtype, "Form") && !forms.has(x)) {
      forms.add(x);
      // A form without its own resources uses those of the page it is drawn on (PDF 1.1 rule).
      const formRes = x.dict.get("Resources") ?? resources;
      await collectImages(doc, formRes, await drawnNames(doc, [x]), out, seen, forms, depth + 1);
    }
  }
}

/** Names used with the `Do` operator, or null if a stream cannot be decoded or tokenized. */
async function drawnNames(doc: PdfDocument, streams: PdfStream[]): Promise<Set<string> | null> {
  const names = new Set<string>();
  for (const s of streams) {
    let data: Uint8Array;
    try {
      data = await doc.decode(s.dict, s.data, CONTENT_LIMIT, (v) => doc.resolve(v));
    } catch (e) {
      if (doc.overBudget) throw e;
      return null;
    }
    const lx = new Lexer(data);
    let last: string | undefined;
    try {
      for (;;) {
        const t = lx.next();
        if (t.k === "eof") break;
        if (t.k === "name") { last = t.v; continue; }
        if (t.k === "kw") {
          if (t.v === "Do" && last !== undefined) names.add(last);
          else if (t.v === "ID") skipInlineImage(lx);
        }
        last = undefined;
      }
    } catch {
      return null;
    }
  }
  return names;
}

/** Inline image data is binary; it ends at the first `EI` between whitespace. */
function skipInlineImage(lx: Lexer): void {
  const b = lx.buf;
  let p = lx.pos + 1;
  while (p + 1 < b.length) {
    if (b[p] === 0x45 && b[p + 1] === 0x49 && isWs(b[p - 1]) && (p + 2 >= b.length || isWs(b[p + 2]))) {
      lx.pos = p + 2;
      return;
    }
    p++;
  }
  lx.pos = b.length;
}

function isWs(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x00;
}

/** True when the stream as stored is a JPEG file: DCTDecode is its only filter. */
export async function isPlainJpeg(doc: PdfDocument, s: PdfStream): Promise<boolean> {
  const f = await doc.resolve(s.dict.get("Filter"));
  const only = Array.isArray(f) ? (f.length === 1 ? await doc.resolve(f[0]) : undefined) : f;
  return isName(only, "DCTDecode") || isName(only, "DCT");
}

export async function imageSize(doc: PdfDocument, s: PdfStream): Promise<{ width?: number; height?: number }> {
  return {
    width: asInt(await doc.resolve(s.dict.get("Width"))),
    height: asInt(await doc.resolve(s.dict.get("Height"))),
  };
}
