import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sim } from "../support/sim";
import { admin, consoleSession } from "../support/webhook";
import { book, pfDispatch } from "./support";

// Palletforce shows like the other networks: in /healthz, on the console (its health, and a
// consignment page with its pallets), and in the operator API's consignment view.

describe("Palletforce on the connector's surface", () => {
  it("is in /healthz, on the console and in the API", async () => {
    await sim.palletforce.reset();
    const health = (await (await SELF.fetch("https://connector.test/healthz")).json()) as { networks: Record<string, { enabled: boolean }> };
    expect(health.networks.palletforce?.enabled).toBe(true);

    const tn = await book(pfDispatch({ goods: [{ quantity: 2, total_weight_kg: 700, packaging: "PALLET", units: 2 }] }));
    await sim.palletforce.seedEvents([{ trackingNumber: tn, eventCode: "SCOT", eventDateTime: "2026-12-04T18:00:00Z", pallet: 0 }]);
    expect((await admin(`/api/consignments/palletforce/${tn}/refresh`, { method: "POST" })).status).toBe(202);
    const view = (await (await admin(`/api/consignments/palletforce/${tn}`)).json()) as { role: string; timeline: { message: string }[]; handling_units: { barcode: string; scans: unknown[] }[] };
    expect(view.role).toBe("COLLECTING");
    expect(view.timeline.some((e) => e.message.includes(`Booked with Palletforce as ${tn}`))).toBe(true);
    expect(view.handling_units).toEqual([{ barcode: `PF${tn}001`, scans: [expect.objectContaining({ what: "Scanned out of collection depot (SCOT)" })] }]);

    const cookie = await consoleSession();
    const overview = await SELF.fetch("https://connector.test/ops", { headers: { cookie } });
    expect(await overview.text()).toContain("Palletforce");
    const page = await SELF.fetch(`https://connector.test/ops/consignments/palletforce/${tn}`, { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(tn);
    expect(html).toContain(`PF${tn}001`);
  });
});
