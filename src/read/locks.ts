import { desc, gt } from "drizzle-orm";
import { db as openDb } from "../db/client";
import { authLocks } from "../db/schema";

// Clients locked out for guessing credentials (middleware/guess-guard), newest first, for the console.

const ROUTE_LABELS: Record<string, string> = {
  admin: "console sign-in and ADMIN_TOKEN bearer (one count)",
  webhook: "TMS webhook (Basic, per user name sent)",
  // Rows written before the two shared one count.
  login: "console sign-in",
  api: "ADMIN_TOKEN bearer (API)",
};

export async function recentLocks(env: Env, sinceMs = 24 * 3600_000) {
  const rows = await openDb(env)
    .select()
    .from(authLocks)
    .where(gt(authLocks.lockedAt, Date.now() - sinceMs))
    .orderBy(desc(authLocks.lockedAt))
    .limit(20);
  return rows.map((r) => ({ ...r, routeLabel: ROUTE_LABELS[r.route] ?? r.route }));
}

export type RecentLock = Awaited<ReturnType<typeof recentLocks>>[number];
