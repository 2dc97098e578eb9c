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
export function upnDeliveryCompleted(stop: StopCompleted, now = Date.now()): Reaction {
  // A completion "in the future" is a clock ahead somewhere: taken as now, or the signature's
  // grace period would stretch by the skew.
  const completedAt = Math.min(stop.completedAt, now);
  const skew = stop.completedAt > now ? ` (the TMS said ${new Date(stop.completedAt).toISOString()}, which is in the future: taken as now)` : "";
  return {
    timeline: [
      {
        kind: "webhook",
        step: "tms.stop-completed",
        outcome: "info",
        message: `TMS: delivery completed at ${new Date(completedAt).toISOString()}${skew}; the order is checked for the consignee signature (ePOD)`,
      },
    ],
    jobs: [
      deliveryCompletedJob.job({
        network: "upn",
        reference: stop.reference,
        payload: { orderId: stop.orderId, stopId: stop.stopId, completedAt },
        dedupeKey: `${deliveryCompletedJob.kind}:${stop.reference}:${stop.stopId}`,
      }),
    ],
  };
}
