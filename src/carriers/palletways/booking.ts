import { eq } from "drizzle-orm";
import type { DispatchCapability, DispatchContext } from "../carrier";
import { jobs } from "../../db/schema";
import { palletwaysBookings } from "./schema";
import { enqueue, replayJob, recordTimeline } from "../../engine";
import { sleep } from "../../lib/sleep";
import { dispatchAnswer, type DispatchAnswer, type SubcontractorDispatch } from "../../tms/dispatch";
import { buildConsignment, type BookingTarget, type ManifestConsignment } from "./booking-manifest";
import { readBookingSettings } from "./booking-settings";
import { bookJob } from "./booking-job";
import { loadBooking, moveBooking, type Booking } from "./booking-store";
import { BOOK_JOB } from "./booking-kinds";
import { bookingCounts, bookingView } from "./booking-view";

// Palletways' dispatch capability (palletways.md, "Booking"): a TMS subcontractor dispatch
// becomes one booking row per TMS order and a queued "palletways.book" job; the answer waits
// for that job up to the deadline and reports the booking as it stands then. Nothing here
// calls Palletways: the job does, so a booking that outlives the answer simply carries on.

const POLL_MS = 250;

export const palletwaysDispatchCapability: DispatchCapability = {
  unavailable(env) {
    const s = readBookingSettings(env);
    if (s.problems.length) return `Palletways booking is switched off: ${s.problems.join("; ")}`;
    if (!s.value) return "Palletways booking is not configured: set PALLETWAYS_ACCOUNT";
    return null;
  },
  handle: handleDispatch,
  view: (_env, db, reference) => bookingView(db, reference),
  counts: (_env, db, since) => bookingCounts(db, since),
};

const portal = (trackingId: string) => `booked with Palletways as ${trackingId}: change or cancel it in the Palletways portal`;
const stillBooking = "still booking with Palletways: send the dispatch again in a few minutes to see the result";

async function handleDispatch(ctx: DispatchContext, dispatch: SubcontractorDispatch): Promise<DispatchAnswer> {
  const { env, db } = ctx;
  const settings = readBookingSettings(env).value!;
  const order = dispatch.payload.orders[0];
  const existing = order ? await loadBooking(db, order.id) : undefined;
  const say = (message: string, outcome: "info" | "error" | "skipped" = "info", trackingId = existing?.trackingId) =>
    order
      ? recordTimeline(db, [trackingId, order.name].filter((r): r is string => !!r).map((reference) => ({ network: "palletways", reference, kind: "webhook" as const, step: "palletways.dispatch", outcome, message, detail: { operation: dispatch.operation, trip_id: dispatch.payload.id ?? null, order_id: order.id } })))
      : Promise.resolve();

  if (dispatch.operation === "CANCEL") return cancel(ctx, existing, say);

  if (existing?.status === "booked") {
    const again = buildConsignment(dispatch, settings);
    const same = sameAsBooked(existing, again);
    if (dispatch.operation === "CREATE" || same) {
      // The trip may have been planned anew: later statuses go to the stops of the latest dispatch.
      if (again.ok && (again.target.pickupStopId !== existing.pickupStopId || again.target.deliveryStopId !== existing.deliveryStopId || again.target.tripId !== existing.tripId)) {
        await db.update(palletwaysBookings).set({ tripId: again.target.tripId, pickupStopId: again.target.pickupStopId, deliveryStopId: again.target.deliveryStopId, updatedAt: Date.now() }).where(eq(palletwaysBookings.orderId, existing.orderId));
      }
      await say(`TMS dispatch ${dispatch.operation} for ${existing.orderName}: already booked as ${existing.trackingId}, not booked again`);
      return dispatchAnswer.ok();
    }
    await say(`TMS dispatch UPDATE for ${existing.orderName} after the booking: not sent (${portal(existing.trackingId!)})`, "skipped");
    return dispatchAnswer.error("NOT_SUPPORTED", portal(existing.trackingId!));
  }

  const built = buildConsignment(dispatch, settings);
  if (!built.ok) {
    const message = built.problems.join("; ");
    await say(`TMS dispatch ${dispatch.operation} refused before any call to Palletways: ${message}`, "error");
    return dispatchAnswer.error("USER_INPUT_ERROR", message);
  }
  const { target, consignment } = built;
  const row = await stage(db, existing, target, consignment);
  await say(`TMS dispatch ${dispatch.operation} for ${target.orderName} (trip ${dispatch.payload.name}): ${row.status === "pending" ? "booking with Palletways" : `booking already ${row.status}`}`, "info", row.trackingId);
  await ensureJob(env, db, row);
  return awaitOutcome(ctx, row, dispatch.operation, consignment);
}

