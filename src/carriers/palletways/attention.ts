import { and, asc, gte, lt, ne } from "drizzle-orm";
import type { Db } from "../../db/client";
import { palletwaysWindows } from "./schema";
import type { AttentionItem } from "../carrier";
import { importAttention } from "./import-attention";

// Photo catch-up windows that should have closed but are still open: the window's Durable
// Object has stopped (or keeps waiting), so late photos may never be fetched.

/** The last fetch runs at the close time; give it this long to finish before calling it stuck. */
export const WINDOW_GRACE_MS = 10 * 60_000;

export async function palletwaysAttention(_env: Env, db: Db, since: number): Promise<AttentionItem[]> {
  const now = Date.now();
  const rows = await db
    .select()
    .from(palletwaysWindows)
    .where(and(ne(palletwaysWindows.status, "closed"), lt(palletwaysWindows.closesAt, now - WINDOW_GRACE_MS), gte(palletwaysWindows.closesAt, since - WINDOW_GRACE_MS)))
    .orderBy(asc(palletwaysWindows.closesAt))
    .limit(500);
  const windows = rows.map((w): AttentionItem => ({
    kind: "window",
    // A window reopened for a later delivery is a new occurrence.
    key: `${w.trackingId}:${w.closesAt}`,
    reference: w.trackingId,
    at: w.closesAt + WINDOW_GRACE_MS,
    title: `Palletways ${w.trackingId}: the photo catch-up window should have closed at ${new Date(w.closesAt).toISOString()} but is still open (${w.fetches} fetch${w.fetches === 1 ? "" : "es"} done)`,
    action: "Press “Fetch from Palletways now” on the consignment page to fetch its photos; if Palletways is refusing calls, see the network's last error first.",
  }));
  return [...windows, ...(await importAttention(_env, db, since))];
}
