import type { DocumentRoute, OutboundDocument } from "../carrier";
import { JOB_UPLOAD, type UploadType } from "./enums";

// Which TMS documents go to Hazchem, and as which of its upload types (tms-qargo.md, "Updates
// the connector acts on"; hazchem.md). Pure; the upload type travels to the job as options.

const upload = (type: UploadType): DocumentRoute => ({ kind: JOB_UPLOAD, options: { type } });

export function routeHazchemDocument(doc: OutboundDocument): DocumentRoute {
  switch (doc.documentType) {
    case "PHOTO_OF_GOODS_DELIVERY":
      return upload("DELIVERY_IMAGE");
    case "CUSTOMER_PAPERWORK":
      if (doc.role === "COLLECTING") return upload("COP");
      if (doc.role === null) return { skip: "the order has no network_role, so we cannot tell whether we are the collection depot (customer paperwork goes to Hazchem only from there); set it on the TMS order" };
      return { skip: "customer paperwork goes to Hazchem only from the requesting/collection depot (signed COP has no flow)" };
    // hazchem.md: POD takes the proof of delivery, signed or not.
    case "PROOF_OF_DELIVERY":
    case "PROOF_OF_DELIVERY_SIGNED":
      return upload("POD");
    default:
      return { skip: `Hazchem takes delivery images, customer paperwork and POD, not ${doc.documentType}` };
  }
}
