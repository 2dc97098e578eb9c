import { and, eq, sql } from "drizzle-orm";
import { defineJob, raiseAlert, recordTimeline } from "../../engine";
import { outboundDocumentPayload } from "../../tms/document-job";
import type { Db } from "../../db/client";
import { documents, jobs } from "../../db/schema";
import { upnEpods } from "./schema";
import { bytesToBase64 } from "../../lib/bytes";
import { DeferError, errorMessage, PermanentError, TransientError } from "../../lib/errors";
import { log } from "../../lib/log";
import { UpnClient, UpnError } from "./client";
import { MAX_IMAGE_BYTES } from "./enums";

// A 10 MB image is ~60 MB while it becomes a JSON body (bytes, base64, JSON, UTF-8): one at a
// time per isolate keeps that inside 128 MB whatever else the isolate is doing.
let imageGate: Promise<void> = Promise.resolve();
async function oneImageAtATime<T>(fn: () => Promise<T>): Promise<T> {
  const before = imageGate;
  let release!: () => void;
  imageGate = new Promise<void>((r) => (release = r));
  await before;
  try {
    return await fn();
  } finally {
    release();
  }
}

// Delivery images (contracts/upn.md): UPN takes none before the consignment's ePOD. Every image
// is first `held` (the documents row from tms.document, R2 holds the bytes); whoever knows the
// ePOD is there (the image's own job, the ePOD job) then drains the held images oldest first.
// One drainer at a time per consignment: a claim is a single UPDATE that succeeds only while no
// other image of that consignment is `sending`, which keeps UPN's order the TMS's order and
// sends each image once.

/** A `sending` row older than this was left by a worker that died; it may be claimed again. */
const STALE_SENDING_MS = 5 * 60_000;

async function epodSent(db: Db, barcode: string): Promise<boolean> {
  const [row] = await db.select({ status: upnEpods.status }).from(upnEpods).where(eq(upnEpods.barcode, barcode));
  return row?.status === "sent" || row?.status === "exists_at_upn";
}

type DocRow = typeof documents.$inferSelect;

/** Claims the oldest held image of the consignment, unless another one is being sent. */
async function claimNext(db: Db, barcode: string): Promise<DocRow | null> {
  const now = Date.now();
  const stale = now - STALE_SENDING_MS;
  const rows = await db
    .update(documents)
    .set({ status: "sending", updatedAt: now })
    .where(
      sql`${documents.id} = (
        select d.id from documents d
        where d.network = 'upn' and d.reference = ${barcode} and d.direction = 'from_tms'
          and d.document_type = 'PHOTO_OF_GOODS_DELIVERY'
          and (d.status = 'held' or (d.status = 'sending' and d.updated_at < ${stale}))
        order by d.created_at, d.id limit 1)
      and not exists (
        select 1 from documents s
        where s.network = 'upn' and s.reference = ${barcode} and s.status = 'sending' and s.updated_at >= ${stale})`,
    )
    .returning();
  return rows[0] ?? null;
}

