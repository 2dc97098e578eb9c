import { describe, expect, it } from "vitest";
import type { Role } from "../carrier";
import { palletwaysDeliveryCompleted, routePalletwaysDocument } from "./routing";

// tms-qargo.md, "Updates the connector acts on": only delivery photos, only where we deliver,
// only when the FTP server is configured; everything else is skipped with the reason.

const FTP = "ftp://depot:secret@ftp.example.com/in";
const DOCUMENT_TYPES = [
  "CONSIGNEE_SIGNATURE", "CUSTOMER_PAPERWORK", "PHOTO_OF_GOODS_DELIVERY", "PROOF_OF_DELIVERY",
  "PROOF_OF_DELIVERY_SIGNED", "PALLET_LABEL", "PALLET_LABEL_EXTERNAL", "TEMPERATURE_REPORT",
];
const ROLES: (Role | null)[] = ["COLLECTING", "DELIVERING", null];

describe("routePalletwaysDocument", () => {
  it("sends a delivery photo to the FTP upload only where we are the delivering depot", () => {
    expect(routePalletwaysDocument(FTP, { documentType: "PHOTO_OF_GOODS_DELIVERY", role: "DELIVERING" })).toEqual({ kind: "palletways.ftp-upload" });
  });

  it("skips every other document type, whatever the role, naming the type", () => {
    for (const documentType of DOCUMENT_TYPES.filter((t) => t !== "PHOTO_OF_GOODS_DELIVERY")) {
      for (const role of ROLES) {
        expect(routePalletwaysDocument(FTP, { documentType, role }), `${documentType} × ${role}`)
          .toEqual({ skip: `Palletways takes only delivery photos, not ${documentType}` });
      }
    }
  });

  it("skips a photo where we collect", () => {
    const r = routePalletwaysDocument(FTP, { documentType: "PHOTO_OF_GOODS_DELIVERY", role: "COLLECTING" });
    expect(r).toEqual({ skip: "we are not the delivering depot for this Palletways consignment, so its photos are not sent to the Palletways FTP server" });
  });

  it("skips a photo of an order without network_role, saying that is what is missing", () => {
    const r = routePalletwaysDocument(FTP, { documentType: "PHOTO_OF_GOODS_DELIVERY", role: null });
    expect("skip" in r && r.skip).toMatch(/no network_role/);
    expect("skip" in r && r.skip).not.toMatch(/not the delivering depot/);
  });

  it("skips a photo when PALLETWAYS_FTP_URL is not set, naming the setting", () => {
    for (const ftp of [null, ""]) {
      expect(routePalletwaysDocument(ftp, { documentType: "PHOTO_OF_GOODS_DELIVERY", role: "DELIVERING" }))
        .toEqual({ skip: "PALLETWAYS_FTP_URL is not set, so photos are not uploaded" });
    }
  });

  it("never puts the FTP URL (it carries the password) into a reason", () => {
    for (const documentType of DOCUMENT_TYPES) {
      for (const role of ROLES) {
        expect(JSON.stringify(routePalletwaysDocument(FTP, { documentType, role }))).not.toContain("secret");
      }
    }
  });
});

describe("palletwaysDeliveryCompleted", () => {
  const stop = { reference: "60012340167", stopId: "stop-1", completedAt: Date.UTC(2026, 10, 23, 14, 1), orderId: "order-1", role: "DELIVERING" as const };

  it("opens the catch-up window for the tracking ID, once per stop", () => {
    const r = palletwaysDeliveryCompleted(stop);
    expect(r.jobs).toEqual([{
      kind: "palletways.delivery-completed",
      network: "palletways",
      reference: "60012340167",
      payload: { trackingId: "60012340167", completedAt: stop.completedAt, source: "tms" },
      dedupeKey: "palletways.delivery-completed:60012340167:stop-1",
    }]);
    // Another stop of the same consignment is its own event; the same stop again is not.
    expect(palletwaysDeliveryCompleted({ ...stop, stopId: "stop-2" }).jobs[0]!.dedupeKey).not.toBe(r.jobs[0]!.dedupeKey);
    expect(palletwaysDeliveryCompleted({ ...stop }).jobs[0]!.dedupeKey).toBe(r.jobs[0]!.dedupeKey);
  });

  it("records the completion time on the timeline as an instant", () => {
    const [line] = palletwaysDeliveryCompleted(stop).timeline;
    expect(line).toEqual({ kind: "webhook", step: "tms.stop-completed", outcome: "info", message: "TMS: delivery completed at 2026-11-23T14:01:00.000Z" });
  });
});
