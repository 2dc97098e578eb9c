import { eq } from "drizzle-orm";
import { z } from "zod";
import { defineJob, type JobContext } from "../../engine";
import { documents } from "../../db/schema";
import { palletwaysBookings } from "./schema";
import { sha256Hex } from "../../lib/bytes";
import { PermanentError } from "../../lib/errors";
import { TmsClient } from "../../tms/client";
import { uploadStopDocumentOnce } from "../../tms/subco-documents";
import { BookingClient } from "./booking-client";
import { bookingSettings } from "./booking-settings";
import { loadBooking, type Booking } from "./booking-store";
import { LABELS_JOB, LINK_JOB, POD_JOB, STATUS_JOB } from "./booking-kinds";

// What follows a booking (palletways.md, "Once the tracking ID is known"): the tracking ID into
// the TMS order, the labels onto the pickup stop, each status note onto its stop, and at 900
// the POD onto the delivery stop. Each is its own job, so one failing holds up nothing else.

async function booked(ctx: JobContext<{ orderId: string }>): Promise<Booking & { trackingId: string }> {
  const row = await loadBooking(ctx.db, ctx.payload.orderId);
  if (!row?.trackingId) throw new PermanentError(`no booked consignment for TMS order ${ctx.payload.orderId}`);
  return row as Booking & { trackingId: string };
}

/** `partial-order-update`: the consignment's palletways fields and the order's network fields. A repeat is harmless. */
async function link(ctx: JobContext<{ orderId: string }>) {
  const row = await booked(ctx);
  await new TmsClient(ctx.env).partialOrderUpdate({
    updates: [
      {
        match: { matches_all: [{ order: { id: { matches_any: [row.orderId] } } }] },
        update: { operation: "UPDATE", data: { custom_fields: { pallet_network: "PALLETWAYS", network_reference: row.trackingId, network_role: "COLLECTING" } } },
        consignment: { updates: [{ update: { operation: "UPDATE", data: { palletways: { tracking_id: row.trackingId, consignment_number: row.orderName } } } }] },
      },
    ],
  });
  await ctx.timeline({ kind: "info", step: "palletways.booking-link", outcome: "ok", message: `The TMS order ${row.orderName} now carries tracking ID ${row.trackingId} (consignment fields and pallet_network/network_reference/network_role)` });
}

/** getLabelsByTID → the pickup stop. An account without labels is a note and one attention item. */
async function labels(ctx: JobContext<{ orderId: string }>) {
  const row = await booked(ctx);
  if (row.labels === "attached") return { status: "skipped" as const, message: "labels already on the pickup stop" };
  const settings = bookingSettings(ctx.env);
  if (!settings) throw new PermanentError("Palletways booking is not configured: set PALLETWAYS_ACCOUNT", "PALLETWAYS_NO_ACCOUNT");
  const pdf = await new BookingClient(ctx.env).labels(row.trackingId);
  if (pdf.kind === "none") {
    await ctx.db.update(palletwaysBookings).set({ labels: "not_configured", updatedAt: Date.now() }).where(eq(palletwaysBookings.orderId, row.orderId));
    await ctx.timeline({ kind: "skipped", step: "palletways.booking-labels", outcome: "skipped", message: `No labels for ${row.trackingId}: Palletways says “${pdf.text.slice(0, 120)}” (the booking stands; print labels from the portal until the account makes them)` });
    return { status: "skipped" as const, message: "account not configured for labels" };
  }
  const filename = `${row.trackingId}_labels.pdf`;
  await sendToStop(ctx, row, { stopId: row.pickupStopId, questionKey: settings.labelQuestion, filename, bytes: pdf.bytes, kind: "labels", step: "palletways.booking-labels" });
  await ctx.db.update(palletwaysBookings).set({ labels: "attached", updatedAt: Date.now() }).where(eq(palletwaysBookings.orderId, row.orderId));
}

