import { eq } from "drizzle-orm";
import { db as openDb } from "../../db/client";
import { palletwaysImports } from "./schema";
import { recordTimeline } from "../../engine";
import { dispatchNotes } from "./import-apply";
import { ensureLookupRun } from "./import-lookups";
import { ORDER_EXISTS } from "./import-store";

// "Fetch from Palletways now" for an imported (or importing) consignment: a lookup that is
// waiting for its retry time is due at once, and notes waiting for its order go on.
export async function refreshImport(env: Env, trackingId: string): Promise<Record<string, unknown> | null> {
  const db = openDb(env);
  const [row] = await db.select().from(palletwaysImports).where(eq(palletwaysImports.trackingId, trackingId));
  if (!row) return null;
  if (row.status === "lookup") {
    await db.update(palletwaysImports).set({ nextLookupAt: Date.now(), updatedAt: Date.now() }).where(eq(palletwaysImports.trackingId, trackingId));
    await recordTimeline(db, { network: "palletways", reference: trackingId, kind: "info", step: "palletways.import", outcome: "info", message: "Lookup asked for by an operator: Palletways is asked again now" });
    return { import_status: "lookup", lookup_runs: await ensureLookupRun(env, db) };
  }
  if ((ORDER_EXISTS as readonly string[]).includes(row.status)) return { import_status: row.status, notes_released: (await dispatchNotes(env, db, [trackingId])).queued };
  return { import_status: row.status };
}
