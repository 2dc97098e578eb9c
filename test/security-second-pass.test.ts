import { createExecutionContext, createMessageBatch, env, getQueueResult, SELF, waitOnExecutionContext } from "cloudflare:test";
import { connect } from "cloudflare:sockets";
import { describe, expect, inject, it } from "vitest";
import { eq } from "drizzle-orm";
import { app } from "../src/app";
import { db as openDb } from "../src/db/client";
import { consoleSessions, documents, jobs } from "../src/db/schema";
import { upnImports } from "../src/carriers/upn/schema";
import { markError, newJobRow, raiseAlert, type JobMessage } from "../src/engine";
import { fitToCeiling, PhotoTooLargeError, UnsupportedPhotoError } from "../src/lib/images";
import { FtpClient } from "../src/lib/ftp/client";
import { uploadUnique } from "../src/lib/ftp/upload";
import { handleJobBatch, runJob } from "../src/queues/consumer";
import { SESSION_COOKIE, sessionKey } from "../src/middleware/admin-auth";
import { GUESS_LIMIT } from "../src/middleware/guess-guard";
import { UpnClient } from "../src/carriers/upn/client";
import { upnImportTask } from "../src/carriers/upn/cron";
import { runScheduled, scheduledTasks } from "../src/cron";
import { basicHeader, documentCreated, palletOrder, signWebhook, stopCompleted } from "../sandbox/qargo-webhooks.mjs";
import { sha256Hex, sim } from "./support/sim";
import { fixture } from "./support/fixtures";
import { uniqueRef } from "./support/webhook";

// Issue 19, the second security pass: one test (at least) per finding. Each was run against the
// code before its fix and failed there (see the branch's report); each client address here is
// unique, so locks never leak between tests.

const BASE = "https://connector.test";
const FORM = { "content-type": "application/x-www-form-urlencoded", origin: BASE, "sec-fetch-site": "same-origin" };
const ip = () => `203.0.113.${Math.floor(Math.random() * 250) + 1}-${uniqueRef()}`;
/** A fresh IPv6 /64 each call: 2001:db8:<a>:<b>::/64. */
const v6net = () => `2001:db8:${(Math.floor(Math.random() * 0xfff0) + 1).toString(16)}:${(Math.floor(Math.random() * 0xfff0) + 1).toString(16)}`;

const bearer = (token: string, client: string) => SELF.fetch(`${BASE}/api/failures`, { headers: { authorization: `Bearer ${token}`, "cf-connecting-ip": client } });
const login = (token: string, client: string) =>
  app.request(`${BASE}/ops/login`, { method: "POST", redirect: "manual", headers: { ...FORM, "cf-connecting-ip": client }, body: new URLSearchParams({ token }).toString() }, env);

// ---------------------------------------------------------------------------------------------
// 1. Image bombs: a 256-byte TIFF whose fields say one thing to a naive probe and another to the decoder.

function tiffBomb(opts: { bitsPerSample?: number; samplesPerPixel?: number; heightAsLongs?: boolean } = {}): Uint8Array {
  const b = new Uint8Array(256);
  const dv = new DataView(b.buffer);
  b.set([0x49, 0x49]);
  dv.setUint16(2, 42, true);
  dv.setUint32(4, 64, true); // the IFD
  dv.setUint32(16, 8000, true); // ImageWidth's two LONGs live here (a 4-byte-field probe reads 16)
  dv.setUint32(20, 8000, true);
  dv.setFloat64(24, 8000, true); // ImageLength as a DOUBLE (a 4-byte-field probe reads 24)
  const entries: [number, number, number, number][] = [
    [256, 4, 2, 16],
    opts.heightAsLongs ? [257, 4, 2, 16] : [257, 12, 1, 24],
    [258, 3, 1, opts.bitsPerSample ?? 8],
    [259, 3, 1, 1],
    [262, 3, 1, 2],
    [273, 4, 1, 200],
    [277, 3, 1, opts.samplesPerPixel ?? 4],
    [278, 4, 1, 8000],
    [279, 4, 1, 56],
  ];
  dv.setUint16(64, entries.length, true);
  entries.forEach(([tag, type, count, value], i) => {
    const e = 66 + i * 12;
    dv.setUint16(e, tag, true);
    dv.setUint16(e + 2, type, true);
    dv.setUint32(e + 4, count, true);
    if (type === 3 && count === 1) dv.setUint16(e + 8, value, true);
    else dv.setUint32(e + 8, value, true);
  });
  return b;
}

