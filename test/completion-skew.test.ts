import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { documentCreated, palletOrder, stopCompleted } from "../sandbox/qargo-webhooks.mjs";
import { db as openDb } from "../src/db/client";
import { upnEpods } from "../src/carriers/upn/schema";
import { sha256Hex, sim } from "./support/sim";
import { admin, postWebhook, uniqueRef, waitFor } from "./support/webhook";
import { windowState } from "./support/palletways-window";
import { upnDeliveryCompleted } from "../src/carriers/upn/routing";

// Issue 18 item 5: our own earlier ePOD is not a failure when the order changed in between, and
// a completion time in the future (a clock ahead) is taken as now, with a line that says so.

const depot = env.UPN_DEPOT;
const png = (n: number) => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, n, n, n, 3]);

describe("ePOD sent before, completion times from the future", () => {
  it("an ePOD that UPN stored while its answer was lost is recognised on the retry although the order's signer changed", async () => {
    const barcode = `UPN${depot}${uniqueRef()}`;
    await sim.upn.seedConsignments([{ barcode }]);
    const order = palletOrder({ reference: barcode, network: "UPN", role: "DELIVERING" });
    const signed = (name: string) => ({ id: order.id, customer_reference_number: barcode, consignments: [{ signatures: [{ type: "CONSIGNEE", name, timestamp: "2026-11-23T14:01:00+00:00" }] }] });
    await sim.qargo.seedOrder(signed("J SMITH"));
    const sig = png(33);
    // UPN stores the ePOD, then the answer is lost: the job retries in 10 s.
    await sim.upn.fail({ method: "POST", path: `/v1/consignments/${barcode}/epod$`, status: 503, after: true, times: 1 });
    await postWebhook(documentCreated({ order, documentType: "CONSIGNEE_SIGNATURE", name: "signature.png", content: sig, mimeType: "image/png" }));
    await waitFor(async () => (await sim.upn.state()).epods.some((e) => e.barcode === barcode), 20_000, "UPN to store the ePOD");
    // Meanwhile someone corrects the signer's name on the order.
    await sim.qargo.seedOrder(signed("John Smith"));
    const job = await waitFor(
      () => env.DB.prepare("SELECT status, last_error FROM jobs WHERE reference = ? AND kind = 'upn.epod' AND status IN ('done','skipped','failed')").bind(barcode).first<{ status: string; last_error: string | null }>(),
      40_000,
      "the ePOD job to end",
    );
    expect(job).toEqual({ status: "done", last_error: null });
    const s = await sim.upn.state();
    expect(s.epods.filter((e) => e.barcode === barcode)).toEqual([expect.objectContaining({ signed_by: "J SMITH", signature_sha256: await sha256Hex(sig) })]);
    expect(s.calls.filter((c) => c.path === `/v1/consignments/${barcode}/epod` && c.status === 409)).toEqual([]);
    const [row] = await openDb(env).select().from(upnEpods).where(eq(upnEpods.barcode, barcode));
    expect(row).toMatchObject({ status: "sent", signedBy: "J SMITH" });
  });

  it("a Palletways delivery completed 'in two hours' opens its photo window from now, so the first fetch is not delayed", async () => {
    const ref = "600" + uniqueRef().slice(-8);
    const order = palletOrder({ reference: ref, network: "PALLETWAYS", role: "DELIVERING" });
    const future = new Date(Date.now() + 2 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const before = Date.now();
    expect((await postWebhook(stopCompleted({ order, at: future }))).status).toBe(200);
    const st = await waitFor(() => windowState(ref), 20_000, "the window");
    expect(st!.completedAt).toBeLessThanOrEqual(Date.now());
    expect(st!.completedAt).toBeGreaterThanOrEqual(before);
    // The first catch-up (offset 0) is due at once, not two hours from now.
    expect(Math.min(...st!.attempts.map((a) => a.due))).toBeLessThanOrEqual(Date.now());
    const tl = await (await admin(`/api/consignments/palletways/${ref}`)).json<{ timeline: { message: string }[] }>();
    expect(tl.timeline.some((e) => e.message.includes(future) && e.message.includes("in the future"))).toBe(true);
  });

  it("a UPN delivery completed in the future starts the signature's grace period from now", () => {
    const now = Date.parse("2026-11-23T14:00:00Z");
    const r = upnDeliveryCompleted({ reference: "UPN045X", stopId: "s1", completedAt: now + 3 * 3_600_000, orderId: "o1", role: "DELIVERING" }, now);
    expect(r.jobs[0]!.payload).toMatchObject({ completedAt: now });
    expect(r.timeline[0]!.message).toContain("2026-11-23T17:00:00.000Z, which is in the future: taken as now");
  });
});
