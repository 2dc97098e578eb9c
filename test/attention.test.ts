import { env, SELF } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { documentCreated, palletOrder } from "../sandbox/qargo-webhooks.mjs";
import { upnHeldImagesTask } from "../src/carriers/upn/attention";
import { upnTrackingTask } from "../src/carriers/upn/cron";
import { attentionSweep } from "../src/cron/attention";
import { db as openDb } from "../src/db/client";
import { consignments, documents, jobs, timeline } from "../src/db/schema";
import { palletwaysWindows } from "../src/carriers/palletways/schema";
import { upnEvents } from "../src/carriers/upn/schema";
import { newJobRow, markError, markSuccess } from "../src/engine";
import { activity } from "../src/read/activity";
import { sha256Hex, sim } from "./support/sim";
import { admin, postWebhook, uniqueRef, waitFor, consoleSession } from "./support/webhook";

// What needs a person: UPN exception stages and held images reach GET /api/attention and the
// console's overview, alert once (ALERT_WEBHOOK_URL points at the sandbox's receiver), held
// images become failures after 24 h, marking seen takes an item off, and the overview's chart
// shows the last 24 hours with the numbers in its table.

const BASE = "https://connector.test";
const depot = env.UPN_DEPOT;

interface Item { id: string; kind: string; network: string; reference: string | null; title: string; action: string | null; link: string }
const list = async () => (await (await admin("/api/attention")).json<{ items: Item[] }>()).items;

async function knownOrder(b: string): Promise<string> {
  const id = crypto.randomUUID();
  await sim.qargo.seedOrder({ id, customer_reference_number: b, consignments: [{ consignment_reference_number: b, signatures: [] }] });
  await openDb(env).insert(consignments).values({ network: "upn", reference: b, orderId: id, customerReference: b, role: "DELIVERING" });
  return id;
}

async function applied(id: string) {
  await waitFor(async () => (await openDb(env).select().from(upnEvents).where(eq(upnEvents.eventId, id)))[0]?.status === "applied", 30_000, `event ${id} applied`);
}

const session = consoleSession;

