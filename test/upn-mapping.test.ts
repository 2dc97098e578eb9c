import { describe, expect, it } from "vitest";
import { consignmentSchema, parseTrackingResponse } from "../src/carriers/upn/client";
import { byOccurrence, consigneeSignature, consignmentToOrderInput, epodBody, eventToStatusUpdate, questionAnswers, stopStatusFor } from "../src/carriers/upn/mapping";
import { packByBarcode } from "../src/carriers/upn/tracking";
import { orderSchema } from "../src/tms/schemas";
import page from "./fixtures/upn/consignments-page.json";
import tracking from "./fixtures/upn/tracking-events.json";
import signedOrder from "./fixtures/upn/tms-order-signed.json";

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
      planning_instructions: "Tail-lift required",
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
    expect(o.planning_instructions).toBeNull();
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
