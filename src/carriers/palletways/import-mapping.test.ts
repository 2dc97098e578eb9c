import { describe, expect, it } from "vitest";
import { consignmentSchema } from "./import-client";
import { consignmentToOrderInput, isException, missingForOrder, noteKey, noteTime, noteToScanUpdate, planningInstructions } from "./import-mapping";

// The import's pure translations on the contract's own example (palletways.md, getConsignment).

const example = consignmentSchema.parse({
  TrackingID: "60012340167", Number: "2557391-564", Reference: "PO 7781", CollectionDepot: "112", DeliveryDepot: "045", DueDate: "2026-12-05", DueTime: "",
  BookedIn: "no", Lifts: 2, Weight: 960, ManifestNote: "Tail-lift required",
  Service: [{ Type: "Delivery", Code: "B", Name: "Next Day" }],
  Pallet: [{ Barcode: "B00432B6FE", BillUnit: "FP" }, { Barcode: "B00432B6FF", BillUnit: "HP" }],
  Address: [
    { Type: "Collection", CompanyName: "Acme Ltd", Line: ["1 Mill Lane"], Town: "Leeds", PostCode: "LS1 1AA", Country: "GB" },
    { Type: "Delivery", CompanyName: "Bob's Builders", ContactName: "Bob", Telephone: "01482 000000", Line: ["9 Quay St", "Unit 2"], Town: "Hull", PostCode: "HU1 1AA", Country: "gb" },
  ],
});

describe("Palletways import mapping", () => {
  it("makes the contract's OrderInput; an unmapped service sends no level but stays in the instructions", () => {
    const o = consignmentToOrderInput(example, { B: "ND" });
    expect(o).toMatchObject({ order_identifier: "PW-60012340167", customer_reference_number: "60012340167", customer: { code: "PALLETWAYS" }, service_level: { code: "ND" } });
    expect(o.planning_instructions).toBe("Palletways service: B Next Day\nTail-lift required");
    expect(o.consignments[0]!.delivery_stop).toEqual({
      location: { name: "Bob's Builders", address: "9 Quay St", address_second_line: "Unit 2", city: "Hull", postal_code: "HU1 1AA", country: "GB" },
      date: "2026-12-05",
      phone_number: "01482 000000",
      note: "Contact: Bob",
    });
    expect(o.consignments[0]!.transport_network).toEqual({ collection_depot_code: "112", delivery_depot_code: "045" });
    expect("service_level" in consignmentToOrderInput(example, { E: "ECO" })).toBe(false);
    expect(planningInstructions({ ...example, ManifestNote: "", Service: [] })).toBe("Palletways service: not stated by Palletways");
  });

  it("names what an order cannot be made without", () => {
    expect(missingForOrder(example)).toBeNull();
    expect(missingForOrder({ ...example, Address: [example.Address[0]!] })).toBe("Delivery address");
    expect(missingForOrder({ ...example, Address: [example.Address[0]!, { ...example.Address[1]!, PostCode: " " }] })).toBe("Delivery PostCode");
  });

  it("reads notes: UK time, exceptions, one key per note", () => {
    expect(noteTime({ NoteDate: "2026-07-01", NoteTime: "14:01" })).toBe(Date.parse("2026-07-01T13:01:00Z"));
    expect(noteTime({ NoteDate: "", NoteTime: "" })).toBeNull();
    expect([isException({ StatusCode: "15" }), isException({ StatusCode: "675" }), isException({ StatusCode: "700", NoteGroup: "Exception" }), isException({ StatusCode: "700", NoteGroup: "POD" })]).toEqual([true, true, true, false]);
    expect(noteKey({ TrackingID: "60012340167", Delta: 5, StatusCode: "700", Barcode: " B1 " })).toBe("60012340167:5:700:B1");
  });

  it("makes a scan on the pallet's handling unit; an older one carries no status", () => {
    const n = { Delta: 1763900000, TrackingID: "60012340167", StatusCode: "800", NoteType: "Out for delivery", Barcode: "B00432B6FE" };
    const u = noteToScanUpdate(n, { orderId: "o-1" }, { question: "scan_barcode", depot: "045", noteAtMs: Date.parse("2026-12-04T10:00:00Z"), asData: false });
    const hu = u.consignment.updates[0]!.good.updates[0]!.handling_unit.updates[0]!;
    expect(hu.match).toEqual({ matches_all: [{ handling_unit: { barcode: { matches_any: ["B00432B6FE"] } } }] });
    expect(hu.question_answers.scan_barcode).toEqual([{ timestamp: "2026-12-04T10:00:00Z", status: "SCANNED_OUT", barcode: "B00432B6FE", stop_location_code: "PW-045", description: "Palletways 800 Out for delivery, note 1763900000" }]);
    const older = noteToScanUpdate(n, { orderId: "o-1" }, { question: "q", depot: "045", noteAtMs: 0, asData: true });
    expect("status" in older.consignment.updates[0]!.good.updates[0]!.handling_unit.updates[0]!.question_answers.q![0]!).toBe(false);
  });
});
