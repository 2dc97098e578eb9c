import type { Db } from "../../db/client";
import { RETENTION_BATCH as BATCH, deleteInRounds } from "../../engine";

// UPN's share of the daily retention pass: raw tracking reads (R2 objects and D1 chunks) whose
// events have all been applied, and applied events, older than the cutoff. A batch with an
// event still waiting, queued or failed, and an invalid batch (a failure's evidence), stay.

export async function upnRetention(env: Env, _db: Db, cutoffMs: number): Promise<Record<string, number>> {
  let batches = 0;
  for (let round = 0; round < 20; round++) {
    const rows = await env.DB.prepare(
      `SELECT b.id, b.r2_key AS k FROM upn_tracking_batches b
       WHERE b.status IN ('recorded','unread') AND b.received_at < ?1
       AND NOT EXISTS (SELECT 1 FROM upn_events e WHERE e.batch_id = b.id AND e.status IN ('waiting','queued','failed'))
       LIMIT 90`,
    ).bind(cutoffMs).all<{ id: string; k: string }>();
    if (rows.results.length === 0) break;
    await env.FILES.delete(rows.results.map((r) => r.k));
    const ids = rows.results.map((r) => r.id);
    const marks = ids.map((_, i) => `?${i + 1}`).join(",");
    await env.DB.batch([
      env.DB.prepare(`DELETE FROM upn_raw_chunks WHERE batch_id IN (${marks})`).bind(...ids),
      env.DB.prepare(`DELETE FROM upn_tracking_batches WHERE id IN (${marks})`).bind(...ids),
    ]);
    batches += ids.length;
    if (ids.length < 90) break;
  }
  const events = await deleteInRounds(
    env,
    `DELETE FROM upn_events WHERE event_id IN (SELECT event_id FROM upn_events WHERE status = 'applied' AND applied_at < ?1 LIMIT ${BATCH})`,
    cutoffMs,
  );
  // A completed import keeps its row (UPN lists a consignment more than once) but not the
  // consignment as UPN sent it (names, addresses).
  const imports = await env.DB.prepare("UPDATE upn_imports SET body = NULL WHERE status = 'completed' AND body IS NOT NULL AND updated_at < ?1").bind(cutoffMs).run();
  return { upn_tracking_reads: batches, upn_events: events, upn_import_bodies: imports.meta.changes ?? 0 };
}
