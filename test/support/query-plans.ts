// Asks SQLite (D1 itself) to plan a statement and finds full scans of tables that grow with
// history: every table except the few whose size is fixed by design. A SCAN of such a table
// (with or without an index: `SCAN jobs USING INDEX x` still reads every entry) gets slower and
// dearer each day of the 90 the depot keeps; a SEARCH reads what it asks for.

/**
 * Tables whose row count does not grow with history: one row per network (network_health), per
 * cursor name (cursors), per scheduled pull (pull_leases: network × kind).
 */
export const FIXED_SIZE_TABLES = new Set(["cursors", "network_health", "pull_leases", "d1_migrations", "sqlite_master", "sqlite_schema"]);

/**
 * Scans that are bounded by something other than an index, each with its reason. Keyed by a
 * fragment of the statement's text and the table scanned.
 */
export const ALLOWED_SCANS: { sql: RegExp; table: string; why: string }[] = [
  {
    sql: /^delete from "console_sessions" where/i,
    table: "console_sessions",
    why: "each sign-in deletes every expired session (or one of a rotated token) with this statement, so the table holds only live sessions: a handful, whatever the history",
  },
];

export interface Scan {
  sql: string;
  table: string;
  detail: string;
}

const PLANNED = /^\s*(select|with|insert|update|delete|replace)\b/i;

/** The number of parameters a statement takes (`?`, `?NNN`), so it can be planned with NULLs. */
export function parameterCount(sql: string): number {
  const text = sql.replace(/'(?:[^']|'')*'/g, "''");
  let numbered = 0;
  let bare = 0;
  for (const m of text.matchAll(/\?(\d+)?/g)) {
    if (m[1]) numbered = Math.max(numbered, Number(m[1]));
    else bare++;
  }
  return Math.max(numbered, bare);
}

/** `FROM jobs j`, `JOIN attempts AS a`: the plan names a table by its alias when it has one. */
function aliases(sql: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const m of sql.matchAll(/\b(?:from|join|update|into)\s+"?([A-Za-z_]\w*)"?(?:\s+(?:as\s+)?"?([A-Za-z_]\w*)"?)?/gi)) {
    const alias = m[2];
    if (alias && !/^(where|set|on|inner|left|join|order|group|limit|values|using|natural|cross)$/i.test(alias)) map.set(alias, m[1]!);
  }
  return map;
}

/**
 * Newest first, `LIMIT n`, read in index order (no sort of its own): the scan stops after n
 * rows when nothing is filtered on the way, i.e. there is no WHERE or the index is partial
 * and holds only the rows the WHERE wants.
 */
async function boundedByLimit(db: D1Database, sql: string, detail: string, plan: string[]): Promise<boolean> {
  const index = /USING (?:COVERING )?INDEX (\w+)/.exec(detail)?.[1];
  if (!index || !/\border\s+by\b[^()]*\blimit\b/i.test(sql) || plan.some((d) => d.includes("TEMP B-TREE FOR ORDER BY"))) return false;
  if (!/\bwhere\b/i.test(sql)) return true;
  const def = await db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1").bind(index).first<{ sql: string | null }>();
  return /\bwhere\b/i.test(def?.sql ?? "");
}

/** The full scans of growing tables in one statement's plan ([] when it only searches). */
export async function growingScans(db: D1Database, sql: string): Promise<Scan[]> {
  if (!PLANNED.test(sql)) return [];
  const n = parameterCount(sql);
  const stmt = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const plan = await (n ? stmt.bind(...Array.from({ length: n }, () => null)) : stmt).all<{ detail: string }>();
  const details = plan.results.map((r) => r.detail);
  const scans: Scan[] = [];
  for (const { detail } of plan.results) {
    const m = /^SCAN (?:TABLE )?"?([A-Za-z_][\w]*)"?/.exec(detail);
    if (!m || detail.startsWith("SCAN CONSTANT ROW")) continue;
    const table = aliases(sql).get(m[1]!) ?? m[1]!;
    if (FIXED_SIZE_TABLES.has(table) || table.startsWith("_cf_") || table.startsWith("sqlite_")) continue;
    if (ALLOWED_SCANS.some((a) => a.table === table && a.sql.test(sql))) continue;
    if (await boundedByLimit(db, sql, detail, details)) continue;
    scans.push({ sql, table, detail });
  }
  return scans;
}

/** Plans every statement; the scans found, each statement once. */
export async function scansIn(db: D1Database, statements: Iterable<string>): Promise<Scan[]> {
  const out: Scan[] = [];
  for (const sql of new Set(statements)) {
    try {
      out.push(...(await growingScans(db, sql)));
    } catch {
      // A statement the planner cannot take on its own (a table created by a test, a
      // temporary name) has no plan to judge.
    }
  }
  return out;
}

export function describeScans(scans: Scan[]): string {
  return scans.map((s) => `  ${s.detail}\n    in: ${s.sql.replace(/\s+/g, " ").slice(0, 300)}`).join("\n");
}
