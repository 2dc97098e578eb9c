// Delivery photos from the TMS to the Palletways FTP server, end to end: webhook → intake →
// tms.document → palletways.ftp-upload → the sandbox's ftp-srv (PALLETWAYS_FTP_URL).
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { documentCreated, palletOrder } from "../../sandbox/qargo-webhooks.mjs";
import { db as openDb } from "../../src/db/client";
import { ftpSessionsInUse, MAX_FTP_SESSIONS, withFtpSession } from "../../src/lib/ftp/pool";
import { FtpClient, uploadUnique } from "../../src/lib/ftp";
import { takeFtpNumber } from "../../src/carriers/palletways/ftp-numbers";
import { runJob } from "../../src/queues/consumer";
import { newJobRow } from "../../src/engine";
import { jobs } from "../../src/db/schema";
import { admin, postWebhook, uniqueRef, waitFor } from "../support/webhook";
import { sha256Hex, sim, type FtpFile } from "../support/sim";

/** Random bytes that start like a JPEG, so a mix-up between uploads shows in the hash. */
function jpeg(size = 40_000): Uint8Array {
  const b = new Uint8Array(size);
  for (let off = 0; off < size; off += 65536) crypto.getRandomValues(b.subarray(off, Math.min(off + 65536, size)));
  b.set([0xff, 0xd8, 0xff, 0xe0]);
  return b;
}

const order = (ref: string, role: "DELIVERING" | "COLLECTING" = "DELIVERING") => palletOrder({ reference: ref, network: "PALLETWAYS", role });

async function sendPhoto(o: ReturnType<typeof order>, bytes: Uint8Array, name = "delivery.jpg", mimeType = "image/jpeg"): Promise<void> {
  const res = await postWebhook(documentCreated({ order: o, documentType: "PHOTO_OF_GOODS_DELIVERY", name, content: bytes, mimeType }));
  expect(res.status).toBe(200);
}

/** The tracking ID's files on the server, hidden `.part` files included. */
/** A photo as the tms.document job leaves it: bytes in R2 and a `from_tms` documents row. */
async function receivedPhoto(ref: string, photo: Uint8Array, filename: string, status = "received", updatedAt = Date.now()) {
  const sha = await sha256Hex(photo);
  const r2Key = `documents/palletways/${ref}/${sha}`;
  await env.FILES.put(r2Key, photo);
  const rowId = crypto.randomUUID();
  await env.DB.prepare(
    `INSERT INTO documents (id, network, reference, direction, sha256, document_type, filename, content_type, size, r2_key, status, updated_at)
     VALUES (?1, 'palletways', ?2, 'from_tms', ?3, 'PHOTO_OF_GOODS_DELIVERY', ?6, 'image/jpeg', ?4, ?5, ?7, ?8)`,
  ).bind(rowId, ref, sha, photo.length, r2Key, filename, status, updatedAt).run();
  return { sha, r2Key, rowId, filename };
}

/** The ftp-upload job for such a row, run once by the real consumer code. */
async function runUploadJob(ref: string, p: Awaited<ReturnType<typeof receivedPhoto>>, jobEnv: Env = env) {
  const db = openDb(jobEnv);
  const row = newJobRow({
    kind: "palletways.ftp-upload",
    network: "palletways",
    reference: ref,
    payload: { documentRowId: p.rowId, r2Key: p.r2Key, sha256: p.sha, filename: p.filename, contentType: "image/jpeg", documentType: "PHOTO_OF_GOODS_DELIVERY", documentId: null, role: "DELIVERING", orderId: crypto.randomUUID(), route: null },
  });
  await db.insert(jobs).values(row);
  await runJob(jobEnv, db, row.id);
  return row.id;
}

async function filesFor(ref: string): Promise<FtpFile[]> {
  return (await sim.palletways.ftp.files()).filter((f) => f.name.startsWith(`${ref}_`) || f.name.startsWith(`.${ref}_`));
}

/** Waits until `count` upload jobs of the tracking ID are done, then lists its files. */
async function waitForFiles(ref: string, count: number): Promise<FtpFile[]> {
  await waitFor(async () => (await uploadJobs(ref)).filter((j) => j.status === "done").length >= count, 30_000, `${count} upload(s) done for ${ref}`);
  return filesFor(ref);
}

