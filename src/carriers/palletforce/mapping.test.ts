import { describe, expect, it } from "vitest";
import { palletwaysDispatch } from "../../../sandbox/qargo-dispatches.mjs";
import page from "../../../test/fixtures/palletforce/consignment-page.json";
import tracking from "../../../test/fixtures/palletforce/tracking-two-pallets.json";
import { subcontractorDispatchSchema } from "../../tms/dispatch";
import { parseConsignmentPage, parseTracking } from "./client";
import { bookingWriteBack, consignmentToOrderInput, dueMoves, eventKey, manifestFromDispatch, movesToRepeat, moveToStatusUpdate, ourScanFor, scanUpdate } from "./mapping";

// Palletforce's mapping on recorded payloads (test/fixtures/palletforce/).

const settings = { depot: "045", services: { ND: "NEXT DAY", ECO: "ECONOMY" }, palletTypes: { HALF: "HALF" }, account: "ACC1001" };
const dispatch = (opts: Record<string, unknown> = {}) => subcontractorDispatchSchema.parse(palletwaysDispatch(opts));

describe("Palletforce booking manifest", () => {
  it("builds the UploadManifest from the dispatch's one order, keyed by the order id", () => {
    const d = dispatch({ orderId: "11111111-1111-4111-8111-111111111111", orderName: "OR-1001", delivery: { location: { address_second_line: "Unit 4" }, email: "goods-in@bob.example" }, goods: [{ quantity: 1, total_weight_kg: 500.2, packaging: "PALLET", units: 1 }, { quantity: 1, total_weight_kg: 459.1, packaging: "HALF", units: 1 }] });
    const r = manifestFromDispatch(d.payload.orders, settings);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.body.uniqueTransactionNumber).toBe("11111111-1111-4111-8111-111111111111");
    expect(r.body.deliveryAddress).toMatchObject({ street: "9 Quay St, Unit 4", town: "Hull", postcode: "HU1 1AA", country: "GB", telephone: "01482 000000" });
    const c = r.body.consignments[0]!;
    expect(c).toMatchObject({ requestingDepot: "045", consignmentNumber: "OR-1001", CustomerAccountNumber: "ACC1001", palletSpaces: 2, weight: 960, serviceName: "NEXT DAY", notes: ["Call 30 minutes before arrival"], notifications: [{ type: "EMAIL", value: "goods-in@bob.example" }] });
    expect(c.pallets).toEqual([{ palletType: "FULL", numberofPallets: 1 }, { palletType: "HALF", numberofPallets: 1 }]);
    expect(c.datesAndTimes.map((x) => x.dateTimeType)).toEqual(["COLD", "DELD"]);
  });

  it("refuses before any call, naming every problem in the planner's words", () => {
    const d = dispatch({ serviceLevel: "SAT", delivery: { location: { postal_code: null, city: "" } } });
    const r = manifestFromDispatch(d.payload.orders, settings);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual(["the delivery address has no postcode", "the delivery address has no town", expect.stringContaining("the service level SAT has no Palletforce service: add it to PALLETFORCE_SERVICES")]);
    const two = dispatch({ extraOrders: [dispatch().payload.orders[0]] });
    const r2 = manifestFromDispatch(two.payload.orders, settings);
    expect(r2.ok ? [] : r2.problems[0]).toMatch(/one consignment per dispatch; this trip has 2 orders/);
  });

  it("writes the tracking number back to the consignment's palletforce fields and the order's network fields", () => {
    expect(bookingWriteBack("o-1", "0451234567890", "ACC1001").updates[0]).toEqual({
      match: { matches_all: [{ order: { id: { matches_any: ["o-1"] } } }] },
      update: { operation: "UPDATE", data: { custom_fields: { pallet_network: "PALLETFORCE", network_reference: "0451234567890", network_role: "COLLECTING" } } },
      consignment: { updates: [{ update: { operation: "UPDATE", data: { palletforce: { palletforce_id: "0451234567890", customer_account_number: "ACC1001" } } } }] },
    });
  });
});

