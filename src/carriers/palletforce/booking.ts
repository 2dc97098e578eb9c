import { and, eq, ne, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { consignments } from "../../db/schema";
import { sha256Hex } from "../../lib/bytes";
import { DeferError, errorMessage, TransientError } from "../../lib/errors";
import { log } from "../../lib/log";
import { sleep } from "../../lib/sleep";
import { z } from "zod";
import { defineJob, jobWrite, queueJobs, recordTimeline, timelineInserts, type Statement, type TimelineEntry } from "../../engine";
import { TmsClient } from "../../tms/client";
import { dispatchAnswer, type DispatchAnswer, type SubcontractorDispatch } from "../../tms/dispatch";
import type { DispatchCapability, DispatchView } from "../carrier";
import { PalletforceClient, PalletforceError, type ManifestBody } from "./client";
import { LABEL, NETWORK } from "./enums";
import { bookingWriteBack, manifestFromDispatch, palletCounts } from "./mapping";
import { palletforceBookings, palletforceTracked } from "./schema";
import { palletforceSettings } from "./settings";

// Booking (palletforce.md): a TMS subcontractor dispatch → UploadManifest. The TMS order id is
// the key twice over: our palletforce_bookings row, and Palletforce's uniqueTransactionNumber,
// which makes Palletforce return its first answer to a repeat and book nothing new. So an
// unclear outcome (timeout, reset, 5xx) is settled by simply sending the same request again,
// inline while the dispatch door's 20 seconds last, then as a queued `palletforce.book` job.

const STILL_BOOKING = `still booking with ${LABEL}: send the dispatch again in a few minutes to see the result`;
export const AUTH_WORDS = "Palletforce refused our access key: check PALLETFORCE_ACCESS_KEY";
/** Kept back from the door's deadline for our own writes and the answer. */
const MARGIN_MS = 2_500;

type Booking = typeof palletforceBookings.$inferSelect;

export const palletforceDispatch: DispatchCapability = {
  unavailable(env) {
    return palletforceSettings(env)?.account ? null : "Palletforce booking is not configured: set PALLETFORCE_ACCOUNT";
  },
  async handle(ctx, dispatch) {
    return handleDispatch(ctx.env, ctx.db, dispatch, ctx.deadline);
  },
  view: bookingView,
};

export async function handleDispatch(env: Env, db: Db, dispatch: SubcontractorDispatch, deadline: number): Promise<DispatchAnswer> {
  const s = palletforceSettings(env)!;
  const orders = dispatch.payload.orders;
  const order = orders[0];
  if (!order) return dispatchAnswer.error("USER_INPUT_ERROR", "the dispatch has no order: add the order to the trip and dispatch it again");
  const [existing] = await db.select().from(palletforceBookings).where(eq(palletforceBookings.orderId, order.id));
  if (existing?.status === "booked") return afterBooking(db, dispatch, existing);
  if (dispatch.operation === "CANCEL") {
    if (existing) await db.update(palletforceBookings).set({ cancelAt: Date.now(), updatedAt: Date.now() }).where(eq(palletforceBookings.orderId, order.id));
    return dispatchAnswer.error("NOT_SUPPORTED", existing?.status === "booking"
      ? `the ${LABEL} booking of ${order.name} may already have gone through: cancel it with ${LABEL} (the connector cannot cancel bookings)`
      : `nothing is booked with ${LABEL} for ${order.name}; the connector cannot cancel ${LABEL} bookings`);
  }
  const manifest = manifestFromDispatch(orders, { depot: s.depot, services: s.services, palletTypes: s.palletTypes, account: s.account! });
  if (!manifest.ok) return dispatchAnswer.error("USER_INPUT_ERROR", `not booked with ${LABEL}: ${manifest.problems.join("; ")}`);
  const c = order.consignments[0]!;
  const row = {
    orderId: order.id,
    tripId: dispatch.payload.id ?? null,
    orderName: order.name,
    pickupStopId: c.pickup_stop.id,
    deliveryStopId: c.delivery_stop.id,
    pallets: palletCounts(c, s.palletTypes).spaces,
    dueDate: c.delivery_stop.date?.slice(0, 10) ?? null,
    manifest: JSON.stringify(manifest.body),
    status: "booking",
    error: null,
    updatedAt: Date.now(),
  };
  // Never over a booked row: a concurrent send may have finished the booking a moment ago.
  await db.insert(palletforceBookings).values(row).onConflictDoUpdate({ target: palletforceBookings.orderId, set: row, where: ne(palletforceBookings.status, "booked") });
  // Until a tracking number exists, the booking's lines live under the order name.
  await recordTimeline(db, { network: NETWORK, reference: order.name, kind: "webhook", step: "palletforce.dispatch", outcome: "info", message: `${dispatch.operation === "UPDATE" ? "Updated" : "New"} dispatch of ${order.name} (trip ${dispatch.payload.name}): booking with ${LABEL}` });
  return bookNow(env, db, order.id, deadline);
}

function afterBooking(db: Db, dispatch: SubcontractorDispatch, b: Booking): Promise<DispatchAnswer> | DispatchAnswer {
  const tn = b.trackingNumber!;
  if (dispatch.operation === "CREATE") return dispatchAnswer.ok();
  if (dispatch.operation === "CANCEL") {
    return db
      .update(palletforceBookings)
      .set({ cancelAt: sql`coalesce(${palletforceBookings.cancelAt}, ${Date.now()})`, updatedAt: Date.now() })
      .where(eq(palletforceBookings.orderId, b.orderId))
      .then(() => dispatchAnswer.error("NOT_SUPPORTED", `booked with ${LABEL} as ${tn}: cancel it with ${LABEL} (the connector cannot cancel bookings)`));
  }
  return dispatchAnswer.error("NOT_SUPPORTED", `booked with ${LABEL} as ${tn}: change it with ${LABEL} (the connector cannot change bookings)`);
}

/**
 * Send the booking until it has an answer or the deadline nears; past it, the booking goes on
 * as a queued job. Every send carries the same uniqueTransactionNumber, so none books twice.
 */
export async function bookNow(env: Env, db: Db, orderId: string, deadline: number): Promise<DispatchAnswer> {
  const [b] = await db.select().from(palletforceBookings).where(eq(palletforceBookings.orderId, orderId));
  if (!b) return dispatchAnswer.error("INTERNAL_ERROR", "the booking was not recorded; send the dispatch again");
  if (b.status === "booked") return dispatchAnswer.ok();
  const manifest = JSON.parse(b.manifest) as ManifestBody;
  const pf = new PalletforceClient(env);
  let last: unknown = null;
  for (let tries = 0; ; tries++) {
    const left = deadline - Date.now() - MARGIN_MS;
    if (left < 1_000) break;
    try {
      const booked = await pf.uploadManifest(manifest, { maxWaitMs: left, timeoutMs: left });
      await recordBooked(env, db, b, booked.trackingNumber, tries);
      return dispatchAnswer.ok();
    } catch (err) {
      last = err;
      if (err instanceof PalletforceError) return recordRefusal(db, b, err);
      if (!(err instanceof TransientError) && !(err instanceof DeferError)) throw err;
      log({ network: NETWORK, reference: b.orderName, step: "palletforce.book", outcome: "retry", error: errorMessage(err) });
      await sleep(Math.min(err instanceof DeferError ? err.retryAfterMs : 1_000 * (tries + 1), Math.max(0, deadline - Date.now() - MARGIN_MS - 1_000)));
    }
  }
  await queueBooking(env, db, b, last);
  return dispatchAnswer.error("INTERNAL_ERROR", STILL_BOOKING);
}

async function queueBooking(env: Env, db: Db, b: Booking, why: unknown): Promise<void> {
  const write = jobWrite(db, [bookJob.job({ network: NETWORK, reference: b.orderName, payload: { orderId: b.orderId }, dedupeKey: `${bookJob.kind}:${b.orderId}:${await sha256Hex(b.manifest)}` })]);
  const entries: TimelineEntry[] = [{ network: NETWORK, reference: b.orderName, kind: "info", step: "palletforce.book", outcome: "waiting", message: `${LABEL} has not answered the booking of ${b.orderName} in time (${why ? errorMessage(why) : "no answer"}): it goes on as queued work, resent under the same transaction number (Palletforce books it once)` }];
  const results = await db.batch([...write.statements, ...timelineInserts(db, entries)] as [Statement, ...Statement[]]);
  await queueJobs(env, write.created(results), { network: NETWORK, reference: b.orderName, step: "palletforce.book.queue" }, 30);
}

async function recordRefusal(db: Db, b: Booking, err: PalletforceError): Promise<DispatchAnswer> {
  const auth = err.code === "AUTH";
  const words = auth ? AUTH_WORDS : `${LABEL} refused the booking: ${err.messages.length ? err.messages.join("; ") : err.message}`;
  await db.batch([
    db.update(palletforceBookings).set({ status: auth ? "auth" : "refused", error: words, updatedAt: Date.now() }).where(and(eq(palletforceBookings.orderId, b.orderId), ne(palletforceBookings.status, "booked"))),
    ...timelineInserts(db, [{ network: NETWORK, reference: b.orderName, kind: "error", step: "palletforce.book", outcome: "error", message: `${words} (${err.code})`, detail: { code: err.code } }]),
  ] as [Statement, ...Statement[]]);
  return dispatchAnswer.error(auth ? "INTERNAL_ERROR" : "USER_INPUT_ERROR", words);
}

/** Booked: the row, the consignment we now follow, and the TMS write-back as a job, in one batch. */
async function recordBooked(env: Env, db: Db, b: Booking, trackingNumber: string, tries: number): Promise<void> {
  const now = Date.now();
  const write = jobWrite(db, [writeBackJob.job({ network: NETWORK, reference: trackingNumber, payload: { orderId: b.orderId, trackingNumber }, dedupeKey: `palletforce.writeback:${b.orderId}` })]);
  const entries: TimelineEntry[] = [
    { network: NETWORK, reference: trackingNumber, kind: "upload", step: "palletforce.book", outcome: "ok", message: `Booked with ${LABEL} as ${trackingNumber} (order ${b.orderName}${tries ? `, answered after ${tries + 1} sends under the same transaction number` : ""})`, detail: { order_id: b.orderId, trip_id: b.tripId } },
    { network: NETWORK, reference: b.orderName, kind: "upload", step: "palletforce.book", outcome: "ok", message: `Booked with ${LABEL} as ${trackingNumber}` },
  ];
  const statements: Statement[] = [
    db.update(palletforceBookings).set({ status: "booked", trackingNumber, error: null, updatedAt: now }).where(eq(palletforceBookings.orderId, b.orderId)),
    db
      .insert(consignments)
      .values({ network: NETWORK, reference: trackingNumber, orderId: b.orderId, customerReference: null, orderName: b.orderName, role: "COLLECTING" })
      .onConflictDoUpdate({ target: [consignments.network, consignments.reference], set: { orderId: b.orderId, orderName: b.orderName, role: "COLLECTING", updatedAt: now } }),
    db
      .insert(palletforceTracked)
      .values({ trackingNumber, role: "COLLECTING", orderId: b.orderId, pickupStopId: b.pickupStopId, deliveryStopId: b.deliveryStopId, pallets: b.pallets, palletBarcodes: null, dueDate: b.dueDate, status: "open", openedAt: now })
      .onConflictDoNothing(),
    ...write.statements,
    ...timelineInserts(db, entries),
  ];
  const results = await db.batch(statements as [Statement, ...Statement[]]);
  await queueJobs(env, write.created(results, 3), { network: NETWORK, reference: trackingNumber, step: "palletforce.writeback.queue" });
}

/** `palletforce.book`: the booking past the door's 20 seconds (same key, so never twice). */
export const bookJob = defineJob("palletforce.book", z.object({ orderId: z.string().min(1) }), async (ctx) => {
  const [b] = await ctx.db.select().from(palletforceBookings).where(eq(palletforceBookings.orderId, ctx.payload.orderId));
  if (!b) return { status: "skipped", message: "no booking recorded for this order" };
  if (b.status !== "booking") return { status: "skipped", message: `the booking is ${b.status} already` };
  try {
    const booked = await new PalletforceClient(ctx.env).uploadManifest(JSON.parse(b.manifest) as ManifestBody);
    await recordBooked(ctx.env, ctx.db, b, booked.trackingNumber, ctx.attempt);
    return { status: "done", message: `booked as ${booked.trackingNumber}` };
  } catch (err) {
    if (err instanceof PalletforceError) {
      const answer = await recordRefusal(ctx.db, b, err);
      return { status: "done", message: answer.errors[0]?.error_message };
    }
    throw err;
  }
});

/** `palletforce.booking-writeback`: the TMS learns the tracking number (a repeat is harmless). */
export const writeBackJob = defineJob("palletforce.booking-writeback", z.object({ orderId: z.string().min(1), trackingNumber: z.string().regex(/^\d{13}$/) }), async (ctx) => {
  const s = palletforceSettings(ctx.env)!;
  await new TmsClient(ctx.env).partialOrderUpdate(bookingWriteBack(ctx.payload.orderId, ctx.payload.trackingNumber, s.account ?? ""));
  await ctx.timeline({ kind: "upload", step: "palletforce.booking-writeback", outcome: "ok", message: `The TMS order now carries ${LABEL} tracking number ${ctx.payload.trackingNumber} (consignment palletforce fields and the order's network fields, role COLLECTING)` });
});

/** The booking behind a tracking number (or an order name), for the console. */
export async function bookingView(_env: Env, db: Db, reference: string): Promise<DispatchView | null> {
  const [b] = await db.select().from(palletforceBookings).where(eq(/^\d{13}$/.test(reference) ? palletforceBookings.trackingNumber : palletforceBookings.orderName, reference)).limit(1);
  if (!b) return null;
  return {
    title: `${LABEL} booking of ${b.orderName}`,
    facts: [
      { label: "state", value: b.status },
      { label: "tracking number", value: b.trackingNumber ?? "not yet" },
      { label: "order", value: b.orderId },
      { label: "pallets", value: String(b.pallets) },
      ...(b.error ? [{ label: "refusal", value: b.error }] : []),
      ...(b.cancelAt ? [{ label: "cancel asked", value: new Date(b.cancelAt).toISOString() }] : []),
      { label: "manifest", value: "UploadManifest", block: b.manifest },
    ],
    steps: [],
  };
}
