// Real POD PDFs for the Palletways PDF splitter tests, generated deterministically in Node:
// JPEG photos made with sharp (seeded noise over gradients), PDFs built with pdf-lib the way
// Palletways' kind of generator builds them, plus hand-written incremental updates and a PDF
// whose pages share one inherited /Resources. The source JPEG/PNG files sit beside the PDFs so
// tests can compare bytes exactly. Small sizes: the large benchmark PDFs live in bench/.
import fs from "node:fs/promises";
import path from "node:path";
import zlib from "node:zlib";
import sharp from "sharp";
import { PDFDocument, PDFName } from "pdf-lib";

/** Photos as [name, width, height, seed]; a portrait and a grey one for variety. */
export const PHOTOS = [
  ["pod-photo-1.jpg", 640, 480, 1],
  ["pod-photo-2.jpg", 1200, 900, 2],
  ["pod-photo-3.jpg", 480, 640, 3],
  ["pod-photo-4.jpg", 800, 600, 4],
  ["pod-photo-grey.jpg", 500, 375, 5],
];

/** Which source each page of each PDF shows, for the tests to check page order. */
export const PDFS = {
  "pod-2page.pdf": ["pod-photo-1.jpg", "pod-photo-2.jpg"],
  "pod-4page-png.pdf": ["pod-photo-1.jpg", "pod-scan.png", "pod-photo-3.jpg", "pod-photo-grey.jpg"],
  "pod-objstm.pdf": ["pod-photo-2.jpg", "pod-photo-3.jpg", "pod-photo-4.jpg"],
  "pod-classic.pdf": ["pod-photo-2.jpg", "pod-photo-3.jpg", "pod-photo-4.jpg"],
  "pod-incremental.pdf": ["pod-photo-1.jpg", "pod-photo-2.jpg", "pod-photo-3.jpg"],
  "pod-incremental-xrefstm.pdf": ["pod-photo-2.jpg", "pod-photo-3.jpg", "pod-photo-4.jpg", "pod-photo-1.jpg"],
  "pod-shared-resources.pdf": ["pod-photo-4.jpg", "pod-photo-1.jpg", "raw:pod-raw-rgb"],
};

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 0x100000000;
  };
}

/** A gradient with noise and a few blocks: photo-like enough for JPEG to behave realistically. */
export function photoPixels(width, height, seed, channels = 3) {
  const rand = rng(seed * 7919);
  const px = Buffer.alloc(width * height * channels);
  const blocks = Array.from({ length: 6 }, () => [rand() * width, rand() * height, 40 + rand() * width / 3, rand() * 255]);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let base = ((x / width) * 160 + (y / height) * 80 + seed * 23) % 256;
      for (const [bx, by, r, v] of blocks) if (Math.abs(x - bx) < r && Math.abs(y - by) < r / 2) base = (base + v) / 2;
      const o = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) {
        px[o + c] = Math.max(0, Math.min(255, base + c * 30 * Math.sin((x + seed * 13) / 37) + (rand() - 0.5) * 40));
      }
    }
  }
  return px;
}

export async function makeJpeg(width, height, seed, { quality = 85, channels = 3 } = {}) {
  const raw = photoPixels(width, height, seed, channels);
  return sharp(raw, { raw: { width, height, channels } }).jpeg({ quality, chromaSubsampling: "4:2:0" }).toBuffer();
}

async function writeIfMissing(file, make) {
  try {
    await fs.access(file);
    return false;
  } catch {
    await fs.writeFile(file, await make());
    return true;
  }
}

async function read(dir, name) {
  return new Uint8Array(await fs.readFile(path.join(dir, name)));
}

/** A pdf-lib PDF with one full-page image per page, without volatile dates. */
async function imagePdf(dir, sources, { useObjectStreams }) {
  const doc = await PDFDocument.create({ updateMetadata: false });
  for (const name of sources) {
    const bytes = await read(dir, name);
    const img = name.endsWith(".png") ? await doc.embedPng(bytes) : await doc.embedJpg(bytes);
    const page = doc.addPage([img.width, img.height]);
    page.drawImage(img, { x: 0, y: 0, width: img.width, height: img.height });
  }
  return doc.save({ useObjectStreams });
}

const latin1 = (s) => Buffer.from(s, "latin1");

/** Where the last startxref points: the base of an incremental update's /Prev. */
function startxrefOf(bytes) {
  const tail = Buffer.from(bytes).toString("latin1");
  const m = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
  if (!m) throw new Error("base PDF has no startxref");
  return Number(m[1]);
}

/**
 * Appends an incremental update that adds a page showing `jpegName`. The new page has no
 * /Resources of its own: it inherits them from the page tree node, which the update rewrites.
 * The image's /Length is an indirect object written after the stream, as streaming writers do.
 * `xrefStream` writes the update's cross-reference data as an uncompressed xref stream.
 */
