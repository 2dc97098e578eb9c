import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../db/client";
import { palletwaysBookingNotes, palletwaysBookings } from "./schema";
import { raiseAlert, jobWrite, queueJobs, type NewJob, timelineInserts, type TimelineEntry } from "../../engine";
import { chunk, IN_LIST_MAX } from "../../lib/chunk";
import type { StatusNote } from "./client";
import type { Booking } from "./booking-store";
import { POD_JOB, STATUS_JOB } from "./booking-kinds";
import { podJob, statusJob } from "./booking-followups";
import { ukLocalToEpochMs } from "./uk-time";

// Status notes of booked consignments onto the dispatch's stops (palletways.md, "Booking",
// item 3), from the notes pull. Each note once (its Delta, per tracking ID); newer wins (rule
// 11): a note older than the newest one applied is recorded only; once the delivery stop is
// COMPLETED nothing sends it a status again. Exceptions reach the attention list and alert in
// this pass. The TMS calls themselves are jobs, so a TMS outage holds up no note.

const REQUESTED = new Set(["25", "30", "50"]);
const IN_NETWORK = new Set(["300", "350", "500", "525", "530", "550"]);
const EXCEPTIONS = new Set(["15", "675"]);
const JOB_COMPLETE = "900";

/** What a note does: its outcome, the stop it completes (if any), the job that tells the TMS. */
type Plan = { outcome: "applied" | "older" | "exception"; sent: string | null; job: NewJob | null; completes?: "pickup" | "delivery"; line: string };

export async function applyBookingNotes(env: Env, db: Db, notes: StatusNote[]): Promise<Record<string, number>> {
  const ids = [...new Set(notes.map((n) => n.TrackingID))];
  const bookings = new Map<string, Booking>();
  for (const part of chunk(ids, IN_LIST_MAX)) {
    const rows = await db.select().from(palletwaysBookings).where(and(inArray(palletwaysBookings.trackingId, part), eq(palletwaysBookings.status, "booked")));
    rows.forEach((r) => bookings.set(r.trackingId!, r));
  }
  const counts = { booked_notes: 0, applied: 0, older: 0, exceptions: 0 };
  for (const [trackingId, booking] of bookings) {
    const seen = new Set((await db.select({ delta: palletwaysBookingNotes.delta }).from(palletwaysBookingNotes).where(eq(palletwaysBookingNotes.trackingId, trackingId))).map((r) => r.delta));
    const mine = notes
      .filter((n) => n.TrackingID === trackingId && !seen.has(n.Delta))
      .map((n) => ({ n, at: noteTime(n) }))
      .sort((a, b) => a.at - b.at || a.n.Delta - b.n.Delta);
    if (!mine.length) continue;
    let state = { lastNoteAt: booking.lastNoteAt, pickupCompletedAt: booking.pickupCompletedAt, deliveryCompletedAt: booking.deliveryCompletedAt };
    const rows: (typeof palletwaysBookingNotes.$inferInsert)[] = [];
    const jobs: NewJob[] = [];
    const lines: TimelineEntry[] = [];
    const alerts: string[] = [];
    for (const { n, at } of mine) {
      const plan = planNote(booking, state, n, at);
      if (plan.outcome !== "older" && (state.lastNoteAt === null || at >= state.lastNoteAt)) state = { ...state, lastNoteAt: at };
      if (plan.completes === "pickup") state = { ...state, pickupCompletedAt: at };
      if (plan.completes === "delivery") state = { ...state, deliveryCompletedAt: at };
      rows.push({ trackingId, delta: n.Delta, statusCode: n.StatusCode, noteType: n.NoteType ?? null, noteGroup: str(n, "NoteGroup"), noteAt: at, outcome: plan.outcome, sent: plan.sent });
      if (plan.job) jobs.push(plan.job);
      if (n.StatusCode === JOB_COMPLETE && plan.outcome === "applied") {
        jobs.push(podJob.job({ network: "palletways", reference: trackingId, payload: { orderId: booking.orderId }, dedupeKey: `${POD_JOB}:${booking.orderId}` }));
      }
      lines.push({ network: "palletways", reference: trackingId, kind: "event", step: "palletways.booking-note", outcome: plan.outcome === "exception" ? "error" : plan.outcome === "older" ? "skipped" : "info", message: plan.line, detail: { delta: n.Delta, status_code: n.StatusCode, note_at: new Date(at).toISOString() } });
      if (plan.outcome === "exception") alerts.push(plan.line);
      counts.booked_notes++;
      counts[plan.outcome === "exception" ? "exceptions" : plan.outcome]++;
    }
    const write = jobWrite(db, jobs);
    const results = await db.batch([
      db.insert(palletwaysBookingNotes).values(rows).onConflictDoNothing(),
      db.update(palletwaysBookings).set({ ...state, updatedAt: Date.now() }).where(eq(palletwaysBookings.orderId, booking.orderId)),
      ...write.statements,
      ...timelineInserts(db, lines),
    ] as unknown as Parameters<Db["batch"]>[0]);
    await queueJobs(env, write.created(results, 2), { network: "palletways", reference: trackingId, step: "palletways.booking-note.enqueue" });
    for (const text of alerts) await raiseAlert(env, db, { kind: "exception", network: "palletways", reference: trackingId, text, path: `/ops/consignments/palletways/${trackingId}` });
  }
  return counts;
}

