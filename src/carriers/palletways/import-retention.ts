import { RETENTION_BATCH as BATCH } from "../../engine";

// The import's share of the daily retention pass: notes applied (or set aside) and another
// depot's consignments, older than the cutoff, in bounded batches. A forgotten other-depot
// consignment named by a note after that is looked up once more; imports of ours stay (small,
// and they say where an order came from).
export async function importRetention(env: Env, cutoffMs: number): Promise<Record<string, number>> {
  const notes = await env.DB.prepare(
    `DELETE FROM palletways_import_notes WHERE id IN (SELECT id FROM palletways_import_notes WHERE status IN ('applied','skipped') AND created_at < ?1 LIMIT ${BATCH})`,
  ).bind(cutoffMs).run();
  const others = await env.DB.prepare(
    `DELETE FROM palletways_imports WHERE tracking_id IN (SELECT tracking_id FROM palletways_imports WHERE status = 'not_ours' AND updated_at < ?1 LIMIT ${BATCH})`,
  ).bind(cutoffMs).run();
  return { palletways_import_notes: notes.meta.changes ?? 0, palletways_other_depot: others.meta.changes ?? 0 };
}
