import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../db/client";
import { consignments } from "../../db/schema";
import { palletwaysImports } from "./schema";
import { chunk, IN_LIST_MAX } from "../../lib/chunk";
import type { Statement } from "../../engine";

// Small D1 helpers the import's modules share.

/** D1 takes at most 100 statements in one batch (one transaction each). */
const STATEMENTS_PER_BATCH = 100;

export async function runBatches(db: Db, statements: Statement[]): Promise<unknown[]> {
  const results: unknown[] = [];
  for (const part of chunk(statements, STATEMENTS_PER_BATCH)) {
    if (part.length) results.push(...((await db.batch(part as [Statement, ...Statement[]])) as unknown[]));
  }
  return results;
}

export type ImportRow = typeof palletwaysImports.$inferSelect;

export async function importsFor(db: Db, trackingIds: readonly string[]): Promise<Map<string, ImportRow>> {
  const out = new Map<string, ImportRow>();
  for (const part of chunk(trackingIds, IN_LIST_MAX)) {
    for (const r of await db.select().from(palletwaysImports).where(inArray(palletwaysImports.trackingId, part))) out.set(r.trackingId, r);
  }
  return out;
}

/** Palletways tracking IDs the connector already links to a TMS order (a webhook, a booking, an import). */
export async function knownConsignments(db: Db, trackingIds: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunk(trackingIds, IN_LIST_MAX)) {
    const rows = await db.select({ reference: consignments.reference }).from(consignments).where(and(eq(consignments.network, "palletways"), inArray(consignments.reference, part)));
    for (const r of rows) out.add(r.reference);
  }
  return out;
}

/** Statuses in which the TMS order exists and its id is kept on the import. */
export const ORDER_EXISTS = ["created", "completed"] as const;
