// Palletways POD PDF splitter: a 5-page and a 20-page PDF of 12-MP JPEG photos (~2.7 MB each),
// split into photos (with the SHA-256 of each), beside poppler's `pdfimages -j` on the same
// files in the same run, plus a check of our output against poppler on the test fixtures.
//
// What is measured, honestly:
// - time: wall time of `for await (const p of splitPodPdf(pdf))` over all pages, SHA-256
//   included, the PDF already in memory; median of 5 runs after one warm-up. pdfimages' time is
//   the wall time of the whole process (read the file, write every JPEG into a tmpfs directory
//   when /dev/shm exists), median of 5 runs.
// - memory: every measurement runs in its own fresh Node process (--expose-gc). The baseline
//   is taken after the PDF is read and a full GC. "heap+arrayBuffers" is the peak of
//   process.memoryUsage() heapUsed + arrayBuffers minus the baseline, sampled at every photo
//   and every 1 ms timer tick in between (GC is not forced during the run). The PDF itself is
//   in the baseline. It does not see native copies (Node's crypto.subtle.digest copies its
//   input into native memory), so the kernel's peak resident set (VmHWM, reset through
//   /proc/self/clear_refs just before the run) is printed too: it sees everything, including
//   freshly touched allocator pages, so it overstates rather than understates.
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadTs } from "./lib/load-ts.mjs";
import { header, row } from "./lib/report.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const benchDir = path.join(root, ".sandbox/bench");
const self = fileURLToPath(import.meta.url);
const MB = 2 ** 20;
const W = 4000, H = 3000;
const FILES = [
  { name: "pod-12mp-5p.pdf", pages: 5, useObjectStreams: false },
  { name: "pod-12mp-20p.pdf", pages: 20, useObjectStreams: true },
];

// ---- generation (own process: its memory must not colour the measurements) ---------------

