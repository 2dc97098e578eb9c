import { eq, gt, or, sql } from "drizzle-orm";
import { getConfig } from "../config";
import { db as openDb } from "../db/client";
import { jobs, palletwaysWindows } from "../db/schema";
import { configProblems, networkStates } from "./health";

// The console's front page: each network's health, open catch-up windows, backlog, failures.

const jobCounts = (db: ReturnType<typeof openDb>) =>
  db.select({ status: jobs.status, n: sql<number>`count(*)` }).from(jobs).groupBy(jobs.status);

export async function overview(env: Env) {
  const db = openDb(env);
  const now = Date.now();
  const [states, counts, windows] = await Promise.all([
    networkStates(env),
    jobCounts(db),
    db.select().from(palletwaysWindows).where(or(gt(palletwaysWindows.closesAt, now), eq(palletwaysWindows.status, "open"))).orderBy(palletwaysWindows.closesAt).limit(100),
  ]);
  const byStatus = Object.fromEntries(counts.map((c) => [c.status, Number(c.n)])) as Record<string, number>;
  const config = getConfig(env);
  return {
    now,
    tmsEnabled: config.tms !== null,
    // Plain words naming the setting that is wrong, never its value (see config.ts).
    configProblems: configProblems(env),
    networks: Object.entries(states).map(([network, s]) => ({ network, ...s })),
    windows: windows.filter((w) => w.status !== "closed"),
    backlog: { queued: byStatus.queued ?? 0, running: byStatus.running ?? 0 },
    failed: byStatus.failed ?? 0,
  };
}

export type Overview = Awaited<ReturnType<typeof overview>>;