describe("Palletforce tracking", () => {
  const { events, invalid } = parseTracking(tracking);

  it("keeps a malformed event apart and identifies each event by code, time and pallet", () => {
    expect(events).toHaveLength(6);
    expect(invalid).toHaveLength(1);
    expect(eventKey(events[0]!)).toBe("SCOT|2026-12-04T18:20:00Z|PF0451234567890001");
    expect(eventKey({ ...events[0]!, eventDateTime: "2026-12-04T18:20:00.000Z" })).toBe(eventKey(events[0]!));
  });

  it("moves a stop only when every pallet has the event, at the time of the event that completed the set", () => {
    const first = dueMoves(events.slice(0, 1), "COLLECTING", 2, [], []);
    expect(first.due).toEqual([]);
    const r = dueMoves(events, "COLLECTING", 2, [], []);
    expect(r.due.map((m) => [m.stop, m.status, m.at, m.event.eventCode])).toEqual([
      ["PICKUP", "COMPLETED", "2026-12-04T18:25:00Z", "SCOT"],
      ["DELIVERY", "AT_STOP", "2026-12-05T09:12:00Z", "ARDL"],
      ["DELIVERY", "COMPLETED", "2026-12-05T09:31:00Z", "PODD"],
    ]);
    // Three pallets booked: nothing on the delivery stop yet.
    expect(dueMoves(events, "COLLECTING", 3, [], []).due).toEqual([]);
  });

  it("never moves a stop back: an arrival older than the completion already applied is data only", () => {
    const r = dueMoves(events, "COLLECTING", 2, [], [{ stop: "DELIVERY", status: "COMPLETED", at: "2026-12-05T09:31:00Z" }, { stop: "PICKUP", status: "COMPLETED", at: "2026-12-04T18:25:00Z" }]);
    expect(r.due).toEqual([]);
    expect(r.dataOnly.map((d) => [d.move.stop, d.move.status])).toEqual([["DELIVERY", "AT_STOP"]]);
  });

  it("repeats a move the TMS may hold unless a settled move on its stop overtook it, oldest first", () => {
    const all = dueMoves(events, "COLLECTING", 2, [], []).due;
    const [pickup, arrival, completion] = all.map((m) => ({ stop: m.stop, status: m.status, at: m.at, eventKey: eventKey(m.event) }));
    // Both uncertain: both again, in their order.
    expect(movesToRepeat([completion!, arrival!], [pickup!], events).map((m) => m.status)).toEqual(["AT_STOP", "COMPLETED"]);
    // The completion settled: repeating the arrival would step the stop back.
    expect(movesToRepeat([arrival!], [pickup!, completion!], events)).toEqual([]);
    // An identity no longer in the history cannot be rebuilt: not sent.
    expect(movesToRepeat([{ ...arrival!, eventKey: "ARDL|2026-01-01T00:00:00Z|X" }], [], events)).toEqual([]);
  });

  it("sends a booked consignment's move to the dispatch's stop by id, an imported one's by order and stop type", () => {
    const m = dueMoves(events, "COLLECTING", 2, [], []).due[0]!;
    expect(moveToStatusUpdate(m, { stopId: "stop-1" })).toEqual({ stop: { id: "stop-1", status: "COMPLETED", question_answers: { palletforce_event: "SCOT Scanned out of collection depot", pallet_barcode: "PF0451234567890002" } }, event_time: "2026-12-04T18:25:00Z" });
    expect(moveToStatusUpdate(m, { orderId: "o-9", stopType: "PICKUP" }).stop).toMatchObject({ match: { matches_all: [{ order: { id: { matches_any: ["o-9"] } }, stop: { stop_type: "PICKUP" } }] } });
  });

  it("turns an ARRD on an imported consignment into a SCANNED_IN scan on that pallet", () => {
    const e = { eventCode: "ARRD", eventDescription: "Arrived at delivery depot", eventDateTime: "2026-12-05T06:00:00Z", depot: "045", palletBarcode: "PF1" };
    const u = scanUpdate(e, { orderId: "o-1" }, "scan_barcode", "045");
    const hu = u.consignment.updates[0]!.good.updates[0]!.handling_unit.updates[0]!;
    expect(hu.match.matches_all[0]!.handling_unit.barcode.matches_any).toEqual(["PF1"]);
    expect(hu.question_answers.scan_barcode).toEqual([{ timestamp: "2026-12-05T06:00:00Z", status: "SCANNED_IN", barcode: "PF1", stop_location_code: "PF-045", description: "Palletforce ARRD Arrived at delivery depot" }]);
  });
});

describe("Palletforce import and our scans", () => {
  it("maps a listed consignment to an OrderInput with one handling unit per pallet", () => {
    const p = parseConsignmentPage(page);
    expect(p.consignments).toHaveLength(1);
    expect(p.invalid).toHaveLength(1);
    const o = consignmentToOrderInput(p.consignments[0]!, { "NEXT DAY": "ND" });
    expect(o).toMatchObject({
      order_identifier: "PF-1120000000017",
      customer_reference_number: "1120000000017",
      customer: { code: "PALLETFORCE" },
      service_level: { code: "ND" },
      planning_instructions: "Palletforce service: NEXT DAY\nTail-lift required\nBooking in: call ahead",
      custom_fields: { pallet_network: "PALLETFORCE", network_reference: "1120000000017", network_role: "DELIVERING" },
    });
    const c = o.consignments[0]!;
    expect(c).toMatchObject({ consignment_reference_number: "PF-77", palletforce: { palletforce_id: "1120000000017" }, transport_network: { collection_depot_code: "112", delivery_depot_code: "045" } });
    expect(c.delivery_stop).toMatchObject({ date: "2026-12-05", location: { address: "9 Quay St", address_second_line: "Unit 4" } });
    expect(c.goods[0]!.handling_units).toEqual([{ barcode: { value: "PF1120000000017001", source: "PALLETFORCE" } }, { barcode: { value: "PF1120000000017002", source: "PALLETFORCE" } }]);
  });

  it("knows which TMS updates are our scans", () => {
    expect(ourScanFor({ kind: "stop", stopType: "PICKUP", status: "COMPLETED" })).toBe("DONR");
    expect(ourScanFor({ kind: "stop", stopType: "DELIVERY", status: "AT_STOP" })).toBe("ARDL");
    expect(ourScanFor({ kind: "stop", stopType: "DELIVERY", status: "COMPLETED" })).toBeNull();
    expect(ourScanFor({ kind: "document", documentType: "PROOF_OF_DELIVERY_SIGNED", status: "CREATED" })).toBe("POD");
    expect(ourScanFor({ kind: "document", documentType: "PHOTO_OF_GOODS_DELIVERY", status: "CREATED" })).toBeNull();
  });
});
