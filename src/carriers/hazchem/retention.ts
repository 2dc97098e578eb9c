import type { Db } from "../../db/client";
import { RETENTION_BATCH as BATCH, deleteInRounds } from "../../engine";

// Hazchem's share of the daily retention pass: feed records of documents attached (or found to be
// duplicates) long ago. The feed's cursor has moved past them, so they are not needed to keep a
// document from being attached twice; the consignment's `documents` rows keep its identity.

export async function hazchemRetention(env: Env, _db: Db, cutoffMs: number): Promise<Record<string, number>> {
  const feed = await deleteInRounds(
    env,
    `DELETE FROM hazchem_feed_documents WHERE document_id IN (
       SELECT f.document_id FROM hazchem_feed_documents f
       WHERE f.status IN ('attached','duplicate') AND f.updated_at < ?1
       AND NOT EXISTS (SELECT 1 FROM jobs o WHERE o.network = 'hazchem' AND o.reference = f.consignment_number AND o.status IN ('queued','running','failed'))
       LIMIT ${BATCH})`,
    cutoffMs,
  );
  return { hazchem_feed_records: feed };
}