type Timeline = { timeline: { step: string; outcome: string; message: string }[] };
async function timelineOf(ref: string): Promise<Timeline["timeline"]> {
  const res = await admin(`/api/consignments/palletways/${ref}`);
  return (await res.json<Timeline>()).timeline;
}

async function uploadJobs(ref: string) {
  const r = await env.DB.prepare("SELECT id, status, attempts, last_error FROM jobs WHERE reference = ? AND kind = 'palletways.ftp-upload' ORDER BY created_at").bind(ref).all<{ id: string; status: string; attempts: number; last_error: string | null }>();
  return r.results;
}

async function waitForJobStatus(ref: string, statuses: string[]) {
  return waitFor(async () => {
    const [j] = await uploadJobs(ref);
    return j && statuses.includes(j.status) ? j : undefined;
  }, 30_000, `the upload job of ${ref} to be ${statuses.join("/")}`);
}

afterEach(async () => {
  // A failed test must not leave the server down for the next.
  await sim.palletways.ftp.start().catch(() => {});
});

describe("delivery photos to the Palletways FTP server", () => {
  it("uploads byte for byte as {trackingId}_1, _2, skips a number another source took, never overwrites", async () => {
    const ref = uniqueRef("600");
    const o = order(ref);
    const first = jpeg(182_211);
    await sendPhoto(o, first);
    const [one] = await waitForFiles(ref, 1);
    expect(one).toEqual({ name: `${ref}_1.jpg`, size: first.length, sha256: await sha256Hex(first) });
    await waitForJobStatus(ref, ["done"]);
    const tl = await timelineOf(ref);
    expect(tl.map((e) => e.message)).toContain(`Uploaded to the Palletways FTP server as ${ref}_1.jpg (182,211 bytes)`);
    const doc = await env.DB.prepare("SELECT status, destination, seq FROM documents WHERE reference = ? AND direction = 'from_tms'").bind(ref).first();
    expect(doc).toEqual({ status: "uploaded", destination: `FTP ${ref}_1.jpg`, seq: 1 });

    const second = jpeg(50_000);
    await sendPhoto(o, second, "second.jpg");
    await waitForFiles(ref, 2);
    expect((await filesFor(ref)).find((f) => f.name === `${ref}_2.jpg`)?.sha256).toBe(await sha256Hex(second));

    // Another source's image sits at number 3.
    const theirs = jpeg(1_234);
    await sim.palletways.ftp.putFile(`${ref}_3.jpg`, theirs);
    const third = jpeg(60_000);
    await sendPhoto(o, third, "third.jpg");
    const files = await waitForFiles(ref, 3);
    expect(files.map((f) => f.name).sort()).toEqual([`${ref}_1.jpg`, `${ref}_2.jpg`, `${ref}_3.jpg`, `${ref}_4.jpg`]);
    expect(files.find((f) => f.name === `${ref}_3.jpg`)?.sha256).toBe(await sha256Hex(theirs));
    expect(files.find((f) => f.name === `${ref}_4.jpg`)?.sha256).toBe(await sha256Hex(third));
  });

  it("gives five photos posted at once five distinct names, bytes intact", async () => {
    const ref = uniqueRef("600");
    const o = order(ref);
    const photos = Array.from({ length: 5 }, (_, i) => jpeg(30_000 + i * 7_000));
    await Promise.all(photos.map((p, i) => sendPhoto(o, p, `p${i}.jpg`)));
    const final = await waitForFiles(ref, 5);
    expect(final.map((f) => f.name).sort()).toEqual([1, 2, 3, 4, 5].map((n) => `${ref}_${n}.jpg`));
    expect(new Set(final.map((f) => f.sha256))).toEqual(new Set(await Promise.all(photos.map((p) => sha256Hex(p)))));
  });

  it("refuses a file that is not JPEG, PNG, TIFF or PDF, with the reason on the timeline", async () => {
    const ref = uniqueRef("600");
    // The start of a .docx: a ZIP local file header.
    const docx = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, ...crypto.getRandomValues(new Uint8Array(500))]);
    await sendPhoto(order(ref), docx, "notes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    const job = await waitForJobStatus(ref, ["skipped", "failed", "done"]);
    expect(job.status).toBe("skipped");
    expect(job.attempts).toBe(1);
    const refusal = (await timelineOf(ref)).find((e) => e.step === "palletways.ftp-upload");
    expect(refusal?.outcome).toBe("skipped");
    expect(refusal?.message).toContain("not a JPEG, PNG, TIFF or PDF");
    expect(refusal?.message).toContain("ZIP");
    expect(await filesFor(ref)).toEqual([]);
  });

  it("does not upload a photo where we are the collecting depot", async () => {
    const ref = uniqueRef("600");
    await sendPhoto(order(ref, "COLLECTING"), jpeg());
    const tl = await waitFor(async () => {
      const t = await timelineOf(ref);
      return t.some((e) => e.outcome === "skipped") ? t : undefined;
    }, 10_000, "the skip on the timeline");
    expect(tl.find((e) => e.outcome === "skipped")?.message).toContain("not the delivering depot");
    expect(await uploadJobs(ref)).toEqual([]);
    expect(await filesFor(ref)).toEqual([]);
  });

  it("does not send back a photo the connector itself attached to the TMS (echo)", async () => {
    const ref = uniqueRef("600");
    const photo = jpeg();
    const sha = await sha256Hex(photo);
    // As the Palletways photo fetch records the photos it attaches (photos.ts, attach.ts).
    await env.FILES.put(`palletways/photos/${ref}/${sha}.jpg`, photo);
    await env.DB.prepare(
      `INSERT INTO documents (id, network, reference, direction, sha256, document_type, filename, content_type, size, r2_key, source_ref, destination, status, seq)
       VALUES (?1, 'palletways', ?2, 'to_tms', ?3, 'PHOTO_OF_GOODS_DELIVERY', ?2 || '_photo_1.jpg', 'image/jpeg', ?4, ?5, 'page 1 of the fetch', 'TMS order x', 'attached', 1)`,
    ).bind(crypto.randomUUID(), ref, sha, photo.length, `palletways/photos/${ref}/${sha}.jpg`).run();
    // The TMS announces it as a new document of the order.
    await sendPhoto(order(ref), photo, `${ref}_photo_1.jpg`);
    const echo = await waitFor(async () => (await timelineOf(ref)).find((e) => e.step === "tms.document" && e.outcome === "skipped"), 20_000, "the echo decision");
    expect(echo.message).toContain("which the connector itself attached");
    expect(await uploadJobs(ref)).toEqual([]);
    expect(await filesFor(ref)).toEqual([]);
  });

  it("retries while the server is down and delivers exactly once when it is back", async () => {
    const ref = uniqueRef("600");
    const photo = jpeg(70_000);
    await sim.palletways.ftp.stop();
    await sendPhoto(order(ref), photo);
    const db = openDb(env);
    const job = await waitFor(async () => {
      const [j] = await uploadJobs(ref);
      return j && j.attempts >= 1 ? j : undefined;
    }, 30_000, "the first failed attempt");
    expect(job.status).toBe("queued");
    expect(job.last_error).toMatch(/Palletways FTP server/);
    await runJob(env, db, job.id);
    const [again] = await uploadJobs(ref);
    expect(again!.status).toBe("queued");
    expect(again!.attempts).toBeGreaterThanOrEqual(2);
    const tl = await timelineOf(ref);
    expect(tl.some((e) => e.outcome === "error" && /Attempt \d of 8 failed: Palletways FTP server/.test(e.message))).toBe(true);
    // No password anywhere an operator looks.
    const password = new URL(env.PALLETWAYS_FTP_URL!).password;
    expect(JSON.stringify(tl)).not.toContain(password);
    expect(again!.last_error).not.toContain(password);

    await sim.palletways.ftp.start();
    await runJob(env, db, job.id);
    const [done] = await uploadJobs(ref);
    expect(done!.status).toBe("done");
    // The delayed queue messages of the failed attempts still arrive: they must not upload again.
    await runJob(env, db, job.id);
    await new Promise((r) => setTimeout(r, 500));
    const files = await filesFor(ref);
    // Connecting failed before any number was taken, so the first number is still free.
    expect(files.map((f) => f.name)).toEqual([`${ref}_1.jpg`]);
    expect(files[0]!.sha256).toBe(await sha256Hex(photo));
  });

  it("lists the upload as a failure after the last retry; a replay delivers it once", async () => {
    const ref = uniqueRef("600");
    const photo = jpeg(45_000);
    await sim.palletways.ftp.stop();
    await sendPhoto(order(ref), photo);
    const db = openDb(env);
    const [first] = await waitFor(async () => {
      const j = await uploadJobs(ref);
      return j.length ? j : undefined;
    }, 30_000, "the upload job");
    // Drive the retries now instead of waiting for the backoff.
    for (let i = 0; i < 20; i++) {
      const [j] = await uploadJobs(ref);
      if (j!.status === "failed") break;
      await runJob(env, db, first!.id);
    }
    const [failed] = await uploadJobs(ref);
    expect(failed).toMatchObject({ status: "failed", attempts: 8 });
    const list = await (await admin("/api/failures")).json<{ failures: { id: string; last_error: string }[] }>();
    expect(list.failures.find((f) => f.id === first!.id)?.last_error).toMatch(/Palletways FTP server/);
    expect((await timelineOf(ref)).some((e) => e.message.startsWith("Gave up after 8 attempts"))).toBe(true);
    expect(await filesFor(ref)).toEqual([]);

    await sim.palletways.ftp.start();
    expect((await admin(`/api/failures/${first!.id}/replay`, { method: "POST" })).status).toBe(202);
    await waitForJobStatus(ref, ["done"]);
    const files = await filesFor(ref);
    expect(files).toEqual([{ name: `${ref}_1.jpg`, size: photo.length, sha256: await sha256Hex(photo) }]);
  });

  it("after a crash between the upload and its record, finds the file on the server and does not send it again", async () => {
    const ref = uniqueRef("600");
    const photo = jpeg(33_333);
    const p = await receivedPhoto(ref, photo, "crash.jpg");
    const rowId = p.rowId;
    // What the crashed attempt left: its number on the row, the file renamed into place, the
    // row still "uploading" and its lease run out.
    const n = await takeFtpNumber(env, ref, rowId);
    await sim.palletways.ftp.putFile(`${ref}_${n}.jpg`, photo);
    await env.DB.prepare("UPDATE documents SET status = 'uploading', updated_at = ?2 WHERE id = ?1").bind(rowId, Date.now() - 16 * 60_000).run();
    await runUploadJob(ref, p);
    const doc = await env.DB.prepare("SELECT status, destination FROM documents WHERE id = ?").bind(rowId).first();
    expect(doc).toEqual({ status: "uploaded", destination: `FTP ${ref}_${n}.jpg` });
    expect((await filesFor(ref)).map((f) => f.name)).toEqual([`${ref}_${n}.jpg`]);
    expect((await timelineOf(ref)).some((e) => e.message.includes("from an earlier attempt"))).toBe(true);
  });

  it("a rename whose reply is lost (control connection dropped after RNTO) leaves one file under one number", async () => {
    const ref = uniqueRef("600");
    const photo = jpeg(21_000);
    const p = await receivedPhoto(ref, photo, "rnto.jpg");
    await sim.palletways.ftp.failAfter("RNTO");
    const jobId = await runUploadJob(ref, p);
    const first = await env.DB.prepare("SELECT status, attempts FROM jobs WHERE id = ?").bind(jobId).first();
    expect(first).toEqual({ status: "queued", attempts: 1 });
    // The rename happened on the server; only its answer was lost.
    expect((await filesFor(ref)).map((f) => f.name)).toEqual([`${ref}_1.jpg`]);
    await runJob(env, openDb(env), jobId);
    const doc = await env.DB.prepare("SELECT status, destination, seq FROM documents WHERE id = ?").bind(p.rowId).first();
    expect(doc).toEqual({ status: "uploaded", destination: `FTP ${ref}_1.jpg`, seq: 1 });
    expect(await filesFor(ref)).toEqual([{ name: `${ref}_1.jpg`, size: photo.length, sha256: p.sha }]);
    expect((await timelineOf(ref)).some((e) => e.message.includes("same content by SHA-256"))).toBe(true);
  });

  it("a transfer whose 226 is lost (control connection dropped after STOR) is never renamed; the retry removes the .part and uploads once", async () => {
    const ref = uniqueRef("600");
    const photo = jpeg(18_000);
    const p = await receivedPhoto(ref, photo, "stor.jpg");
    await sim.palletways.ftp.failAfter("STOR");
    const jobId = await runUploadJob(ref, p);
    expect(await env.DB.prepare("SELECT status, attempts FROM jobs WHERE id = ?").bind(jobId).first()).toEqual({ status: "queued", attempts: 1 });
    // The server holds every byte, but without its 226 the upload is not ours to rename.
    expect((await filesFor(ref)).map((f) => f.name)).toEqual([`.${ref}_1.jpg.part`]);
    await runJob(env, openDb(env), jobId);
    expect(await env.DB.prepare("SELECT status, destination, seq FROM documents WHERE id = ?").bind(p.rowId).first()).toEqual({ status: "uploaded", destination: `FTP ${ref}_2.jpg`, seq: 2 });
    expect(await filesFor(ref)).toEqual([{ name: `${ref}_2.jpg`, size: photo.length, sha256: p.sha }]);
  });

  it("on a server without SIZE, the look before the rename lists instead and still moves off a number taken meanwhile", async () => {
    const ref = uniqueRef("600");
    await sim.palletways.ftp.configure({ blacklist: ["SIZE"] });
    try {
      const client = await FtpClient.connect(env.PALLETWAYS_FTP_URL!);
      try {
        const theirs = jpeg(900);
        const photo = jpeg(7_000);
        let calls = 0;
        // Number 1 is free when listed; another source writes it (as a PNG) during our upload.
        const nextNumber = async () => {
          if (++calls === 1) await sim.palletways.ftp.putFile(`${ref}_1.png`, theirs);
          return calls;
        };
        const r = await uploadUnique({ client, dir: client.url.dir, stem: (n) => `${ref}_${n}`, ext: "jpg", bytes: photo, nextNumber });
        expect(r.name).toBe(`${ref}_2.jpg`);
        expect((await filesFor(ref)).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
          { name: `${ref}_1.png`, size: theirs.length, sha256: await sha256Hex(theirs) },
          { name: `${ref}_2.jpg`, size: photo.length, sha256: await sha256Hex(photo) },
        ]);
      } finally {
        await client.quit();
      }
    } finally {
      await sim.palletways.ftp.configure({ blacklist: [] });
    }
  });

  it("when D1 loses the record of a finished upload, the retry finds the file at once and sends nothing again", async () => {
    const ref = uniqueRef("600");
    const photo = jpeg(15_000);
    const p = await receivedPhoto(ref, photo, "lost-record.jpg");
    // D1 refuses the one write that records the upload (as if the isolate died right there).
    let refused = 0;
    const db = new Proxy(env.DB, {
      get(target, prop) {
        if (prop !== "prepare") { const v = Reflect.get(target, prop); return typeof v === "function" ? v.bind(target) : v; }
        return (sql: string) => {
          const stmt = target.prepare(sql);
          return new Proxy(stmt, {
            get(t, k) {
              if (k === "bind") return (...values: unknown[]) => {
                const bound = t.bind(...values);
                if (!/^update "documents" set/i.test(sql) || !values.includes("uploaded") || refused > 0) return bound;
                refused++;
                return { ...bound, run: async () => { throw new Error("D1_ERROR: refused"); }, all: async () => { throw new Error("D1_ERROR: refused"); }, raw: async () => { throw new Error("D1_ERROR: refused"); } };
              };
              const v = Reflect.get(t, k);
              return typeof v === "function" ? v.bind(t) : v;
            },
          });
        };
      },
    });
    const jobId = await runUploadJob(ref, p, { ...env, DB: db } as Env);
    expect(refused).toBe(1);
    expect(await env.DB.prepare("SELECT status, seq FROM documents WHERE id = ?").bind(p.rowId).first()).toEqual({ status: "upload-failed", seq: 1 });
    await runJob(env, openDb(env), jobId);
    expect(await env.DB.prepare("SELECT status, destination FROM documents WHERE id = ?").bind(p.rowId).first()).toEqual({ status: "uploaded", destination: `FTP ${ref}_1.jpg` });
    expect(await filesFor(ref)).toEqual([{ name: `${ref}_1.jpg`, size: photo.length, sha256: p.sha }]);
  });

  it("a file of our size but other content under our number is not taken for ours", async () => {
    const ref = uniqueRef("600");
    const photo = jpeg(12_345);
    const p = await receivedPhoto(ref, photo, "same-size.jpg");
    const n = await takeFtpNumber(env, ref, p.rowId);
    const other = jpeg(12_345);
    await sim.palletways.ftp.putFile(`${ref}_${n}.jpg`, other);
    await env.DB.prepare("UPDATE documents SET status = 'upload-failed' WHERE id = ?1").bind(p.rowId).run();
    await runUploadJob(ref, p);
    const files = await filesFor(ref);
    expect(files).toEqual([
      { name: `${ref}_${n}.jpg`, size: other.length, sha256: await sha256Hex(other) },
      { name: `${ref}_${n + 1}.jpg`, size: photo.length, sha256: p.sha },
    ]);
  });

  it("after a crash before the rename, removes its own .part and uploads under a fresh number", async () => {
    const ref = uniqueRef("600");
    const photo = jpeg(20_000);
    const p = await receivedPhoto(ref, photo, "half.jpg");
    const sha = p.sha;
    const n = await takeFtpNumber(env, ref, p.rowId);
    await sim.palletways.ftp.putFile(`.${ref}_${n}.jpg.part`, photo.subarray(0, 9_000));
    await env.DB.prepare("UPDATE documents SET status = 'upload-failed' WHERE id = ?1").bind(p.rowId).run();
    await runUploadJob(ref, p);
    const files = await filesFor(ref);
    expect(files).toEqual([{ name: `${ref}_${n + 1}.jpg`, size: photo.length, sha256: sha }]);
  });

  it("an upload holding the row's lease makes a duplicate delivery wait instead of uploading", async () => {
    const ref = uniqueRef("600");
    const photo = jpeg(10_000);
    const jobId = await runUploadJob(ref, await receivedPhoto(ref, photo, "dup.jpg", "uploading"));
    const j = await env.DB.prepare("SELECT status, attempts FROM jobs WHERE id = ?").bind(jobId).first();
    expect(j).toEqual({ status: "queued", attempts: 0 });
    expect(await filesFor(ref)).toEqual([]);
  });

  it("a refused login (530) fails at once with the operator's action, without the password", async () => {
    const ref = uniqueRef("600");
    const photo = jpeg(5_000);
    const url = new URL(env.PALLETWAYS_FTP_URL!);
    url.password = "Wrong-Secret-4711";
    const badEnv = { ...env, PALLETWAYS_FTP_URL: url.toString() };
    const jobId = await runUploadJob(ref, await receivedPhoto(ref, photo, "login.jpg"), badEnv);
    const j = await env.DB.prepare("SELECT status, attempts, last_error FROM jobs WHERE id = ?").bind(jobId).first<{ status: string; attempts: number; last_error: string }>();
    expect(j).toMatchObject({ status: "failed", attempts: 1 });
    expect(j!.last_error).toContain("530");
    expect(j!.last_error).not.toContain("Wrong-Secret-4711");
    const health = await env.DB.prepare("SELECT action, last_error_code FROM network_health WHERE network = 'palletways'").first();
    expect(health).toEqual({ action: "check PALLETWAYS_FTP_URL credentials", last_error_code: "530" });
    expect(JSON.stringify(await timelineOf(ref))).not.toContain("Wrong-Secret-4711");
    expect(await filesFor(ref)).toEqual([]);
  });

  it("holds at most two FTP sessions at once in an isolate", async () => {
    let peak = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        withFtpSession(async () => {
          peak = Math.max(peak, ftpSessionsInUse());
          await new Promise((r) => setTimeout(r, 50));
        }),
      ),
    );
    expect(peak).toBe(MAX_FTP_SESSIONS);
    expect(ftpSessionsInUse()).toBe(0);
  });
});
