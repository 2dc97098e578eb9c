import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { palletwaysDispatch } from "../../sandbox/qargo-dispatches.mjs";
import { admin, consoleSession, waitFor } from "../support/webhook";
import { postDispatch, pwBooking, qargoDispatch } from "../support/dispatch";

// Booking a Palletways consignment from a TMS subcontractor dispatch (palletways.md, "Booking";
// tms-qargo.md, "POST /webhooks/tms/dispatch/{network}"), through the real path: the dispatch
// door → D1 → queue → palletways.book → the Palletways simulator → the Qargo simulator.

const orderName = (tag: string) => `OR-${tag}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

async function bookedTrackingId(name: string): Promise<string> {
  const [c] = await waitFor(async () => {
    const list = await pwBooking.consignments(name);
    return list.length ? list : undefined;
  }, 20_000, `a consignment ${name} at Palletways`);
  return c!.TrackingID;
}

describe("booking from a dispatch", () => {
  it("books the manifest the contract lays out, answers {errors: []}, writes the tracking ID back and puts one label page per pallet on the pickup stop", async () => {
    const name = orderName("BOOK");
    const d = palletwaysDispatch({
      orderName: name,
      customerReference: "PO 7781",
      serviceLevel: "ND",
      planningInstructions: "Call 30 minutes before arrival",
      delivery: { email: "bob@example.com", mobile_number: "07700 900000", extras: [{ code: "TAIL_LIFT_DELIVERY", name: "Tail lift" }] },
      goods: [
        { quantity: 2, total_weight_kg: 700.2, packaging: "PALLET", units: 2 },
        { quantity: 1, total_weight_kg: 259.1, packaging: "HALF", units: 1 },
      ],
    });
    const res = await postDispatch(d);
    expect(res).toEqual({ status: 200, body: { errors: [] } });

    const [booked, ...more] = await pwBooking.consignments(name);
    expect(more).toHaveLength(0);
    const c = booked!.manifest;
    const order = d.payload.orders[0]!;
    const con = order.consignments[0]!;
    expect(booked!.Account).toBe(env.PALLETWAYS_ACCOUNT);
    expect(c).toMatchObject({
      Type: "D",
      ImportID: order.id,
      Number: name,
      Reference: "PO 7781",
      Lifts: 3,
      Weight: 960,
      Handball: "no",
      TailLift: "yes",
      Classification: "B2B",
      CollectionDate: con.pickup_stop.date,
      DeliveryDate: con.delivery_stop.date,
      ManifestNote: "Call 30 minutes before arrival",
      Service: [{ Type: "Delivery", Code: "B" }],
      BillUnit: [{ Type: "FP", Amount: 2 }, { Type: "HP", Amount: 1 }],
      NotificationSet: { Email: "bob@example.com", SMSNumber: "07700 900000" },
    });
    expect(c.Address).toEqual([
      { Type: "Collection", CompanyName: "Acme Ltd", ContactName: "", Telephone: "", Line: ["1 Mill Lane"], Town: "Leeds", County: "", PostCode: "LS1 1AA", Country: "GB" },
      { Type: "Delivery", CompanyName: "Bob's Builders", ContactName: "", Telephone: "01482 000000", Line: ["9 Quay St"], Town: "Hull", County: "", PostCode: "HU1 1AA", Country: "GB" },
    ]);
    const tid = booked!.TrackingID;

    // The tracking ID reaches the TMS order (consignment fields and the network custom fields).
    const update = await waitFor(async () => (await qargoDispatch.state()).order_updates.find((u) => u.order_id === order.id), 20_000, "the partial-order-update");
    expect(update.custom_fields).toEqual({ pallet_network: "PALLETWAYS", network_reference: tid, network_role: "COLLECTING" });
    expect(update.consignment).toEqual([{ palletways: { tracking_id: tid, consignment_number: name } }]);

    // Labels: a real PDF, one page per pallet, on the pickup stop under the label question.
    const labels = await waitFor(async () => (await qargoDispatch.state()).stop_files.find((f) => f.stop_id === con.pickup_stop.id), 20_000, "the labels on the pickup stop");
    expect(labels).toMatchObject({ question_path_key: "LABEL", filename: `${tid}_labels.pdf`, content_type: "application/pdf", pages: 3 });
    expect(labels.name.startsWith(`${tid}_labels`)).toBe(true);

    // The operator API shows the booking on the consignment's page.
    const view = await waitFor(async () => {
      const r = await admin(`/api/consignments/palletways/${tid}`);
      const body = (await r.json()) as any;
      return body.booking?.facts?.some((f: any) => f.label === "Labels" && f.value === "on the pickup stop") ? body : undefined;
    }, 20_000, "the booking on the consignment view");
    expect(view.role).toBe("COLLECTING");
    expect(view.order_id).toBe(order.id);
    const sent = view.booking.facts.find((f: any) => f.label === "Manifest sent");
    expect(sent.block).toContain(`"Number": "${name}"`);
    expect(view.booking.facts.find((f: any) => f.label === "Tracking ID").value).toBe(tid);

    // The console: the booking panel on the consignment page, and bookings counted on the overview.
    const cookie = await consoleSession();
    const page = await (await SELF.fetch(`https://connector.test/ops/consignments/palletways/${tid}`, { headers: { cookie } })).text();
    expect(page).toContain("Palletways booking");
    expect(page).toContain("Manifest sent");
    expect(page).toContain(`&quot;Number&quot;: &quot;${name}&quot;`);
    expect(page).toContain("on the pickup stop");
    // Before the tracking ID, the booking is found under the TMS order name too.
    const byName = await (await SELF.fetch(`https://connector.test/ops/consignments/palletways/${name}`, { headers: { cookie } })).text();
    expect(byName).toContain(`Tracking ID`);
    expect(byName).toContain(tid);
    const overview = await (await SELF.fetch("https://connector.test/ops", { headers: { cookie } })).text();
    expect(overview).toMatch(/Palletways bookings, last 24 hours<\/h3><p><strong>[1-9]\d*<\/strong> booked/);
  });
});
