import { describe, expect, it } from "vitest";
import { carrierForOrderField } from "../carriers";
import type { StopUpdate, VisibilityOrder } from "./schemas";
import { completionTime, isDeliveryCompleted, isDocumentCreated, linkOrder, tmsUpdateSeen } from "./visibility";

// tms-qargo.md, "Orders": an order is ours when its custom fields name one of our networks and
// a reference; the role says whether we collect or deliver.

const networkOf = (v: string) => carrierForOrderField(v)?.network;

function order(custom_fields: Record<string, unknown> | null, extra: Partial<VisibilityOrder> = {}): VisibilityOrder {
  return { id: "ord-1", order_name: "OR-1001", customer_reference_number: "CUST-9", status: "PLANNED", custom_fields, stops: [], ...extra };
}

function stop(s: Partial<StopUpdate["stop"]>): StopUpdate {
  return { id: "u-1", type: "Stop", stop: { id: "stop-1", location: null, status: "COMPLETED", stop_type: "DELIVERY", ...s } };
}

describe("linkOrder", () => {
  it("links an order to its network, reference and role", () => {
    expect(linkOrder(order({ pallet_network: "PALLETWAYS", network_reference: "60012340167", network_role: "DELIVERING" }), networkOf)).toEqual({
      network: "palletways", reference: "60012340167", role: "DELIVERING", orderId: "ord-1", customerReference: "CUST-9", orderName: "OR-1001",
    });
  });

  it("reads the fields leniently: case and spaces of the network and role, spaces around the reference", () => {
    const link = linkOrder(order({ pallet_network: " hazchem ", network_reference: "  HZ7781234 ", network_role: " collecting" }), networkOf);
    expect(link).toMatchObject({ network: "hazchem", reference: "HZ7781234", role: "COLLECTING" });
    expect(linkOrder(order({ pallet_network: "Upn", network_reference: "UPN123" }), networkOf)).toMatchObject({ network: "upn" });
  });

  it("keeps an order without a usable network_role, with role null", () => {
    for (const network_role of [undefined, "", "BOTH", 7, null]) {
      const link = linkOrder(order({ pallet_network: "UPN", network_reference: "UPN123", network_role }), networkOf);
      expect(link, String(network_role)).not.toBeNull();
      expect(link!.role, String(network_role)).toBeNull();
    }
  });

  it("is not ours without a known network or a reference", () => {
    const cases: (Record<string, unknown> | null)[] = [
      null,
      {},
      { pallet_network: "DHL", network_reference: "X1" },
      { pallet_network: "PALLETWAYS" },
      { pallet_network: "PALLETWAYS", network_reference: "   " },
      { pallet_network: "PALLETWAYS", network_reference: 60012340167 },
      { pallet_network: ["PALLETWAYS"], network_reference: "60012340167" },
    ];
    for (const f of cases) expect(linkOrder(order(f), networkOf), JSON.stringify(f)).toBeNull();
    expect(linkOrder(null, networkOf)).toBeNull();
    expect(linkOrder(undefined, networkOf)).toBeNull();
  });

  it("has no customer reference when the order has none", () => {
    const link = linkOrder(order({ pallet_network: "UPN", network_reference: "UPN123" }, { customer_reference_number: null }), networkOf);
    expect(link!.customerReference).toBeNull();
    const absent = order({ pallet_network: "UPN", network_reference: "UPN123" });
    delete absent.customer_reference_number;
    expect(linkOrder(absent, networkOf)!.customerReference).toBeNull();
  });
});

describe("isDeliveryCompleted", () => {
  it("is true only for a completed delivery stop", () => {
    expect(isDeliveryCompleted(stop({}))).toBe(true);
    expect(isDeliveryCompleted(stop({ stop_type: "PICKUP" }))).toBe(false);
    for (const status of ["PLANNED", "STARTED", "CANCELLED", "completed"]) expect(isDeliveryCompleted(stop({ status })), status).toBe(false);
  });
});

describe("completionTime", () => {
  const EVENT = "2026-11-23T14:05:00Z";

  it("takes the stop's actual end", () => {
    expect(completionTime(stop({ actual_end_timestamp: "2026-11-23T14:01:30+00:00" }), EVENT)).toBe(Date.UTC(2026, 10, 23, 14, 1, 30));
    expect(completionTime(stop({ actual_end_timestamp: "2026-07-01T15:00:00+01:00" }), EVENT)).toBe(Date.UTC(2026, 6, 1, 14, 0, 0));
  });

  it("falls back to the event's time when the stop has no usable end", () => {
    for (const actual_end_timestamp of [null, undefined, "", "yesterday"]) {
      expect(completionTime(stop({ actual_end_timestamp }), EVENT), String(actual_end_timestamp)).toBe(Date.UTC(2026, 10, 23, 14, 5));
    }
  });

  it("falls back to now when neither time can be read", () => {
    const before = Date.now();
    const t = completionTime(stop({ actual_end_timestamp: "soon" }), "later");
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Date.now());
  });
});

describe("isDocumentCreated", () => {
  it("acts on CREATED only", () => {
    const doc = { type: "Document" as const, status: "CREATED", document: { name: "a.jpg", document_type: "PHOTO_OF_GOODS_DELIVERY", document_content: { download_url: "/x" }, subject: {} } };
    expect(isDocumentCreated(doc)).toBe(true);
    expect(isDocumentCreated({ ...doc, status: "DELETED" })).toBe(false);
  });
});

describe("tmsUpdateSeen", () => {
  it("gives a carrier's onTmsUpdate the stop's type, status and times, or the document's type", () => {
    const st = { id: "s-1", location: {}, status: "AT_STOP", stop_type: "DELIVERY", actual_start_timestamp: "2026-12-05T09:00:00Z", actual_end_timestamp: null };
    expect(tmsUpdateSeen({ type: "Stop", value: { id: "s-1", type: "Stop", stop: st } }, "2026-12-05T09:01:00Z")).toEqual({
      kind: "stop", stopId: "s-1", stopType: "DELIVERY", status: "AT_STOP", actualStart: "2026-12-05T09:00:00Z", actualEnd: null, at: "2026-12-05T09:01:00Z",
    });
    const doc = { id: "d-1", type: "Document" as const, status: "CREATED", document: { name: "pod.pdf", document_type: "PROOF_OF_DELIVERY", document_content: { download_url: "/x" }, subject: {} } };
    expect(tmsUpdateSeen({ type: "Document", value: doc }, "2026-12-05T09:20:00Z")).toEqual({ kind: "document", documentType: "PROOF_OF_DELIVERY", status: "CREATED", documentId: "d-1", at: "2026-12-05T09:20:00Z" });
    expect(tmsUpdateSeen({ type: "other" }, "2026-12-05T09:20:00Z")).toBeNull();
  });
});
