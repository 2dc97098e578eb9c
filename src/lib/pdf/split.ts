// Splits a POD PDF (one delivery photo per page, as a network sends it) into one file per photo.
// Memory is the constraint: a 20-page PDF of 12-MP photos is ~56 MB in a 128 MB isolate, so the
// input is never copied. JPEG photos are views into it; only non-JPEG pages allocate, one
// one-page PDF at a time, as the caller pulls the next photo.
import { concatBytes, sha256Hex } from "../bytes";
import { PdfDocument } from "./document";
import { PodPdfError } from "./errors";
import type { PdfStream } from "./objects";
import { imageSize, isPlainJpeg, listPages, pageContent, type PageNode } from "./pages";
import { writeOnePagePdf } from "./writer";

export { PodPdfError } from "./errors";

export interface PodPhoto {
  /** 1-based page number in the source PDF. */
  page: number;
  /** "jpeg": `bytes` is the original JPEG; "pdf": `bytes` is a one-page PDF of the page. */
  kind: "jpeg" | "pdf";
  /**
   * Hex SHA-256 of the page's image stream as stored in the PDF (for a JPEG page, of the JPEG
   * itself). Stable across fetches, although a freshly written one-page PDF differs each time.
   */
  sha256: string;
  bytes: Uint8Array;
  width?: number;
  height?: number;
}

interface PagePlan {
  page: number;
  node: PageNode;
  kind: "jpeg" | "pdf";
  drawn: Set<string> | null;
  /** What the identity hashes: the page's main image as stored, or its content streams. */
  identity: Uint8Array[];
  main?: PdfStream;
}

/**
 * Yields one photo per page, in page order. A JPEG page is one whose content draws exactly one
 * image and that image is stored as a plain JPEG (only /DCTDecode); every other page becomes a
 * one-page PDF. The PDF is checked as a whole before the first photo, so a truncated or damaged
 * file throws PodPdfError on the first `next()` rather than after some photos.
 */
export async function* splitPodPdf(pdf: Uint8Array): AsyncGenerator<PodPhoto> {
  const plans = await guard(() => plan(pdf));
  for (const p of plans.list) {
    const photo = await guard(() => produce(plans.doc, p));
    yield photo;
  }
}

async function plan(pdf: Uint8Array): Promise<{ doc: PdfDocument; list: PagePlan[] }> {
  const doc = await PdfDocument.open(pdf);
  const pages = await listPages(doc);
  if (pages.length === 0) throw new PodPdfError("the PDF has no pages");
  const list: PagePlan[] = [];
  for (const [i, node] of pages.entries()) {
    const c = await pageContent(doc, node);
    // With several images (a photo plus a logo, say) the largest one stands for the page.
    let main: PdfStream | undefined;
    let bestArea = -1;
    for (const img of c.images) {
      const { width = 0, height = 0 } = await imageSize(doc, img.stream);
      const area = width * height;
      if (area > bestArea || (area === bestArea && main && img.stream.data.length > main.data.length)) {
        bestArea = area;
        main = img.stream;
      }
    }
    const jpeg = c.images.length === 1 && main !== undefined && (await isPlainJpeg(doc, main));
    if (doc.overBudget) throw doc.overBudget;
    list.push({
      page: i + 1,
      node,
      kind: jpeg ? "jpeg" : "pdf",
      drawn: c.drawn,
      identity: main ? [main.data] : c.contents.map((s) => s.data),
      main,
    });
  }
  if (doc.overBudget) throw doc.overBudget;
  return { doc, list };
}

async function produce(doc: PdfDocument, p: PagePlan): Promise<PodPhoto> {
  const size = p.main ? await imageSize(doc, p.main) : {};
  const sha256 = await sha256Hex(p.identity.length === 1 ? p.identity[0]! : concatBytes(p.identity));
  const bytes = p.kind === "jpeg" && p.main ? p.main.data : await writeOnePagePdf(doc, p.node, p.drawn);
  const photo: PodPhoto = { page: p.page, kind: p.kind, sha256, bytes };
  if (size.width !== undefined) photo.width = size.width;
  if (size.height !== undefined) photo.height = size.height;
  return photo;
}

/** Anything that escapes the parser is still a PDF problem to the caller, never a bare TypeError. */
async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof PodPdfError) throw e;
    throw new PodPdfError(`the PDF could not be read: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
