import { and, eq, lt } from "drizzle-orm";
import type { Db } from "../../db/client";
import { palletwaysWindows } from "./schema";
import { enqueue, recordTimeline } from "../../engine";
import { fetchPhotosJob } from "./photos";
import { windowStub } from "./window";

// Windows whose alarm never finished (contract rule 9), found through the D1 mirror and closed
// by their own Durable Object, which stays the authority.

/** An alarm fires within seconds of its time; one this late is not coming. */
export const STALE_WINDOW_MS = 30 * 60_000;

export async function sweepStaleWindows(env: Env, db: Db): Promise<{ swept: number; checked: number }> {
  const staleBefore = Date.now() - STALE_WINDOW_MS;
  const candidates = await db
    .select({ trackingId: palletwaysWindows.trackingId, completedAt: palletwaysWindows.completedAt })
    .from(palletwaysWindows)
    .where(and(eq(palletwaysWindows.status, "open"), lt(palletwaysWindows.closesAt, staleBefore)))
    .limit(50);
  let swept = 0;
  for (const w of candidates) {
    const r = await windowStub(env, w.trackingId).sweep(w.trackingId, staleBefore);
    if (r.closed) swept++;
    else if (r.message === "no window in the object") {
      // The object lost its state (it cannot tell us more): close the mirror, fetch once.
      await enqueue(env, db, [fetchPhotosJob.job({
        network: "palletways",
        reference: w.trackingId,
        payload: { trackingId: w.trackingId, reason: "final fetch for a catch-up window whose state was lost" },
        dedupeKey: `${fetchPhotosJob.kind}:${w.trackingId}:sweep-lost:${w.completedAt}`,
      })]);
      await db.update(palletwaysWindows).set({ status: "closed" }).where(eq(palletwaysWindows.trackingId, w.trackingId));
      await recordTimeline(db, { network: "palletways", reference: w.trackingId, kind: "window", step: "palletways.window", outcome: "error", message: "Photo catch-up window lost its state: closed by the sweep, one final fetch queued" });
      swept++;
    }
  }
  return { swept, checked: candidates.length };
}