/** A TIFF whose header is honest about a small size but not about its depth. */
function tiffDeep(bitsPerSample: number, samplesPerPixel: number): Uint8Array {
  const b = new Uint8Array(256);
  const dv = new DataView(b.buffer);
  b.set([0x49, 0x49]);
  dv.setUint16(2, 42, true);
  dv.setUint32(4, 8, true);
  const entries: [number, number, number][] = [
    [256, 3, 64], [257, 3, 64], [258, 3, bitsPerSample], [259, 3, 1], [262, 3, 2], [273, 4, 200], [277, 3, samplesPerPixel], [278, 4, 64], [279, 4, 56],
  ];
  dv.setUint16(8, entries.length, true);
  entries.forEach(([tag, type, value], i) => {
    const e = 10 + i * 12;
    dv.setUint16(e, tag, true);
    dv.setUint16(e + 2, type, true);
    dv.setUint32(e + 4, 1, true);
    if (type === 3) dv.setUint16(e + 8, value, true);
    else dv.setUint32(e + 8, value, true);
  });
  return b;
}

async function hazchemPhotoJob(ref: string, bytes: Uint8Array, filename: string) {
  const sha256 = await sha256Hex(bytes);
  const r2Key = `documents/hazchem/${ref}/${sha256}`;
  await env.FILES.put(r2Key, bytes);
  const row = newJobRow({
    kind: "hazchem.upload",
    network: "hazchem",
    reference: ref,
    maxAttempts: 3,
    payload: { documentRowId: crypto.randomUUID(), r2Key, sha256, filename, contentType: "image/tiff", documentType: "PHOTO_OF_GOODS_DELIVERY", documentId: null, role: "DELIVERING", orderId: crypto.randomUUID(), route: { type: "DELIVERY_IMAGE" } },
  });
  await openDb(env).insert(jobs).values(row);
  return row.id;
}
const jobRow = async (id: string) => (await openDb(env).select().from(jobs).where(eq(jobs.id, id)))[0]!;

