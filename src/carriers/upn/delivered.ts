import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { defineJob } from "../../engine";
import { tmsDocumentJob, type TmsDocumentPayload } from "../../tms/document-job";
import { sendEpodJob } from "./epod";
import { consignments } from "../../db/schema";
import { upnEpods } from "./schema";
import { DeferError, PermanentError } from "../../lib/errors";
import { TmsClient } from "../../tms/client";
import type { OrderDocument } from "../../tms/schemas";
import { consigneeSignature } from "./mapping";

// `upn.delivery-completed`: the ePOD's second way out. When the delivery stop completes, the
// order itself is read for the consignee signature (signer from the order, image from its
// CONSIGNEE_SIGNATURE document); when both are there and no ePOD went yet, the signature joins
// the same path as a webhook's (tms.document, then `upn.epod`), so it is sent once whichever
// way it arrives.

/** How long after the delivery the signature may still be on its way into the order. */
export const SIGNATURE_GRACE_MS = 10 * 60_000;
const LOOK_AGAIN_MS = 2 * 60_000;

/** The order's signature document: the first CONSIGNEE_SIGNATURE, as the signer is the first signature. */
export function signatureDocument(docs: OrderDocument[]): OrderDocument | null {
  return docs.find((d) => d.type === "CONSIGNEE_SIGNATURE") ?? null;
}

export const deliveryCompletedJob = defineJob("upn.delivery-completed", z.object({ orderId: z.string(), stopId: z.string(), completedAt: z.number() }), async (ctx) => {
  const { env, db, reference: barcode, payload: p } = ctx;
  const [epod] = await db.select().from(upnEpods).where(eq(upnEpods.barcode, barcode));
  if (epod?.status === "sent" || epod?.status === "exists_at_upn") {
    return { status: "skipped", message: `UPN has the ePOD already (signed by ${epod.signedBy ?? "?"} at ${epod.signedAt ?? "?"})` };
  }
  const orderId = p.orderId || (await db.select({ id: consignments.orderId }).from(consignments).where(and(eq(consignments.network, ctx.network), eq(consignments.reference, barcode))))[0]?.id;
  if (!orderId) throw new PermanentError(`no TMS order is known for UPN consignment ${barcode}`);
  const tms = new TmsClient(env);
  const sig = consigneeSignature(await tms.getOrder(orderId));
  const doc = signatureDocument(await tms.orderDocuments(orderId));
  if (!sig || !doc) {
    const missing = [!sig && "consignee signature (name and time)", !doc && "CONSIGNEE_SIGNATURE document"].filter(Boolean).join(" or ");
    if (Date.now() - p.completedAt < SIGNATURE_GRACE_MS) {
      throw new DeferError(`the TMS order has no ${missing} yet; looking again shortly`, LOOK_AGAIN_MS);
    }
    const message = `Delivery completed, but the TMS order has no ${missing}: no ePOD from the order. It goes to UPN as soon as the TMS sends the consignee signature.`;
    await ctx.timeline({ kind: "skipped", step: "upn.delivery-completed", outcome: "skipped", message });
    return { status: "skipped", message };
  }

  await ctx.timeline({
    kind: "document",
    step: "upn.delivery-completed",
    outcome: "ok",
    message: `Consignee signature found on the TMS order (signed by ${sig.name}): "${doc.name}"; the ePOD goes to UPN`,
    detail: { document_id: doc.id },
  });
  // The same path as a webhook's signature: the centre fetches and records the bytes, and its
  // dedupe (same bytes, same upn.epod key) sends one ePOD whichever way the signature arrived.
  const request: TmsDocumentPayload = {
    documentId: doc.id,
    documentType: "CONSIGNEE_SIGNATURE",
    name: doc.name || `${barcode}-signature`,
    content: { downloadUrl: doc.download_url || `/v1/documents/document/${encodeURIComponent(doc.id)}/download` },
    role: "DELIVERING",
    next: sendEpodJob.kind,
    route: null,
    orderId,
    customerReference: null,
  };
  await ctx.enqueue([tmsDocumentJob.job({ network: ctx.network, reference: barcode, payload: request, dedupeKey: `${tmsDocumentJob.kind}:${ctx.network}:${barcode}:${doc.id}` })]);
});