async function appendPage(dir, baseBytes, jpegName, { xrefStream }) {
  const jpeg = await read(dir, jpegName);
  const meta = await sharp(jpeg).metadata();
  const base = await PDFDocument.load(baseBytes, { updateMetadata: false });
  const pagesRef = base.catalog.get(PDFName.of("Pages"));
  const pagesDict = base.context.lookup(pagesRef);
  const kids = pagesDict.get(PDFName.of("Kids")).asArray().map((r) => r.toString());
  const rootRef = base.context.trailerInfo.Root.toString();
  // pdf-lib forgets the object and xref streams it unpacked, so /Size is the real next number.
  const sizes = [...Buffer.from(baseBytes).toString("latin1").matchAll(/\/Size\s+(\d+)/g)].map((m) => Number(m[1]));
  let next = Math.max(base.context.largestObjectNumber + 1, ...sizes);
  const img = next++, len = next++, content = next++, page = next++;
  const xref = xrefStream ? next++ : undefined;
  const size = next;

  const parts = [Buffer.from(baseBytes), latin1("\n")];
  let offset = parts[0].length + 1;
  const offsets = new Map();
  const push = (num, buf) => { offsets.set(num, offset); parts.push(buf); offset += buf.length; };
  const cs = meta.channels === 1 ? "/DeviceGray" : "/DeviceRGB";
  push(img, Buffer.concat([
    latin1(`${img} 0 obj\n<< /Type /XObject /Subtype /Image /Width ${meta.width} /Height ${meta.height} /ColorSpace ${cs} /BitsPerComponent 8 /Filter /DCTDecode /Length ${len} 0 R >>\nstream\n`),
    jpeg,
    latin1("\nendstream\nendobj\n"),
  ]));
  push(len, latin1(`${len} 0 obj\n${jpeg.length}\nendobj\n`));
  const ops = `q ${meta.width} 0 0 ${meta.height} 0 0 cm /PhotoInc Do Q`;
  push(content, latin1(`${content} 0 obj\n<< /Length ${ops.length} >>\nstream\n${ops}\nendstream\nendobj\n`));
  push(page, latin1(`${page} 0 obj\n<< /Type /Page /Parent ${pagesRef} /MediaBox [0 0 ${meta.width} ${meta.height}] /Contents ${content} 0 R >>\nendobj\n`));
  push(pagesRef.objectNumber, latin1(
    `${pagesRef.objectNumber} 0 obj\n<< /Type /Pages /Kids [${[...kids, `${page} 0 R`].join(" ")}] /Count ${kids.length + 1} /Resources << /XObject << /PhotoInc ${img} 0 R >> >> >>\nendobj\n`,
  ));
  const prev = startxrefOf(baseBytes);
  if (!xrefStream) {
    const xrefAt = offset;
    let t = "xref\n0 1\n0000000000 65535 f\r\n";
    for (const [num, off] of [...offsets].sort((a, b) => a[0] - b[0])) t += `${num} 1\n${String(off).padStart(10, "0")} 00000 n\r\n`;
    t += `trailer\n<< /Size ${size} /Root ${rootRef} /Prev ${prev} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
    parts.push(latin1(t));
  } else {
    offsets.set(xref, offset);
    const nums = [...offsets.keys()].sort((a, b) => a - b);
    const rows = Buffer.alloc(nums.length * 7);
    nums.forEach((num, i) => {
      rows[i * 7] = 1;
      rows.writeUInt32BE(offsets.get(num), i * 7 + 1);
      rows.writeUInt16BE(0, i * 7 + 5);
    });
    const index = nums.map((n) => `${n} 1`).join(" ");
    parts.push(
      latin1(`${xref} 0 obj\n<< /Type /XRef /Size ${size} /Root ${rootRef} /Prev ${prev} /W [1 4 2] /Index [${index}] /Length ${rows.length} >>\nstream\n`),
      rows,
      latin1(`\nendstream\nendobj\nstartxref\n${offsets.get(xref)}\n%%EOF\n`),
    );
  }
  return Buffer.concat(parts);
}

/**
 * Three pages sharing one /Resources on the page tree node that lists every image; each page's
 * content draws only its own. Page 3 is an uncompressed-then-deflated RGB image (not a JPEG).
 */
async function sharedResourcesPdf(dir) {
  const a = await read(dir, "pod-photo-4.jpg");
  const b = await read(dir, "pod-photo-1.jpg");
  const [ma, mb] = [await sharp(a).metadata(), await sharp(b).metadata()];
  const rawW = 64, rawH = 48;
  const raw = zlib.deflateSync(photoPixels(rawW, rawH, 9), { level: 9 });
  await fs.writeFile(path.join(dir, "pod-raw-rgb.bin"), raw);
  const objs = [];
  const obj = (body) => { objs.push(body); return objs.length; };
  const catalog = obj(null), pages = obj(null);
  const imA = obj([latin1(`<< /Type /XObject /Subtype /Image /Width ${ma.width} /Height ${ma.height} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter [/DCTDecode] /Length ${a.length} >>\nstream\n`), a, latin1("\nendstream")]);
  const imB = obj([latin1(`<< /Type /XObject /Subtype /Image /Width ${mb.width} /Height ${mb.height} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length ${b.length} >>\nstream\n`), b, latin1("\nendstream")]);
  const imC = obj([latin1(`<< /Type /XObject /Subtype /Image /Width ${rawW} /Height ${rawH} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode /Length ${raw.length} >>\nstream\n`), raw, latin1("\nendstream")]);
  const font = obj([latin1("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")]);
  const pageIds = [];
  for (const [name, w, h, label] of [["ImA", ma.width, ma.height, "A"], ["ImB", mb.width, mb.height, "B"], ["ImC", rawW * 4, rawH * 4, "C"]]) {
    const ops = deflate(`q ${w} 0 0 ${h} 0 0 cm /${name} Do Q BT /F1 12 Tf 10 10 Td (POD page ${label}) Tj ET`);
    const content = obj([latin1(`<< /Length ${ops.length} /Filter /FlateDecode >>\nstream\n`), ops, latin1("\nendstream")]);
    pageIds.push(obj([latin1(`<< /Type /Page /Parent ${pages} 0 R /MediaBox [0 0 ${w} ${h}] /Contents [${content} 0 R] >>`)]));
  }
  objs[catalog - 1] = [latin1(`<< /Type /Catalog /Pages ${pages} 0 R >>`)];
  objs[pages - 1] = [latin1(`<< /Type /Pages /Kids [${pageIds.map((p) => `${p} 0 R`).join(" ")}] /Count 3 /Resources << /XObject << /ImA ${imA} 0 R /ImB ${imB} 0 R /ImC ${imC} 0 R >> /Font << /F1 ${font} 0 R >> >> >>`)];
  const parts = [latin1("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")];
  let offset = parts[0].length;
  const offsets = [];
  objs.forEach((body, i) => {
    offsets.push(offset);
    const buf = Buffer.concat([latin1(`${i + 1} 0 obj\n`), ...body, latin1("\nendobj\n")]);
    parts.push(buf);
    offset += buf.length;
  });
  let t = `xref\n0 ${objs.length + 1}\n0000000000 65535 f\r\n`;
  for (const o of offsets) t += `${String(o).padStart(10, "0")} 00000 n\r\n`;
  t += `trailer\n<< /Size ${objs.length + 1} /Root ${catalog} 0 R >>\nstartxref\n${offset}\n%%EOF\n`;
  parts.push(latin1(t));
  return Buffer.concat(parts);
}

function deflate(s) {
  return zlib.deflateSync(latin1(s));
}

/** Bump when the generator changes: cached files from an older generator are then rebuilt. */
const VERSION = "2";

export async function ensure(dir) {
  await fs.mkdir(dir, { recursive: true });
  const f = (name) => path.join(dir, name);
  const stamp = f("pod-fixtures.version");
  const have = await fs.readFile(stamp, "utf8").catch(() => "");
  if (have !== VERSION) {
    for (const name of await fs.readdir(dir)) if (name.startsWith("pod-")) await fs.rm(f(name), { force: true });
  }
  for (const [name, w, h, seed] of PHOTOS) {
    await writeIfMissing(f(name), () => makeJpeg(w, h, seed, { channels: name.includes("grey") ? 1 : 3 }));
  }
  // A "scan": a PNG with an alpha channel, which pdf-lib stores as Flate data plus an SMask.
  await writeIfMissing(f("pod-scan.png"), () => {
    const w = 300, h = 400;
    const rgb = photoPixels(w, h, 11, 4);
    for (let i = 3; i < rgb.length; i += 4) rgb[i] = 255 - (i % 97);
    return sharp(rgb, { raw: { width: w, height: h, channels: 4 } }).png().toBuffer();
  });
  await writeIfMissing(f("pod-2page.pdf"), () => imagePdf(dir, PDFS["pod-2page.pdf"], { useObjectStreams: false }));
  await writeIfMissing(f("pod-4page-png.pdf"), () => imagePdf(dir, PDFS["pod-4page-png.pdf"], { useObjectStreams: false }));
  await writeIfMissing(f("pod-objstm.pdf"), () => imagePdf(dir, PDFS["pod-objstm.pdf"], { useObjectStreams: true }));
  await writeIfMissing(f("pod-classic.pdf"), () => imagePdf(dir, PDFS["pod-classic.pdf"], { useObjectStreams: false }));
  await writeIfMissing(f("pod-incremental.pdf"), async () =>
    appendPage(dir, await read(dir, "pod-2page.pdf"), "pod-photo-3.jpg", { xrefStream: false }));
  await writeIfMissing(f("pod-incremental-xrefstm.pdf"), async () =>
    appendPage(dir, await read(dir, "pod-objstm.pdf"), "pod-photo-1.jpg", { xrefStream: true }));
  await writeIfMissing(f("pod-shared-resources.pdf"), () => sharedResourcesPdf(dir));
  await fs.writeFile(stamp, VERSION);
}