function planNote(b: Booking, state: Pick<Booking, "lastNoteAt" | "pickupCompletedAt" | "deliveryCompletedAt">, n: StatusNote, at: number): Plan {
  const code = n.StatusCode;
  const label = `${code} ${n.NoteType ?? ""}`.trim();
  const exception = EXCEPTIONS.has(code) || (str(n, "NoteGroup") ?? "").toLowerCase() === "exception";
  const older = state.lastNoteAt !== null && at < state.lastNoteAt;
  const answers = Object.fromEntries(
    Object.entries({ palletways_status: label, palletways_note: str(n, "NoteText"), palletways_signature: n.PodSignature ?? null }).filter((e): e is [string, string] => !!e[1]),
  );
  const job = (stopId: string, status: "COMPLETED" | null, what: string, eventAt = at): NewJob =>
    statusJob.job({
      network: "palletways",
      reference: b.trackingId!,
      payload: { orderId: b.orderId, stopId, status, eventTime: new Date(eventAt).toISOString(), answers, what },
      dedupeKey: `${STATUS_JOB}:${b.trackingId}:${n.Delta}`,
    });
  const stop = (id: string) => (id === b.pickupStopId ? "pickup" : "delivery");
  const data = (id: string, why = ""): Plan => ({ outcome: exception ? "exception" : "applied", sent: `${stop(id)} stop data`, job: job(id, null, `Palletways ${label} on the ${stop(id)} stop (data)`), line: `Palletways ${label}: data on the ${stop(id)} stop${why}` });

  if (exception) {
    const p = data(b.deliveryStopId);
    return { ...p, line: `Palletways exception ${label}${str(n, "NoteText") ? ` (${str(n, "NoteText")})` : ""} for ${b.trackingId} (TMS order ${b.orderName}): on the delivery stop, the attention list and an alert` };
  }
  if (older) return { outcome: "older", sent: null, job: null, line: `Palletways ${label} is older than the last note applied: recorded only, no stop moves back` };
  if (state.deliveryCompletedAt !== null) return { ...data(b.deliveryStopId, " (the delivery stop is already COMPLETED: no status)") };
  if (code === JOB_COMPLETE) {
    const pod = (n.PodDate && n.PodTime && ukLocalToEpochMs(n.PodDate, n.PodTime)) || at;
    return { outcome: "applied", sent: "delivery stop COMPLETED", completes: "delivery", job: job(b.deliveryStopId, "COMPLETED", `Palletways ${label}: delivery stop COMPLETED`, pod), line: `Palletways ${label}: delivery stop COMPLETED at ${new Date(pod).toISOString()}${n.PodSignature ? `, signed by ${n.PodSignature}` : ""}; POD to follow` };
  }
  if (IN_NETWORK.has(code) && state.pickupCompletedAt === null) {
    return { outcome: "applied", sent: "pickup stop COMPLETED", completes: "pickup", job: job(b.pickupStopId, "COMPLETED", `Palletways ${label}: pickup stop COMPLETED`), line: `Palletways ${label}: in the network, pickup stop COMPLETED` };
  }
  if (IN_NETWORK.has(code) || REQUESTED.has(code)) return data(b.pickupStopId);
  return data(b.deliveryStopId);
}

/** When the note happened: the POD time at 900, else the note's own date and time (UK), else now. */
function noteTime(n: StatusNote): number {
  if (n.StatusCode === JOB_COMPLETE && n.PodDate && n.PodTime) {
    const pod = ukLocalToEpochMs(n.PodDate, n.PodTime);
    if (pod) return pod;
  }
  return (n.NoteDate && n.NoteTime && ukLocalToEpochMs(n.NoteDate, n.NoteTime)) || Date.now();
}

function str(n: StatusNote, key: string): string | null {
  const v = (n as Record<string, unknown>)[key];
  return typeof v === "string" && v.trim() ? v.trim() : null;
}
