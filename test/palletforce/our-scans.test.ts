import { env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { documentCreated } from "../../sandbox/qargo-webhooks.mjs";
import { palletforceMoves, palletforceOurScans, palletforceTracked } from "../../src/carriers/palletforce/schema";
import { db as openDb } from "../../src/db/client";
import { jobs, timeline } from "../../src/db/schema";
import { sim } from "../support/sim";
import { admin, postWebhook, uniqueRef, waitFor } from "../support/webhook";
import { iso, pfOrder, stopUpdate } from "./support";

// Our scans (palletforce.md): DONR, ARDL and POD from the TMS webhooks of the orders we deliver,
// each once per consignment and code whatever the TMS re-sends; no echo of a stop the connector
// itself moved from Palletforce's own event; a reference that is not Palletforce's is never sent.

const tn = () => `045${uniqueRef().slice(-10).padStart(10, "0")}`;
const scansFor = async (t: string) => (await sim.palletforce.state()).scans.filter((s) => s.trackingNumber === t);

describe("our scans to Palletforce", () => {
  beforeEach(async () => {
    await sim.palletforce.reset();
  });

  it("sends DONR, ARDL and POD once each, however often the TMS re-sends", async () => {
    const t = tn();
    const order = pfOrder(t);
    const picked = iso(Date.UTC(2026, 11, 5, 7, 0));
    const arrived = iso(Date.UTC(2026, 11, 5, 9, 0));
    for (const r of [
      await postWebhook(stopUpdate(order, "PICKUP", "COMPLETED", picked)),
      // The same stop change again, in a different delivery (another event time): still one DONR.
      await postWebhook(stopUpdate(order, "PICKUP", "COMPLETED", picked, iso(Date.UTC(2026, 11, 5, 7, 5)))),
      await postWebhook(stopUpdate(order, "DELIVERY", "AT_STOP", arrived)),
      await postWebhook(documentCreated({ order, documentType: "PROOF_OF_DELIVERY_SIGNED", name: "pod.pdf", content: btoa("%PDF-1.4 pod"), mimeType: "application/pdf", at: iso(Date.UTC(2026, 11, 5, 9, 20)) })),
      await postWebhook(documentCreated({ order, documentType: "PROOF_OF_DELIVERY", name: "pod2.pdf", content: btoa("%PDF-1.4 pod 2"), mimeType: "application/pdf", at: iso(Date.UTC(2026, 11, 5, 9, 25)) })),
    ]) expect(r.status).toBe(200);
    const scans = await waitFor(async () => {
      const s = await scansFor(t);
      return s.length === 3 ? s : undefined;
    }, 30_000, "three scans");
    expect(scans.map((s) => [s.eventCode, s.eventDateTime, s.depot])).toEqual(
      expect.arrayContaining([
        ["DONR", picked, env.PALLETFORCE_DEPOT],
        ["ARDL", arrived, env.PALLETFORCE_DEPOT],
        ["POD", iso(Date.UTC(2026, 11, 5, 9, 20)), env.PALLETFORCE_DEPOT],
      ]),
    );
    const db = openDb(env);
    await waitFor(async () => (await db.select().from(jobs).where(eq(jobs.reference, t))).every((j) => j.status === "done" || j.status === "skipped"), 20_000, "the jobs");
    const calls = (await sim.palletforce.state()).calls.filter((c) => c.path.endsWith("/UploadScans"));
    const rows = await db.select().from(palletforceOurScans).where(eq(palletforceOurScans.trackingNumber, t));
    expect(rows.map((r) => [r.code, r.status]).sort()).toEqual([["ARDL", "sent"], ["DONR", "sent"], ["POD", "sent"]]);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect((await scansFor(t)).length).toBe(3);
  });

  it("sends a scan whose answer was lost again, and Palletforce keeps one record", async () => {
    const t = tn();
    const order = pfOrder(t);
    await sim.palletforce.fail({ path: "UploadScans$", status: 0, after: true });
    expect((await postWebhook(stopUpdate(order, "DELIVERY", "AT_STOP", iso(Date.UTC(2026, 11, 5, 9, 0))))).status).toBe(200);
    const db = openDb(env);
    await waitFor(async () => (await db.select().from(palletforceOurScans).where(eq(palletforceOurScans.trackingNumber, t)))[0]?.status === "sent", 60_000, "the ARDL");
    expect((await sim.palletforce.state()).calls.filter((c) => c.path.endsWith("/UploadScans")).length).toBeGreaterThanOrEqual(2);
    expect(await scansFor(t)).toHaveLength(1);
  });

  it("sends nothing for an order we collect, for our own echo, or for a bad reference", async () => {
    const db = openDb(env);
    // We collect: no scans of ours.
    const collected = tn();
    await postWebhook(stopUpdate(pfOrder(collected, "COLLECTING"), "PICKUP", "COMPLETED", iso(Date.now())));
    // The connector completed this pickup itself from Palletforce's POC: the TMS echoes it.
    const echoed = tn();
    const order = pfOrder(echoed);
    await db.insert(palletforceTracked).values({ trackingNumber: echoed, role: "DELIVERING", orderId: order.id, pallets: 1, status: "open", openedAt: Date.now() });
    await db.insert(palletforceMoves).values({ trackingNumber: echoed, stop: "PICKUP", status: "COMPLETED", at: iso(Date.now()), state: "sent", eventKey: "POC|x|" });
    await postWebhook(stopUpdate(order, "PICKUP", "COMPLETED", iso(Date.now())));
    await waitFor(async () => (await db.select().from(jobs).where(eq(jobs.reference, echoed)))[0]?.status === "skipped", 20_000, "the echo to be skipped");
    // A reference that is not 13 digits never reaches Palletforce: the webhook is refused naming the field.
    const bad = "../045123";
    const refused = await postWebhook(stopUpdate(pfOrder(bad), "DELIVERY", "AT_STOP", iso(Date.now())));
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain("not a Palletforce reference: 13 digits");
    const alsoBad = await postWebhook(stopUpdate(pfOrder("045123"), "DELIVERY", "AT_STOP", iso(Date.now())));
    expect(alsoBad.status).toBe(400);
    expect((await admin(`/api/consignments/palletforce/045123/refresh`, { method: "POST" })).status).not.toBe(202);
    expect(await db.select().from(jobs).where(eq(jobs.reference, bad))).toHaveLength(0);
    const scans = (await sim.palletforce.state()).scans;
    expect(scans.filter((s) => [collected, echoed].includes(s.trackingNumber))).toHaveLength(0);
    expect((await sim.palletforce.state()).calls.filter((c) => c.path.endsWith("/UploadScans"))).toHaveLength(0);
  });
});
