import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { documents } from "../../db/schema";
import { palletwaysFetches } from "./schema";
import { sha256Hex } from "../../lib/bytes";
import { log } from "../../lib/log";
import { recordTimeline, defineJob, enqueue } from "../../engine";
import { z } from "zod";
import { attachPhotoJob } from "./attach";
import { PalletwaysClient } from "./client";
import { splitPodPdf } from "../../lib/pdf/split";

// One fetch of a tracking ID's delivery photos: the raw PDF goes to R2 before anything else,
// then each page becomes one file; photos not seen before are numbered in page order, kept in
// R2 and handed to the attach job. Safe to repeat: a photo is known by the SHA-256 of its image
// stream, so re-fetching the same PDF (a retried alarm, a refresh) attaches nothing twice.

export interface FetchSummary {
  trackingId: string;
  outcome: "none" | "photos";
  source: string;
  pages: number;
  new: number;
  known: number;
  heldByTms: number;
}

export async function fetchDeliveryPhotos(env: Env, db: Db, trackingId: string, reason: string, maxWaitMs?: number): Promise<FetchSummary> {
  const started = Date.now();
  const result = await new PalletwaysClient(env).deliveryPhotos(trackingId, maxWaitMs);
  const fetchedAt = Date.now();
  if (result.kind === "none") {
    await db.insert(palletwaysFetches).values({ trackingId, fetchedAt, source: result.source, pages: 0, newPhotos: 0, outcome: "none" }).onConflictDoNothing();
    await recordTimeline(db, { network: "palletways", reference: trackingId, kind: "fetch", step: "palletways.fetch", outcome: "info", message: `Fetched photos (${reason}): none yet`, detail: { source: result.source } });
    log({ network: "palletways", reference: trackingId, step: "palletways.fetch", outcome: "ok", ms: Date.now() - started, photos: 0, reason });
    return { trackingId, outcome: "none", source: result.source, pages: 0, new: 0, known: 0, heldByTms: 0 };
  }

  const r2Pdf = `palletways/pdf/${trackingId}/${fetchedAt}.pdf`;
  await env.FILES.put(r2Pdf, result.bytes, { httpMetadata: { contentType: "application/pdf" } });
  await db.insert(palletwaysFetches).values({ trackingId, fetchedAt, r2Key: r2Pdf, source: result.source, outcome: "stored" }).onConflictDoNothing();

  const [held, attached] = await Promise.all([
    db.select({ sha256: documents.sha256 }).from(documents).where(and(eq(documents.network, "palletways"), eq(documents.reference, trackingId), eq(documents.direction, "from_tms"))),
    db.select({ sha256: documents.sha256 }).from(documents).where(and(eq(documents.network, "palletways"), eq(documents.reference, trackingId), eq(documents.direction, "to_tms"))),
  ]);
  const heldByTms = new Set(held.map((h) => h.sha256));
  const known = new Set(attached.map((a) => a.sha256));

  let pages = 0;
  let fresh = 0;
  let skippedKnown = 0;
  let skippedHeld = 0;
  const newIds: { id: string; filename: string }[] = [];
  try {
    for await (const photo of splitPodPdf(result.bytes)) {
      pages++;
      if (known.has(photo.sha256)) {
        skippedKnown++;
        continue;
      }
      if (heldByTms.has(photo.sha256)) {
        // e.g. our own driver's photo that went to Palletways by FTP and comes back in the PDF.
        skippedHeld++;
        continue;
      }
      const ext = photo.kind === "jpeg" ? "jpg" : "pdf";
      const contentType = photo.kind === "jpeg" ? "image/jpeg" : "application/pdf";
      const r2Key = `palletways/photos/${trackingId}/${photo.sha256}.${ext}`;
      await env.FILES.put(r2Key, photo.bytes, { httpMetadata: { contentType } });
      const fileSha256 = photo.kind === "jpeg" ? photo.sha256 : await sha256Hex(photo.bytes);
      const row = await insertNumbered(env, { trackingId, sha256: photo.sha256, fileSha256, ext, contentType, size: photo.bytes.length, r2Key, page: photo.page, fetchedAt });
      if (row) {
        fresh++;
        known.add(photo.sha256);
        newIds.push(row);
      } else {
        skippedKnown++;
      }
    }
  } finally {
    // Every numbered photo gets its attach job, even when a later page failed: a row without a
    // job would be skipped as known by every later fetch and never reach the TMS.
    await enqueuePendingAttachments(env, db, trackingId);
  }
  await db
    .update(palletwaysFetches)
    .set({ pages, newPhotos: fresh, outcome: "processed" })
    .where(and(eq(palletwaysFetches.trackingId, trackingId), eq(palletwaysFetches.fetchedAt, fetchedAt)));
  const parts = [`${pages} photo${pages === 1 ? "" : "s"} found`, `${fresh} new`];
  if (skippedHeld) parts.push(`${skippedHeld} already in the TMS`);
  await recordTimeline(db, {
    network: "palletways",
    reference: trackingId,
    kind: "fetch",
    step: "palletways.fetch",
    outcome: "ok",
    message: `Fetched photos (${reason}): ${parts.join(", ")}${newIds.length ? ` (${newIds.map((n) => n.filename).join(", ")})` : ""}`,
    detail: { source: result.source, r2_key: r2Pdf, pages, new: fresh, known: skippedKnown, held_by_tms: skippedHeld },
  });
  log({ network: "palletways", reference: trackingId, step: "palletways.fetch", outcome: "ok", ms: Date.now() - started, pages, new: fresh, reason });
  return { trackingId, outcome: "photos", source: result.source, pages, new: fresh, known: skippedKnown, heldByTms: skippedHeld };
}

