import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { consignments } from "../../db/schema";
import { palletwaysImports } from "./schema";
import { DeferError, PermanentError } from "../../lib/errors";
import { z } from "zod";
import { defineJob, type JobContext, type JobHandler } from "../../engine";
import { TmsClient } from "../../tms/client";
import { consignmentSchema, type PalletwaysConsignment } from "./import-client";
import { dispatchNotes } from "./import-apply";
import { consignmentToOrderInput, missingForOrder, orderIdentifier } from "./import-mapping";
import { ensureFieldsRun } from "./import-fields";
import { palletwaysSettings } from "./settings";

// A consignment for our depot becomes a TMS order exactly once (tms-qargo.md, "Orders the
// connector creates (Palletways import)"): upload, poll the upload to its order id, keep the
// id (so webhooks, photos and notes find the order) and release the notes that waited for it;
// the consignment's `palletways` fields follow (import-fields.ts). Each step is
// recorded on the import row before the next, so a retry or a replay resumes where it stopped;
// the tracking ID is the key (and Qargo dedupes uploads on order_identifier as well).

export const IMPORT_JOB = "palletways.import";
const MAX_POLLS = 60;
const PENDING = new Set(["TODO", "IN_PROGRESS", "READY_TO_UPSERT", "UPSERT_IN_PROGRESS"]);

const setRow = (db: Db, trackingId: string, values: Partial<typeof palletwaysImports.$inferInsert>) =>
  db.update(palletwaysImports).set({ ...values, updatedAt: Date.now() }).where(eq(palletwaysImports.trackingId, trackingId));

const importOrder: JobHandler<{ trackingId: string }> = async (ctx) => {
  const { env, db } = ctx;
  const trackingId = ctx.payload.trackingId;
  const [row] = await db.select().from(palletwaysImports).where(eq(palletwaysImports.trackingId, trackingId));
  if (!row) throw new PermanentError(`no Palletways import is recorded for ${trackingId}`);
  if (row.status === "completed") return { status: "skipped", message: `already imported as TMS order ${row.orderId}` };
  if (row.status === "created") {
    await ensureFieldsRun(env, db);
    return { status: "skipped", message: `already imported as TMS order ${row.orderId}; its Palletways fields follow` };
  }
  if (row.status === "not_ours" || row.status === "lookup" || row.status === "looking") return { status: "skipped", message: `not an import of ours (${row.status})` };
  const parsed = consignmentSchema.safeParse(safeJson(row.body));
  if (!parsed.success) throw new PermanentError(`the Palletways consignment kept for ${trackingId} is unreadable`, "PALLETWAYS_IMPORT_BODY");
  const c = parsed.data;
  if (!row.orderId) await createOrder(ctx, row, c);
  // The order exists: its `palletways` fields follow in a shared call (import-fields.ts).
  await ensureFieldsRun(env, db);
};

