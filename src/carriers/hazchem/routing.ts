import type { DocumentRoute, OutboundDocument } from "../carrier";
import type { UploadType } from "./enums";
import { hazchemUploadJob } from "./upload";

// Which TMS documents go to Hazchem, and as which of its upload types (tms-qargo.md, "Updates
// the connector acts on"; hazchem.md). Pure; the upload type travels to the job as options.

const upload = (type: UploadType): DocumentRoute => ({ kind: hazchemUploadJob.kind, options: { type } });

export function routeHazchemDocument(doc: OutboundDocument): DocumentRoute {
  switch (doc.documentType) {
    case "PHOTO_OF_GOODS_DELIVERY":
      return upload("DELIVERY_IMAGE");
    case "CUSTOMER_PAPERWORK":
      if (doc.role === "COLLECTING") return upload("COP");
      if (doc.role === null) return { skip: "the order has no network_role, so we cannot tell whether we are the collection depot (customer paperwork goes to Hazchem only from there); set it on the TMS order" };
      return { skip: "customer paperwork goes to Hazchem only from the requesting/collection depot (signed COP has no flow)" };
    // Signed or not, a POD is Hazchem's POD (hazchem.md, upload types); only signed COP has no flow.
    case "PROOF_OF_DELIVERY":
    case "PROOF_OF_DELIVERY_SIGNED":
      return upload("POD");
    default:
      return { skip: `Hazchem takes delivery images, customer paperwork and POD, not ${doc.documentType}` };
  }
}
