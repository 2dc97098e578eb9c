import { env } from "cloudflare:test";
import { eq, inArray } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { upnImportTask } from "../../src/carriers/upn/cron";
import { CONSIGNMENT_CURSOR } from "../../src/carriers/upn/import";
import { db as openDb } from "../../src/db/client";
import { consignments, cursors } from "../../src/db/schema";
import { upnImports } from "../../src/carriers/upn/schema";
import { sim } from "../support/sim";
import { uniqueRef, waitFor } from "../support/webhook";

// The consignment import against the UPN and Qargo simulators: paging, the depot filter, the
// cursor rule, exactly one order per consignment however often the cron runs.

const depot = env.UPN_DEPOT;
const barcode = () => `UPN${depot}${uniqueRef()}`;

async function importsDone(db: ReturnType<typeof openDb>, barcodes: string[]) {
  return waitFor(async () => {
    const rows = await db.select().from(upnImports).where(inArray(upnImports.barcode, barcodes));
    return rows.length === barcodes.length && rows.every((r) => r.status === "completed") ? rows : undefined;
  }, 30_000, `imports of ${barcodes.join(", ")} to complete`);
}

describe("UPN consignment import", () => {
  beforeEach(async () => {
    await sim.upn.reset();
    await env.DB.prepare("DELETE FROM cursors WHERE name = ?").bind(CONSIGNMENT_CURSOR).run();
  });

  it("pages through, skips other depots, and makes exactly one order per consignment however often it runs", async () => {
    const db = openDb(env);
    const ours = [barcode(), barcode(), barcode(), barcode()];
    const other = `UPN012${uniqueRef()}`;
    await sim.upn.config({ pageSize: 2 });
    await sim.upn.seedConsignments([
      { barcode: ours[0], instructions: "Tail-lift required", service: "NEXT_DAY" },
      { barcode: ours[1], pallets: [1, 2, 3].map((n) => ({ barcode: `UPNP${ours[1]!.slice(3)}00${n}`, type: "HALF", weight_kg: 150 })), total_weight_kg: 450 },
      { barcode: other, delivery_depot: "012", requesting_depot: depot },
      { barcode: ours[2], service: "ECONOMY" },
      { barcode: ours[3], service: "SATURDAY", consignee: { name: "Humber Homes", address1: "22 Ferensway", address2: "Rear", town: "Hull", postcode: "HU2 8LN", country: "GB", contact: null, phone: null } },
    ]);

    const first = await upnImportTask.run(env, db);
    expect(first).toMatchObject({ pages: 3, recorded: 4, other_depot: 1, queued: 4 });
    // The cursor that fetched the last page, so a page still filling is read again.
    const [cur] = await db.select().from(cursors).where(eq(cursors.name, CONSIGNMENT_CURSOR));
    expect(cur?.value).toBe("c4");
    const rows = await importsDone(db, ours);

    const second = await upnImportTask.run(env, db);
    expect(second).toMatchObject({ pages: 1, recorded: 0, queued: 0 });

    const q = await sim.qargo.state();
    const created = q.orders_created.filter((o) => [...ours, other].some((b) => o.order_identifier === `UPN-${b}`));
    expect(created.map((o) => o.order_identifier).sort()).toEqual(ours.map((b) => `UPN-${b}`).sort());
    // Not even a second upload that Qargo would have deduplicated.
    expect(q.calls.filter((c) => c.method === "POST" && c.path === "/v1/orders/order/upload").length).toBeGreaterThanOrEqual(4);
    const uploads = (q as unknown as { uploads: { order_identifier: string }[] }).uploads.filter((u) => ours.some((b) => u.order_identifier === `UPN-${b}`));
    expect(uploads).toHaveLength(4);

    const o0 = created.find((o) => o.order_identifier === `UPN-${ours[0]}`)!.input;
    expect(o0).toMatchObject({
      operation: "CREATE",
      order_identifier: `UPN-${ours[0]}`,
      customer_reference_number: ours[0],
      customer: { code: "UPN" },
      service_level: { code: "ND" },
      planning_instructions: "UPN service: NEXT_DAY\nTail-lift required",
      custom_fields: { pallet_network: "UPN", network_reference: ours[0], network_role: "DELIVERING" },
    });
    expect(o0.consignments).toHaveLength(1);
    expect(o0.consignments[0]).toMatchObject({
      consignment_reference_number: ours[0],
      pickup_stop: { location: { name: "Acme Ltd", address: "1 Mill Lane", city: "Leeds", postal_code: "LS1 1AA", country: "GB" } },
      delivery_stop: { location: { name: "Bob's Builders", address: "9 Quay St", city: "Hull", postal_code: "HU1 1AA", country: "GB" }, phone_number: "01482 000000" },
      goods: [{ quantity: 1, total_weight_kg: 480, handling_units: [{ barcode: { value: `UPNP${ours[0]!.slice(3)}001`, source: "UPN" } }] }],
    });
    // UPN_SERVICE_LEVELS (NEXT_DAY=ND,ECONOMY=ECO in the sandbox): a mapped service travels as
    // the tenant's code, an unmapped one as none; every order's instructions start with it.
    const input = (b: string) => created.find((o) => o.order_identifier === `UPN-${b}`)!.input;
    expect(ours.map((b) => input(b).service_level ?? null)).toEqual([{ code: "ND" }, { code: "ND" }, { code: "ECO" }, null]);
    expect(ours.map((b) => input(b).planning_instructions)).toEqual(["UPN service: NEXT_DAY\nTail-lift required", "UPN service: NEXT_DAY", "UPN service: ECONOMY", "UPN service: SATURDAY"]);
    expect(q.orders.find((o) => o.order_identifier === `UPN-${ours[2]}`).service_level).toEqual({ code: "ECO" });
    const o1 = created.find((o) => o.order_identifier === `UPN-${ours[1]}`)!.input;
    expect(o1.consignments[0].goods).toEqual([
      { quantity: 3, total_weight_kg: 450, handling_units: [1, 2, 3].map((n) => ({ barcode: { value: `UPNP${ours[1]!.slice(3)}00${n}`, source: "UPN" } })) },
    ]);

    // The order id is kept where events and documents look for it.
    const links = await db.select().from(consignments).where(inArray(consignments.reference, ours));
    for (const b of ours) {
      const orderId = created.find((o) => o.order_identifier === `UPN-${b}`)!.order_id;
      expect(rows.find((r) => r.barcode === b)?.orderId).toBe(orderId);
      expect(links.find((l) => l.reference === b)).toMatchObject({ network: "upn", orderId, customerReference: b, role: "DELIVERING" });
    }
    expect(await db.select().from(upnImports).where(eq(upnImports.barcode, other))).toEqual([]);
  });

  it("picks up consignments added to the last page after a cycle, and retries a TMS failure", async () => {
    const db = openDb(env);
    const a = barcode();
    const b = barcode();
    await sim.upn.config({ pageSize: 5 });
    await sim.upn.seedConsignments([{ barcode: a }]);
    await upnImportTask.run(env, db);
    await importsDone(db, [a]);

    // The page that was still filling gains one; the TMS fails its upload once.
    await sim.upn.seedConsignments([{ barcode: b }]);
    await sim.qargo.fail({ method: "POST", path: "^/v1/orders/order/upload$", status: 503, times: 1 });
    const again = await upnImportTask.run(env, db);
    expect(again).toMatchObject({ pages: 1, recorded: 1 });
    await importsDone(db, [b]);
    const q = await sim.qargo.state();
    expect(q.orders_created.filter((o) => o.order_identifier === `UPN-${a}` || o.order_identifier === `UPN-${b}`)).toHaveLength(2);
    const j = await env.DB.prepare("SELECT status, attempts FROM jobs WHERE kind = 'upn.import' AND reference = ?").bind(b).first<{ status: string; attempts: number }>();
    expect(j).toEqual({ status: "done", attempts: 2 });
  });
});
