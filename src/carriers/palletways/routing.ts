import type { DocumentRoute, OutboundDocument, Reaction, StopCompleted } from "../carrier";
import { deliveryCompletedJob } from "./delivery-completed";
import { ftpUploadJob } from "./ftp-upload";

// Which TMS documents go to Palletways, and what a completed delivery means (tms-qargo.md,
// "Updates the connector acts on"). Pure; tested in routing.test.ts.


export function routePalletwaysDocument(ftpUrl: string | null, doc: OutboundDocument): DocumentRoute {
  if (doc.documentType !== "PHOTO_OF_GOODS_DELIVERY") return { skip: `Palletways takes only delivery photos, not ${doc.documentType}` };
  if (doc.role === null) return { skip: "the order has no network_role, so we cannot tell whether we are the delivering depot; set it on the TMS order" };
  if (doc.role !== "DELIVERING") return { skip: "we are not the delivering depot for this Palletways consignment, so its photos are not sent to the Palletways FTP server" };
  if (!ftpUrl) return { skip: "PALLETWAYS_FTP_URL is not set, so photos are not uploaded" };
  return { kind: ftpUploadJob.kind };
}

/** A completed delivery opens the photo catch-up window for that tracking ID. */
export function palletwaysDeliveryCompleted(stop: StopCompleted): Reaction {
  return {
    timeline: [{ kind: "webhook", step: "tms.stop-completed", outcome: "info", message: `TMS: delivery completed at ${new Date(stop.completedAt).toISOString()}` }],
    jobs: [deliveryCompletedJob.job({
      network: "palletways",
      reference: stop.reference,
      payload: { trackingId: stop.reference, completedAt: stop.completedAt, source: "tms" },
      dedupeKey: `${deliveryCompletedJob.kind}:${stop.reference}:${stop.stopId}`,
    })],
  };
}
