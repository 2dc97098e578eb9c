import { describe, expect, it } from "vitest";
import type { Role } from "../carrier";
import { routeUpnDocument } from "./routing";

// tms-qargo.md, "Updates the connector acts on": UPN takes delivery photos (held until the ePOD
// is sent) and the consignee signature (the ePOD), whatever our role on the order.

const DOCUMENT_TYPES = [
  "CONSIGNEE_SIGNATURE", "CUSTOMER_PAPERWORK", "PHOTO_OF_GOODS_DELIVERY", "PROOF_OF_DELIVERY",
  "PROOF_OF_DELIVERY_SIGNED", "PALLET_LABEL", "PALLET_LABEL_EXTERNAL", "TEMPERATURE_REPORT",
];
const ROLES: (Role | null)[] = ["COLLECTING", "DELIVERING", null];

describe("routeUpnDocument", () => {
  it("sends delivery photos as images and the consignee signature as the ePOD, for every role", () => {
    for (const role of ROLES) {
      expect(routeUpnDocument({ documentType: "PHOTO_OF_GOODS_DELIVERY", role }), String(role)).toEqual({ kind: "upn.image" });
      expect(routeUpnDocument({ documentType: "CONSIGNEE_SIGNATURE", role }), String(role)).toEqual({ kind: "upn.epod" });
    }
  });

  it("skips everything else, naming the document type", () => {
    const skipped = DOCUMENT_TYPES.filter((t) => t !== "PHOTO_OF_GOODS_DELIVERY" && t !== "CONSIGNEE_SIGNATURE");
    expect(skipped).toHaveLength(6);
    for (const documentType of skipped) {
      for (const role of ROLES) {
        expect(routeUpnDocument({ documentType, role }), `${documentType} × ${role}`)
          .toEqual({ skip: `UPN takes the consignee signature and delivery photos, not ${documentType}` });
      }
    }
  });

  it("does not mistake a near-miss type for one it takes", () => {
    for (const documentType of ["photo_of_goods_delivery", "CONSIGNEE_SIGNATURE ", ""]) {
      expect(routeUpnDocument({ documentType, role: "DELIVERING" })).toHaveProperty("skip");
    }
  });
});
