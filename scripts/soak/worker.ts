// The soak's Worker entry: the connector exactly as deployed (src/index.ts), with harness faults
// wrapped around its bindings, each at a seeded rate:
// - D1: a write that records what a partner call achieved fails (as when the isolate dies right
//   there): a document's final status, a job's "done", a UPN event's "applied", a UPN import's
//   upload id, an alert's "sent";
// - R2: a write is refused;
// - Queues: a message is delivered twice (sent twice, as an at-least-once queue may).
// The connector's code has no switch for any of this; only this wrapper, used by
// scripts/soak.mjs alone, knows about it.
import worker from "../../src/index";
// The simulators' own seeded generator (plain JS, bundled in by wrangler like the rest).
import { prng } from "../../sandbox/lib/faults.mjs";

export { RateLimiter, TmsTokenCache, PalletwaysWindow } from "../../src/index";

type SoakEnv = Env & { SOAK_SEED?: string; SOAK_D1_FAULT_RATE?: string; SOAK_R2_FAULT_RATE?: string; SOAK_QUEUE_DUP_RATE?: string };

const faults: Record<string, number> = {};
const count = (kind: string) => (faults[kind] = (faults[kind] ?? 0) + 1);
let rand: (() => number) | null = null;

/** The D1 writes that record a partner's success, by the fault kind they count as. */
const AFTER_PARTNER: [kind: string, table: RegExp, values: string[], rateFactor: number][] = [
  ["d1:document-final", /^\s*update\s+"?documents"?\s+set/i, ["attached", "uploaded", "sent"], 1],
  ["d1:job-done", /^\s*update\s+"?jobs"?\s+set/i, ["done"], 1],
  // Rare writes are hit more often, so that a short run sees them: "applied" is one statement per
  // UPN apply job (a handful a minute), an upload id one per import, "sent" one per alert.
  ["d1:event-applied", /^\s*update\s+"?upn_events"?\s+set/i, ["applied"], 3],
  ["d1:upload-id", /^\s*update\s+"?upn_imports"?\s+set/i, ["uploaded"], 2],
  ["d1:outbox-sent", /^\s*update\s+"?alert_outbox"?\s+set/i, ["sent"], 2],
];

function faultKind(sql: string, values: unknown[]): { kind: string; factor: number } | null {
  for (const [kind, table, marks, factor] of AFTER_PARTNER) if (table.test(sql) && values.some((v) => typeof v === "string" && marks.includes(v))) return { kind, factor };
  return null;
}

// A fault is transient: the same write (its statement and its text values: ids, states) is
// refused once at most in the isolate, so a retried job gets through. Without this, a rare write
// hit at a high rate could fail all eight attempts of one job: a permanent failure the soak made.
const refusedOnce = new Set<string>();

function faultyD1(real: D1Database, rate: number): D1Database {
  const unwrap = new WeakMap<object, D1PreparedStatement>();
  const maybeFail = (sql: string, values: unknown[]) => {
    const hit = rate > 0 ? faultKind(sql, values) : null;
    const key = `${sql}|${values.filter((v) => typeof v === "string").join("|")}`;
    if (hit && !refusedOnce.has(key) && rand!() < Math.min(0.5, rate * hit.factor)) {
      refusedOnce.add(key);
      count(hit.kind);
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

/** R2 refusing a write now and then (an outage, a limit): the caller must keep the work. */
function faultyR2(real: R2Bucket, rate: number): R2Bucket {
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "put" && rate > 0) {
        return (...a: Parameters<R2Bucket["put"]>) => {
          if (rand!() < rate) {
            count("r2:write-refused");
            return Promise.reject(new Error("R2 put failed: injected by the soak harness (service unavailable)"));
          }
          return target.put(...a);
        };
      }
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/** A queue that sometimes delivers a message twice (at-least-once delivery). */
function doublingQueue<T>(real: Queue<T>, rate: number): Queue<T> {
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "send" && rate > 0) {
        return async (body: T, o?: QueueSendOptions) => {
          await target.send(body, o);
          if (rand!() < rate) {
            count("queue:delivered-twice");
            await target.send(body, o);
          }
        };
      }
      if (prop === "sendBatch" && rate > 0) {
        return async (msgs: Iterable<MessageSendRequest<T>>, o?: QueueSendBatchOptions) => {
          const list = [...msgs];
          await target.sendBatch(list, o);
          const again = list.filter(() => rand!() < rate);
          if (again.length) {
            for (const _ of again) count("queue:delivered-twice");
            await target.sendBatch(again, o);
          }
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
    w = {
      ...env,
      DB: faultyD1(env.DB, Number(env.SOAK_D1_FAULT_RATE ?? 0)),
      FILES: faultyR2(env.FILES, Number(env.SOAK_R2_FAULT_RATE ?? 0)),
      JOBS: doublingQueue(env.JOBS, Number(env.SOAK_QUEUE_DUP_RATE ?? 0)),
    } as Env;
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
    // Time travel after the harness killed the runtime mid-job: the claims it left behind, and
    // queue messages lost with it, are made as old as the re-drive needs (30 min, 5 min), as if
    // that time had passed. The re-drive's own rules then decide what happens to them.
    // Time travel while draining: retries waiting out a long backoff (up to an hour) are made
    // due, as if that time had passed; the cron's re-drive then sends them like any lost message.
    if (url.pathname === "/__soak/hurry" && req.method === "POST") {
      const q = await env.DB.prepare("UPDATE jobs SET next_run_at = min(next_run_at, ?1) WHERE status = 'queued' AND next_run_at > ?1").bind(Date.now() - 6 * 60000).run();
      // A claim held 3 minutes (nothing in the soak runs that long: the longest call is held
      // 62 s) belongs to an invocation the runtime dropped: aged past the re-drive's 30 minutes,
      // it is counted as a crash and run again (three crashes make it a failure).
      const r = await env.DB.prepare("UPDATE jobs SET updated_at = updated_at - 31 * 60000 WHERE status = 'running' AND updated_at < ?1").bind(Date.now() - 3 * 60000).run();
      faults["drain:stale-claims-aged"] = (faults["drain:stale-claims-aged"] ?? 0) + (r.meta.changes ?? 0);
      // Palletforce's schedule waits 30 minutes to 4 hours of real time between two reads of one
      // consignment (schedule.ts): one read before its events were posted would be the last of
      // the soak. Its open consignments are made as if those hours had passed.
      const pf = await env.DB.prepare("UPDATE palletforce_tracked SET last_polled_at = last_polled_at - 4 * 3600000 WHERE status = 'open' AND last_polled_at < ?1").bind(Date.now() - 60_000).run();
      return Response.json({ queued: q.meta.changes, running: r.meta.changes, palletforce: pf.meta.changes });
    }
    if (url.pathname === "/__soak/age-claims" && req.method === "POST") {
      const r = await env.DB.prepare("UPDATE jobs SET updated_at = updated_at - 31 * 60000 WHERE status = 'running'").run();
      const q = await env.DB.prepare("UPDATE jobs SET next_run_at = next_run_at - 6 * 60000 WHERE status = 'queued'").run();
      // A pull the killed runtime was running keeps its lease until it expires (12 minutes, longer
      // than a short soak): aged like the claims, so the next cron pass takes the pull again.
      const l = await env.DB.prepare("UPDATE pull_leases SET expires_at = expires_at - 31 * 60000 WHERE holder IS NOT NULL AND expires_at > 0").run();
      return Response.json({ running: r.meta.changes, queued: q.meta.changes, leases: l.meta.changes });
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
