// Peak memory of each outbound path for the largest file it accepts (issue 19): what the code
// holds beyond its input while it sends one file. Measured as bench/pdf-split.bench.mjs does:
// every case in its own fresh Node process (--expose-gc), the Worker's own modules bundled by
// esbuild (bench/lib/load-ts.mjs), the peak of process.memoryUsage() heapUsed + arrayBuffers
// above a baseline taken after a full GC, sampled on a 1 ms timer and at every step.
//
// - palletways ftp 100 MB: the real FtpClient + uploadUnique (a Node net socket in place of
//   `cloudflare:sockets`) streaming 100 MB to vsftpd from a ReadableStream that makes its
//   chunks on demand, as R2's body does. The file is never in memory; the figure is what the
//   client holds in flight.
// - upn image / ePOD 10 MB: bytesToBase64 (src/lib/bytes.ts) and the JSON body, then the UTF-8
//   bytes fetch sends: the copies the path makes of a 10 MB image, the bytes included.
// - hazchem paperwork 1 MB: the bytes as read from R2 (the whole body is the request).
// - pdf: a ~170 KB PDF whose ten object streams inflate to 12 MiB each: the split stops at the
//   32 MiB decoded budget (before it, 120 MiB would have been decoded).
// Each figure is printed beside the 128 MB an isolate has.
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import net from "node:net";
import { Duplex } from "node:stream";
import { fileURLToPath } from "node:url";
import { loadTs } from "./lib/load-ts.mjs";
import { header, row } from "./lib/report.mjs";

const self = fileURLToPath(import.meta.url);
const MB = 2 ** 20;

function meter() {
  const js = () => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
  globalThis.gc(); globalThis.gc();
  const base = js();
  let peak = 0;
  const sample = () => { const v = js() - base; if (v > peak) peak = v; };
  const timer = setInterval(sample, 1);
  return { sample, stop: () => { clearInterval(timer); sample(); return peak; } };
}

/** `cloudflare:sockets`' connect() over node:net, enough for FtpClient (plain FTP). */
function nodeConnect(address) {
  const sock = net.connect({ host: address.hostname, port: address.port });
  const web = Duplex.toWeb(sock);
  const opened = new Promise((resolve, reject) => { sock.once("connect", () => resolve({})); sock.once("error", reject); });
  const closed = new Promise((resolve) => sock.once("close", () => resolve()));
  opened.catch(() => {});
  return { readable: web.readable, writable: web.writable, opened, closed, close: async () => { sock.destroy(); await closed; }, startTls: () => { throw new Error("no TLS here"); } };
}

/** The FTP client bundled for Node: `cloudflare:sockets` becomes a stub (nodeConnect is passed in). */
async function loadFtp() {
  const { build } = await import("esbuild");
  const path = await import("node:path");
  const root = path.resolve(path.dirname(self), "..");
  const outfile = path.join(root, "bench/.out/ftp-memory.mjs");
  await build({
    entryPoints: [path.join(root, "src/lib/ftp/index.ts")], outfile, bundle: true, format: "esm", platform: "node", target: "node20", logLevel: "error",
    plugins: [{
      name: "sockets-stub",
      setup(b) {
        b.onResolve({ filter: /^cloudflare:sockets$/ }, () => ({ path: "sockets", namespace: "stub" }));
        b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({ contents: "export function connect() { throw new Error('pass options.connect'); }", loader: "js" }));
      },
    }],
  });
  return import(`${outfile}?t=${Date.now()}`);
}

async function caseFtp(url) {
  const { FtpClient, uploadUnique } = await loadFtp();
  const size = 100 * 1000 * 1000;
  const CHUNK = 64 * 1024;
  let made = 0;
  const source = {
    size,
    open: async () => new ReadableStream({
      pull(c) {
        if (made >= size) return c.close();
        const n = Math.min(CHUNK, size - made);
        const b = new Uint8Array(n);
        if (made === 0) b.set([0xff, 0xd8, 0xff, 0xe0]);
        made += n;
        c.enqueue(b);
      },
    }, { highWaterMark: 1 }),
  };
  const client = await FtpClient.connect(url, { connect: nodeConnect, timeoutMs: 60_000 });
  const m = meter();
  let n = 0;
  const tag = `MEM${Date.now()}`;
  try {
    const r = await uploadUnique({ client, dir: client.url.dir, stem: (k) => `${tag}_${k}`, ext: "jpg", bytes: source, nextNumber: async () => ++n });
    if (r.bytes !== size) throw new Error(`sent ${r.bytes}`);
  } finally {
    await client.quit().catch(() => {});
  }
  return m.stop();
}

