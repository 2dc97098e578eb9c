import { describe, expect, it } from "vitest";
import type { DocumentRoute, Role } from "../carrier";
import { routeHazchemDocument } from "./routing";

// tms-qargo.md, "Updates the connector acts on", and hazchem.md's upload types: the route names
// the upload type in `options`, which travels to the hazchem.upload job.

const ROLES: (Role | null)[] = ["COLLECTING", "DELIVERING", null];
const upload = (type: string): DocumentRoute => ({ kind: "hazchem.upload", options: { type } });

describe("routeHazchemDocument", () => {
  it("sends delivery photos as DELIVERY_IMAGE, whatever the role", () => {
    for (const role of ROLES) expect(routeHazchemDocument({ documentType: "PHOTO_OF_GOODS_DELIVERY", role }), String(role)).toEqual(upload("DELIVERY_IMAGE"));
  });

  it("sends a POD, signed or not, as POD, whatever the role", () => {
    for (const role of ROLES) {
      expect(routeHazchemDocument({ documentType: "PROOF_OF_DELIVERY", role }), String(role)).toEqual(upload("POD"));
      expect(routeHazchemDocument({ documentType: "PROOF_OF_DELIVERY_SIGNED", role }), String(role)).toEqual(upload("POD"));
    }
  });

  it("sends customer paperwork as COP only from the collecting depot", () => {
    expect(routeHazchemDocument({ documentType: "CUSTOMER_PAPERWORK", role: "COLLECTING" })).toEqual(upload("COP"));
    const r = routeHazchemDocument({ documentType: "CUSTOMER_PAPERWORK", role: "DELIVERING" });
    expect(r).toHaveProperty("skip");
    expect("skip" in r && r.skip).toMatch(/only from the requesting\/collection depot/);
  });

  it("skips customer paperwork of an order without network_role, saying that is what is missing", () => {
    const r = routeHazchemDocument({ documentType: "CUSTOMER_PAPERWORK", role: null });
    expect(r).toHaveProperty("skip");
    expect("skip" in r && r.skip).toMatch(/no network_role/);
  });

  it("skips every other document type, whatever the role, naming the type", () => {
    for (const documentType of ["CONSIGNEE_SIGNATURE", "PALLET_LABEL", "PALLET_LABEL_EXTERNAL", "TEMPERATURE_REPORT", "SOMETHING_NEW"]) {
      for (const role of ROLES) {
        expect(routeHazchemDocument({ documentType, role }), `${documentType} × ${role}`)
          .toEqual({ skip: `Hazchem takes delivery images, customer paperwork and POD, not ${documentType}` });
      }
    }
  });
});
