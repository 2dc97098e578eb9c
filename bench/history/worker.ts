// The history bench's Worker entry: the connector exactly as deployed (src/index.ts), its D1
// binding wrapped so D1's own rows_read / rows_written can be summed per unit of work, plus a
// few /__bench/ doors that run one unit of work the connector otherwise runs from its queue or
// its cron (one job claimed and finished, one UPN event applied, one photo attached, one cron
// task). Used by bench/history.bench.mjs alone; never deployed.
import worker from "../../src/index";
import { runScheduled, scheduledTasks } from "../../src/cron";
import { z } from "zod";
import { runJob } from "../../src/queues/consumer";
import { defineJob, enqueue } from "../../src/engine";
import { jobDefinition } from "../../src/carriers";
import { db as openDb } from "../../src/db/client";
import { recordingD1, newMeter, type D1Meter } from "../../test/support/d1-recorder";

export { RateLimiter, TmsTokenCache, PalletwaysWindow } from "../../src/index";

/** What one unit of work costs beyond D1: R2 operations by billing class, queue messages, DO calls. */
interface Usage { r2ClassA: number; r2ClassB: number; r2Free: number; queueMessages: number; doRequests: number }
const newUsage = (): Usage => ({ r2ClassA: 0, r2ClassB: 0, r2Free: 0, queueMessages: 0, doRequests: 0 });
let meter: (D1Meter & { usage: Usage }) | null = null;

// R2's classes (https://developers.cloudflare.com/r2/pricing/): writes and lists are Class A,
// reads and heads Class B, deletes free.
const R2_CLASS: Record<string, keyof Usage> = { put: "r2ClassA", list: "r2ClassA", createMultipartUpload: "r2ClassA", get: "r2ClassB", head: "r2ClassB", delete: "r2Free" };

function counting<T extends object>(target: T, count: (prop: string, args: unknown[]) => void): T {
  return new Proxy(target, {
    get(t, prop) {
      const v = Reflect.get(t, prop);
      if (typeof v !== "function" || typeof prop !== "string" || prop === "then") return v;
      return (...args: unknown[]) => {
        count(prop, args);
        // Reflect.apply: an RPC stub's own `.apply` would be a remote method of that name.
        return Reflect.apply(v as (...a: unknown[]) => unknown, t, args);
      };
    },
  });
}

function doNamespace(ns: DurableObjectNamespace): DurableObjectNamespace {
  return new Proxy(ns, {
    get(t, prop) {
      const v = Reflect.get(t, prop);
      if (prop === "get" || prop === "getByName") {
        return (...args: unknown[]) => counting(Reflect.apply(v as (...a: unknown[]) => object, t, args), () => { if (meter) meter.usage.doRequests++; });
      }
      return typeof v === "function" ? v.bind(t) : v;
    },
  });
}

const wrapped = new WeakMap<object, Env>();
function benchEnv(env: Env): Env {
  let w = wrapped.get(env);
  if (!w) {
    w = {
      ...env,
      DB: recordingD1(env.DB, { meter: () => meter }),
      FILES: counting(env.FILES, (prop, args) => {
        const k = R2_CLASS[prop];
        // delete(keys[]) is one call however many keys; a put or get is one operation each.
        if (meter && k) meter.usage[k] += prop === "delete" && Array.isArray(args[0]) ? args[0].length : 1;
      }),
      JOBS: counting(env.JOBS, (prop, args) => {
        if (!meter) return;
        if (prop === "send") meter.usage.queueMessages++;
        if (prop === "sendBatch" && Array.isArray(args[0])) meter.usage.queueMessages += args[0].length;
      }),
      LIMITER: doNamespace(env.LIMITER),
      TMS_TOKEN: doNamespace(env.TMS_TOKEN),
      PALLETWAYS_WINDOW: doNamespace(env.PALLETWAYS_WINDOW),
    } as Env;
    wrapped.set(env, w);
  }
  return w;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const t = performance.now();
  const result = await fn();
  return { ms: performance.now() - t, result };
}

/** The consumer's own cost: a job whose handler does nothing. */
const noop = defineJob("bench.noop", z.object({}), async () => undefined);

/** A declared job of the connector's, by kind. */
function declared(kind: string, network: string) {
  const d = jobDefinition(kind, network);
  if (!d) throw new Error(`no ${kind} job declared for ${network}`);
  return d;
}

async function jobStatus(env: Env, id: string) {
  return env.DB.prepare("SELECT status, last_error FROM jobs WHERE id = ?1").bind(id).first<{ status: string; last_error: string | null }>();
}

