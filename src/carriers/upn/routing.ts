import type { DocumentRoute, OutboundDocument, Reaction, StopCompleted } from "../carrier";
import { deliveryCompletedJob } from "./delivered";
import { sendEpodJob } from "./epod";
import { uploadImageJob } from "./images";

// Which TMS documents go to UPN, and what a completed delivery means (tms-qargo.md, "Updates
// the connector acts on"). Pure.


export function routeUpnDocument(doc: OutboundDocument): DocumentRoute {
  if (doc.documentType === "PHOTO_OF_GOODS_DELIVERY") return { kind: uploadImageJob.kind };
  if (doc.documentType === "CONSIGNEE_SIGNATURE") return { kind: sendEpodJob.kind };
  return { skip: `UPN takes the consignee signature and delivery photos, not ${doc.documentType}` };
}

/**
 * A completed delivery stop: look on the order itself for the consignee signature, so that a
 * signature whose webhook never reached us still becomes the ePOD (the job sends it once).
 */
export function upnDeliveryCompleted(stop: StopCompleted): Reaction {
  return {
    timeline: [
      {
        kind: "webhook",
        step: "tms.stop-completed",
        outcome: "info",
        message: `TMS: delivery completed at ${new Date(stop.completedAt).toISOString()}; the order is checked for the consignee signature (ePOD)`,
      },
    ],
    jobs: [
      deliveryCompletedJob.job({
        network: "upn",
        reference: stop.reference,
        payload: { orderId: stop.orderId, stopId: stop.stopId, completedAt: stop.completedAt },
        dedupeKey: `${deliveryCompletedJob.kind}:${stop.reference}:${stop.stopId}`,
      }),
    ],
  };
}
