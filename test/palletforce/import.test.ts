import { env } from "cloudflare:test";
import { eq, inArray } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { CONSIGNMENT_CURSOR, importPass } from "../../src/carriers/palletforce/import";
import { palletforceImports } from "../../src/carriers/palletforce/schema";
import { db as openDb } from "../../src/db/client";
import { consignments, cursors } from "../../src/db/schema";
import { sim } from "../support/sim";
import { admin, waitFor } from "../support/webhook";
import { book, pfDispatch } from "./support";

// Consignments for our depot (palletforce.md): DownloadConsignments paged from the stored
// cursor, repeatable; each consignment our depot delivers, and that we did not book, becomes a
// TMS order once.

describe("Palletforce import", () => {
  beforeEach(async () => {
    await sim.palletforce.reset();
    await openDb(env).delete(cursors).where(eq(cursors.name, CONSIGNMENT_CURSOR));
  });

  it("imports each of our depot's consignments once, over pages and repeated passes", async () => {
    const db = openDb(env);
    // One we booked ourselves comes back in the listing: it is not imported.
    const own = await book(pfDispatch());
    const { consignments: seeded } = await sim.palletforce.seedConsignments([
      { deliveryDepot: env.PALLETFORCE_DEPOT, palletCount: 2, notes: ["Tail-lift required"] },
      { deliveryDepot: "112" },
      { deliveryDepot: env.PALLETFORCE_DEPOT, serviceName: "ECONOMY" },
      { trackingNumber: own, deliveryDepot: env.PALLETFORCE_DEPOT },
      { deliveryDepot: env.PALLETFORCE_DEPOT, trackingNumber: "12345" },
    ]);
    const ours: [string, string] = [seeded[0].trackingNumber, seeded[2].trackingNumber];
    const first = await importPass(env, db);
    expect(first).toMatchObject({ pages: 3, recorded: 2, invalid: 1 });
    await waitFor(async () => {
      const rows = await db.select().from(palletforceImports).where(inArray(palletforceImports.trackingNumber, ours));
      return rows.length === 2 && rows.every((r) => r.status === "completed");
    }, 30_000, "both imports");
    // Again, and again with more on the last page: only the new one is recorded.
    const again = await importPass(env, db);
    expect(again).toMatchObject({ recorded: 0 });
    const { consignments: more } = await sim.palletforce.seedConsignments([{ deliveryDepot: env.PALLETFORCE_DEPOT }]);
    expect(await importPass(env, db)).toMatchObject({ recorded: 1 });
    await waitFor(async () => (await db.select().from(palletforceImports).where(eq(palletforceImports.trackingNumber, more[0].trackingNumber)))[0]?.status === "completed", 30_000, "the third import");

    const created = (await sim.qargo.state()).orders_created.filter((o) => o.order_identifier.startsWith("PF-"));
    const ids = created.map((o) => o.order_identifier);
    expect(ids.filter((i) => i === `PF-${ours[0]}`)).toHaveLength(1);
    expect(ids.filter((i) => i === `PF-${ours[1]}`)).toHaveLength(1);
    expect(ids).not.toContain(`PF-${own}`);
    expect(ids).not.toContain(`PF-${seeded[1].trackingNumber}`);
    const input = created.find((o) => o.order_identifier === `PF-${ours[0]}`)!.input;
    expect(input).toMatchObject({
      customer_reference_number: ours[0],
      customer: { code: "PALLETFORCE" },
      service_level: { code: "ND" },
      planning_instructions: "Palletforce service: NEXT DAY\nTail-lift required",
      custom_fields: { pallet_network: "PALLETFORCE", network_reference: ours[0], network_role: "DELIVERING" },
    });
    expect(input.consignments[0].palletforce).toEqual({ palletforce_id: ours[0] });
    expect(input.consignments[0].goods[0].handling_units).toHaveLength(2);
    const [c] = await db.select().from(consignments).where(eq(consignments.reference, ours[0]));
    expect(c).toMatchObject({ network: "palletforce", role: "DELIVERING" });
    // Listed with UPN's and Palletways' imports on the operator API.
    const { imports } = (await (await admin(`/api/imports`)).json()) as { imports: { network: string; reference: string; done: boolean }[] };
    expect(imports.filter((i) => i.network === "palletforce" && ours.includes(i.reference) && i.done)).toHaveLength(2);
    const [bad] = await db.select().from(palletforceImports).where(eq(palletforceImports.trackingNumber, "12345"));
    expect(bad).toBeUndefined();
  });
});
