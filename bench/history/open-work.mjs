// Kept apart from build.mjs: the built history is reused while build.mjs is unchanged.
import { DatabaseSync } from "node:sqlite";

/**
 * The work still open in a history (failures standing, jobs queued or running, windows open),
 * copied into the day-one database: one day of history with the same open work, so that
 * comparing the two measures history alone, not the size of the failure list.
 */
export function copyOpenWork(fromFile, toFile) {
  const db = new DatabaseSync(toFile);
  db.exec(`ATTACH DATABASE '${fromFile.replace(/'/g, "''")}' AS h`);
  db.exec("BEGIN");
  db.exec("CREATE TEMP TABLE open_ids AS SELECT id FROM h.jobs WHERE status IN ('failed','queued','running') AND id NOT IN (SELECT id FROM main.jobs)");
  db.exec("INSERT INTO jobs SELECT * FROM h.jobs WHERE id IN (SELECT id FROM open_ids)");
  db.exec("INSERT INTO attempts (job_id, started_at, ms, outcome, error) SELECT job_id, started_at, ms, outcome, error FROM h.attempts WHERE job_id IN (SELECT id FROM open_ids)");
  db.exec("INSERT OR IGNORE INTO consignments SELECT c.* FROM h.consignments c JOIN h.jobs j ON j.network = c.network AND j.reference = c.reference WHERE j.id IN (SELECT id FROM open_ids)");
  db.exec("INSERT INTO timeline (network, reference, at, kind, step, outcome, message, detail, job_id) SELECT network, reference, at, kind, step, outcome, message, detail, job_id FROM h.timeline WHERE job_id IN (SELECT id FROM open_ids)");
  // Their documents too: retention keeps an open consignment's files, and looks at them daily.
  db.exec("INSERT OR IGNORE INTO documents SELECT d.* FROM h.documents d JOIN h.jobs j ON j.network = d.network AND j.reference = d.reference WHERE j.id IN (SELECT id FROM open_ids)");
  db.exec("INSERT OR IGNORE INTO palletways_windows SELECT * FROM h.palletways_windows WHERE status = 'open'");
  db.exec("COMMIT");
  const n = db.prepare("SELECT count(*) AS n FROM open_ids").get().n;
  db.exec("DETACH DATABASE h");
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
  return n;
}