/** Upload (once) and poll to the order id; the id and the consignment link are kept together. */
async function createOrder(ctx: JobContext<{ trackingId: string }>, row: typeof palletwaysImports.$inferSelect, c: PalletwaysConsignment): Promise<string> {
  const { env, db } = ctx;
  const trackingId = c.TrackingID;
  const tms = new TmsClient(env);
  let uploadId = row.uploadId;
  if (!uploadId) {
    const missing = missingForOrder(c);
    if (missing) {
      const error = `Palletways consignment ${trackingId} has no ${missing}; no TMS order can be made from it`;
      await setRow(db, trackingId, { status: "failed", error });
      throw new PermanentError(error, "PALLETWAYS_IMPORT_INCOMPLETE", "Key the order in by hand from the Palletways portal, or ask Palletways to correct the consignment and replay this job");
    }
    const up = await tms.uploadOrder(consignmentToOrderInput(c, palletwaysSettings(env)?.import.serviceLevels ?? {}));
    uploadId = up.uploadId;
    await setRow(db, trackingId, { uploadId, status: "uploaded", polls: 0, error: null });
    await ctx.timeline({ kind: "upload", step: "palletways.import", outcome: "ok", message: `Palletways consignment sent to the TMS as order ${orderIdentifier(trackingId)} (upload ${uploadId}); waiting for the TMS to create it`, detail: { upload_id: uploadId } });
    if (up.orderId) return linked(ctx, trackingId, up.orderId, "COMPLETED");
    throw new DeferError(`the TMS is importing ${orderIdentifier(trackingId)}`, pollDelayMs(0));
  }
  // One status check a run, then the job steps aside (a queue delay, not a sleeping isolate), so
  // hundreds of imports in flight hold no consumer slot while the TMS works on them.
  const st = await tms.uploadStatus(uploadId);
  const polls = row.polls + 1;
  if ((st.status === "COMPLETED" || st.status === "DUPLICATE") && st.orderId) return linked(ctx, trackingId, st.orderId, st.status);
  if (!PENDING.has(st.status)) {
    const detail = st.errors ? `: ${JSON.stringify(st.errors).slice(0, 500)}` : "";
    const error = `the TMS did not create order ${orderIdentifier(trackingId)} (upload ${uploadId} ended ${st.status})${detail}`;
    // A replay starts with a fresh upload: this one is finished and cannot give an order.
    await setRow(db, trackingId, { status: "failed", uploadId: null, polls: 0, error });
    throw new PermanentError(error, `TMS_UPLOAD_${st.status}`, "Check the order import in the TMS (customer PALLETWAYS, addresses, service level), then replay this job");
  }
  if (polls >= MAX_POLLS) {
    // Qargo dedupes on order_identifier: a fresh upload on replay answers DUPLICATE with the id.
    await setRow(db, trackingId, { status: "failed", uploadId: null, polls: 0 });
    throw new PermanentError(`the TMS has not finished importing ${orderIdentifier(trackingId)} after ${polls} checks (upload ${uploadId})`, "TMS_UPLOAD_STUCK", "Look at the upload in the TMS, then replay this job");
  }
  await setRow(db, trackingId, { polls });
  throw new DeferError(`the TMS is still importing ${orderIdentifier(trackingId)}`, pollDelayMs(polls));
}

/** 1, 2, 4 … s between status checks, at most a minute: MAX_POLLS checks span about 55 minutes. */
const pollDelayMs = (polls: number) => Math.min(1_000 * 2 ** Math.max(0, polls - 1), 60_000);

async function linked(ctx: JobContext<{ trackingId: string }>, trackingId: string, orderId: string, how: string): Promise<string> {
  const { env, db } = ctx;
  const now = Date.now();
  await db.batch([
    db.update(palletwaysImports).set({ orderId, status: "created", error: null, updatedAt: now }).where(and(eq(palletwaysImports.trackingId, trackingId))),
    db
      .insert(consignments)
      .values({ network: "palletways", reference: trackingId, orderId, customerReference: trackingId, role: "DELIVERING" })
      .onConflictDoUpdate({
        target: [consignments.network, consignments.reference],
        set: { orderId, customerReference: sql`coalesce(${consignments.customerReference}, ${trackingId})`, role: sql`coalesce(${consignments.role}, 'DELIVERING')`, updatedAt: now },
      }),
  ]);
  await ctx.timeline({
    kind: "upload",
    step: "palletways.import",
    outcome: "ok",
    message: how === "DUPLICATE" ? `The TMS already had order ${orderIdentifier(trackingId)} (${orderId}); linked to it` : `TMS order ${orderIdentifier(trackingId)} created (${orderId})`,
    detail: { order_id: orderId },
  });
  // Notes that arrived before the order now have somewhere to go.
  const released = await dispatchNotes(env, db, [trackingId]);
  if (released.queued) {
    await ctx.timeline({ kind: "info", step: "palletways.import", outcome: "info", message: `${released.queued} waiting Palletways status note${released.queued === 1 ? "" : "s"} released to the TMS order` });
  }
  return orderId;
}

function safeJson(text: string | null | undefined): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export const importJob = defineJob(IMPORT_JOB, z.object({ trackingId: z.string().regex(/^\d{11}$/, "a Palletways tracking ID (11 digits)") }), importOrder);
