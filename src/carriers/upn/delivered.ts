import { and, eq } from "drizzle-orm";
import { consignments, documents, upnEpods } from "../../db/schema";
import { sha256Hex, sniffContentType } from "../../lib/bytes";
import { DeferError, PermanentError } from "../../lib/errors";
import { TmsClient } from "../../tms/client";
import type { OrderDocument } from "../../tms/schemas";
import type { JobHandler, OutboundDocumentPayload } from "../carrier";
import { consigneeSignature } from "./mapping";
import { JOB_EPOD } from "./routing";

// `upn.delivery-completed`: the ePOD's second way out. When the delivery stop completes, the
// order itself is read for the consignee signature (signer from the order, image from its
// CONSIGNEE_SIGNATURE document); when both are there and no ePOD went yet, the signature joins
// the same path as a webhook's (documents row, then `upn.epod`), so it is sent once whichever
// way it arrives.

/** How long after the delivery the signature may still be on its way into the order. */
export const SIGNATURE_GRACE_MS = 10 * 60_000;
const LOOK_AGAIN_MS = 2 * 60_000;

/** The order's signature document: the first CONSIGNEE_SIGNATURE, as the signer is the first signature. */
export function signatureDocument(docs: OrderDocument[]): OrderDocument | null {
  return docs.find((d) => d.type === "CONSIGNEE_SIGNATURE") ?? null;
}

export interface DeliveryCompletedPayload {
  orderId: string;
  stopId: string;
  completedAt: number;
}

export const checkDeliveredOrder: JobHandler<DeliveryCompletedPayload> = async (ctx) => {
  const { env, db, reference: barcode, payload: p } = ctx;
  const [epod] = await db.select().from(upnEpods).where(eq(upnEpods.barcode, barcode));
  if (epod?.status === "sent" || epod?.status === "exists_at_upn") {
    return { status: "skipped", message: `UPN has the ePOD already (signed by ${epod.signedBy ?? "?"} at ${epod.signedAt ?? "?"})` };
  }
  const orderId = p.orderId || (await db.select({ id: consignments.orderId }).from(consignments).where(and(eq(consignments.network, "upn"), eq(consignments.reference, barcode))))[0]?.id;
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

  const file = await tms.downloadDocument({ download_url: doc.download_url || `/v1/documents/document/${encodeURIComponent(doc.id)}/download` });
  const sha256 = await sha256Hex(file.bytes);
  const contentType = sniffContentType(file.bytes) ?? doc.content_type ?? file.contentType;
  const filename = doc.name || file.filename || `${barcode}-signature`;
  const r2Key = `documents/upn/${barcode}/${sha256}`;
  await env.FILES.put(r2Key, file.bytes, { httpMetadata: { contentType } });
  const inserted = await db
    .insert(documents)
    .values({ id: crypto.randomUUID(), network: "upn", reference: barcode, direction: "from_tms", sha256, documentType: "CONSIGNEE_SIGNATURE", filename, contentType, size: file.bytes.length, r2Key, sourceRef: doc.id, status: "received" })
    .onConflictDoNothing()
    .returning({ id: documents.id });
  let rowId = inserted[0]?.id;
  if (!rowId) {
    // The webhook brought these very bytes: that path owns them.
    const [existing] = await db
      .select({ id: documents.id, status: documents.status })
      .from(documents)
      .where(and(eq(documents.network, "upn"), eq(documents.reference, barcode), eq(documents.direction, "from_tms"), eq(documents.sha256, sha256)));
    if (existing && existing.status !== "received") return { status: "skipped", message: `this signature was handled already (${existing.status})` };
    rowId = existing!.id;
  }
  await ctx.timeline({
    kind: "document",
    step: "upn.delivery-completed",
    outcome: "ok",
    message: `Consignee signature found on the TMS order (signed by ${sig.name}): "${filename}" (${file.bytes.length} bytes); the ePOD goes to UPN`,
    detail: { sha256, r2_key: r2Key, document_id: doc.id },
  });
  const next: OutboundDocumentPayload = {
    documentRowId: rowId,
    r2Key,
    sha256,
    filename,
    contentType,
    documentType: "CONSIGNEE_SIGNATURE",
    documentId: doc.id,
    role: "DELIVERING",
    orderId,
    route: null,
  };
  // The same key as a webhook-driven ePOD of these bytes (tms.document): one job either way.
  await ctx.enqueue([{ kind: JOB_EPOD, network: "upn", reference: barcode, payload: { ...next }, dedupeKey: `${JOB_EPOD}:upn:${barcode}:${sha256}` }]);
};