async function enqueuePendingAttachments(env: Env, db: Db, trackingId: string): Promise<void> {
  const pending = await db
    .select({ id: documents.id })
    .from(documents)
    .where(and(eq(documents.network, "palletways"), eq(documents.reference, trackingId), eq(documents.direction, "to_tms"), eq(documents.status, "pending")));
  if (pending.length === 0) return;
  // The dedupe key makes this a no-op for photos whose job already exists.
  await enqueue(env, db, pending.map((r) => attachPhotoJob.job({ network: "palletways", reference: trackingId, payload: { documentId: r.id }, dedupeKey: `${attachPhotoJob.kind}:${r.id}` })));
}

/**
 * Inserts the photo with the next number for its tracking ID in one statement, so two fetches
 * racing for the same tracking ID can neither share a number nor attach one photo twice.
 */
async function insertNumbered(
  env: Env,
  p: { trackingId: string; sha256: string; fileSha256: string; ext: string; contentType: string; size: number; r2Key: string; page: number; fetchedAt: number },
): Promise<{ id: string; filename: string } | null> {
  const id = crypto.randomUUID();
  const now = Date.now();
  const row = await env.DB.prepare(
    `INSERT INTO documents (id, network, reference, direction, sha256, file_sha256, document_type, filename, content_type, size, r2_key, source_ref, status, seq, created_at, updated_at)
     SELECT ?1, 'palletways', ?2, 'to_tms', ?3, ?10, 'PHOTO_OF_GOODS_DELIVERY', ?2 || '_photo_' || (coalesce(max(seq), 0) + 1) || '.' || ?4, ?5, ?6, ?7, ?8, 'pending', coalesce(max(seq), 0) + 1, ?9, ?9
     FROM documents WHERE network = 'palletways' AND reference = ?2 AND direction = 'to_tms'
     ON CONFLICT DO NOTHING
     RETURNING id, filename`,
  )
    .bind(id, p.trackingId, p.sha256, p.ext, p.contentType, p.size, p.r2Key, `page ${p.page} of the fetch at ${new Date(p.fetchedAt).toISOString()}`, now, p.fileSha256)
    .first<{ id: string; filename: string }>();
  return row ?? null;
}

/** A catch-up fetch that kept failing in its window, carried on with the queue's retries. */
export const fetchPhotosJob = defineJob("palletways.fetch-photos", z.object({ trackingId: z.string(), reason: z.string() }), async (ctx) => {
  await fetchDeliveryPhotos(ctx.env, ctx.db, ctx.payload.trackingId, ctx.payload.reason);
});
