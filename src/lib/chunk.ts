// D1 binds at most 100 parameters per statement: every multi-row insert and every IN list in
// the connector is cut to fit by the rules here, so there is one place that knows the limit.

export const D1_MAX_PARAMS = 100;

/** Ids per `IN (…)` list, leaving room for the statement's other parameters. */
export const IN_LIST_MAX = 90;

export function chunk<T>(list: readonly T[], size: number): T[][] {
  if (!(size >= 1)) throw new RangeError(`chunk size must be at least 1 (got ${size})`);
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * Rows for multi-row inserts, as many a statement as D1's parameter limit allows. Every row of
 * one insert has the same columns, so the first row's count of values stands for all.
 */
export function insertChunks<T extends object>(rows: readonly T[]): T[][] {
  if (rows.length === 0) return [];
  const perRow = Math.max(1, Object.keys(rows[0]!).length);
  return chunk(rows, Math.max(1, Math.floor(D1_MAX_PARAMS / perRow)));
}