describe("image bombs are refused from the header, in plain words", () => {
  it("a 256-byte TIFF declaring 8000×8000 through LONG×2 and DOUBLE fields", async () => {
    const bomb = tiffBomb();
    expect(bomb.byteLength).toBe(256);
    const err = await fitToCeiling({ bytes: bomb, filename: "bomb.tif", maxBytes: 1_000_000, destination: "Hazchem" }).catch((e: unknown) => e);
    expect(err instanceof PhotoTooLargeError || err instanceof UnsupportedPhotoError, String(err)).toBe(true);
    expect((err as Error).message).toMatch(/^bomb\.tif /);
    expect((err as Error).message).not.toMatch(/at |Error:|undefined|NaN/);
  });

  it("the same with both sizes as LONG×2: the decoder's 8000×8000 is what is judged", async () => {
    const err = await fitToCeiling({ bytes: tiffBomb({ heightAsLongs: true }), filename: "bomb2.tif", maxBytes: 1_000_000, destination: "Hazchem" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PhotoTooLargeError);
    expect((err as Error).message).toMatch(/^bomb2\.tif is 8000×8000 \(64\.0 MP/);
  });

  it("a field of a million numbers (which the decoder would turn into an array) is refused unread", async () => {
    const b = new Uint8Array(256 + 2_000_000);
    b.set(tiffDeep(8, 3).subarray(0, 256));
    const dv = new DataView(b.buffer);
    // Re-point the last entry (StripByteCounts) at a million SHORTs after the header.
    const last = 10 + 8 * 12;
    dv.setUint16(last + 2, 3, true);
    dv.setUint32(last + 4, 1_000_000, true);
    dv.setUint32(last + 8, 256, true);
    const err = await fitToCeiling({ bytes: b, filename: "wide.tif", maxBytes: 1_000_000, destination: "Hazchem" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedPhotoError);
    expect((err as Error).message).toMatch(/^wide\.tif cannot be read safely as a TIFF: a field \(tag 279\) holds 1000000 numbers/);
  });

  it("bits per sample and samples per pixel are bounded too", async () => {
    for (const [bps, spp] of [[65535, 1], [8, 65535], [16, 255]] as const) {
      const err = await fitToCeiling({ bytes: tiffDeep(bps, spp), filename: "deep.tif", maxBytes: 1_000_000, destination: "Hazchem" }).catch((e: unknown) => e);
      expect(err instanceof PhotoTooLargeError || err instanceof UnsupportedPhotoError, `${bps}×${spp}: ${String(err)}`).toBe(true);
      expect((err as Error).message).toMatch(/^deep\.tif .*(bits|samples)/);
    }
  });

  it("the bomb is a visible failure of its own job; the next job in the batch still runs", { timeout: 60_000 }, async () => {
    const ref = uniqueRef("HZ");
    await sim.hazchem.seedConsignments([{ consignment_number: ref }]);
    const bad = await hazchemPhotoJob(ref, tiffBomb(), "bomb.tif");
    const good = await hazchemPhotoJob(ref, await fixture("photo-small.jpg"), "ok.jpg");
    // One queue batch, as the consumer receives it: the bomb first.
    const batch = createMessageBatch<JobMessage>("palletbridge-jobs", [bad, good].map((jobId, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body: { jobId } })));
    const ctx = createExecutionContext();
    await handleJobBatch(batch, env);
    await waitOnExecutionContext(ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);
    const failed = await jobRow(bad);
    expect(failed.status).toBe("failed");
    expect(failed.lastError).toMatch(/bomb\.tif .*(8000|TIFF)/);
    expect((await jobRow(good)).status).toBe("done");
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Rule 10: the guessing guard.

describe("the guessing guard (rule 10 as now written)", () => {
  it("a parallel burst of 30 wrong bearer tokens gets at most 10 compared", async () => {
    const client = ip();
    const answers = await Promise.all(Array.from({ length: 30 }, () => bearer("not-the-admin-token", client)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(GUESS_LIMIT);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(30 - GUESS_LIMIT);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
  });

  it("an IPv6 client is counted by its /64", async () => {
    const net = v6net();
    for (let i = 1; i <= GUESS_LIMIT; i++) expect((await bearer("not-the-admin-token", `${net}::${i.toString(16)}`)).status).toBe(401);
    expect((await bearer(env.ADMIN_TOKEN, `${net}:ffff:ffff:ffff:fffe`)).status).toBe(429);
    // Another /64 is another client.
    expect((await bearer(env.ADMIN_TOKEN, `${v6net()}::1`)).status).toBe(200);
  });

  it("console sign-in and the bearer API share one count", async () => {
    const client = ip();
    for (let i = 0; i < GUESS_LIMIT / 2; i++) expect((await login("not-the-admin-token", client)).status).toBe(401);
    for (let i = 0; i < GUESS_LIMIT / 2; i++) expect((await bearer("not-the-admin-token", client)).status).toBe(401);
    expect((await bearer(env.ADMIN_TOKEN, client)).status).toBe(429);
    expect((await login(env.ADMIN_TOKEN, client)).status).toBe(429);
  });

  const webhookBody = () => JSON.stringify(stopCompleted({ order: palletOrder({ reference: uniqueRef("600"), network: "PALLETWAYS", role: "DELIVERING" }) }));
  const postBasic = (e: Env, client: string, user: string, password: string, body: string, extra: Record<string, string> = {}) =>
    app.request(`${BASE}/webhooks/tms`, { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": client, authorization: basicHeader(user, password), ...extra }, body }, e);

  it("the Basic lock counts per client and user name: a wrong sender does not lock the right one out", async () => {
    const client = ip();
    for (let i = 0; i < GUESS_LIMIT + 2; i++) await postBasic(env, client, "another-tenant", "guess", webhookBody());
    expect((await postBasic(env, client, "another-tenant", "guess", webhookBody())).status).toBe(429);
    expect((await postBasic(env, client, env.INBOUND_BASIC_USER, env.INBOUND_BASIC_PASSWORD, webhookBody())).status).toBe(200);
  });

  it("a webhook whose Standard Webhooks signature verifies is never refused by the lock", async () => {
    const secret = `whsec_${btoa("a-signing-secret-for-the-lock-test")}`;
    const signed = { ...env, INBOUND_SIGNING_SECRET: secret } as Env;
    const client = ip();
    for (let i = 0; i < GUESS_LIMIT; i++) await postBasic(signed, client, env.INBOUND_BASIC_USER, "wrong-password", webhookBody());
    const unsigned = await postBasic(signed, client, env.INBOUND_BASIC_USER, env.INBOUND_BASIC_PASSWORD, webhookBody());
    expect(unsigned.status).toBe(429);
    const body = webhookBody();
    const headers = (await signWebhook({ secret, body })) as Record<string, string>;
    const res = await postBasic(signed, client, env.INBOUND_BASIC_USER, env.INBOUND_BASIC_PASSWORD, body, headers);
    expect(res.status, await res.clone().text()).toBe(200);
  });

  it("a weak INBOUND_BASIC_PASSWORD shows on the console and the authenticated API, never on the public /healthz", async () => {
    const weak = { ...env, INBOUND_BASIC_PASSWORD: "short-pass" } as Env;
    const pub = await (await app.request(`${BASE}/healthz`, {}, weak)).text();
    expect(pub).not.toMatch(/INBOUND_BASIC_PASSWORD|config_problems/);
    const api = await app.request(`${BASE}/api/health`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, "cf-connecting-ip": ip() } }, weak);
    expect(api.status).toBe(200);
    const body = await api.json<{ config_problems: string[] }>();
    expect(body.config_problems.some((p) => p.startsWith("INBOUND_BASIC_PASSWORD"))).toBe(true);
  });

  it("the public /healthz shows no text taken from a document's name", async () => {
    await markError(openDb(env), "hazchem", `"payroll-march-secret.pdf" is 2,000,000 bytes, over Hazchem's 1,000,000-byte limit`, "FILE_TOO_LARGE", null);
    const pub = await (await SELF.fetch(`${BASE}/healthz`)).json<{ networks: Record<string, { last_error: string | null; last_error_code: string | null }> }>();
    expect(JSON.stringify(pub)).not.toContain("payroll");
    expect(pub.networks.hazchem!.last_error_code).toBe("FILE_TOO_LARGE");
    const inside = await (await SELF.fetch(`${BASE}/api/health`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, "cf-connecting-ip": ip() } })).text();
    expect(inside).toContain("payroll-march-secret.pdf");
  });
});

// ---------------------------------------------------------------------------------------------
// 3. References, redirects, FTP data connections, alerts.

describe("a network reference is checked where it enters", () => {
  it("a webhook naming `..` (or a path) as the reference is refused with the reason", async () => {
    for (const bad of ["..", "../v1/depots", "6001/../x", "a b"]) {
      const body = JSON.stringify(stopCompleted({ order: palletOrder({ reference: bad, network: "UPN", role: "DELIVERING" }) }));
      const res = await SELF.fetch(`${BASE}/webhooks/tms`, { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": ip(), authorization: basicHeader(env.INBOUND_BASIC_USER, env.INBOUND_BASIC_PASSWORD) }, body });
      expect(res.status, bad).toBe(400);
      const out = await res.json<{ fields: { path: string; message: string }[] }>();
      expect(out.fields.some((f) => f.path === "order.custom_fields.network_reference" && /UPN/.test(f.message))).toBe(true);
    }
  });

  it("a UPN consignment list naming `..` as a barcode: not imported, with the reason", async () => {
    const db = openDb(env);
    const bad = "..";
    await sim.upn.seedConsignments([{ barcode: bad }]);
    const r = await upnImportTask.run(env, db);
    expect((r as { invalid: number }).invalid).toBeGreaterThanOrEqual(1);
    const [row] = await db.select().from(upnImports).where(eq(upnImports.barcode, bad));
    expect(row?.status).toBe("failed");
    expect(row?.error).toMatch(/UPN barcode is 4 to 40 letters and digits/);
    const q = await sim.qargo.state();
    expect(q.orders_created.some((o: { order_identifier?: string }) => o.order_identifier === `UPN-${bad}`)).toBe(false);
  });

  it("a Hazchem feed document naming `..` as its consignment: passed over with the reason, no work for it", async () => {
    await sim.hazchem.seedDocuments([{ consignment_number: "..", type: "DELIVERY_IMAGE", filename: "x.jpg", content_type: "image/jpeg", data: await fixture("photo-small.jpg") }]);
    const report = (await runScheduled(env, scheduledTasks("hazchem")))["hazchem.feed"] as { malformed: number };
    expect(report.malformed).toBeGreaterThanOrEqual(1);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE reference = '..'").first<number>("n");
    expect(n).toBe(0);
  });
});

describe("partner calls never follow a redirect", () => {
  it("UPN answering 302 to another host is an error naming UPN, and the key never reaches that host", async () => {
    const dl = env.DOWNLOAD_HOST_URL;
    await fetch(`${dl}/__reset`);
    const port = new URL(dl).port;
    // The download host's /bounce/* answers 302 to https://localhost:<port>/caught/* (another host name).
    const e = { ...env, UPN_API_URL: `${dl}/bounce` } as Env;
    const err = await new UpnClient(e).listConsignments("0").catch((x: unknown) => x);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/UPN/);
    expect((err as Error).message).toMatch(/redirect/);
    const seen = await (await fetch(`${dl}/__seen`)).json<{ path: string; x_api_key?: string | null }[]>();
    expect(seen.some((s) => s.path.startsWith("/bounce/"))).toBe(true);
    expect(seen.filter((s) => s.path.startsWith("/caught")), `requests that reached localhost:${port}`).toEqual([]);
  });
});

describe("FTP data connections dial the control host", () => {
  const ftp = inject("ftpServers");
  it("whatever public address PASV names", { timeout: 30_000 }, async () => {
    const info = ftp.servers["ftpsrv-pasv"]!;
    const dialled: string[] = [];
    // The server answers PASV with a private address; the control connection here rewrites it
    // to a public one (TEST-NET-3), which the client must not dial either.
    const rewriting: typeof connect = (address, options) => {
      const a = typeof address === "string" ? { hostname: address.split(":")[0]!, port: Number(address.split(":")[1]) } : address;
      dialled.push(a.hostname);
      const sock = connect(address, options);
      if (dialled.length > 1) return sock;
      const rewrite = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, out) {
          out.enqueue(new TextEncoder().encode(new TextDecoder().decode(chunk).replace(/10,1,2,3/g, "203,0,113,7")));
        },
      });
      void sock.readable.pipeTo(rewrite.writable).catch(() => {});
      const wrapped = { readable: rewrite.readable, writable: sock.writable, opened: sock.opened, closed: sock.closed, close: () => sock.close(), startTls: () => sock.startTls(), upgraded: false, secureTransport: "off" };
      return wrapped as unknown as ReturnType<typeof connect>;
    };
    const client = await FtpClient.connect(info.url, { timeoutMs: 5000, connect: rewriting });
    try {
      let n = 0;
      const tag = uniqueRef();
      const bytes = new Uint8Array(2000).fill(0xff);
      bytes.set([0xff, 0xd8, 0xff, 0xe0]);
      const r = await uploadUnique({ client, dir: info.dir, stem: (k) => `PASV${tag}_${k}`, ext: "jpg", bytes, nextNumber: async () => ++n });
      expect(r.bytes).toBe(2000);
    } finally {
      await client.quit();
    }
    const control = new URL(info.url).hostname;
    expect(dialled.length).toBeGreaterThan(1);
    expect(dialled.every((h) => h === control)).toBe(true);
  });
});

describe("alert text is escaped for Slack", () => {
  it("&, < and > become entities, so <!channel> and <http://x|y> are inert", async () => {
    const ref = uniqueRef("AL");
    expect(await raiseAlert(env, openDb(env), { kind: "failure", network: "upn", reference: ref, text: `${ref}: <!channel> see <http://evil.example|the console> & more` })).toBe("sent");
    const [got] = await sim.alerts.about(ref);
    expect(got!.text).toBe(`${ref}: &lt;!channel&gt; see &lt;http://evil.example|the console&gt; &amp; more`);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. The console: stored documents, cross-site posts, the stored token digest.

async function signIn(): Promise<string> {
  const res = await login(env.ADMIN_TOKEN, ip());
  const cookie = new RegExp(`${SESSION_COOKIE}=([0-9a-f]{64})`).exec(res.headers.get("set-cookie") ?? "")?.[1];
  expect(cookie, `sign-in answered ${res.status}`).toBeTruthy();
  return cookie!;
}

describe("the console", () => {
  it("serves stored documents no-store, so they do not outlive the session in a shared browser", async () => {
    const ref = uniqueRef("HZ");
    const bytes = await fixture("photo-small.jpg");
    const r2Key = `documents/hazchem/${ref}/x`;
    await env.FILES.put(r2Key, bytes);
    const id = crypto.randomUUID();
    await openDb(env).insert(documents).values({ id, network: "hazchem", reference: ref, direction: "from_tms", sha256: await sha256Hex(crypto.getRandomValues(new Uint8Array(16))), documentType: "PHOTO_OF_GOODS_DELIVERY", filename: "p.jpg", contentType: "image/jpeg", size: bytes.length, r2Key, status: "sent" });
    const res = await SELF.fetch(`${BASE}/ops/files/${id}`, { headers: { cookie: `${SESSION_COOKIE}=${await signIn()}` } });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("a cross-site cookie POST is refused 403 by Hono's csrf(), on /api, /ops and the sign-in", async () => {
    const cookie = await signIn();
    const cross = { cookie: `${SESSION_COOKIE}=${cookie}`, "sec-fetch-site": "cross-site", origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" };
    expect((await SELF.fetch(`${BASE}/api/failures/nope/replay`, { method: "POST", headers: cross })).status).toBe(403);
    expect((await SELF.fetch(`${BASE}/ops/attention/seen`, { method: "POST", headers: cross, body: "id=x" })).status).toBe(403);
    expect((await SELF.fetch(`${BASE}/ops/login`, { method: "POST", headers: { ...cross, "cf-connecting-ip": ip() }, body: "token=x" })).status).toBe(403);
    expect((await SELF.fetch(`${BASE}/ops/logout`, { method: "POST", headers: cross })).status).toBe(403);
  });

  it("stores a keyed hash of ADMIN_TOKEN (PBKDF2, salted per session); an old unsalted digest is just an invalid session", async () => {
    const cookie = await signIn();
    const db = openDb(env);
    const [row] = await db.select().from(consoleSessions).where(eq(consoleSessions.idHash, await sessionKey(cookie)));
    const plain = await sha256Hex(new TextEncoder().encode(`palletbridge-admin-token:${env.ADMIN_TOKEN}`));
    expect(row!.tokenDigest).not.toBe(plain);
    expect(row!.tokenDigest).toMatch(/^pbkdf2-sha256\$\d+\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    // A session written by the previous version (an unsalted SHA-256) is dead, not a crash.
    await db.update(consoleSessions).set({ tokenDigest: plain }).where(eq(consoleSessions.idHash, await sessionKey(cookie)));
    const res = await SELF.fetch(`${BASE}/ops`, { redirect: "manual", headers: { cookie: `${SESSION_COOKIE}=${cookie}` } });
    expect(res.status).toBe(303);
  });
});

// ---------------------------------------------------------------------------------------------
// 5. Memory: a network's ceiling is checked from the stored object's size, before any byte is read.

/** FILES as the job sees it, recording whether an object's body was read. */
function recordingFiles(reads: string[]): R2Bucket {
  const real = env.FILES;
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "get") {
        return async (key: string, opts?: R2GetOptions) => {
          const obj = await target.get(key, opts);
          if (!obj) return obj;
          const ranged = opts?.range !== undefined;
          return new Proxy(obj, {
            get(o, p) {
              if (!ranged && (p === "arrayBuffer" || p === "text" || p === "bytes" || p === "json" || p === "blob")) reads.push(`${String(p)} ${key}`);
              const v = Reflect.get(o, p, o);
              return typeof v === "function" ? v.bind(o) : v;
            },
          });
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  }) as R2Bucket;
}

describe("each network's size ceiling is checked before the file is read", () => {
  it("hazchem.upload: a COP over HAZCHEM_MAX_UPLOAD_BYTES is refused without reading it", async () => {
    const ref = uniqueRef("HZ");
    const bytes = new Uint8Array(1_200_000).fill(0x20);
    bytes.set(new TextEncoder().encode("%PDF-1.4\n"));
    const sha256 = await sha256Hex(bytes);
    const r2Key = `documents/hazchem/${ref}/${sha256}`;
    await env.FILES.put(r2Key, bytes);
    const row = newJobRow({
      kind: "hazchem.upload", network: "hazchem", reference: ref, maxAttempts: 3,
      payload: { documentRowId: crypto.randomUUID(), r2Key, sha256, filename: "COP.pdf", contentType: "application/pdf", documentType: "CUSTOMER_PAPERWORK", documentId: null, role: "COLLECTING", orderId: crypto.randomUUID(), route: { type: "COP" } },
    });
    await openDb(env).insert(jobs).values(row);
    const reads: string[] = [];
    await runJob({ ...env, FILES: recordingFiles(reads) } as Env, openDb(env), row.id);
    const job = await jobRow(row.id);
    expect(job.status).toBe("failed");
    expect(job.lastError).toMatch(/1,200,000 bytes, over Hazchem's 1,000,000-byte limit/);
    expect(reads).toEqual([]);
  });

  it("upn.epod: a signature over UPN's 10 MB is refused without reading it", async () => {
    const ref = uniqueRef("UPN");
    const bytes = new Uint8Array(10_000_001);
    bytes.set([0x89, 0x50, 0x4e, 0x47]);
    const r2Key = `documents/upn/${ref}/sig`;
    await env.FILES.put(r2Key, bytes);
    const row = newJobRow({
      kind: "upn.epod", network: "upn", reference: ref, maxAttempts: 3,
      payload: { documentRowId: crypto.randomUUID(), r2Key, sha256: "0".repeat(64), filename: "sig.png", contentType: "image/png", documentType: "CONSIGNEE_SIGNATURE", documentId: null, role: "DELIVERING", orderId: crypto.randomUUID(), route: null },
    });
    await openDb(env).insert(jobs).values(row);
    const reads: string[] = [];
    await runJob({ ...env, FILES: recordingFiles(reads) } as Env, openDb(env), row.id);
    const job = await jobRow(row.id);
    expect(job.status).toBe("failed");
    expect(job.lastError).toMatch(/over UPN's 10 MB limit/);
    expect(reads).toEqual([]);
  });

  it("palletways.ftp-upload streams the photo from R2 instead of reading it whole", { timeout: 60_000 }, async () => {
    const ref = uniqueRef("600");
    const bytes = new Uint8Array(3_000_000).fill(0x11);
    bytes.set([0xff, 0xd8, 0xff, 0xe0]);
    const sha256 = await sha256Hex(bytes);
    const r2Key = `documents/palletways/${ref}/${sha256}`;
    await env.FILES.put(r2Key, bytes);
    const docId = crypto.randomUUID();
    await openDb(env).insert(documents).values({ id: docId, network: "palletways", reference: ref, direction: "from_tms", sha256, documentType: "PHOTO_OF_GOODS_DELIVERY", filename: "big.jpg", contentType: "image/jpeg", size: bytes.length, r2Key, status: "received" });
    const row = newJobRow({
      kind: "palletways.ftp-upload", network: "palletways", reference: ref, maxAttempts: 3,
      payload: { documentRowId: docId, r2Key, sha256, filename: "big.jpg", contentType: "image/jpeg", documentType: "PHOTO_OF_GOODS_DELIVERY", documentId: null, role: "DELIVERING", orderId: crypto.randomUUID(), route: null },
    });
    await openDb(env).insert(jobs).values(row);
    const reads: string[] = [];
    await runJob({ ...env, FILES: recordingFiles(reads) } as Env, openDb(env), row.id);
    const job = await jobRow(row.id);
    expect(job.status, job.lastError ?? "").toBe("done");
    expect(reads).toEqual([]);
    const [doc] = await openDb(env).select().from(documents).where(eq(documents.id, docId));
    expect(doc!.destination).toBe(`FTP ${ref}_1.jpg`);
  });
});
