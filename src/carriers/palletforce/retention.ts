import type { Db } from "../../db/client";
import { RETENTION_BATCH as BATCH, deleteInRounds } from "../../engine";

// Palletforce's share of the daily retention pass: consignments no longer tracked (complete or
// stale) closed before the cutoff lose their events, moves and our scans, then their own row;
// completed imports keep their row (Palletforce lists a consignment more than once) but not the
// consignment as Palletforce sent it (names, addresses). Open consignments keep everything.

export async function palletforceRetention(env: Env, _db: Db, cutoffMs: number): Promise<Record<string, number>> {
  const closed = `SELECT tracking_number FROM palletforce_tracked WHERE status IN ('complete','stale') AND closed_at < ?1`;
  const events = await deleteInRounds(env, `DELETE FROM palletforce_events WHERE key IN (SELECT key FROM palletforce_events WHERE status = 'applied' AND tracking_number IN (${closed}) LIMIT ${BATCH})`, cutoffMs);
  const moves = await deleteInRounds(env, `DELETE FROM palletforce_moves WHERE rowid IN (SELECT rowid FROM palletforce_moves WHERE tracking_number IN (${closed}) LIMIT ${BATCH})`, cutoffMs);
  const scans = await deleteInRounds(env, `DELETE FROM palletforce_our_scans WHERE rowid IN (SELECT rowid FROM palletforce_our_scans WHERE status = 'sent' AND sent_at < ?1 LIMIT ${BATCH})`, cutoffMs);
  const tracked = await deleteInRounds(
    env,
    `DELETE FROM palletforce_tracked WHERE tracking_number IN (SELECT t.tracking_number FROM palletforce_tracked t WHERE t.status IN ('complete','stale') AND t.closed_at < ?1
       AND NOT EXISTS (SELECT 1 FROM palletforce_events e WHERE e.tracking_number = t.tracking_number) LIMIT ${BATCH})`,
    cutoffMs,
  );
  const bodies = await env.DB.prepare("UPDATE palletforce_imports SET body = NULL WHERE status = 'completed' AND body IS NOT NULL AND updated_at < ?1").bind(cutoffMs).run();
  return { palletforce_events: events, palletforce_moves: moves, palletforce_our_scans: scans, palletforce_tracked: tracked, palletforce_import_bodies: bodies.meta.changes ?? 0 };
}