async function door(url: URL, req: Request, env: Env): Promise<Response> {
  const db = openDb(env);
  const body = req.method === "POST" ? ((await req.json()) as Record<string, string>) : {};
  switch (url.pathname) {
    case "/__bench/meter": {
      if (req.method === "POST") {
        meter = body.on ? { ...newMeter(), usage: newUsage() } : null;
        return Response.json({ ok: true });
      }
      const m = meter;
      if (meter) meter = { ...newMeter(), usage: newUsage() };
      return Response.json(m);
    }
    case "/__bench/tasks":
      return Response.json(scheduledTasks().map((t) => t.name));
    case "/__bench/cron": {
      // The daily retention pass runs when its day is due: make it due.
      if (body.task === "retention") await env.DB.prepare("DELETE FROM cursors WHERE name = 'retention.last_run'").run();
      const tasks = scheduledTasks().filter((t) => t.name === body.task);
      if (!tasks.length) return Response.json({ error: `no task ${body.task}` }, { status: 400 });
      // `at`: the clock the pass sees (the day's pass's own time), so passes repeated minutes
      // later measure the daily check with nothing due, not the lines that aged past the cutoff
      // in those minutes. Requests run one at a time here, so no other work sees this clock.
      const realNow = Date.now;
      const at = Number(body.at);
      if (Number.isFinite(at) && at > 0) Date.now = () => at;
      try {
        const { ms, result } = await timed(() => runScheduled(env, tasks));
        return Response.json({ ms, report: result, at: Date.now() });
      } finally {
        Date.now = realNow;
      }
    }
    case "/__bench/round-trips": {
      // The retention pass's round trips without its SQL work: as many bound statements, each
      // awaited and its count read, as the pass issued. workerd's CPU around this is the Worker's
      // side of those batches (with the local D1's plumbing), apart from SQLite's deleting.
      const n = Number(body.n);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const r = await env.DB.prepare("SELECT ?1 AS n").bind(i).run();
        sum += r.meta.changes ?? 0;
      }
      return Response.json({ n, sum });
    }
    case "/__bench/job": {
      // One unit of work through the consumer's claim, attempt record and finish.
      const [id] = await enqueue(env, db, [noop.job({ network: "palletways", reference: body.reference!, payload: {} })]);
      const { ms } = await timed(() => runJob(env, db, id!, (kind) => (kind === noop.kind ? noop : undefined)));
      return Response.json({ ms, ...(await jobStatus(env, id!)) });
    }
    case "/__bench/upn-event": {
      const { barcode, orderId } = body;
      await env.DB.prepare("INSERT INTO consignments (network, reference, order_id, customer_reference, role) VALUES ('upn', ?1, ?2, ?1, 'DELIVERING')").bind(barcode, orderId).run();
      const eventId = `bench-${barcode}`;
      const [id] = await enqueue(env, db, [declared("upn.tracking-apply", "upn").job({ network: "upn", reference: barcode!, payload: { eventIds: [eventId] } })]);
      const occurred = new Date().toISOString().replace(/\.\d+Z$/, "Z");
      const event = { event_id: eventId, barcode, capture_type: "C", pallet_barcode: null, stage_code: "ARR", stage: "Arrived", occurred_at: occurred, depot: "045", note: null };
      await env.DB.prepare("INSERT INTO upn_events (event_id, batch_id, barcode, stage_code, occurred_at, body, status, job_id) VALUES (?1, 'bench', ?2, 'ARR', ?3, ?4, 'queued', ?5)")
        .bind(eventId, barcode, occurred, JSON.stringify(event), id).run();
      const { ms } = await timed(() => runJob(env, db, id!));
      return Response.json({ ms, ...(await jobStatus(env, id!)) });
    }
    case "/__bench/photo": {
      const { reference, orderId } = body;
      await env.DB.prepare("INSERT INTO consignments (network, reference, order_id, customer_reference, role) VALUES ('palletways', ?1, ?2, ?1, 'DELIVERING')").bind(reference, orderId).run();
      const bytes = new Uint8Array(2048);
      crypto.getRandomValues(bytes);
      bytes.set([0xff, 0xd8, 0xff, 0xe0]);
      const sha = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
      const key = `palletways/photos/${sha}.jpg`;
      await env.FILES.put(key, bytes);
      const documentId = crypto.randomUUID();
      await env.DB.prepare(
        "INSERT INTO documents (id, network, reference, direction, sha256, document_type, filename, content_type, size, r2_key, status, seq) VALUES (?1, 'palletways', ?2, 'to_tms', ?3, 'PHOTO_OF_GOODS_DELIVERY', ?4, 'image/jpeg', ?5, ?6, 'new', 1)",
      ).bind(documentId, reference, sha, `${reference}_photo_1.jpg`, bytes.length, key).run();
      const [id] = await enqueue(env, db, [declared("palletways.attach-photo", "palletways").job({ network: "palletways", reference: reference!, payload: { documentId } })]);
      const { ms } = await timed(() => runJob(env, db, id!));
      return Response.json({ ms, ...(await jobStatus(env, id!)) });
    }
  }
  return Response.json({ error: "no such bench door" }, { status: 404 });
}

export default {
  async fetch(req: Request, env: Env, ctx: ExecutionContext) {
    const url = new URL(req.url);
    if (url.pathname.startsWith("/__bench/")) return door(url, req, benchEnv(env));
    return worker.fetch(req, benchEnv(env), ctx);
  },
  scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext) {
    return worker.scheduled!(controller, benchEnv(env), ctx);
  },
  queue(batch: MessageBatch<{ jobId: string }>, env: Env, ctx: ExecutionContext) {
    return worker.queue!(batch, benchEnv(env), ctx);
  },
};
