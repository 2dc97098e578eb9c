import { desc, eq } from "drizzle-orm";
import { db as openDb } from "../db/client";
import { jobs } from "../db/schema";

// Work that ran out of retries or failed permanently, newest first: the API's and the console's list.

export async function failures(env: Env) {
  const rows = await openDb(env).select().from(jobs).where(eq(jobs.status, "failed")).orderBy(desc(jobs.updatedAt)).limit(500);
  return rows.map((j) => ({
    id: j.id,
    kind: j.kind,
    network: j.network,
    reference: j.reference,
    attempts: j.attempts,
    last_error: j.lastError,
    failed_at: new Date(j.updatedAt).toISOString(),
  }));
}
