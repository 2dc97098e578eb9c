// The soak's Worker entry: the connector exactly as deployed (src/index.ts), with one harness
// fault wrapped around its D1 binding: a write recording that a partner call succeeded fails
// (as when the isolate dies right there), at a seeded rate. The connector's code has no switch
// for this; only this wrapper, used by scripts/soak.mjs alone, knows about it.
import worker from "../../src/index";
// The simulators' own seeded generator (plain JS, bundled in by wrangler like the rest).
import { prng } from "../../sandbox/lib/faults.mjs";

export { RateLimiter, TmsTokenCache, PalletwaysWindow } from "../../src/index";

type SoakEnv = Env & { SOAK_SEED?: string; SOAK_D1_FAULT_RATE?: string };


const faults = { "d1-write-after-partner-success": 0 };
let rand: (() => number) | null = null;

/** A write that records a partner's success: a documents row moving to a final status. */
function recordsSuccess(sql: string, values: unknown[]): boolean {
  return /^\s*update\s+"?documents"?\s+set/i.test(sql) && values.some((v) => v === "attached" || v === "uploaded" || v === "sent");
}

function faultyD1(real: D1Database, rate: number): D1Database {
  const unwrap = new WeakMap<object, D1PreparedStatement>();
  const maybeFail = (sql: string, values: unknown[]) => {
    if (rate > 0 && recordsSuccess(sql, values) && rand!() < rate) {
      faults["d1-write-after-partner-success"]++;
      throw new Error("D1_ERROR: injected by the soak harness: the write after a partner's success was lost");
    }
  };
  const wrapStmt = (stmt: D1PreparedStatement, sql: string, values: unknown[]): D1PreparedStatement => {
    const proxy = new Proxy(stmt, {
      get(target, prop) {
        if (prop === "bind") return (...v: unknown[]) => wrapStmt(target.bind(...v), sql, v);
        if (prop === "run" || prop === "all" || prop === "first" || prop === "raw") {
          return (...a: unknown[]) => {
            maybeFail(sql, values);
            return (target as any)[prop](...a);
          };
        }
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    unwrap.set(proxy, stmt);
    (proxy as any).__soak = { sql, values };
    return proxy;
  };
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrapStmt(target.prepare(sql), sql, []);
      if (prop === "batch") {
        return (stmts: D1PreparedStatement[]) => {
          for (const s of stmts) {
            const meta = (s as any).__soak as { sql: string; values: unknown[] } | undefined;
            if (meta) maybeFail(meta.sql, meta.values);
          }
          return target.batch(stmts.map((s) => unwrap.get(s) ?? s));
        };
      }
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

const wrapped = new WeakMap<object, Env>();
function soakEnv(env: SoakEnv): Env {
  let w = wrapped.get(env);
  if (!w) {
    rand ??= prng((Number(env.SOAK_SEED ?? 1) * 2654435761) >>> 0);
    w = { ...env, DB: faultyD1(env.DB, Number(env.SOAK_D1_FAULT_RATE ?? 0)) } as Env;
    wrapped.set(env, w);
  }
  return w;
}

export default {
  async fetch(req: Request, env: SoakEnv, ctx: ExecutionContext) {
    const url = new URL(req.url);
    // The harness's read-only view of the job table and its own fault counts.
    if (url.pathname === "/__soak/state") {
      const jobs = await env.DB.prepare("SELECT id, kind, network, reference, status, attempts, last_error FROM jobs WHERE status IN ('queued','running','failed')").all();
      const counts = await env.DB.prepare("SELECT status, count(*) AS n FROM jobs GROUP BY status").all();
      const skipped = await env.DB.prepare("SELECT network, reference, step, message FROM timeline WHERE outcome = 'skipped'").all();
      const reconciled = await env.DB.prepare("SELECT count(*) AS n FROM timeline WHERE detail LIKE '%\"reconcile\":true%' OR message LIKE '%same content by SHA-256%'").first("n");
      const windows = await env.DB.prepare("SELECT tracking_id FROM palletways_windows WHERE status = 'open'").all<{ tracking_id: string }>();
      return Response.json({ faults, open: jobs.results, windows: windows.results.map((w) => w.tracking_id), counts: counts.results, skipped: skipped.results, reconciled });
    }
    return worker.fetch(req, soakEnv(env), ctx);
  },
  scheduled(controller: ScheduledController, env: SoakEnv, ctx: ExecutionContext) {
    return worker.scheduled!(controller, soakEnv(env), ctx);
  },
  queue(batch: MessageBatch, env: SoakEnv, ctx: ExecutionContext) {
    return worker.queue!(batch as any, soakEnv(env), ctx);
  },
};
