import { asc, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { upnRawChunks } from "./schema";
import { errorMessage } from "../../lib/errors";
import { log } from "../../lib/log";

// Where a UPN tracking read is kept before anything looks inside it. UPN never returns an event
// twice, so the raw body must land somewhere durable: R2 first; if R2 keeps refusing, D1 in
// chunks (contract rule 1). Processing reads whichever holds it.

/** Characters per D1 row: at most 4 bytes each in UTF-8, well under D1's 2 MB per value. */
const CHUNK_CHARS = 256 * 1024;
const R2_TRIES = 3;

export type RawHome = "r2" | "d1";

async function tryR2(env: Env, key: string, raw: string): Promise<unknown> {
  let last: unknown = null;
  for (let i = 0; i < R2_TRIES; i++) {
    try {
      await env.FILES.put(key, raw, { httpMetadata: { contentType: "application/json" } });
      return null;
    } catch (err) {
      last = err;
      log({ network: "upn", step: "upn.tracking.store", outcome: "retry", error: `R2 write: ${errorMessage(err)}` });
      await new Promise((r) => setTimeout(r, 200 * (i + 1)));
    }
  }
  return last ?? new Error("R2 refused the write");
}

/** Keeps the raw read; throws only when neither R2 nor D1 would take it. */
export async function storeRaw(env: Env, db: Db, batchId: string, r2Key: string, raw: string): Promise<RawHome> {
  const r2Error = await tryR2(env, r2Key, raw);
  if (!r2Error) return "r2";
  const rows = [];
  for (let i = 0, seq = 0; i < raw.length || seq === 0; i += CHUNK_CHARS, seq++) rows.push({ batchId, seq, data: raw.slice(i, i + CHUNK_CHARS) });
  // One chunk per statement (a chunk is far over the 100-parameter budget of a multi-row
  // insert anyway), all in one transaction: a half-written copy never exists.
  const statements = rows.map((r) => db.insert(upnRawChunks).values(r).onConflictDoNothing());
  await db.batch(statements as [typeof statements[0], ...typeof statements]);
  log({ network: "upn", step: "upn.tracking.store", outcome: "ok", batch: batchId, error: `R2 refused (${errorMessage(r2Error)}); kept in D1 in ${rows.length} chunk(s)` });
  return "d1";
}

/** The raw read from R2, else from D1; null when neither holds it. */
export async function readRaw(env: Env, db: Db, batchId: string, r2Key: string): Promise<string | null> {
  const obj = await env.FILES.get(r2Key);
  if (obj) return obj.text();
  const rows = await db.select({ data: upnRawChunks.data }).from(upnRawChunks).where(eq(upnRawChunks.batchId, batchId)).orderBy(asc(upnRawChunks.seq));
  return rows.length ? rows.map((r) => r.data).join("") : null;
}

/** Whether D1 holds the batch's raw copy (the timeline and console say where it is). */
export async function rawInD1(db: Db, batchId: string): Promise<boolean> {
  const [row] = await db.select({ seq: upnRawChunks.seq }).from(upnRawChunks).where(eq(upnRawChunks.batchId, batchId)).limit(1);
  return Boolean(row);
}
