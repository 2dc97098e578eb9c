import { and, eq, gte, inArray, sql } from "drizzle-orm";
import { db as openDb } from "../db/client";
import { documents, jobs, timeline } from "../db/schema";
import { carriers, networkEnabled } from "../carriers";

// The overview's picture: per network, the last 24 hours hour by hour — documents into the TMS,
// documents out to the network, events applied, failures — so an operator sees at a glance
// whether today looks like yesterday. Counted from D1 as it stands (each query uses an index
// on its time column); a document is counted in the hour it last changed to its final state.

export const HOUR_MS = 3_600_000;
export const HOURS = 24;

export interface ActivityHour {
  /** Epoch ms of the hour's start (UTC). */
  start: number;
  docsIn: number;
  docsOut: number;
  events: number;
  failures: number;
}

export interface NetworkActivity {
  network: string;
  enabled: boolean;
  hours: ActivityHour[];
  totals: Omit<ActivityHour, "start">;
}

/** Document states that mean "it arrived": attached to the TMS, or sent/uploaded to the network. */
const INTO_TMS = ["attached"];
const OUT_TO_NETWORK = ["sent", "uploaded"];

export async function activity(env: Env, now = Date.now()): Promise<{ from: number; networks: NetworkActivity[] }> {
  const db = openDb(env);
  // 24 buckets ending with the current (partial) hour.
  const from = Math.floor(now / HOUR_MS) * HOUR_MS - (HOURS - 1) * HOUR_MS;
  const bucket = (col: unknown) => sql<number>`cast((${col} - ${from}) / ${HOUR_MS} as integer)`;
  const n = sql<number>`count(*)`;
  const [docs, events, failed] = await Promise.all([
    db
      .select({ network: documents.network, direction: documents.direction, h: bucket(documents.updatedAt), n })
      .from(documents)
      .where(and(inArray(documents.status, [...INTO_TMS, ...OUT_TO_NETWORK]), gte(documents.updatedAt, from)))
      .groupBy(documents.network, documents.direction, sql`3`),
    db
      .select({ network: timeline.network, h: bucket(timeline.at), n })
      .from(timeline)
      .where(and(eq(timeline.kind, "event"), inArray(timeline.outcome, ["ok", "info"]), gte(timeline.at, from)))
      .groupBy(timeline.network, sql`2`),
    db
      .select({ network: jobs.network, h: bucket(jobs.updatedAt), n })
      .from(jobs)
      .where(and(eq(jobs.status, "failed"), gte(jobs.updatedAt, from)))
      .groupBy(jobs.network, sql`2`),
  ]);
  const networks = carriers().map((c): NetworkActivity => ({
    network: c.network,
    enabled: networkEnabled(env, c.network),
    hours: Array.from({ length: HOURS }, (_, i) => ({ start: from + i * HOUR_MS, docsIn: 0, docsOut: 0, events: 0, failures: 0 })),
    totals: { docsIn: 0, docsOut: 0, events: 0, failures: 0 },
  }));
  const add = (network: string, h: number, field: keyof NetworkActivity["totals"], count: number) => {
    const a = networks.find((x) => x.network === network);
    const hour = a?.hours[Number(h)];
    if (!a || !hour) return;
    hour[field] += Number(count);
    a.totals[field] += Number(count);
  };
  for (const d of docs) add(d.network, d.h, d.direction === "to_tms" ? "docsIn" : "docsOut", d.n);
  for (const e of events) add(e.network, e.h, "events", e.n);
  for (const f of failed) add(f.network, f.h, "failures", f.n);
  return { from, networks };
}

export type Activity = Awaited<ReturnType<typeof activity>>;
