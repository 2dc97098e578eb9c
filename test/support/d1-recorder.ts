// A recording wrapper around a D1 binding, for measurement harnesses only (the query-plan test,
// the history bench): it tells `onStatement` the SQL text of every statement the connector
// prepares, and, when `meter()` returns a meter, adds D1's own `rows_read` / `rows_written`
// to it. The connector's code never sees the difference, except that with a meter `raw()` and
// `first()` are answered through `all()`, the only calls whose answers carry D1's meta.

export interface D1Meter {
  rowsRead: number;
  rowsWritten: number;
  statements: number;
  /** D1's own time for the slowest statement (meta.duration), and that statement. */
  slowestMs: number;
  slowestSql: string;
  /** Rows read per statement text. */
  readBy: Record<string, number>;
  /** D1's own time summed over every statement (meta.duration): the time spent in the database, not in the Worker. */
  d1Ms: number;
  /** Statements that changed rows (meta.changes > 0): a bounded DELETE or UPDATE is one batch. */
  batches: number;
  /** Rows changed, summed and by the largest single statement. */
  changes: number;
  maxChanges: number;
}

export function newMeter(): D1Meter {
  return { rowsRead: 0, rowsWritten: 0, statements: 0, slowestMs: 0, slowestSql: "", readBy: {}, d1Ms: 0, batches: 0, changes: 0, maxChanges: 0 };
}

interface Hooks {
  onStatement?: (sql: string) => void;
  meter?: () => D1Meter | null;
}

type Meta = { rows_read?: number; rows_written?: number; duration?: number; changes?: number };
type AnyResult = { results?: Record<string, unknown>[]; meta?: Meta };

const READ_ONLY = /^\s*(select|with|pragma|explain)\b/i;

function count(m: D1Meter | null | undefined, sql: string, meta: Meta | undefined) {
  if (!m || !meta) return;
  m.rowsRead += meta.rows_read ?? 0;
  m.rowsWritten += meta.rows_written ?? 0;
  m.statements++;
  m.readBy[sql] = (m.readBy[sql] ?? 0) + (meta.rows_read ?? 0);
  m.d1Ms += meta.duration ?? 0;
  // A read's `changes` is the last write's count on the connection, not its own.
  const changed = READ_ONLY.test(sql) ? 0 : (meta.changes ?? 0);
  if (changed > 0) {
    m.batches++;
    m.changes += changed;
    m.maxChanges = Math.max(m.maxChanges, changed);
  }
  if ((meta.duration ?? 0) > m.slowestMs) {
    m.slowestMs = meta.duration ?? 0;
    m.slowestSql = sql;
  }
}

export function recordingD1(real: D1Database, hooks: Hooks): D1Database {
  const inner = new WeakMap<object, D1PreparedStatement>();
  const sqlOf = new WeakMap<object, string>();
  const wrap = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const proxy = new Proxy(stmt, {
      get(target, prop) {
        const meter = hooks.meter?.();
        if (prop === "bind") return (...v: unknown[]) => wrap(target.bind(...v), sql);
        if (meter && (prop === "all" || prop === "run")) {
          return async () => {
            const r = (await target.all()) as unknown as AnyResult;
            count(meter, sql, r.meta);
            return r;
          };
        }
        if (meter && prop === "first") {
          return async (column?: string) => {
            const r = (await target.all()) as unknown as AnyResult;
            count(meter, sql, r.meta);
            const row = r.results?.[0] ?? null;
            return column === undefined ? row : (row?.[column] ?? null);
          };
        }
        if (meter && prop === "raw") {
          return async (opts?: { columnNames?: boolean }) => {
            if (READ_ONLY.test(sql)) {
              // The rows as raw() gives them (repeated column names kept), then the same read
              // again for its meta: a read has no side effect, so the count is the statement's.
              const rows = opts?.columnNames ? await target.raw({ columnNames: true }) : await target.raw();
              const again = (await target.all()) as unknown as AnyResult;
              count(meter, sql, again.meta);
              return rows;
            }
            const r = (await target.all()) as unknown as AnyResult;
            count(meter, sql, r.meta);
            const rows = (r.results ?? []).map((x) => Object.values(x));
            return opts?.columnNames ? [Object.keys(r.results?.[0] ?? {}), ...rows] : rows;
          };
        }
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    inner.set(proxy, stmt);
    sqlOf.set(proxy, sql);
    return proxy;
  };
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "prepare") {
        return (sql: string) => {
          hooks.onStatement?.(sql);
          return wrap(target.prepare(sql), sql);
        };
      }
      if (prop === "batch") {
        return async (stmts: D1PreparedStatement[]) => {
          const results = await target.batch(stmts.map((s) => inner.get(s) ?? s));
          const meter = hooks.meter?.();
          results.forEach((r, i) => count(meter, sqlOf.get(stmts[i]!) ?? "batch", (r as unknown as AnyResult).meta));
          return results;
        };
      }
      if (prop === "exec") {
        return (sql: string) => {
          hooks.onStatement?.(sql);
          return target.exec(sql);
        };
      }
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}
