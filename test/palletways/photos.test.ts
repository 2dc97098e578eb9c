import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { db as openDb } from "../../src/db/client";
import { overview } from "../../src/read/overview";
import { sweepStaleWindows } from "../../src/carriers/palletways/sweep";
import { beforeEach, describe, expect, it } from "vitest";
import { palletOrder, stopCompleted, documentCreated } from "../../sandbox/qargo-webhooks.mjs";
import { sim, sha256Hex } from "../support/sim";
import { admin, postWebhook, uniqueRef, waitFor } from "../support/webhook";
import { advanceWindow, windowState } from "../support/palletways-window";
import { fixture } from "../support/fixtures";

const trackingId = () => "600" + uniqueRef().slice(-8);

async function attachmentsFor(orderId: string) {
  return (await sim.qargo.state()).attachments.filter((a) => a.order_id === orderId);
}

async function fetchesDone(ref: string): Promise<number> {
  const r = await env.DB.prepare("SELECT count(*) AS n FROM palletways_fetches WHERE tracking_id=?").bind(ref).first<number>("n");
  return r ?? 0;
}

beforeEach(async () => {
  await sim.palletways.reset();
});

describe("Palletways delivery photos", () => {
  it("nothing → 2 photos → 4 photos (one not JPEG) over the window gives exactly 4 attachments, JPEGs byte-identical", async () => {
    const ref = trackingId();
    const order = palletOrder({ reference: ref, network: "PALLETWAYS", role: "DELIVERING" });
    await sim.qargo.seedOrder({ id: order.id, customer_reference_number: order.customer_reference_number });
    const jpegs = await Promise.all(["pod-photo-1.jpg", "pod-photo-2.jpg", "pod-photo-3.jpg"].map(fixture));
    const png = await fixture("pod-scan.png");

    // Delivery completes now: the window opens, its first fetch (offset 0) finds nothing.
    expect((await postWebhook(stopCompleted({ order, at: new Date().toISOString() }))).status).toBe(200);
    await waitFor(async () => (await fetchesDone(ref)) >= 1, 20_000, "the first fetch");
    expect((await windowState(ref))!.attempts).toHaveLength(5);
    expect(await attachmentsFor(order.id)).toHaveLength(0);

    await sim.palletways.addPhotos(ref, [{ format: "jpeg", data: jpegs[0]! }, { format: "jpeg", data: jpegs[1]! }]);
    await advanceWindow(ref);
    await waitFor(async () => (await attachmentsFor(order.id)).length === 2, 20_000, "2 attachments");

    await sim.palletways.addPhotos(ref, [{ format: "png", data: png }, { format: "jpeg", data: jpegs[2]! }]);
    await advanceWindow(ref);
    await waitFor(async () => (await attachmentsFor(order.id)).length === 4, 20_000, "4 attachments");

    // The rest of the window finds nothing new.
    for (let i = 0; i < 2; i++) {
      const before = await fetchesDone(ref);
      expect(await advanceWindow(ref)).toBe(true);
      await waitFor(async () => (await fetchesDone(ref)) > before, 20_000, "the next fetch");
    }
    await waitFor(async () => (await windowState(ref))!.attempts.every((a) => a.done), 10_000, "the window to close");
    // Attach jobs run concurrently, so the TMS may receive them in any order; the numbers follow the pages.
    const atts = (await attachmentsFor(order.id)).sort((a, b) => a.filename.localeCompare(b.filename));
    expect(atts.map((a) => a.filename)).toEqual([`${ref}_photo_1.jpg`, `${ref}_photo_2.jpg`, `${ref}_photo_3.pdf`, `${ref}_photo_4.jpg`]);
    expect(atts.every((a) => a.document_type === "PHOTO_OF_GOODS_DELIVERY" && a.matched_by === "id")).toBe(true);
    expect(atts[0]!.sha256).toBe(await sha256Hex(jpegs[0]!));
    expect(atts[1]!.sha256).toBe(await sha256Hex(jpegs[1]!));
    expect(atts[3]!.sha256).toBe(await sha256Hex(jpegs[2]!));
    expect(atts[2]!.content_type).toBe("application/pdf");
    // Each kept in R2 too.
    const rows = await env.DB.prepare("SELECT r2_key, status FROM documents WHERE network='palletways' AND reference=? AND direction='to_tms' ORDER BY seq").bind(ref).all<{ r2_key: string; status: string }>();
    expect(rows.results.map((r) => r.status)).toEqual(["attached", "attached", "attached", "attached"]);
    const stored = await env.FILES.get(rows.results[0]!.r2_key);
    expect(await sha256Hex(await stored!.arrayBuffer())).toBe(await sha256Hex(jpegs[0]!));

    // The TMS reports our attachments back as new documents; none goes to the FTP server, not
    // even the freshly written one-page PDF (known by its own hash, not only its image's).
    for (const r of [rows.results[0]!, rows.results[2]!]) {
      const bytes = new Uint8Array(await (await env.FILES.get(r.r2_key))!.arrayBuffer());
      const name = r.r2_key.endsWith(".pdf") ? `${ref}_photo_3.pdf` : `${ref}_photo_1.jpg`;
      const doc = await sim.qargo.seedDocument({ content: bytes, mime_type: r.r2_key.endsWith(".pdf") ? "application/pdf" : "image/jpeg", filename: name });
      await postWebhook(documentCreated({ order, documentType: "PHOTO_OF_GOODS_DELIVERY", name, downloadUrl: doc.download_url, id: doc.id }));
    }
    await waitFor(async () => {
      const r = await env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE reference=? AND kind='tms.document' AND status='skipped'").bind(ref).first<number>("n");
      return r === 2;
    }, 20_000, "both echoes to be recognised");
    expect(await env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE reference=? AND kind='palletways.ftp-upload'").bind(ref).first("n")).toBe(0);
    expect((await sim.palletways.ftp.files()).filter((f) => f.name.includes(ref))).toEqual([]);
  });

  it("repeated signals, a manual refresh and a retried alarm never duplicate", async () => {
    const ref = trackingId();
    const order = palletOrder({ reference: ref, network: "PALLETWAYS", role: "DELIVERING" });
    await sim.qargo.seedOrder({ id: order.id });
    const jpeg = await fixture("pod-photo-4.jpg");
    await sim.palletways.addPhotos(ref, [{ format: "jpeg", data: jpeg }]);
    await postWebhook(stopCompleted({ order, at: new Date().toISOString() }));
    await waitFor(async () => (await attachmentsFor(order.id)).length === 1, 20_000, "the first attachment");
    // The same completion again, from another stop event: no second window.
    const again = stopCompleted({ order, at: new Date().toISOString() });
    (again.events[0]!.update as { stop: { id: string } }).stop.id = crypto.randomUUID();
    await postWebhook(again);
    await waitFor(async () => {
      const r = await env.DB.prepare("SELECT status FROM jobs WHERE reference=? AND kind='palletways.delivery-completed' ORDER BY created_at DESC LIMIT 1").bind(ref).first<{ status: string }>();
      return r?.status === "skipped";
    }, 20_000, "the second signal to be skipped");
    expect((await windowState(ref))!.attempts).toHaveLength(5);

    // Manual refresh fetches at once; the photo is already attached.
    const res = await admin(`/api/consignments/palletways/${ref}/refresh`, { method: "POST" });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ pages: 1, new: 0, known: 1 });

    // An alarm that runs twice (at-least-once delivery) fetches twice, attaches nothing new.
    const stub = env.PALLETWAYS_WINDOW.get(env.PALLETWAYS_WINDOW.idFromName(ref));
    await advanceWindow(ref);
    await runDurableObjectAlarm(stub);
    await advanceWindow(ref);
    await runDurableObjectAlarm(stub);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await attachmentsFor(order.id)).toHaveLength(1);
    const docs = await env.DB.prepare("SELECT count(*) AS n FROM documents WHERE reference=? AND direction='to_tms'").bind(ref).first("n");
    expect(docs).toBe(1);
  });

  it("falls back to getPodByTrackingId when podimages is not available, and skips photos the TMS already holds", async () => {
    const ref = trackingId();
    const order = palletOrder({ reference: ref, network: "PALLETWAYS", role: "DELIVERING" });
    await sim.qargo.seedOrder({ id: order.id });
    const ours = await fixture("pod-photo-1.jpg");
    const theirs = await fixture("pod-photo-2.jpg");
    // Our own driver's photo reached the TMS (and went to Palletways by FTP)…
    const doc = await sim.qargo.seedDocument({ content: ours, mime_type: "image/jpeg", filename: "driver.jpg" });
    await postWebhook(documentCreated({ order, documentType: "PHOTO_OF_GOODS_DELIVERY", name: "driver.jpg", downloadUrl: doc.download_url, id: doc.id }));
    await waitFor(async () => env.DB.prepare("SELECT 1 AS x FROM documents WHERE reference=? AND direction='from_tms'").bind(ref).first(), 20_000, "the TMS photo to be recorded");
    // …and comes back in the POD, newest page last.
    await sim.palletways.addPhotos(ref, [{ format: "jpeg", data: theirs }, { format: "jpeg", data: ours }]);
    await sim.palletways.config({ podimagesAvailable: false });
    const r1 = await (await admin(`/api/consignments/palletways/${ref}/refresh`, { method: "POST" })).json();
    expect(r1).toMatchObject({ source: "getPodByTrackingId", pages: 1, new: 0, heldByTms: 1 });
    await sim.palletways.config({ podimagesAvailable: true });
    const r2 = await (await admin(`/api/consignments/palletways/${ref}/refresh`, { method: "POST" })).json();
    expect(r2).toMatchObject({ source: "podimages", pages: 2, new: 1, heldByTms: 1 });
    await waitFor(async () => (await attachmentsFor(order.id)).length === 1, 20_000, "one attachment");
    expect((await attachmentsFor(order.id))[0]!.sha256).toBe(await sha256Hex(theirs));
  });

  it("opens the window from a status note 900 for a known tracking ID, from the note's UK time", async () => {
    const ref = trackingId();
    const order = palletOrder({ reference: ref, network: "PALLETWAYS", role: "COLLECTING" });
    await postWebhook({ events: [], order });
    const unknown = trackingId();
    await sim.palletways.seedNotes([
      { TrackingID: ref, StatusCode: "800", NoteType: "Out for delivery" },
      { TrackingID: ref, StatusCode: "900", PodDate: "2026-07-01", PodTime: "14:01", PodSignature: "J SMITH", NoteType: "Delivered" },
      { TrackingID: unknown, StatusCode: "900", PodDate: "2026-07-01", PodTime: "14:05" },
    ]);
    const { runScheduled, scheduledTasks } = await import("../../src/cron");
    const palletwaysCron = scheduledTasks("palletways");
    await env.DB.prepare("DELETE FROM cursors WHERE name LIKE 'palletways.%'").run();
    const report = await runScheduled(env, palletwaysCron);
    expect(report["palletways.status-notes"]).toMatchObject({ notes: 3, job_complete: 2, known: 1 });
    const st = await waitFor(() => windowState(ref), 20_000, "the window");
    // 14:01 BST on 1 July is 13:01 UTC; every offset is long past, so they collapse into one fetch.
    expect(st!.completedAt).toBe(Date.parse("2026-07-01T13:01:00Z"));
    expect(st!.attempts).toHaveLength(1);
    expect(await windowState(unknown)).toBeNull();
    // The cursor moved: a second run sees nothing new.
    expect((await runScheduled(env, palletwaysCron))["palletways.status-notes"]).toMatchObject({ notes: 0 });
  });

  it("a window whose alarm stopped is shown, then closed by the sweep and fetched once; later windows still open", async () => {
    const ref = trackingId();
    const stub = env.PALLETWAYS_WINDOW.get(env.PALLETWAYS_WINDOW.idFromName(ref));
    const completedAt = Date.now() - 3 * 3_600_000;
    // What a window looks like after its alarm crashed until the runtime gave up: fetches pending
    // and long overdue, no alarm, the mirror still "open".
    await runInDurableObject(stub, async (_o, state) => {
      await state.storage.put("window", {
        trackingId: ref,
        completedAt,
        attempts: [
          { due: completedAt + 420_000, offsetsS: [420], done: false, reason: "catch-up 4 of 5, +7 min" },
          { due: completedAt + 900_000, offsetsS: [900], done: false, reason: "catch-up 5 of 5, +15 min" },
        ],
        failures: 0,
      });
      await state.storage.deleteAlarm();
    });
    await env.DB.prepare("INSERT INTO palletways_windows (tracking_id, completed_at, closes_at, fetches, status) VALUES (?, ?, ?, 3, 'open')").bind(ref, completedAt, completedAt + 900_000).run();
    expect((await overview(env)).openWork.flatMap((w) => w.items.map((i) => i.reference))).toContain(ref);

    const db = openDb(env);
    const quiet = { ...env, JOBS: { sendBatch: async () => {} } } as unknown as Env;
    expect((await sweepStaleWindows(quiet, db)).swept).toBeGreaterThanOrEqual(1);
    const fetchJobs = () => env.DB.prepare("SELECT status FROM jobs WHERE reference = ? AND kind = 'palletways.fetch-photos'").bind(ref).all().then((r) => r.results);
    expect(await fetchJobs()).toHaveLength(1);
    expect(await env.DB.prepare("SELECT status FROM palletways_windows WHERE tracking_id = ?").bind(ref).first("status")).toBe("closed");
    expect((await windowState(ref))!.attempts.every((a) => a.done)).toBe(true);
    const t = await env.DB.prepare("SELECT message FROM timeline WHERE reference = ?").bind(ref).all<{ message: string }>();
    expect(t.results.some((e) => e.message.includes("closed by the sweep, one final fetch queued"))).toBe(true);

    // A second sweep changes nothing; a new completion opens a new window.
    await sweepStaleWindows(quiet, db);
    expect(await fetchJobs()).toHaveLength(1);
    expect((await stub.open(ref, Date.now(), "test")).opened).toBe(true);
  });
});
