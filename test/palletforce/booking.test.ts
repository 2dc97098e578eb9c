import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { redispatch } from "../../sandbox/qargo-dispatches.mjs";
import { palletforceBookings, palletforceTracked } from "../../src/carriers/palletforce/schema";
import { db as openDb } from "../../src/db/client";
import { consignments } from "../../src/db/schema";
import { postDispatch } from "../support/dispatch";
import { sim } from "../support/sim";
import { admin, waitFor } from "../support/webhook";
import { book, pfDispatch, seedTmsOrder } from "./support";

// Booking from the dispatch door through UploadManifest (palletforce.md): keyed by the TMS
// order id, which is Palletforce's uniqueTransactionNumber, so an unclear outcome is simply sent
// again and books once; refusals in the planner's words; the tracking number back in the TMS.

const manifestCalls = async () => (await sim.palletforce.state()).calls.filter((c) => c.path.endsWith("/UploadManifest"));

describe("Palletforce booking", () => {
  beforeEach(async () => {
    await sim.palletforce.reset();
  });

  it("books one order, writes the tracking number back, and answers a repeat without booking again", async () => {
    const d = pfDispatch({ goods: [{ quantity: 2, total_weight_kg: 959.4, packaging: "PALLET", units: 2 }] });
    const order = d.payload.orders[0]!;
    const tn = await book(d);
    expect(tn).toMatch(/^045\d{10}$/);
    const pf = await sim.palletforce.state();
    expect(pf.bookings).toHaveLength(1);
    expect(pf.bookings[0]!.uniqueTransactionNumber).toBe(order.id);
    expect(pf.bookings[0]!.manifest.consignments[0]).toMatchObject({ consignmentNumber: order.name, CustomerAccountNumber: env.PALLETFORCE_ACCOUNT, palletSpaces: 2, weight: 960, serviceName: "NEXT DAY" });

    const wb = await waitFor(async () => (await sim.qargo.state()).consignment_updates.find((u) => u.order_id === order.id), 20_000, "the write-back");
    expect(wb.data).toEqual({ palletforce: { palletforce_id: tn, customer_account_number: env.PALLETFORCE_ACCOUNT } });
    const tmsOrder = (await sim.qargo.state()).orders.find((o) => o.id === order.id);
    expect(tmsOrder.custom_fields).toEqual({ pallet_network: "PALLETFORCE", network_reference: tn, network_role: "COLLECTING" });
    const db = openDb(env);
    const [c] = await db.select().from(consignments).where(eq(consignments.reference, tn));
    expect(c).toMatchObject({ network: "palletforce", orderId: order.id, role: "COLLECTING" });
    const [t] = await db.select().from(palletforceTracked).where(eq(palletforceTracked.trackingNumber, tn));
    expect(t).toMatchObject({ status: "open", role: "COLLECTING", pallets: 2, pickupStopId: order.consignments[0]!.pickup_stop.id });

    // The same dispatch again, byte for byte: answered with the booking, nothing sent.
    const before = (await manifestCalls()).length;
    expect((await postDispatch(d, "palletforce")).body).toEqual({ errors: [] });
    expect((await manifestCalls()).length).toBe(before);

    const upd = await postDispatch(redispatch(d, "UPDATE"), "palletforce");
    expect(upd.body.errors).toEqual([{ error_type: "NOT_SUPPORTED", error_message: expect.stringContaining(`booked with Palletforce as ${tn}`) }]);
    const cancel = await postDispatch(redispatch(d, "CANCEL"), "palletforce");
    expect(cancel.body.errors[0]).toMatchObject({ error_type: "NOT_SUPPORTED", error_message: expect.stringContaining(tn) });
    const att = (await (await admin("/api/attention")).json()) as { items: { title: string; network: string }[] };
    expect(att.items.some((i) => i.network === "palletforce" && i.title.includes(`booked with Palletforce as ${tn}`))).toBe(true);
    expect((await sim.palletforce.state()).bookings).toHaveLength(1);
  });

  it("sends the same request again after an unclear outcome and books once", async () => {
    const d = pfDispatch();
    await seedTmsOrder(d);
    // Palletforce books, then the answer is lost (a reset), then a 500 after booking.
    await sim.palletforce.fail([{ path: "UploadManifest$", status: 0, after: true }, { path: "UploadManifest$", status: 500, after: true }]);
    const r = await postDispatch(d, "palletforce");
    expect(r.body).toEqual({ errors: [] });
    expect((await manifestCalls()).length).toBe(3);
    const pf = await sim.palletforce.state();
    expect(pf.bookings).toHaveLength(1);
    const [b] = await openDb(env).select().from(palletforceBookings).where(eq(palletforceBookings.orderId, d.payload.orders[0]!.id));
    expect(b?.trackingNumber).toBe(pf.bookings[0]!.trackingNumber);
  });

  it("refuses in the planner's words, before any call when it can, and books the corrected dispatch", async () => {
    const noPostcode = pfDispatch({ delivery: { location: { postal_code: "" } } });
    const r1 = await postDispatch(noPostcode, "palletforce");
    expect(r1.body.errors).toEqual([{ error_type: "USER_INPUT_ERROR", error_message: "not booked with Palletforce: the delivery address has no postcode" }]);
    expect(await manifestCalls()).toHaveLength(0);

    await sim.palletforce.config({ refuseServices: ["ECONOMY"] });
    const eco = pfDispatch({ serviceLevel: "ECO" });
    await seedTmsOrder(eco);
    const r2 = await postDispatch(eco, "palletforce");
    expect(r2.body.errors).toEqual([{ error_type: "USER_INPUT_ERROR", error_message: `Palletforce refused the booking: serviceName ECONOMY is not available for account ${env.PALLETFORCE_ACCOUNT}.` }]);
    // Palletforce does not remember a refusal: the corrected dispatch of the same order books.
    const fixed = redispatch(eco, "UPDATE", (x: typeof eco) => {
      x.payload.orders[0]!.service_level = { code: "ND", name: "ND" };
      return x;
    });
    expect((await postDispatch(fixed, "palletforce")).body).toEqual({ errors: [] });
    expect((await sim.palletforce.state()).bookings).toHaveLength(1);
  });

  it("says when Palletforce refuses our access key", async () => {
    const d = pfDispatch();
    await sim.palletforce.fail({ path: "UploadManifest$", status: 401, body: { success: false, errors: [{ code: "AUTH", message: "The access key is not valid." }] } });
    const r = await postDispatch(d, "palletforce");
    expect(r.body.errors).toEqual([{ error_type: "INTERNAL_ERROR", error_message: "Palletforce refused our access key: check PALLETFORCE_ACCESS_KEY" }]);
    const att = (await (await admin("/api/attention")).json()) as { items: { title: string }[] };
    expect(att.items.some((i) => i.title.includes(`refused our access key when booking ${d.payload.orders[0]!.name}`))).toBe(true);
  });
});