/** The booking row with this dispatch's data, where its data may still change (not yet committed). */
async function stage(db: DispatchContext["db"], existing: Booking | undefined, target: BookingTarget, consignment: ManifestConsignment): Promise<Booking> {
  const data = { orderName: target.orderName, tripId: target.tripId, pickupStopId: target.pickupStopId, deliveryStopId: target.deliveryStopId, manifest: JSON.stringify(consignment) };
  for (let tries = 0; tries < 4; tries++) {
    const row = tries === 0 ? existing : await loadBooking(db, target.orderId);
    if (!row) {
      const inserted = await db.insert(palletwaysBookings).values({ orderId: target.orderId, status: "pending", round: 1, ...data }).onConflictDoNothing().returning();
      if (inserted[0]) return inserted[0];
      continue; // another isolate inserted it first: work from its row
    }
    if (row.status === "pending") {
      // An UPDATE before the commit: the commit takes the newest data.
      if (await moveBooking(db, row, data)) return { ...row, ...data };
      continue;
    }
    if (row.status === "refused" || row.status === "failed") {
      // A corrected dispatch after a refusal is a new round with its own job.
      const next = { ...data, status: "pending", round: row.round + 1, message: null, answer: null, manifestSent: null, commitStartedAt: null };
      if (await moveBooking(db, row, next)) return { ...row, ...next };
      continue;
    }
    return row; // committing, created or booked: the data sent is settled
  }
  return (await loadBooking(db, target.orderId))!;
}

/** The round's job exists and is alive: created once per round, replayed if it gave up. */
async function ensureJob(env: Env, db: DispatchContext["db"], row: Booking): Promise<void> {
  if (row.status === "booked" || row.status === "refused") return;
  const dedupeKey = `${BOOK_JOB}:${row.orderId}:${row.round}`;
  const created = await enqueue(env, db, [bookJob.job({ network: "palletways", reference: row.orderName, payload: { orderId: row.orderId }, dedupeKey, maxAttempts: 12 })]);
  if (created.length) return;
  const [job] = await db.select({ id: jobs.id, status: jobs.status }).from(jobs).where(eq(jobs.dedupeKey, dedupeKey));
  // A later send of the dispatch is the planner asking again: work that ran out of attempts runs again.
  if (job?.status === "failed") await replayJob(env, db, job.id);
}

async function awaitOutcome(ctx: DispatchContext, start: Booking, operation: SubcontractorDispatch["operation"], consignment: ManifestConsignment): Promise<DispatchAnswer> {
  let row: Booking | undefined = start;
  for (;;) {
    if (row?.status === "booked") {
      // A CREATE is answered by the booking of its order; an UPDATE only when its data is what was booked.
      if (operation === "CREATE" || sameAsBooked(row, { ok: true, consignment })) return dispatchAnswer.ok();
      return dispatchAnswer.error("NOT_SUPPORTED", `${portal(row.trackingId!)} (it was committed with other data before this update arrived)`);
    }
    if (row?.status === "refused") return dispatchAnswer.error("USER_INPUT_ERROR", row.message ?? "Palletways refused the booking");
    if (row?.status === "failed") return dispatchAnswer.error("INTERNAL_ERROR", `${row.message ?? "the booking failed"}; the operator has it on the connector's failure list`);
    if (row && row.status === "pending") {
      const [job] = await ctx.db.select({ status: jobs.status, lastError: jobs.lastError }).from(jobs).where(eq(jobs.dedupeKey, `${BOOK_JOB}:${row.orderId}:${row.round}`));
      if (job?.status === "failed") return dispatchAnswer.error("INTERNAL_ERROR", `booking with Palletways failed: ${job.lastError ?? "see the connector's failure list"}; send the dispatch again to retry`);
    }
    if (Date.now() + POLL_MS >= ctx.deadline) return dispatchAnswer.error("INTERNAL_ERROR", stillBooking);
    await sleep(POLL_MS);
    row = await loadBooking(ctx.db, start.orderId);
  }
}

function sameAsBooked(row: Booking, built: { ok: boolean; consignment?: ManifestConsignment }): boolean {
  if (!built.ok || !built.consignment || !row.manifestSent) return false;
  try {
    const sent = (JSON.parse(row.manifestSent) as { Manifest: { Depot: { Account: { Consignment: ManifestConsignment[] } } } }).Manifest.Depot.Account.Consignment[0];
    return JSON.stringify(sent) === JSON.stringify(built.consignment);
  } catch {
    return false;
  }
}

async function cancel(ctx: DispatchContext, row: Booking | undefined, say: (m: string, o?: "info" | "error" | "skipped", t?: string | null) => Promise<void>): Promise<DispatchAnswer> {
  if (!row || row.status === "refused" || row.status === "failed") {
    await say("TMS dispatch CANCEL: nothing was booked with Palletways for this order", "skipped");
    return dispatchAnswer.error("NOT_SUPPORTED", "nothing was booked with Palletways for this order: there is nothing to cancel there");
  }
  // The cancel is a person's job in the portal: it goes on the attention list once.
  await ctx.db.update(palletwaysBookings).set({ cancelRequestedAt: Date.now(), updatedAt: Date.now() }).where(eq(palletwaysBookings.orderId, row.orderId));
  if (row.status === "booked") {
    await say(`TMS dispatch CANCEL for ${row.orderName}: ${portal(row.trackingId!)} (on the attention list)`, "skipped", row.trackingId);
    return dispatchAnswer.error("NOT_SUPPORTED", portal(row.trackingId!));
  }
  await say(`TMS dispatch CANCEL for ${row.orderName} while the booking is under way (on the attention list)`, "skipped");
  return dispatchAnswer.error("NOT_SUPPORTED", "the booking with Palletways is under way: once it has a tracking ID (the connector's consignment page shows it), cancel it in the Palletways portal");
}