async function heldCount(db: Db, barcode: string): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)` })
    .from(documents)
    .where(and(eq(documents.network, "upn"), eq(documents.reference, barcode), eq(documents.direction, "from_tms"), eq(documents.documentType, "PHOTO_OF_GOODS_DELIVERY"), eq(documents.status, "held")));
  return r?.n ?? 0;
}

type FlushResult = { sent: number; failed: string[]; busy: boolean; epodRequired: boolean };

/**
 * Sends every held image of the consignment, oldest first. A transient failure puts the image
 * back to held and throws (the caller's job is retried); a permanent one marks that image
 * failed on its timeline and goes on with the rest.
 */
export async function flushHeldImages(env: Env, db: Db, barcode: string, jobId: string | null): Promise<FlushResult> {
  const out: FlushResult = { sent: 0, failed: [], busy: false, epodRequired: false };
  const upn = new UpnClient(env);
  for (;;) {
    const doc = await claimNext(db, barcode);
    if (!doc) {
      out.busy = (await heldCount(db, barcode)) > 0;
      return out;
    }
    const back = (status: string) => db.update(documents).set({ status, updatedAt: Date.now() }).where(eq(documents.id, doc.id));
    try {
      const obj = doc.r2Key ? await env.FILES.get(doc.r2Key) : null;
      if (!obj) throw new PermanentError(`the stored copy of "${doc.filename}" is missing`, "UPN_IMAGE_MISSING");
      if (obj.size > MAX_IMAGE_BYTES) throw new PermanentError(`"${doc.filename}" is ${obj.size} bytes, over UPN's 10 MB limit for an image`, "IMAGE_TOO_LARGE");
      const r = await oneImageAtATime(async () => {
        const bytes = new Uint8Array(await obj.arrayBuffer());
        return upn.postImage(barcode, { filename: doc.filename, content_type: doc.contentType ?? "image/jpeg", data: bytesToBase64(bytes), sha256: doc.sha256 });
      });
      await db.update(documents).set({ status: "sent", destination: `upn:image:${r.imageId}`, updatedAt: Date.now() }).where(eq(documents.id, doc.id));
      out.sent++;
      await recordTimeline(db, {
        network: "upn",
        reference: barcode,
        kind: "upload",
        step: "upn.image",
        outcome: "ok",
        jobId,
        message: r.created ? `Delivery image "${doc.filename}" sent to UPN (image ${r.imageId})` : `UPN already had delivery image "${doc.filename}" (image ${r.imageId}); not sent twice`,
        detail: { sha256: doc.sha256, image_id: r.imageId },
      });
    } catch (err) {
      if (err instanceof UpnError && err.code === "EPOD_REQUIRED") {
        // Our record says the ePOD went; UPN says not (yet). Hold; the caller retries later.
        await back("held");
        await recordTimeline(db, { network: "upn", reference: barcode, kind: "document", step: "upn.image", outcome: "waiting", jobId, message: `UPN says ${barcode} has no ePOD yet (EPOD_REQUIRED): "${doc.filename}" is held and tried again later` });
        out.epodRequired = true;
        return out;
      }
      if (err instanceof PermanentError) {
        await back("failed");
        out.failed.push(doc.id);
        await recordTimeline(db, { network: "upn", reference: barcode, kind: "error", step: "upn.image", outcome: "error", jobId, message: `Delivery image "${doc.filename}" not sent to UPN: ${errorMessage(err)}`, detail: { code: err.code ?? null, action: err.action ?? null } });
        log({ network: "upn", reference: barcode, step: "upn.image", outcome: "error", error: errorMessage(err), code: err.code, action: err.action });
        // UPN refusing the action at all stops the drain: the rest would be refused the same way.
        if (err.code === "ACTION_NOT_ENABLED") {
          const rest = await db.update(documents).set({ status: "failed", updatedAt: Date.now() }).where(and(eq(documents.network, "upn"), eq(documents.reference, barcode), eq(documents.status, "held"))).returning({ id: documents.id });
          out.failed.push(...rest.map((r) => r.id));
          throw err;
        }
        continue;
      }
      await back("held");
      throw err;
    }
  }
}

