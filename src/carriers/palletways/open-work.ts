import { and, eq, gt, ne, or } from "drizzle-orm";
import type { Db } from "../../db/client";
import { palletwaysWindows } from "./schema";
import type { OpenWork } from "../carrier";

// The console overview's list of photo catch-up windows still open (from the windows' D1 mirror).

export async function openWindows(db: Db, now: number): Promise<OpenWork> {
  const rows = await db
    .select()
    .from(palletwaysWindows)
    // An open window stays listed past its close time until the sweep closes it (cron.ts).
    .where(and(or(gt(palletwaysWindows.closesAt, now), eq(palletwaysWindows.status, "open")), ne(palletwaysWindows.status, "closed")))
    .orderBy(palletwaysWindows.closesAt)
    .limit(100);
  return {
    title: "Open Palletways photo windows",
    caption: "Photos are fetched from Palletways until each window closes.",
    empty: "None open: no Palletways delivery is waiting for photos.",
    referenceLabel: "Tracking ID",
    items: rows.map((w) => ({ reference: w.trackingId, startedAt: w.completedAt, closesAt: w.closesAt, progress: `${w.fetches} fetch${w.fetches === 1 ? "" : "es"}`, status: w.status })),
  };
}
