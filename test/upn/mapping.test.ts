import { describe, expect, it } from "vitest";
import { consignmentSchema, parseTrackingResponse } from "../../src/carriers/upn/client";
import {
  byOccurrence,
  consigneeSignature,
  consignmentToOrderInput,
  describeEvent,
  epodBody,
  eventToScanUpdate,
  eventToStatusUpdate,
  isPalletScan,
  planningInstructions,
  questionAnswers,
  stopStatusFor,
} from "../../src/carriers/upn/mapping";
import { parseServiceLevels, readUpnSettings } from "../../src/carriers/upn/settings";
import { packByBarcode } from "../../src/carriers/upn/tracking";
import { orderSchema } from "../../src/tms/schemas";
import page from "../fixtures/upn/consignments-page.json";
import tracking from "../fixtures/upn/tracking-events.json";
import palletEvents from "../fixtures/upn/tracking-events-pallets.json";
import signedOrder from "../fixtures/upn/tms-order-signed.json";

// Pure mappings on recorded payloads (test/fixtures/upn): UPN → OrderInput, UPN event → Qargo
// BaseStatusUpdate, Qargo order → ePOD.

describe("UPN consignment → OrderInput", () => {
  const [one, multi] = page.consignments.map((c) => consignmentSchema.parse(c));

  it("spells the order exactly as tms-qargo.md does", () => {
    expect(consignmentToOrderInput(one!)).toEqual({
      operation: "CREATE",
      order_identifier: "UPN-UPN0451234567",
      customer_reference_number: "UPN0451234567",
      customer: { code: "UPN" },
      planning_instructions: "UPN service: NEXT_DAY\nTail-lift required",
      custom_fields: { pallet_network: "UPN", network_reference: "UPN0451234567", network_role: "DELIVERING" },
      consignments: [
        {
          consignment_reference_number: "UPN0451234567",
          pickup_stop: { location: { name: "Acme Ltd", address: "1 Mill Lane", address_second_line: null, city: "Leeds", postal_code: "LS1 1AA", country: "GB" } },
          delivery_stop: {
            location: { name: "Bob's Builders", address: "9 Quay St", address_second_line: null, city: "Hull", postal_code: "HU1 1AA", country: "GB" },
            phone_number: "01482 000000",
            note: "Contact: Bob",
          },
          goods: [{ quantity: 1, total_weight_kg: 480, handling_units: [{ barcode: { value: "UPNP0451234567001", source: "UPN" } }] }],
        },
      ],
    });
  });

  it("gives one handling unit per pallet and keeps second address lines", () => {
    const o = consignmentToOrderInput(multi!);
    const c = o.consignments[0]!;
    expect(o.planning_instructions).toBe("UPN service: ECONOMY");
    expect(o).not.toHaveProperty("service_level");
    expect(c.goods[0]).toEqual({
      quantity: 3,
      total_weight_kg: 495,
      handling_units: ["UPNP0451234568001", "UPNP0451234568002", "UPNP0451234568003"].map((value) => ({ barcode: { value, source: "UPN" } })),
    });
    expect(c.pickup_stop.location.address_second_line).toBe("Canal Wharf");
    expect(c.delivery_stop).not.toHaveProperty("phone_number");
    expect(c.delivery_stop).not.toHaveProperty("note");
  });
});

describe("UPN service → service level and planning instructions", () => {
  const [one, multi] = page.consignments.map((c) => consignmentSchema.parse(c));
  const levels = { NEXT_DAY: "ND", ECONOMY: "ECO" };

  it("sends a mapped service as service_level.code, an unmapped one as none, and always names it first", () => {
    expect(consignmentToOrderInput(one!, levels)).toMatchObject({ service_level: { code: "ND" }, planning_instructions: "UPN service: NEXT_DAY\nTail-lift required" });
    expect(consignmentToOrderInput(multi!, levels)).toMatchObject({ service_level: { code: "ECO" }, planning_instructions: "UPN service: ECONOMY" });
    const timed = consignmentToOrderInput({ ...one!, service: "TIMED_AM" }, levels);
    expect(timed).not.toHaveProperty("service_level");
    expect(timed.planning_instructions).toBe("UPN service: TIMED_AM\nTail-lift required");
    expect(consignmentToOrderInput({ ...one!, service: "next_day" }, levels).service_level).toEqual({ code: "ND" });
    expect(planningInstructions({ service: null, instructions: "  " })).toBe("UPN service: not stated by UPN");
  });

  it("parses UPN_SERVICE_LEVELS, and names the setting when it is malformed", () => {
    expect(parseServiceLevels("NEXT_DAY=ND, ECONOMY = ECO,")).toEqual({ map: { NEXT_DAY: "ND", ECONOMY: "ECO" } });
    expect(parseServiceLevels("")).toEqual({ map: {} });
    expect(parseServiceLevels("NEXT_DAY")).toHaveProperty("problem");
    expect(parseServiceLevels("NEXT_DAY=ND,NEXT_DAY=X")).toHaveProperty("problem");
    const base = { UPN_API_URL: "https://upn.example.com", UPN_API_KEY: "k", UPN_DEPOT: "045" };
    const ok = readUpnSettings({ ...base, UPN_SERVICE_LEVELS: "NEXT_DAY=ND" } as unknown as Env);
    expect(ok.value).toMatchObject({ serviceLevels: { NEXT_DAY: "ND" }, scanQuestion: "scan_barcode" });
    const bad = readUpnSettings({ ...base, UPN_SERVICE_LEVELS: "NEXT_DAY:ND" } as unknown as Env);
    expect(bad.value).toBeNull();
    expect(bad.problems.join(" ")).toContain("UPN_SERVICE_LEVELS");
    expect(bad.problems.join(" ")).not.toContain("\"k\"");
    expect(readUpnSettings({ ...base, UPN_SCAN_QUESTION: "hu scan" } as unknown as Env).problems.join(" ")).toContain("UPN_SCAN_QUESTION");
    expect(readUpnSettings({ ...base, UPN_SCAN_QUESTION: "pallet_scan" } as unknown as Env).value?.scanQuestion).toBe("pallet_scan");
  });
});

