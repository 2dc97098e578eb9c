import { db as openDb } from "../db/client";
import { databaseSize, lastRetention, retentionDays } from "../engine";

// What the console shows about growth: the D1 database's size against its 10 GB ceiling, and
// what the last daily retention pass removed.

export const D1_LIMIT_BYTES = 10 * 1024 ** 3;

export async function storageSummary(env: Env) {
  const [size, last] = await Promise.all([databaseSize(env), lastRetention(openDb(env))]);
  return { databaseBytes: size, limitBytes: D1_LIMIT_BYTES, retentionDays: retentionDays(env), lastPass: last };
}

export type StorageSummary = Awaited<ReturnType<typeof storageSummary>>;