/** `upn.image`: hold the image until the ePOD exists, then send it (and any held before it). */
export const uploadImageJob = defineJob("upn.image", outboundDocumentPayload, async (ctx) => {
  const { env, db, payload: p, reference: barcode } = ctx;
  const [row] = await db.select().from(documents).where(eq(documents.id, p.documentRowId));
  if (!row) throw new PermanentError(`the document record ${p.documentRowId} is missing`);
  if (row.status === "sent") return { status: "skipped", message: "already sent to UPN" };
  if (row.status === "received" || row.status === "failed") {
    const head = await env.FILES.head(p.r2Key);
    if (!head) throw new PermanentError(`the stored copy of "${p.filename}" is missing`, "UPN_IMAGE_MISSING");
    if (head.size > MAX_IMAGE_BYTES) {
      await db.update(documents).set({ status: "failed", updatedAt: Date.now() }).where(eq(documents.id, row.id));
      throw new PermanentError(`"${p.filename}" is ${head.size} bytes, over UPN's 10 MB limit for an image`, "IMAGE_TOO_LARGE", "Send a smaller photo from the TMS (up to 10 MB)");
    }
    await db.update(documents).set({ status: "held", updatedAt: Date.now() }).where(eq(documents.id, row.id));
  }
  // Held first, then the ePOD check: an ePOD marked sent after this check finds the row held.
  if (!(await epodSent(db, barcode))) {
    await ctx.timeline({ kind: "document", step: "upn.image", outcome: "waiting", message: `Delivery image "${p.filename}" held: UPN takes images only after the consignment's ePOD (consignee signature)`, detail: { sha256: p.sha256 } });
    return;
  }
  const r = await flushHeldImages(env, db, barcode, ctx.jobId);
  const [now] = await db.select({ status: documents.status }).from(documents).where(eq(documents.id, row.id));
  if (now?.status === "sent") return;
  if (r.epodRequired) {
    // Counts as an attempt: if UPN never sees the ePOD, this ends in the failures list.
    throw new TransientError(`UPN does not have the ePOD of ${barcode} yet (EPOD_REQUIRED); "${p.filename}" stays held`, "EPOD_REQUIRED");
  }
  if (now?.status === "failed") throw new PermanentError(`"${p.filename}" was not accepted by UPN; see the timeline`, "UPN_IMAGE_FAILED");
  // Another job is draining this consignment's images right now; check back shortly.
  throw new DeferError(`another delivery image of ${barcode} is being sent; "${p.filename}" follows it`, 2_000);
});

/** Longest an image may wait for the ePOD before it stands as a failure (upn.md, rule 9). */
export const HELD_LIMIT_MS = 24 * 3_600_000;
export const HELD_TOO_LONG = "no consignee signature for 24 h: check the ePOD in the TMS";
export const HELD_ACTION = "Check that the TMS order has the consignee signature (it becomes the ePOD that UPN needs before any image), then replay this from the failures list.";

/**
 * Images held past HELD_LIMIT_MS become failures: the document is marked failed and its
 * `upn.image` job stands in the failures list, where a replay holds it again for another 24 h
 * (or sends it, if the ePOD has gone by then). Run from the cron.
 */
export async function failLongHeldImages(env: Env, db: Db, now = Date.now()): Promise<{ failed: number }> {
  const rows = await db
    .update(documents)
    .set({ status: "failed", updatedAt: now })
    .where(
      and(
        eq(documents.status, "held"),
        sql`${documents.updatedAt} < ${now - HELD_LIMIT_MS}`,
        eq(documents.network, "upn"),
        eq(documents.direction, "from_tms"),
        eq(documents.documentType, "PHOTO_OF_GOODS_DELIVERY"),
      ),
    )
    .returning();
  for (const doc of rows.slice(0, 500)) {
    const message = `${HELD_TOO_LONG} (delivery image "${doc.filename}" is held: UPN takes images only after the ePOD)`;
    // The image's own job is the visible failure: the tms.document job named it by its bytes.
    await db
      .update(jobs)
      .set({ status: "failed", lastError: message, nextRunAt: null, waitingSince: null, updatedAt: now })
      .where(eq(jobs.dedupeKey, `upn.image:upn:${doc.reference}:${doc.sha256}`));
    await recordTimeline(db, {
      network: "upn",
      reference: doc.reference,
      kind: "error",
      step: "upn.image",
      outcome: "error",
      message: `Delivery image "${doc.filename}" waited more than 24 h for the ePOD and is now a failure: ${HELD_TOO_LONG}. Replay it from the failures list once the signature is in the TMS.`,
      detail: { sha256: doc.sha256, action: HELD_ACTION },
    });
    log({ network: "upn", reference: doc.reference, step: "upn.image", outcome: "error", error: HELD_TOO_LONG });
    await raiseAlert(env, db, {
      kind: "failure",
      network: "upn",
      reference: doc.reference,
      text: `UPN ${doc.reference}: delivery image "${doc.filename}" is a failure: ${HELD_TOO_LONG}.`,
      path: `/ops/consignments/upn/${encodeURIComponent(doc.reference)}`,
    });
  }
  return { failed: rows.length };
}