describe("UPN pallet-level event → scan on its handling unit (partial-order-update)", () => {
  const parsed = parseTrackingResponse(JSON.stringify(palletEvents));
  const ev = (id: string) => parsed.events.find((e) => e.event_id === id)!;

  it("spells the pallet scan exactly as tms-qargo.md does, DEL with its stop match", () => {
    const del = ev("e-90214");
    if (!isPalletScan(del)) throw new Error("e-90214 is a pallet scan");
    expect(eventToScanUpdate(del, { orderId: "7b0c3f4e" }, "scan_barcode")).toEqual({
      match: { matches_all: [{ order: { id: { matches_any: ["7b0c3f4e"] } } }] },
      consignment: {
        updates: [
          {
            good: {
              updates: [
                {
                  handling_unit: {
                    updates: [
                      {
                        match: { matches_all: [{ handling_unit: { barcode: { matches_any: ["UPNP0451234568001"] } } }] },
                        question_answers: {
                          scan_barcode: [
                            {
                              timestamp: "2026-11-24T09:12:00Z",
                              status: "SCANNED_OUT",
                              barcode: "UPNP0451234568001",
                              stop_location_code: "UPN-045",
                              description: "UPN Delivered (DEL), event e-90214",
                              stop_match: { stop_type: "DELIVERY" },
                            },
                          ],
                        },
                      },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
    });
  });

  it("maps ARR → SCANNED_IN, UNL → STORED, OFD → SCANNED_OUT, others without status; by reference when the id is unknown", () => {
    const answer = (id: string, question = "scan_barcode") => {
      const e = ev(id);
      if (!isPalletScan(e)) throw new Error(`${id} is a pallet scan`);
      const u = eventToScanUpdate(e, { customerReference: e.barcode }, question);
      expect(u.match.matches_all[0]!.order).toEqual({ customer_reference_number: { matches_any: [e.barcode] } });
      return u.consignment.updates[0]!.good.updates[0]!.handling_unit.updates[0]!.question_answers[question]![0]!;
    };
    expect(answer("e-90210")).toEqual({ timestamp: "2026-11-24T06:58:00Z", status: "SCANNED_IN", barcode: "UPNP0451234568001", stop_location_code: "UPN-045", description: "UPN Arrived (ARR), event e-90210" });
    expect(answer("e-90211").status).toBe("SCANNED_OUT");
    expect(answer("e-90211")).not.toHaveProperty("stop_match");
    // No stage text, no depot, a bare time: the stage's name, no location guessed, UTC made explicit.
    expect(answer("e-90215", "pallet_scan")).toEqual({ timestamp: "2026-11-24T05:00:00Z", barcode: "UPNP0451234568002", description: "UPN Booked (BKD), event e-90215" });
    const recorded = parseTrackingResponse(JSON.stringify(tracking)).events;
    const unl = recorded.find((e) => e.event_id === "e-88123")!;
    const cmp = recorded.find((e) => e.event_id === "e-88131")!;
    if (!isPalletScan(unl) || !isPalletScan(cmp)) throw new Error("recorded P events name their pallet");
    expect(eventToScanUpdate(unl, { orderId: "o" }, "scan_barcode").consignment.updates[0]!.good.updates[0]!.handling_unit.updates[0]!.question_answers.scan_barcode![0]!.status).toBe("STORED");
    expect(eventToScanUpdate(cmp, { orderId: "o" }, "scan_barcode").consignment.updates[0]!.good.updates[0]!.handling_unit.updates[0]!.question_answers.scan_barcode![0]).not.toHaveProperty("status");
  });

  it("never moves the stop for a pallet-level event, even one that does not name its pallet", () => {
    const orphan = ev("e-90216");
    expect(isPalletScan(orphan)).toBe(false);
    const u = eventToStatusUpdate(orphan, { orderId: "o" });
    expect(u.stop).not.toHaveProperty("status");
    expect(u.stop.question_answers).toMatchObject({ capture_type: "P", pallet_barcode: null, upn_stage_code: "DEL" });
    expect(describeEvent(orphan)).toContain("without changing it");
    expect(describeEvent(ev("e-90214"))).toBe("UPN Delivered (DEL) for pallet UPNP0451234568001 at 2026-11-24T09:12:00Z (“1 of 3 delivered”): scan SCANNED_OUT recorded on that pallet's handling unit; the delivery stop is not changed");
  });
});

describe("UPN tracking event → subco-status-update", () => {
  const parsed = parseTrackingResponse(JSON.stringify(tracking));

  it("parses every recorded event, keeping ones with missing optional fields", () => {
    expect(parsed.invalid).toEqual([]);
    expect(parsed.events.map((e) => e.event_id)).toEqual(tracking.events.map((e) => e.event_id));
    const bad = parseTrackingResponse(JSON.stringify({ events: [{ event_id: "x" }, tracking.events[0]] }));
    expect(bad.events).toHaveLength(1);
    expect(bad.invalid[0]!.reason).toContain("barcode");
    expect(() => parseTrackingResponse("{\"nope\":1}")).toThrow();
  });

  it("maps ARR → AT_STOP, DEL → COMPLETED and the rest to data only", () => {
    expect(["BKD", "OFD", "ARR", "UNL", "DEL", "CRD", "CMP", "ZZZ"].map(stopStatusFor)).toEqual([null, null, "AT_STOP", null, "COMPLETED", null, null, null]);
  });

  it("matches the delivery stop by order id when known, else by customer reference", () => {
    const arr = parsed.events.find((e) => e.event_id === "e-88121")!;
    expect(eventToStatusUpdate(arr, { orderId: "7b0c3f4e" })).toEqual({
      stop: {
        match: { matches_all: [{ order: { id: { matches_any: ["7b0c3f4e"] } }, stop: { stop_type: "DELIVERY" } }] },
        status: "AT_STOP",
        question_answers: { upn_stage_code: "ARR", upn_stage: "Arrived", capture_type: "C", pallet_barcode: null, upn_event_id: "e-88121", note: null },
      },
      event_time: "2026-11-23T10:31:00Z",
    });
    const unl = parsed.events.find((e) => e.event_id === "e-88123")!;
    const byRef = eventToStatusUpdate(unl, { customerReference: "UPN0451234567" });
    expect(byRef.stop.match.matches_all[0]!.order).toEqual({ customer_reference_number: { matches_any: ["UPN0451234567"] } });
    expect(byRef.stop).not.toHaveProperty("status");
    expect(byRef.stop.question_answers).toEqual({ upn_stage_code: "UNL", upn_stage: "Unloaded", capture_type: "P", pallet_barcode: "UPNP0451234567001", upn_event_id: "e-88123", note: null });
  });

  it("gives a bare UPN time an explicit UTC offset, and fills absent answers with null", () => {
    const bare = parsed.events.find((e) => e.event_id === "e-88132")!;
    const u = eventToStatusUpdate(bare, { orderId: "o" });
    expect(u.event_time).toBe("2026-11-23T12:00:00Z");
    expect(questionAnswers(bare)).toEqual({ upn_stage_code: "ARR", upn_stage: null, capture_type: "C", pallet_barcode: null, upn_event_id: "e-88132", note: null });
  });

  it("keeps a barcode's events together and in the order they happened", () => {
    const rows = byOccurrence(parsed.events)
      .reverse()
      .map((e) => ({ eventId: e.event_id, barcode: e.barcode, occurredAt: e.occurred_at.endsWith("Z") ? e.occurred_at : `${e.occurred_at}Z` }));
    const groups = packByBarcode(rows, 4);
    expect(groups.map((g) => g.map((r) => r.eventId)).sort((a, b) => a[0]!.localeCompare(b[0]!))).toEqual([
      ["e-88120", "e-88121", "e-88123", "e-88124"],
      ["e-88130", "e-88131", "e-88132"],
    ]);
  });
});

describe("TMS order → UPN ePOD", () => {
  it("takes signer, time (as UTC) and GPS from the consignee signature", () => {
    const order = orderSchema.parse(signedOrder);
    const sig = consigneeSignature(order)!;
    expect(sig).toEqual({ name: "J SMITH", timestamp: "2026-11-23T15:01:00+01:00", latitude: 53.7446, longitude: -0.3352 });
    expect(epodBody(sig, { contentType: "image/png", base64: "iVBORw0KGgo=" })).toEqual({
      signed_by: "J SMITH",
      signed_at: "2026-11-23T14:01:00Z",
      latitude: 53.7446,
      longitude: -0.3352,
      signature: { content_type: "image/png", data: "iVBORw0KGgo=" },
    });
  });

  it("finds nothing when the order has no complete consignee signature", () => {
    expect(consigneeSignature({ consignments: [{ signatures: [{ type: "CONSIGNEE", name: null, timestamp: "2026-11-23T14:01:00Z" }] }] })).toBeNull();
    expect(consigneeSignature({ consignments: null })).toBeNull();
  });
});
