import { and, eq } from "drizzle-orm";
import { consignments, documents } from "../../db/schema";
import { DeferError, PermanentError } from "../../lib/errors";
import { z } from "zod";
import { defineJob } from "../../engine";
import { importDocumentOnce } from "../../tms/import-once";

// palletways.attach-photo: one new photo from the POD PDF into the TMS order, by order id.

export const attachPhotoJob = defineJob("palletways.attach-photo", z.object({ documentId: z.string() }), async (ctx) => {
  const { db, env, reference } = ctx;
  const [doc] = await db.select().from(documents).where(eq(documents.id, ctx.payload.documentId));
  if (!doc) throw new PermanentError(`photo record ${ctx.payload.documentId} is missing`);
  if (doc.status === "attached") return { status: "skipped", message: "already attached" };
  const [c] = await db.select().from(consignments).where(and(eq(consignments.network, ctx.network), eq(consignments.reference, reference)));
  const match = c?.orderId ? { orderId: c.orderId } : c?.customerReference ? { customerReference: c.customerReference } : null;
  if (!match) throw new DeferError(`no TMS order is known yet for tracking ID ${reference}; the photo waits`, 10 * 60_000);
  const obj = await env.FILES.get(doc.r2Key!);
  if (!obj) throw new PermanentError(`the stored photo ${doc.r2Key} is missing from R2`);
  const bytes = new Uint8Array(await obj.arrayBuffer());
  await importDocumentOnce(
    env,
    { match, filename: doc.filename, documentType: "PHOTO_OF_GOODS_DELIVERY", bytes, contentType: doc.contentType ?? "image/jpeg" },
    { checkFirst: await ctx.ranBefore(), step: "palletways.attach-photo", timeline: ctx.timeline },
  );
  const destination = "orderId" in match ? `TMS order ${match.orderId}` : `TMS order with customer reference ${match.customerReference} (matched by reference)`;
  await db.update(documents).set({ status: "attached", destination, updatedAt: Date.now() }).where(eq(documents.id, doc.id));
  await ctx.timeline({ kind: "attachment", step: "palletways.attach-photo", outcome: "ok", message: `Attached ${doc.filename} to ${destination}`, detail: { sha256: doc.sha256, size: doc.size, document_id: doc.id } });
});
