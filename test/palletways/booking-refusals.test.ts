import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { palletwaysDispatch, redispatch } from "../../sandbox/qargo-dispatches.mjs";
import { eq } from "drizzle-orm";
import { palletways } from "../../src/carriers/palletways";
import { palletwaysBookings } from "../../src/carriers/palletways/schema";
import { db as openDb } from "../../src/db/client";
import { admin, waitFor } from "../support/webhook";
import { sim } from "../support/sim";
import { postDispatch, pwBooking } from "../support/dispatch";

// What the planner is told, and what is (not) booked: input checked before any call,
// Palletways' ERROR_VALIDATION word for word, UPDATE before and after the booking, CANCEL.

const orderName = (tag: string) => `OR-${tag}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const commits = async () => (await pwBooking.calls("createconsignment")).length;

describe("refused before any call", () => {
  it("a missing postcode, town or country names the field and the stop, and nothing reaches Palletways", async () => {
    const before = await commits();
    const d = palletwaysDispatch({ orderName: orderName("ADDR"), pickup: { location: { postal_code: null } }, delivery: { location: { city: "", country: null } } });
    const res = await postDispatch(d);
    expect(res.status).toBe(200);
    expect(res.body.errors).toEqual([
      {
        error_type: "USER_INPUT_ERROR",
        error_message:
          "the pickup address (Acme Ltd) has no postal code: add it to the pickup stop's location; the delivery address (Bob's Builders) has no town (city), no country: add it to the delivery stop's location",
      },
    ]);
    expect(await commits()).toBe(before);
  });

  it("more than one order or consignment: one consignment per Palletways dispatch", async () => {
    const before = await commits();
    const one = palletwaysDispatch({ orderName: orderName("TWO") });
    const two = palletwaysDispatch({ orderName: orderName("TWO"), extraConsignments: [one.payload.orders[0]!.consignments[0]] });
    const res = await postDispatch(two);
    expect(res.body.errors[0].error_type).toBe("USER_INPUT_ERROR");
    expect(res.body.errors[0].error_message).toMatch(/^one consignment per Palletways dispatch/);
    expect(await commits()).toBe(before);
  });

  it("without PALLETWAYS_ACCOUNT the capability says NOT_SUPPORTED with the setting to set", () => {
    const off = { ...env, PALLETWAYS_ACCOUNT: "" } as Env;
    expect(palletways.dispatch!.unavailable(off)).toBe("Palletways booking is not configured: set PALLETWAYS_ACCOUNT");
    const wrong = { ...env, PALLETWAYS_BILL_UNITS: "PALLET=XX" } as Env;
    expect(palletways.dispatch!.unavailable(wrong)).toMatch(/PALLETWAYS_BILL_UNITS .*XX.* is not one of FP/);
    expect(palletways.dispatch!.unavailable(env)).toBeNull();
  });
});

describe("Palletways' own refusal", () => {
  it("ERROR_VALIDATION reaches the planner as every Description (Code); a corrected dispatch books", async () => {
    const name = orderName("VAL");
    const d = palletwaysDispatch({ orderName: name, goods: [{ quantity: 0, total_weight_kg: 0, packaging: "PALLET", units: 0 }] });
    const res = await postDispatch(d);
    expect(res.body.errors).toEqual([
      { error_type: "USER_INPUT_ERROR", error_message: "Palletways refused the booking: Lifts must be at least 1 (E101); Weight must be at least 1 kg (E102)" },
    ]);
    expect(await pwBooking.consignments(name)).toHaveLength(0);
    // Sent again unchanged: checked afresh by Palletways (a refusal books nothing), the same words.
    const before = await commits();
    expect((await postDispatch(d)).body).toEqual(res.body);
    expect(await commits()).toBe(before + 1);

    // The planner fixes the goods and dispatches again (UPDATE): a new round books the new data.
    const fixed = redispatch(d, "UPDATE", (x) => {
      x.payload.orders[0]!.consignments[0]!.goods = palletwaysDispatch({ goods: [{ quantity: 1, total_weight_kg: 410, packaging: "PALLET", units: 1 }] }).payload.orders[0]!.consignments[0]!.goods;
      return x;
    });
    expect((await postDispatch(fixed)).body).toEqual({ errors: [] });
    const [booked, ...more] = await pwBooking.consignments(name);
    expect(more).toHaveLength(0);
    expect(booked!.manifest).toMatchObject({ Lifts: 1, Weight: 410 });
  });
});

describe("UPDATE and CANCEL", () => {
  it("an UPDATE before the booking went through books the new data", async () => {
    const name = orderName("UPD");
    // The first commit fails before Palletways stores it; its retry waits 10 s.
    await sim.palletways.fail({ path: "createconsignment", status: 503 });
    const d = palletwaysDispatch({ orderName: name });
    const create = postDispatch(d);
    await waitFor(async () => (await pwBooking.calls("createconsignment")).some((c) => c.status === 503), 10_000, "the failed first commit");
    const update = redispatch(d, "UPDATE", (x) => {
      x.payload.orders[0]!.consignments[0]!.delivery_stop.location.postal_code = "HU2 8AA";
      return x;
    });
    const [a, b] = await Promise.all([create, postDispatch(update)]);
    await waitFor(async () => (await pwBooking.consignments(name)).length > 0, 40_000, "the booking");
    const [booked, ...more] = await pwBooking.consignments(name);
    expect(more).toHaveLength(0);
    expect(booked!.manifest.Address[1].PostCode).toBe("HU2 8AA");
    for (const r of [a, b]) if (r.body.errors.length) expect(r.body.errors[0].error_message).toMatch(/still booking/);
    expect((await postDispatch(update)).body).toEqual({ errors: [] });
  }, 60_000);

  it("the order dispatched again on a new trip: not booked again, and later statuses go to the new trip's stops", async () => {
    const name = orderName("TRIP");
    const d = palletwaysDispatch({ orderName: name });
    expect((await postDispatch(d)).body).toEqual({ errors: [] });
    const moved = palletwaysDispatch({ orderName: name, orderId: d.payload.orders[0]!.id });
    expect((await postDispatch(moved)).body).toEqual({ errors: [] });
    expect(await pwBooking.consignments(name)).toHaveLength(1);
    const [row] = await openDb(env).select().from(palletwaysBookings).where(eq(palletwaysBookings.orderId, d.payload.orders[0]!.id));
    expect(row).toMatchObject({ tripId: moved.payload.id, pickupStopId: moved.payload.orders[0]!.consignments[0]!.pickup_stop.id, deliveryStopId: moved.payload.orders[0]!.consignments[0]!.delivery_stop.id });
  });

  it("an UPDATE after the booking, and any CANCEL, are NOT_SUPPORTED with the tracking ID; the cancel is on the attention list", async () => {
    const name = orderName("CAN");
    const d = palletwaysDispatch({ orderName: name });
    expect((await postDispatch(d)).body).toEqual({ errors: [] });
    const [booked] = await pwBooking.consignments(name);
    const tid = booked!.TrackingID;
    const portal = `booked with Palletways as ${tid}: change or cancel it in the Palletways portal`;

    const changed = redispatch(d, "UPDATE", (x) => {
      x.payload.orders[0]!.consignments[0]!.planning_instructions = "Deliver after 10:00";
      return x;
    });
    expect((await postDispatch(changed)).body).toEqual({ errors: [{ error_type: "NOT_SUPPORTED", error_message: portal }] });
    expect((await postDispatch(redispatch(d, "CANCEL"))).body).toEqual({ errors: [{ error_type: "NOT_SUPPORTED", error_message: portal }] });
    expect(await pwBooking.consignments(name)).toHaveLength(1);

    const items = (await (await admin("/api/attention")).json()) as { items: { title: string; action: string; reference?: string }[] };
    const cancel = items.items.find((i) => i.title.includes(`Palletways booking ${tid}`));
    expect(cancel?.action).toBe(`Cancel consignment ${tid} in the Palletways portal.`);

    // A CANCEL for an order never booked: nothing to cancel, said so.
    const never = await postDispatch(palletwaysDispatch({ operation: "CANCEL", orderName: orderName("NONE") }));
    expect(never.body.errors[0]).toEqual({ error_type: "NOT_SUPPORTED", error_message: "nothing was booked with Palletways for this order: there is nothing to cancel there" });
  });
});
