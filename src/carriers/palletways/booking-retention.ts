import { RETENTION_BATCH as BATCH } from "../../engine";

// Bookings' share of the daily retention pass. The booking row itself stays: it is what keeps a
// TMS order from ever being booked twice, however late Qargo re-sends its dispatch. What goes
// after RETENTION_DAYS is the detail: applied status notes and the raw answers Palletways gave,
// for bookings with no unfinished or failed work.

const OPEN = (col: string) => `EXISTS (SELECT 1 FROM jobs o WHERE o.network = 'palletways' AND o.reference = ${col} AND o.status IN ('queued','running','failed'))`;

export async function bookingRetention(env: Env, cutoffMs: number): Promise<Record<string, number>> {
  let notes = 0;
  for (let round = 0; round < 20; round++) {
    const r = await env.DB.prepare(
      `DELETE FROM palletways_booking_notes WHERE rowid IN (SELECT n.rowid FROM palletways_booking_notes n WHERE n.recorded_at < ?1 AND NOT ${OPEN("n.tracking_id")} LIMIT ${BATCH})`,
    ).bind(cutoffMs).run();
    notes += r.meta.changes ?? 0;
    if ((r.meta.changes ?? 0) < BATCH) break;
  }
  const answers = await env.DB.prepare(
    `UPDATE palletways_bookings SET answer = NULL, manifest_sent = NULL WHERE rowid IN (SELECT b.rowid FROM palletways_bookings b
     WHERE b.updated_at < ?1 AND b.status IN ('booked','refused','failed') AND (b.answer IS NOT NULL OR b.manifest_sent IS NOT NULL)
     AND NOT ${OPEN("b.tracking_id")} AND NOT ${OPEN("b.order_name")} LIMIT ${BATCH})`,
  ).bind(cutoffMs).run();
  return { palletways_booking_notes: notes, palletways_booking_answers: answers.meta.changes ?? 0 };
}