describe("needs attention", () => {
  it("a Carded event puts the consignment in /api/attention and posts one alert, not two within the hour; marking seen takes it off", async () => {
    const db = openDb(env);
    const barcode = `UPN${depot}${uniqueRef()}`;
    await knownOrder(barcode);
    const tag = uniqueRef("ex-");
    await sim.upn.seedEvents([{ event_id: `${tag}-1`, barcode, capture_type: "C", stage_code: "CRD", stage: "Carded", occurred_at: "2026-11-23T10:40:00Z", note: "Site closed" }]);
    await upnTrackingTask.run(env, db);
    await applied(`${tag}-1`);

    const items = (await list()).filter((i) => i.reference === barcode);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: `exception:upn:${tag}-1`, kind: "exception", network: "upn", link: `/ops/consignments/upn/${barcode}` });
    expect(items[0]!.title).toContain("Carded (CRD)");
    expect(items[0]!.title).toContain("Site closed");
    expect(items[0]!.action).toMatch(/consignee/);

    const withLink = { ...env, PUBLIC_URL: "https://pb.example.com" } as Env;
    await attentionSweep(withLink, db);
    let alerts = await sim.alerts.about(barcode);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.text).toContain("Carded (CRD)");
    expect(alerts[0]!.text).toContain(`https://pb.example.com/ops/consignments/upn/${barcode}`);

    // The next pass, and a complaint on the same consignment within the hour: no second alert,
    // but the complaint is on the list too.
    await attentionSweep(withLink, db);
    await sim.upn.seedEvents([{ event_id: `${tag}-2`, barcode, capture_type: "C", stage_code: "CMP", stage: "Complaint raised", occurred_at: "2026-11-23T11:00:00Z" }]);
    await upnTrackingTask.run(env, db);
    await applied(`${tag}-2`);
    await attentionSweep(withLink, db);
    alerts = await sim.alerts.about(barcode);
    expect(alerts).toHaveLength(1);
    expect((await list()).filter((i) => i.reference === barcode).map((i) => i.id).sort()).toEqual([`exception:upn:${tag}-1`, `exception:upn:${tag}-2`]);

    // Seen through the API…
    const seen = await admin(`/api/attention/${encodeURIComponent(`exception:upn:${tag}-1`)}/seen`, { method: "POST" });
    expect(seen.status).toBe(200);
    expect((await list()).filter((i) => i.reference === barcode).map((i) => i.id)).toEqual([`exception:upn:${tag}-2`]);
    expect((await admin(`/api/attention/${encodeURIComponent(`exception:upn:${tag}-1`)}/seen`, { method: "POST" })).status).toBe(200);
    expect((await admin(`/api/attention/${encodeURIComponent("exception:upn:no-such-event")}/seen`, { method: "POST" })).status).toBe(404);

    // …and from the console's button, which is on the overview with the item.
    const cookie = await session();
    const page = await (await SELF.fetch(`${BASE}/ops`, { headers: { cookie } })).text();
    expect(page.indexOf("Needs attention")).toBeGreaterThan(-1);
    expect(page.indexOf("Needs attention")).toBeLessThan(page.indexOf("<h2>Networks</h2>"));
    expect(page).toContain(`data-id="exception:upn:${tag}-2"`);
    expect(page).not.toContain(`data-id="exception:upn:${tag}-1"`);
    const form = new URLSearchParams({ id: `exception:upn:${tag}-2`, back: "/ops" }).toString();
    const refused = await SELF.fetch(`${BASE}/ops/attention/seen`, { method: "POST", redirect: "manual", headers: { cookie, "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example", "sec-fetch-site": "cross-site" }, body: form });
    expect(refused.status).toBe(403);
    expect((await list()).some((i) => i.id === `exception:upn:${tag}-2`)).toBe(true);
    const res = await SELF.fetch(`${BASE}/ops/attention/seen`, { method: "POST", redirect: "manual", headers: { cookie, "content-type": "application/x-www-form-urlencoded", origin: BASE, "sec-fetch-site": "same-origin" }, body: form });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/ops");
    expect((await list()).filter((i) => i.reference === barcode)).toEqual([]);
  });

  it("an image held 24 h for a missing ePOD becomes a failure with what to do, and alerts", async () => {
    const db = openDb(env);
    const barcode = `UPN${depot}${uniqueRef()}`;
    await sim.upn.seedConsignments([{ barcode }]);
    const order = palletOrder({ reference: barcode, network: "UPN", role: "DELIVERING" });
    await sim.qargo.seedOrder({ id: order.id, customer_reference_number: barcode, consignments: [{ signatures: [] }] });
    const photo = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 9, 8, 7, 0xff, 0xd9]);
    const sha = await sha256Hex(photo);
    expect((await postWebhook(documentCreated({ order, documentType: "PHOTO_OF_GOODS_DELIVERY", name: "photo1.jpg", content: photo, mimeType: "image/jpeg" }))).status).toBe(200);
    const doc = () => db.select().from(documents).where(and(eq(documents.network, "upn"), eq(documents.reference, barcode), eq(documents.sha256, sha))).then((r) => r[0]);
    await waitFor(async () => (await doc())?.status === "held", 20_000, "the photo to be held");

    // Under 24 hours: held, not a failure, not on the list.
    expect(await upnHeldImagesTask.run(env, db)).toMatchObject({ failed: 0 });
    expect((await list()).filter((i) => i.reference === barcode)).toEqual([]);

    // 25 hours ago: on the list as held too long, then a failure once the cron has run.
    await db.update(documents).set({ updatedAt: Date.now() - 25 * 3_600_000 }).where(eq(documents.id, (await doc())!.id));
    const held = (await list()).filter((i) => i.reference === barcode);
    expect(held.map((i) => i.kind)).toEqual(["held"]);
    expect(held[0]!.title).toContain("no consignee signature for 24 h: check the ePOD in the TMS");

    expect(await upnHeldImagesTask.run(env, db)).toMatchObject({ failed: 1 });
    expect((await doc())!.status).toBe("failed");
    const [job] = await db.select().from(jobs).where(eq(jobs.dedupeKey, `upn.image:upn:${barcode}:${sha}`));
    expect(job).toMatchObject({ status: "failed" });
    expect(job!.lastError).toContain("no consignee signature for 24 h: check the ePOD in the TMS");
    const failures = (await (await admin("/api/failures")).json<{ failures: { id: string; reference: string; last_error: string }[] }>()).failures;
    expect(failures.filter((f) => f.reference === barcode).map((f) => f.id)).toEqual([job!.id]);
    const now = (await list()).filter((i) => i.reference === barcode);
    expect(now.map((i) => i.kind)).toEqual(["failure"]);
    expect(now[0]!.link).toBe(`/ops/failures#job-${job!.id}`);
    const tl = await (await admin(`/api/consignments/upn/${barcode}`)).json<{ timeline: { outcome: string; message: string }[] }>();
    expect(tl.timeline.some((e) => e.outcome === "error" && e.message.includes("waited more than 24 h"))).toBe(true);
    const alerts = await sim.alerts.about(barcode);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.text).toContain("no consignee signature for 24 h");

    // Nothing fails twice; a replay holds it again for another 24 hours.
    expect(await upnHeldImagesTask.run(env, db)).toMatchObject({ failed: 0 });
    expect((await admin(`/api/failures/${job!.id}/replay`, { method: "POST" })).status).toBe(202);
    await waitFor(async () => (await doc())?.status === "held", 20_000, "the replayed photo to be held again");
    expect((await list()).filter((i) => i.reference === barcode)).toEqual([]);
  });

  it("a new failure alerts once, from the queue consumer", async () => {
    const ref = uniqueRef("HZ");
    const db = openDb(env);
    const row = newJobRow({ kind: "hazchem.no-such-job", network: "hazchem", reference: ref, payload: {} });
    await db.insert(jobs).values(row);
    const { runJob } = await import("../src/queues/consumer");
    await runJob(env, db, row.id);
    const alerts = await sim.alerts.about(ref);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.text).toContain(`Hazchem ${ref}: work stopped (hazchem.no-such-job)`);
    expect((await list()).filter((i) => i.reference === ref).map((i) => i.kind)).toEqual(["failure"]);
  });

  it("a Palletways window still open well past its close time is on the list; one closing now is not", async () => {
    const db = openDb(env);
    const stuck = uniqueRef("6001");
    const fresh = uniqueRef("6001");
    const now = Date.now();
    await db.insert(palletwaysWindows).values([
      { trackingId: stuck, completedAt: now - 40 * 60_000, closesAt: now - 25 * 60_000, fetches: 3, status: "open" },
      { trackingId: fresh, completedAt: now - 16 * 60_000, closesAt: now - 60_000, fetches: 4, status: "open" },
    ]);
    const items = (await list()).filter((i) => i.reference === stuck || i.reference === fresh);
    expect(items.map((i) => i.id)).toEqual([`window:palletways:${stuck}:${now - 25 * 60_000}`]);
    expect(items[0]!.title).toContain("still open");
    expect(items[0]!.action).toMatch(/Fetch from Palletways now/);
  });

  it("a network unhealthy for 15 minutes alerts once, and is on the list until it works again", async () => {
    const db = openDb(env);
    const outage = `test outage ${uniqueRef()}`;
    await markError(db, "palletways", outage, "HTTP_503", null);
    const t0 = Date.now();
    await attentionSweep(env, db, t0);
    expect(await sim.alerts.about(outage)).toEqual([]);
    const items = (await list()).filter((i) => i.kind === "network" && i.network === "palletways");
    expect(items).toHaveLength(1);
    expect(items[0]!.title).toContain(outage);
    await attentionSweep(env, db, t0 + 10 * 60_000);
    expect(await sim.alerts.about(outage)).toEqual([]);
    await attentionSweep(env, db, t0 + 16 * 60_000);
    const alerts = await sim.alerts.about(outage);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.text).toMatch(/^Palletways has not been working for 1[56] minutes: test outage/);
    await attentionSweep(env, db, t0 + 90 * 60_000);
    expect(await sim.alerts.about(outage)).toHaveLength(1);
    // Marked seen, the same error stays off the list (its id is the error's code, not its time).
    expect(items[0]!.id).toBe("network:palletways:HTTP_503");
    expect((await admin(`/api/attention/${encodeURIComponent(items[0]!.id)}/seen`, { method: "POST" })).status).toBe(200);
    await markError(db, "palletways", `${outage} again`, "HTTP_503", null);
    expect((await list()).filter((i) => i.kind === "network" && i.network === "palletways")).toEqual([]);
    // Working again: off the list; a later outage is a new episode.
    await markSuccess(db, "palletways");
    await attentionSweep(env, db, t0 + 100 * 60_000);
    expect((await list()).filter((i) => i.kind === "network" && i.network === "palletways")).toEqual([]);
  });

  it("draws the last 24 hours per network as SVG, with the numbers in a table", async () => {
    const db = openDb(env);
    const before = await activity(env);
    const ref = uniqueRef("HZ");
    const now = Date.now();
    await db.insert(documents).values([
      { id: crypto.randomUUID(), network: "hazchem", reference: ref, direction: "to_tms", sha256: await sha256Hex(new TextEncoder().encode(`${ref}-a`)), documentType: "PHOTO_OF_GOODS_DELIVERY", filename: "a.jpg", status: "attached", updatedAt: now },
      { id: crypto.randomUUID(), network: "hazchem", reference: ref, direction: "from_tms", sha256: await sha256Hex(new TextEncoder().encode(`${ref}-b`)), documentType: "PHOTO_OF_GOODS_DELIVERY", filename: "b.jpg", status: "sent", updatedAt: now },
      { id: crypto.randomUUID(), network: "hazchem", reference: ref, direction: "from_tms", sha256: await sha256Hex(new TextEncoder().encode(`${ref}-c`)), documentType: "PHOTO_OF_GOODS_DELIVERY", filename: "c.jpg", status: "sent", updatedAt: now - 3 * 3_600_000 },
      // Received but not sent anywhere: not counted.
      { id: crypto.randomUUID(), network: "hazchem", reference: ref, direction: "from_tms", sha256: await sha256Hex(new TextEncoder().encode(`${ref}-d`)), documentType: "PHOTO_OF_GOODS_DELIVERY", filename: "d.jpg", status: "received", updatedAt: now },
    ]);
    await db.insert(timeline).values([
      { network: "hazchem", reference: ref, at: now, kind: "event", step: "test", outcome: "ok", message: "applied" },
      { network: "hazchem", reference: ref, at: now, kind: "event", step: "test", outcome: "waiting", message: "waits: not counted" },
    ]);
    const after = await activity(env);
    const hz = (a: typeof after) => a.networks.find((n) => n.network === "hazchem")!;
    const last = (a: typeof after) => hz(a).hours[23]!;
    expect(after.networks.map((n) => n.network)).toEqual(["palletways", "upn", "hazchem"]);
    expect(hz(after).hours).toHaveLength(24);
    expect(last(after).docsIn - last(before).docsIn).toBe(1);
    expect(last(after).docsOut - last(before).docsOut).toBe(1);
    expect(last(after).events - last(before).events).toBe(1);
    expect(hz(after).hours[20]!.docsOut - hz(before).hours[20]!.docsOut).toBe(1);
    expect(hz(after).totals.docsOut - hz(before).totals.docsOut).toBe(2);

    const res = await SELF.fetch(`${BASE}/ops`, { headers: { cookie: await session() } });
    expect(res.status).toBe(200);
    const page = await res.text();
    // The alert hook's URL is a secret: never on a page.
    expect(page).not.toContain(new URL(env.ALERT_WEBHOOK_URL).pathname);
    const figure = /<figure class="chart" aria-labelledby="activity-hazchem-h">([\s\S]*?)<\/figure>/.exec(page)?.[1];
    expect(figure).toBeDefined();
    expect(figure).toMatch(/<svg viewBox="0 0 720 190"[^>]*role="img"[^>]*aria-describedby="activity-hazchem-desc"/);
    expect(figure).toContain('<polyline class="series docsIn"');
    const shown = hz(await activity(env));
    const h = shown.hours[23]!;
    const desc = /<desc id="activity-hazchem-desc">([^<]*)<\/desc>/.exec(figure!)?.[1] ?? "";
    expect(desc).toContain(`${shown.totals.docsIn} document${shown.totals.docsIn === 1 ? "" : "s"} into the TMS`);
    // The table's row for the current hour holds that hour's numbers.
    const row = new RegExp(`<time datetime="${new Date(h.start).toISOString()}">[^<]*</time></th><td>(\\d+)</td><td>(\\d+)</td><td>(\\d+)</td><td>(\\d+)</td>`).exec(figure!);
    expect(row?.slice(1).map(Number)).toEqual([h.docsIn, h.docsOut, h.events, h.failures]);
    expect(h.docsIn).toBeGreaterThanOrEqual(1);
  });
});
