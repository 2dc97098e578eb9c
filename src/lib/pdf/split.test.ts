// The POD PDF splitter, inside workerd, on real PDFs built by
// test/support/fixtures-pdf.mjs (pdf-lib and hand-written incremental updates).
import { PDFDict, PDFDocument, PDFName, PDFRawStream, PDFRef } from "pdf-lib";
import { describe, expect, it } from "vitest";
import { inflate } from "./inflate";
import { PodPdfError, splitPodPdf, type PodPhoto } from "./split";
import { fixture } from "../../../test/support/fixtures";

async function sha256(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function split(pdf: Uint8Array): Promise<PodPhoto[]> {
  const out: PodPhoto[] = [];
  for await (const p of splitPodPdf(pdf)) out.push(p);
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The stored (still encoded) bytes of every image XObject on a page, read with pdf-lib. */
function storedImages(doc: PDFDocument, pageIndex: number): Map<string, Uint8Array> {
  const res = doc.getPage(pageIndex).node.Resources();
  const xobjects = res?.lookupMaybe(PDFName.of("XObject"), PDFDict);
  const out = new Map<string, Uint8Array>();
  for (const [name, ref] of xobjects?.entries() ?? []) {
    const s = doc.context.lookup(ref);
    if (s instanceof PDFRawStream && s.dict.get(PDFName.of("Subtype")) === PDFName.of("Image")) {
      out.set(name.asString(), s.contents);
    }
  }
  return out;
}

/** Every page of these shows one JPEG; the names are the source files, in page order. */
const JPEG_PDFS: Record<string, string[]> = {
  "pod-2page.pdf": ["pod-photo-1.jpg", "pod-photo-2.jpg"],
  "pod-objstm.pdf": ["pod-photo-2.jpg", "pod-photo-3.jpg", "pod-photo-4.jpg"],
  "pod-classic.pdf": ["pod-photo-2.jpg", "pod-photo-3.jpg", "pod-photo-4.jpg"],
  "pod-incremental.pdf": ["pod-photo-1.jpg", "pod-photo-2.jpg", "pod-photo-3.jpg"],
  "pod-incremental-xrefstm.pdf": ["pod-photo-2.jpg", "pod-photo-3.jpg", "pod-photo-4.jpg", "pod-photo-1.jpg"],
};

const SIZES: Record<string, [number, number]> = {
  "pod-photo-1.jpg": [640, 480],
  "pod-photo-2.jpg": [1200, 900],
  "pod-photo-3.jpg": [480, 640],
  "pod-photo-4.jpg": [800, 600],
  "pod-photo-grey.jpg": [500, 375],
};

describe("JPEG pages yield the original JPEG bytes", () => {
  for (const [name, sources] of Object.entries(JPEG_PDFS)) {
    it(name, async () => {
      const pdf = await fixture(name);
      const photos = await split(pdf);
      expect(photos.map((p) => p.page)).toEqual(sources.map((_, i) => i + 1));
      for (const [i, photo] of photos.entries()) {
        const src = await fixture(sources[i]!);
        expect(photo.kind).toBe("jpeg");
        expect(equalBytes(photo.bytes, src), `page ${i + 1} equals ${sources[i]}`).toBe(true);
        expect(photo.sha256).toBe(await sha256(src));
        expect([photo.width, photo.height]).toEqual(SIZES[sources[i]!]);
        // Zero copy: the JPEG is a view into the PDF the caller passed in.
        expect(photo.bytes.buffer).toBe(pdf.buffer);
      }
    });
  }

  it("gives the same identities whether or not the PDF uses object streams", async () => {
    const a = await split(await fixture("pod-objstm.pdf"));
    const b = await split(await fixture("pod-classic.pdf"));
    expect(a.map((p) => p.sha256)).toEqual(b.map((p) => p.sha256));
  });
});

describe("non-JPEG pages yield a one-page PDF", () => {
  it("a PNG page among JPEG pages (pod-4page-png.pdf)", async () => {
    const pdf = await fixture("pod-4page-png.pdf");
    const photos = await split(pdf);
    expect(photos.map((p) => [p.page, p.kind])).toEqual([[1, "jpeg"], [2, "pdf"], [3, "jpeg"], [4, "jpeg"]]);
    for (const [i, src] of ([[0, "pod-photo-1.jpg"], [2, "pod-photo-3.jpg"], [3, "pod-photo-grey.jpg"]] as const)) {
      expect(equalBytes(photos[i]!.bytes, await fixture(src))).toBe(true);
    }

    const png = photos[1]!;
    expect([png.width, png.height]).toEqual([300, 400]);
    // Identity is the image stream as stored in the source, read independently with pdf-lib.
    const source = await PDFDocument.load(pdf);
    const [stored] = [...storedImages(source, 1).values()];
    expect(png.sha256).toBe(await sha256(stored!));

    expect(new TextDecoder().decode(png.bytes.subarray(0, 5))).toBe("%PDF-");
    const one = await PDFDocument.load(png.bytes);
    expect(one.getPageCount()).toBe(1);
    expect(one.getPage(0).getSize()).toEqual({ width: 300, height: 400 });
    // The image was copied as stored, its soft mask with it.
    const copied = [...storedImages(one, 0).values()];
    expect(copied).toHaveLength(1);
    expect(equalBytes(copied[0]!, stored!)).toBe(true);
    const imgRef = [...(one.getPage(0).node.Resources()!.lookup(PDFName.of("XObject"), PDFDict).entries())][0]![1];
    const img = one.context.lookup(imgRef as PDFRef) as PDFRawStream;
    expect(img.dict.get(PDFName.of("SMask"))).toBeInstanceOf(PDFRef);
  });

  it("keeps its identity when the one-page PDF is split again", async () => {
    const [, png] = await split(await fixture("pod-4page-png.pdf"));
    const again = await split(png!.bytes);
    expect(again).toHaveLength(1);
    expect(again[0]!.kind).toBe("pdf");
    expect(again[0]!.sha256).toBe(png!.sha256);
  });

  it("pages sharing one inherited /Resources: each page takes only the image it draws", async () => {
    const pdf = await fixture("pod-shared-resources.pdf");
    const photos = await split(pdf);
    expect(photos.map((p) => p.kind)).toEqual(["jpeg", "jpeg", "pdf"]);
    // Page 1's image is filtered by [/DCTDecode], an array: still a plain JPEG.
    expect(equalBytes(photos[0]!.bytes, await fixture("pod-photo-4.jpg"))).toBe(true);
    expect(equalBytes(photos[1]!.bytes, await fixture("pod-photo-1.jpg"))).toBe(true);
    const raw = await fixture("pod-raw-rgb.bin");
    const page3 = photos[2]!;
    expect(page3.sha256).toBe(await sha256(raw));
    expect([page3.width, page3.height]).toEqual([64, 48]);
    // Without pruning, the shared resources would drag both JPEGs into this one-page PDF.
    expect(page3.bytes.length).toBeLessThan(raw.length + 4096);
    const one = await PDFDocument.load(page3.bytes);
    expect(one.getPageCount()).toBe(1);
    const images = storedImages(one, 0);
    expect([...images.keys()]).toEqual(["/ImC"]);
    expect(equalBytes(images.get("/ImC")!, raw)).toBe(true);
    // The font the page's text uses came along.
    const fonts = one.getPage(0).node.Resources()!.lookup(PDFName.of("Font"), PDFDict);
    expect(fonts.has(PDFName.of("F1"))).toBe(true);
  });
});

describe("damaged cross-reference data", () => {
  const latin1 = (b: Uint8Array) => { let s = ""; for (const c of b) s += String.fromCharCode(c); return s; };
  const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

  /** Replaces the startxref offset with one that points at the wrong place, same length. */
  function breakStartxref(pdf: Uint8Array): Uint8Array {
    const tail = latin1(pdf.subarray(pdf.length - 64));
    const m = /startxref\s+(\d+)/.exec(tail)!;
    const wrong = "1".padStart(m[1]!.length, "0");
    const fixed = tail.replace(m[0], m[0].replace(m[1]!, wrong));
    const out = pdf.slice();
    out.set(bytes(fixed), pdf.length - 64);
    return out;
  }

  for (const name of ["pod-2page.pdf", "pod-objstm.pdf", "pod-incremental.pdf", "pod-incremental-xrefstm.pdf"]) {
    it(`${name} with a wrong startxref is read by scanning for objects`, async () => {
      const good = await split(await fixture(name));
      const bad = await split(breakStartxref(await fixture(name)));
      expect(bad.map((p) => [p.page, p.kind, p.sha256])).toEqual(good.map((p) => [p.page, p.kind, p.sha256]));
    });
  }

  it("a cross-reference table with every offset wrong", async () => {
    const pdf = await fixture("pod-4page-png.pdf");
    const s = latin1(pdf);
    const at = s.lastIndexOf("\nxref");
    const broken = s.slice(0, at) + s.slice(at).replace(/(\d{10}) (\d{5}) n/g, (_m, _o, g) => `0000000100 ${g} n`);
    const photos = await split(bytes(broken));
    expect(photos.map((p) => p.kind)).toEqual(["jpeg", "pdf", "jpeg", "jpeg"]);
    expect(equalBytes(photos[0]!.bytes, await fixture("pod-photo-1.jpg"))).toBe(true);
  });
});

describe("bad input throws PodPdfError in plain words", () => {
  const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

  it("the portal's error text", async () => {
    await expect(split(bytes("ERROR: POD not found for this ID."))).rejects.toThrow(
      /not a PDF: it starts with "ERROR: POD not found for this ID\."/,
    );
  });

  it("an empty body and a bare JPEG", async () => {
    await expect(split(new Uint8Array())).rejects.toThrow(/not a PDF: the response is empty/);
    await expect(split(await fixture("pod-photo-1.jpg"))).rejects.toThrow(/not a PDF: the data is a JPEG image/);
  });

  it("a PDF cut short anywhere", async () => {
    const pdf = await fixture("pod-4page-png.pdf");
    for (const frac of [0.001, 0.1, 0.35, 0.5, 0.75, 0.99]) {
      const cut = pdf.slice(0, Math.floor(pdf.length * frac));
      const err = await split(cut).catch((e: unknown) => e);
      expect(err, `cut at ${frac}`).toBeInstanceOf(PodPdfError);
      expect((err as Error).message).toMatch(/truncated/);
    }
    await expect(split(pdf.slice(0, pdf.length - 3))).rejects.toThrow(/truncated/);
  });

  it("garbage between header and %%EOF", async () => {
    const junk = new Uint8Array(50_000);
    let x = 12345;
    for (let i = 0; i < junk.length; i++) { x = (x * 1103515245 + 12345) >>> 0; junk[i] = x >>> 24; }
    const pdf = new Uint8Array([...bytes("%PDF-1.7\n"), ...junk, ...bytes("\nstartxref\n999999\n%%EOF\n")]);
    await expect(split(pdf)).rejects.toBeInstanceOf(PodPdfError);
  });

  it("a page whose image object is missing", async () => {
    const pdf = await fixture("pod-2page.pdf");
    const s = Array.from(pdf, (c) => String.fromCharCode(c)).join("");
    // Break every "obj" header of the page tree so neither the xref nor the scan finds it.
    const broken = s.replace(/\n(\d+) 0 obj\n<<\n\/Type \/Pages/, "\n$1 0 xxx\n<<\n/Type /Pages");
    expect(broken).not.toBe(s);
    await expect(split(bytes(broken))).rejects.toThrow(PodPdfError);
  });

  it("an encrypted PDF", async () => {
    const pdf = await fixture("pod-2page.pdf");
    const s = Array.from(pdf, (c) => String.fromCharCode(c)).join("");
    const at = s.lastIndexOf("/Root");
    const enc = s.slice(0, at) + "/Encrypt 1 0 R " + s.slice(at);
    await expect(split(bytes(enc))).rejects.toThrow(/encrypted/);
  });

  it("random damage to the structure: photos or a PodPdfError, never a hang or another error", async () => {
    const sources = [await fixture("pod-objstm.pdf"), await fixture("pod-incremental.pdf"), await fixture("pod-shared-resources.pdf")];
    let seed = 7;
    const rand = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 2 ** 32; };
    const alphabet = "0123456789 <>[]/()Robj\n";
    let ok = 0, refused = 0;
    for (let n = 0; n < 90; n++) {
      const pdf = sources[n % sources.length]!.slice();
      // The structure sits in the first and last few KB; the JPEG data between is opaque.
      for (let j = 1 + Math.floor(rand() * 6); j > 0; j--) {
        const span = Math.min(3000, pdf.length);
        const pos = rand() < 0.5 ? Math.floor(rand() * span) : pdf.length - 1 - Math.floor(rand() * span);
        pdf[pos] = rand() < 0.5 ? Math.floor(rand() * 256) : alphabet.charCodeAt(Math.floor(rand() * alphabet.length));
      }
      try {
        await split(pdf);
        ok++;
      } catch (e) {
        expect(e, `mutation ${n}`).toBeInstanceOf(PodPdfError);
        refused++;
      }
    }
    expect(ok + refused).toBe(90);
  });

  it("stopping after the first photo is fine", async () => {
    const pdf = await fixture("pod-incremental.pdf");
    for await (const p of splitPodPdf(pdf)) {
      expect(p.page).toBe(1);
      break;
    }
  });
});

describe("inflate", () => {
  async function zlib(text: string): Promise<Uint8Array> {
    const cs = new CompressionStream("deflate");
    const w = cs.writable.getWriter();
    void w.write(new TextEncoder().encode(text));
    void w.close();
    return new Uint8Array(await new Response(cs.readable).arrayBuffer());
  }

  it("reads good zlib data and forgives a bad checksum, as PDF readers do", async () => {
    const z = await zlib("q 100 0 0 100 0 0 cm /Im0 Do Q ".repeat(20));
    expect(new TextDecoder().decode(await inflate(z, 1 << 20))).toContain("/Im0 Do");
    const bad = z.slice();
    bad[bad.length - 1]! ^= 0xff;
    expect(new TextDecoder().decode(await inflate(bad, 1 << 20))).toContain("/Im0 Do");
  });

  it("refuses to inflate beyond its limit", async () => {
    const z = await zlib("0".repeat(100_000));
    await expect(inflate(z, 1000)).rejects.toThrow(/inflates beyond 1000 bytes/);
  });
});
