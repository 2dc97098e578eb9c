import { and, eq } from "drizzle-orm";
import { defineJob } from "../../engine";
import { outboundDocumentPayload } from "../../tms/document-job";
import { consignments, documents } from "../../db/schema";
import { upnEpods } from "./schema";
import { bytesToBase64 } from "../../lib/bytes";
import { errorMessage, PermanentError, TransientError } from "../../lib/errors";
import { TmsClient } from "../../tms/client";
import { UpnClient, UpnError } from "./client";
import { flushHeldImages } from "./images";
import { consigneeSignature, epodBody } from "./mapping";
import { MAX_IMAGE_BYTES } from "./enums";

// `upn.epod`: a CONSIGNEE_SIGNATURE document in the TMS becomes the consignment's ePOD at UPN.
// The signature image is the document; who signed, when and where come from the order's
// consignee signature. Then every image held for the consignment follows.

export const sendEpodJob = defineJob("upn.epod", outboundDocumentPayload, async (ctx) => {
  const { env, db, payload: p, reference: barcode } = ctx;
  const [existing] = await db.select().from(upnEpods).where(eq(upnEpods.barcode, barcode));
  const alreadySent = existing?.status === "sent" && existing.signatureSha256 === p.sha256;
  if (!alreadySent) {
    // Its size from R2 before any byte is read; the bytes themselves only once they are sent.
    const head = await env.FILES.head(p.r2Key);
    if (!head) throw new PermanentError(`the stored copy of the signature "${p.filename}" is missing`);
    if (head.size > MAX_IMAGE_BYTES) {
      throw new PermanentError(`the signature "${p.filename}" is ${head.size} bytes, over UPN's 10 MB limit for an image; it was not sent`, "IMAGE_TOO_LARGE", "Attach a smaller signature image in the TMS");
    }
    const orderId = p.orderId || (await db.select({ id: consignments.orderId }).from(consignments).where(and(eq(consignments.network, ctx.network), eq(consignments.reference, barcode))))[0]?.id;
    if (!orderId) throw new PermanentError(`no TMS order is known for UPN consignment ${barcode}`);
    const order = await new TmsClient(env).getOrder(orderId);
    const sig = consigneeSignature(order);
    // The document can arrive a moment before the order shows who signed: worth a few retries.
    if (!sig) throw new TransientError(`the TMS order ${orderId} has no consignee signature (name and time) yet`, "NO_CONSIGNEE_SIGNATURE");
    const obj = await env.FILES.get(p.r2Key);
    if (!obj) throw new PermanentError(`the stored copy of the signature "${p.filename}" is missing`);
    // An earlier attempt with these bytes may have reached UPN with its answer lost: send exactly
    // what it sent (who and when as recorded then), which UPN recognises as the same ePOD, even
    // if the order's signer has been edited since. Otherwise ours would come back 409 EPOD_EXISTS.
    const ours = existing && existing.status !== "sent" && existing.signatureSha256 === p.sha256 && existing.signedBy && existing.signedAt ? { name: existing.signedBy, timestamp: existing.signedAt } : null;
    // Within UPN's 10 MB: the bytes, their base64 and the JSON body are each held once (≈ 45 MB at most).
    const body = epodBody(ours ? { ...sig, ...ours } : sig, { contentType: p.contentType, base64: bytesToBase64(new Uint8Array(await obj.arrayBuffer())) });
    if (existing?.status !== "sent") {
      await db
        .insert(upnEpods)
        .values({ barcode, status: "sending", signedBy: body.signed_by, signedAt: body.signed_at, signatureSha256: p.sha256 })
        .onConflictDoUpdate({ target: upnEpods.barcode, set: { status: "sending", signedBy: body.signed_by, signedAt: body.signed_at, signatureSha256: p.sha256, error: null } });
    }
    let created: boolean;
    try {
      created = (await new UpnClient(env).postEpod(barcode, body)).created;
    } catch (err) {
      if (err instanceof UpnError && err.code === "EPOD_EXISTS") {
        await db.update(documents).set({ status: "failed", updatedAt: Date.now() }).where(eq(documents.id, p.documentRowId));
        // UPN does hold an ePOD, so images can follow it; ours is recorded as refused.
        if (existing?.status !== "sent") await db.update(upnEpods).set({ status: "exists_at_upn", error: errorMessage(err) }).where(eq(upnEpods.barcode, barcode));
        throw new PermanentError(
          `UPN already holds a different ePOD for ${barcode}; this signature (signed by ${body.signed_by} at ${body.signed_at}) was not sent`,
          "EPOD_EXISTS",
          `Check with UPN which ePOD for ${barcode} is right; UPN must remove the wrong one before this job is replayed`,
        );
      }
      if (existing?.status !== "sent") await db.update(upnEpods).set({ status: "failed", error: errorMessage(err) }).where(eq(upnEpods.barcode, barcode));
      throw err;
    }
    const now = Date.now();
    await db.batch([
      db.update(upnEpods).set({ status: "sent", sentAt: now, error: null }).where(eq(upnEpods.barcode, barcode)),
      db.update(documents).set({ status: "sent", destination: "upn:epod", updatedAt: now }).where(eq(documents.id, p.documentRowId)),
    ]);
    const where = body.latitude !== null && body.longitude !== null ? ` at ${body.latitude}, ${body.longitude}` : "";
    await ctx.timeline({
      kind: "upload",
      step: "upn.epod",
      outcome: "ok",
      message: created ? `ePOD sent to UPN: signed by ${body.signed_by} at ${body.signed_at}${where}` : `UPN already had this ePOD (signed by ${body.signed_by} at ${body.signed_at}); not sent twice`,
      detail: { sha256: p.sha256, signed_by: body.signed_by, signed_at: body.signed_at },
    });
  }
  const flushed = await flushHeldImages(env, db, barcode, ctx.jobId);
  if (flushed.epodRequired) throw new TransientError(`UPN does not show the ePOD of ${barcode} yet (EPOD_REQUIRED); held images are tried again`, "EPOD_REQUIRED");
  if (flushed.sent) {
    await ctx.timeline({ kind: "info", step: "upn.epod", outcome: "ok", message: `${flushed.sent} held delivery image${flushed.sent === 1 ? "" : "s"} sent to UPN after the ePOD` });
  }
  if (alreadySent) return { status: "skipped", message: "this ePOD was sent already" };
});
