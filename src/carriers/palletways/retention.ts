import type { Db } from "../../db/client";
import { RETENTION_BATCH as BATCH } from "../../engine";
import { windowStub } from "./window";
import { bookingRetention } from "./booking-retention";
import { importRetention } from "./import-retention";

// Palletways' share of the daily retention pass: raw POD PDFs (R2 + their fetch rows) and closed
// catch-up windows (the mirror row and the object's storage), older than the cutoff, unless the
// tracking ID still has unfinished or failed work.

const OPEN = (col: string) => `EXISTS (SELECT 1 FROM jobs o WHERE o.network = 'palletways' AND o.reference = ${col} AND o.status IN ('queued','running','failed'))`;

export async function palletwaysRetention(env: Env, _db: Db, cutoffMs: number): Promise<Record<string, number>> {
  let pdfs = 0;
  for (let round = 0; round < 20; round++) {
    const rows = await env.DB.prepare(
      `SELECT tracking_id AS t, fetched_at AS f, r2_key AS k FROM palletways_fetches f
       WHERE f.fetched_at < ?1 AND NOT ${OPEN("f.tracking_id")} LIMIT 100`,
    ).bind(cutoffMs).all<{ t: string; f: number; k: string | null }>();
    if (rows.results.length === 0) break;
    const keys = rows.results.map((r) => r.k).filter((k): k is string => Boolean(k));
    if (keys.length) await env.FILES.delete(keys);
    // Two bound values a row: 45 rows a statement stay under D1's 100.
    for (let i = 0; i < rows.results.length; i += 45) {
      const part = rows.results.slice(i, i + 45);
      await env.DB.prepare(`DELETE FROM palletways_fetches WHERE ${part.map((_, k) => `(tracking_id = ?${2 * k + 1} AND fetched_at = ?${2 * k + 2})`).join(" OR ")}`)
        .bind(...part.flatMap((r) => [r.t, r.f]))
        .run();
    }
    pdfs += rows.results.length;
    if (rows.results.length < 100) break;
  }

  const old = await env.DB.prepare(
    `SELECT tracking_id AS t FROM palletways_windows w WHERE w.status = 'closed' AND w.closes_at < ?1 AND NOT ${OPEN("w.tracking_id")} LIMIT ${BATCH}`,
  ).bind(cutoffMs).all<{ t: string }>();
  let windows = 0;
  for (const w of old.results) {
    if (await windowStub(env, w.t).forget()) {
      await env.DB.prepare("DELETE FROM palletways_windows WHERE tracking_id = ?1 AND status = 'closed'").bind(w.t).run();
      windows++;
    }
  }
  return { palletways_pdfs: pdfs, palletways_windows: windows, ...(await importRetention(env, cutoffMs)), ...(await bookingRetention(env, cutoffMs)) };
}
