import type { DocumentRoute, OutboundDocument } from "../carrier";

// Which TMS documents go to UPN (tms-qargo.md, "Updates the connector acts on"). Pure.

const JOB_IMAGE = "upn.image";
const JOB_EPOD = "upn.epod";

export function routeUpnDocument(doc: OutboundDocument): DocumentRoute {
  if (doc.documentType === "PHOTO_OF_GOODS_DELIVERY") return { kind: JOB_IMAGE };
  if (doc.documentType === "CONSIGNEE_SIGNATURE") return { kind: JOB_EPOD };
  return { skip: `UPN takes the consignee signature and delivery photos, not ${doc.documentType}` };
}
