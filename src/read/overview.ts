import { sql } from "drizzle-orm";
import { getConfig } from "../config";
import { db as openDb } from "../db/client";
import { jobs } from "../db/schema";
import { carriers, networkEnabled } from "../carriers";
import { configProblems, networkStates } from "./health";
import { attention } from "./attention";
import { activity } from "./activity";

// The console's front page: each network's health, its work under way, backlog, failures.

const jobCounts = (db: ReturnType<typeof openDb>) =>
  db.select({ status: jobs.status, n: sql<number>`count(*)` }).from(jobs).groupBy(jobs.status);

export async function overview(env: Env) {
  const db = openDb(env);
  const now = Date.now();
  const [states, counts, openWork, needs, pictures, bookings] = await Promise.all([
    networkStates(env),
    jobCounts(db),
    Promise.all(carriers().filter((c) => c.openWork && networkEnabled(env, c.network)).map(async (c) => ({ network: c.network, ...(await c.openWork!(env, db, now)) }))),
    attention(env, now),
    activity(env, now),
    // Bookings from TMS dispatches over the last 24 hours, per network that takes them.
    Promise.all(carriers().filter((c) => c.dispatch?.counts && networkEnabled(env, c.network)).map(async (c) => ({ network: c.network, label: c.label, counts: await c.dispatch!.counts!(env, db, now - 24 * 3_600_000) }))),
  ]);
  const byStatus = Object.fromEntries(counts.map((c) => [c.status, Number(c.n)])) as Record<string, number>;
  const config = getConfig(env);
  return {
    now,
    tmsEnabled: config.tms !== null,
    // Plain words naming the setting that is wrong, never its value (see config.ts).
    configProblems: configProblems(env),
    networks: Object.entries(states).map(([network, s]) => ({ network, ...s })),
    openWork,
    backlog: { queued: byStatus.queued ?? 0, running: byStatus.running ?? 0 },
    failed: byStatus.failed ?? 0,
    attention: needs,
    activity: pictures,
    bookings,
  };
}

export type Overview = Awaited<ReturnType<typeof overview>>;