async function generate() {
  const { default: sharp } = await import("sharp");
  const { PDFDocument } = await import("pdf-lib");
  const { photoPixels } = await import("../test/support/fixtures-pdf.mjs");
  fs.mkdirSync(benchDir, { recursive: true });
  const jpegPath = (i) => path.join(benchDir, `photo-12mp-${i}.jpg`);
  let noise;
  for (let i = 1; i <= 20; i++) {
    if (fs.existsSync(jpegPath(i))) continue;
    // A smooth scene plus sensor-like noise: JPEG sizes like a phone's 12-MP photo (~2.7 MB).
    noise ??= await sharp({ create: { width: W, height: H, channels: 3, background: "#808080", noise: { type: "gaussian", mean: 128, sigma: 10 } } }).raw().toBuffer();
    const small = photoPixels(500, 375, i);
    const px = await sharp(small, { raw: { width: 500, height: 375, channels: 3 } }).resize(W, H, { kernel: "cubic" }).raw().toBuffer();
    const shift = (i * 7919 * 3) % noise.length;
    for (let p = 0; p < px.length; p++) {
      const v = px[p] + noise[(p + shift) % noise.length] - 128;
      px[p] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    fs.writeFileSync(jpegPath(i), await sharp(px, { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 85 }).toBuffer());
  }
  for (const f of FILES) {
    const out = path.join(benchDir, f.name);
    if (fs.existsSync(out)) continue;
    const doc = await PDFDocument.create({ updateMetadata: false });
    for (let i = 1; i <= f.pages; i++) {
      const img = await doc.embedJpg(fs.readFileSync(jpegPath(i)));
      // A4 portrait at 72 dpi, photo scaled to fit, as POD PDFs are laid out.
      const page = doc.addPage([595, 842]);
      const s = Math.min(595 / img.width, 842 / img.height);
      page.drawImage(img, { x: 0, y: (842 - img.height * s) / 2, width: img.width * s, height: img.height * s });
    }
    fs.writeFileSync(out, await doc.save({ useObjectStreams: f.useObjectStreams }));
  }
}

// ---- one measurement (own process) ---------------------------------------------------------

function vmHwm() {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}
function vmRss() {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

async function measure(file) {
  const { splitPodPdf } = await loadTs("src/lib/pdf/split.ts");
  const buf = fs.readFileSync(file);
  const pdf = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  const js = () => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
  const settle = () => { globalThis.gc(); globalThis.gc(); };

  // Cold run: memory.
  settle();
  const base = js();
  let hwmOk = true;
  try { fs.writeFileSync("/proc/self/clear_refs", "5"); } catch { hwmOk = false; }
  const rssBase = vmRss();
  let peak = 0;
  const sample = () => { const v = js() - base; if (v > peak) peak = v; };
  const timer = setInterval(sample, 1);
  const photos = [];
  for await (const p of splitPodPdf(pdf)) {
    sample();
    photos.push({ page: p.page, kind: p.kind, sha256: p.sha256, size: p.bytes.length, view: p.bytes.buffer === pdf.buffer });
  }
  clearInterval(timer);
  sample();
  const hwmRise = hwmOk ? vmHwm() - rssBase : NaN;

  // Warm runs: time.
  const times = [];
  for (let r = 0; r < 6; r++) {
    const t = performance.now();
    for await (const p of splitPodPdf(pdf)) void p;
    if (r > 0) times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], peak, hwmRise, hwmOk, photos, pdfBytes: pdf.length };
}

// ---- poppler ------------------------------------------------------------------------------

function have(cmd) {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

function pdfimagesRun(file) {
  const outDir = fs.mkdtempSync(path.join(fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir(), "pdfimages-"));
  const times = [];
  for (let r = 0; r < 5; r++) {
    for (const f of fs.readdirSync(outDir)) fs.rmSync(path.join(outDir, f));
    const t = performance.now();
    const res = spawnSync("pdfimages", ["-j", file, path.join(outDir, "img")]);
    times.push(performance.now() - t);
    if (res.status !== 0) throw new Error(`pdfimages failed: ${res.stderr}`);
  }
  times.sort((a, b) => a - b);
  const shas = fs.readdirSync(outDir).filter((f) => f.endsWith(".jpg")).sort()
    .map((f) => crypto.createHash("sha256").update(fs.readFileSync(path.join(outDir, f))).digest("hex"));
  fs.rmSync(outDir, { recursive: true, force: true });
  return { ms: times[Math.floor(times.length / 2)], shas };
}

/** Our output on the test fixtures, read back by poppler: JPEGs equal pdfimages', PDFs open. */
async function validateWithPoppler() {
  header("pdf-split: output checked with poppler (test fixtures)");
  const fixturesDir = path.join(root, ".sandbox/fixtures");
  const { ensure, PDFS } = await import("../test/support/fixtures-pdf.mjs");
  await ensure(fixturesDir);
  const { splitPodPdf } = await loadTs("src/lib/pdf/split.ts");
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pod-split-"));
  for (const name of Object.keys(PDFS)) {
    const file = path.join(fixturesDir, name);
    const pj = pdfimagesRun(file);
    const problems = [];
    let jpegs = 0, pdfs = 0, jpegIdx = 0;
    for await (const p of splitPodPdf(new Uint8Array(fs.readFileSync(file)))) {
      if (p.kind === "jpeg") {
        jpegs++;
        // pdfimages -j writes DCT images verbatim, in page order; ours must be the same bytes.
        const theirs = pj.shas[jpegIdx++];
        if (crypto.createHash("sha256").update(p.bytes).digest("hex") !== theirs) problems.push(`page ${p.page} differs from pdfimages -j`);
      } else {
        pdfs++;
        const out = path.join(tmp, `${name}-${p.page}.pdf`);
        fs.writeFileSync(out, p.bytes);
        const info = spawnSync("pdfinfo", [out], { encoding: "utf8" });
        if (info.status !== 0 || !/^Pages:\s+1$/m.test(info.stdout) || /Syntax (Error|Warning)/.test(info.stderr)) {
          problems.push(`page ${p.page}: pdfinfo: ${info.stderr.trim() || info.stdout.match(/^Pages:.*$/m)}`);
        }
        const list = spawnSync("pdfimages", ["-list", out], { encoding: "utf8" });
        if (list.status !== 0 || list.stdout.trim().split("\n").length < 3) problems.push(`page ${p.page}: pdfimages finds no image`);
      }
    }
    row({
      bench: "pdf-split validate", metric: `${name}: ${jpegs} jpeg, ${pdfs} pdf`, value: problems.length, unit: "problems", reference: "pdfimages+pdfinfo",
      target: "jpeg = pdfimages -j; pdf opens", pass: problems.length === 0,
    });
    for (const pr of problems) console.log(`    ${pr}`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}

// ---- main ---------------------------------------------------------------------------------

async function main() {
  if (process.argv[2] === "--generate") return generate();
  if (process.argv[2] === "--measure") {
    process.stdout.write(JSON.stringify(await measure(process.argv[3])));
    return;
  }
  if (typeof globalThis.gc !== "function") {
    console.error("run with --expose-gc (npm run bench does)");
    process.exit(2);
  }
  const gen = spawnSync(process.execPath, [self, "--generate"], { stdio: "inherit" });
  if (gen.status !== 0) throw new Error("generating the benchmark PDFs failed");

  const popplerHere = have("pdfimages");
  header(`pdf-split: POD PDF → photos + SHA-256 (12-MP JPEG pages; Node ${process.version}, ${os.cpus().length} CPU)`);
  if (!popplerHere) {
    console.log("  pdfimages (poppler) is not installed, so there is no reference time. Install it with:");
    console.log("    apt-get update && apt-get install -y poppler-utils   (Debian/Ubuntu; CI installs it)");
  }
  let failed = false;
  let broken = false;
  for (const f of FILES) {
    const file = path.join(benchDir, f.name);
    const r = spawnSync(process.execPath, ["--expose-gc", self, "--measure", file], { encoding: "utf8", maxBuffer: 16 * MB });
    if (r.status !== 0) { console.error(r.stderr); broken = true; continue; }
    const m = JSON.parse(r.stdout);
    const label = `${f.pages}p ${(m.pdfBytes / MB).toFixed(1)} MB`;
    const pj = popplerHere ? pdfimagesRun(file) : undefined;
    const timeOk = pj ? m.ms <= 0.5 * pj.ms : undefined;
    row({
      bench: `pdf-split ${label}`, metric: "time: all photos + SHA-256", value: m.ms, unit: "ms",
      reference: pj ? "pdfimages -j" : "pdfimages absent", referenceValue: pj?.ms, target: "≤ 0.5× pdfimages", pass: timeOk,
    });
    const peakOk = m.peak <= 16 * MB;
    row({
      bench: `pdf-split ${label}`, metric: "peak beyond PDF: heap+arrayBuffers", value: m.peak / MB, unit: "MB",
      reference: "PDF itself", referenceValue: m.pdfBytes / MB, target: "≤ 16 MB", pass: peakOk,
    });
    row({
      bench: `pdf-split ${label}`, metric: "peak RSS rise (VmHWM, all native)", value: m.hwmOk ? m.hwmRise / MB : "n/a", unit: "MB",
      reference: "PDF itself", referenceValue: m.pdfBytes / MB, target: "≤ 16 MB (info)",
    });
    const jpegs = m.photos.filter((p) => p.kind === "jpeg");
    const views = m.photos.filter((p) => p.view).length;
    const same = pj ? jpegs.every((p, i) => p.sha256 === pj.shas[i]) && pj.shas.length === jpegs.length : undefined;
    row({
      bench: `pdf-split ${label}`, metric: `photos (${jpegs.length} jpeg, ${views} zero-copy)`, value: m.photos.length, unit: "photos",
      reference: pj ? "pdfimages -j, sha-equal" : "", referenceValue: pj?.shas.length, target: "same JPEG bytes", pass: same,
    });
    if (timeOk === false || !peakOk || same === false) failed = true;
  }
  if (popplerHere) await validateWithPoppler();
  // A missed target is a finding to report, not a crash; only broken runs fail the bench.
  if (failed) console.log("\n  pdf-split: at least one target missed (see MISS above)");
  if (broken) process.exitCode = 1;
}

main().catch((e) => { console.error(e); process.exit(1); });