/** At 900: getPodByTrackingId → the delivery stop, once. Not there yet: asked again later. */
async function pod(ctx: JobContext<{ orderId: string }>) {
  const row = await booked(ctx);
  if (row.pod === "attached") return { status: "skipped" as const, message: "POD already on the delivery stop" };
  const settings = bookingSettings(ctx.env);
  if (!settings) throw new PermanentError("Palletways booking is not configured: set PALLETWAYS_ACCOUNT", "PALLETWAYS_NO_ACCOUNT");
  const pdf = await new BookingClient(ctx.env).pod(row.trackingId);
  if (pdf.kind === "none") throw new PermanentError(`Palletways has no POD for ${row.trackingId} although it says the job is complete`, "PALLETWAYS_NO_POD", "Replay once the POD shows in the Palletways portal");
  await sendToStop(ctx, row, { stopId: row.deliveryStopId, questionKey: settings.podQuestion, filename: `${row.trackingId}_pod.pdf`, bytes: pdf.bytes, kind: "POD", step: "palletways.booking-pod" });
  await ctx.db.update(palletwaysBookings).set({ pod: "attached", updatedAt: Date.now() }).where(eq(palletwaysBookings.orderId, row.orderId));
}

async function sendToStop(
  ctx: JobContext<{ orderId: string }>,
  row: Booking & { trackingId: string },
  f: { stopId: string; questionKey: string; filename: string; bytes: Uint8Array; kind: string; step: string },
): Promise<void> {
  const sha = await sha256Hex(f.bytes);
  const r2Key = `palletways/booking/${row.trackingId}/${sha}.pdf`;
  await ctx.env.FILES.put(r2Key, f.bytes, { httpMetadata: { contentType: "application/pdf" } });
  const how = await uploadStopDocumentOnce(
    ctx.env,
    { tripId: row.tripId, stopId: f.stopId, questionKey: f.questionKey, filename: f.filename, bytes: f.bytes, contentType: "application/pdf" },
    { checkFirst: await ctx.ranBefore(), note: (outcome, message, detail) => ctx.timeline({ kind: "info", step: f.step, outcome, message, detail: { reconcile: true, ...detail } }) },
  );
  const stop = f.stopId === row.pickupStopId ? "pickup" : "delivery";
  const destination = `TMS ${stop} stop ${f.stopId} (${f.questionKey})`;
  // Recorded as ours (to_tms), so the file coming back in a DocumentUpdate is known as an echo.
  await ctx.db
    .insert(documents)
    .values({ id: crypto.randomUUID(), network: "palletways", reference: row.trackingId, direction: "to_tms", sha256: sha, documentType: f.questionKey, filename: f.filename, contentType: "application/pdf", size: f.bytes.length, r2Key, destination, status: "attached", sourceRef: f.kind })
    .onConflictDoNothing();
  await ctx.timeline({ kind: "attachment", step: f.step, outcome: "ok", message: `${f.kind === "labels" ? "Labels" : "POD"} ${f.filename} ${how === "now" ? "put" : "found"} on the ${stop} stop (${f.questionKey})`, detail: { sha256: sha, size: f.bytes.length } });
}

/** One status note onto one stop (`subco-status-update` by stop id); a repeat is harmless. */
async function status(ctx: JobContext<z.output<typeof statusSchema>>) {
  const p = ctx.payload;
  await new TmsClient(ctx.env).subcoStatusUpdate({
    updates: [{ stop: { id: p.stopId, ...(p.status ? { status: p.status } : {}), question_answers: p.answers }, event_time: p.eventTime }],
  });
  await ctx.timeline({ kind: "event", step: "palletways.booking-status", outcome: "ok", message: `TMS: ${p.what}` });
}

const byOrder = z.object({ orderId: z.string().min(1) });
const statusSchema = z.object({
  orderId: z.string().min(1),
  stopId: z.string().min(1),
  status: z.literal("COMPLETED").nullable(),
  eventTime: z.string().min(1),
  answers: z.record(z.string(), z.string()),
  what: z.string(),
});

export const linkJob = defineJob(LINK_JOB, byOrder, link);
export const labelsJob = defineJob(LABELS_JOB, byOrder, labels);
export const podJob = defineJob(POD_JOB, byOrder, pod);
export const statusJob = defineJob(STATUS_JOB, statusSchema, status);