async function caseUpn() {
  const { bytesToBase64 } = await loadTs("src/lib/bytes.ts");
  const m = meter();
  const bytes = crypto.randomFillSync(new Uint8Array(10_000_000));
  m.sample();
  const base64 = bytesToBase64(bytes);
  m.sample();
  const body = JSON.stringify({ filename: "photo.jpg", content_type: "image/jpeg", data: base64, sha256: "0".repeat(64) });
  m.sample();
  const wire = new TextEncoder().encode(body);
  m.sample();
  void wire.length;
  return m.stop();
}

async function caseHazchem() {
  const m = meter();
  const bytes = crypto.randomFillSync(new Uint8Array(1_000_000));
  m.sample();
  void bytes.length;
  return m.stop();
}

/** Object streams of `padMiB` MiB each (as src/lib/pdf/budget.test.ts builds them), no xref. */
async function bombPdf(streams, padMiB) {
  const zlib = await import("node:zlib");
  const parts = [];
  const add = (b) => parts.push(typeof b === "string" ? Buffer.from(b, "latin1") : b);
  add("%PDF-1.5\n");
  add(`1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [${Array.from({ length: streams }, (_, i) => `${100 + i} 0 R`).join(" ")}] /Count ${streams} >>\nendobj\n`);
  for (let i = 0; i < streams; i++) {
    const head = `${100 + i} 0 `;
    const plain = Buffer.alloc(head.length + 60 + padMiB * MB, 0x20);
    plain.write(head + "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>", "latin1");
    const data = zlib.deflateSync(plain);
    add(`${10 + i} 0 obj\n<< /Type /ObjStm /N 1 /First ${head.length} /Filter /FlateDecode /Length ${data.length} >>\nstream\n`);
    add(data);
    add("\nendstream\nendobj\n");
  }
  add("trailer\n<< /Root 1 0 R >>\nstartxref\n999999999\n%%EOF\n");
  return new Uint8Array(Buffer.concat(parts));
}

async function casePdf() {
  const { splitPodPdf } = await loadTs("src/lib/pdf/split.ts");
  const pdf = await bombPdf(10, 12);
  const m = meter();
  try {
    for await (const p of splitPodPdf(pdf)) void p;
  } catch (e) {
    if (!/decompresses to more than/.test(String(e))) throw e;
  }
  return m.stop();
}

if (process.argv[2] === "--case") {
  const which = process.argv[3];
  const peak = which === "ftp" ? await caseFtp(process.argv[4]) : which === "upn" ? await caseUpn() : which === "pdf" ? await casePdf() : await caseHazchem();
  process.stdout.write(JSON.stringify({ peak }));
  process.exit(0);
}

function child(...args) {
  const r = spawnSync(process.execPath, ["--expose-gc", self, "--case", ...args], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${args[0]}: ${r.stderr}`);
  return JSON.parse(r.stdout).peak;
}

const { startFtpServers } = await import("../test/support/ftp-servers.mjs");
const servers = await startFtpServers({ only: ["vsftpd"] });
try {
  header("upload memory (largest file each path accepts; peak heap+arrayBuffers above baseline)");
  const cases = [
    ["palletways ftp 100 MB (streamed from R2)", child("ftp", servers.info.servers.vsftpd.url)],
    ["upn image / ePOD 10 MB (bytes, base64, JSON, UTF-8)", child("upn")],
    ["hazchem COP/POD 1 MB (as read)", child("hazchem")],
    ["pdf 10 object streams × 12 MiB (~125 KB file), refused at the budget", child("pdf")],
  ];
  for (const [bench, peak] of cases) {
    row({ bench, metric: "peak heap+arrayBuffers", value: peak / MB, unit: "MB", reference: "isolate limit", referenceValue: 128, target: "< 96 MB (¾ of the isolate)", pass: peak / MB < 96 });
  }
} finally {
  await servers.stop();
}
