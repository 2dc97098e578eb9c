import { eq, sql } from "drizzle-orm";
import { db as openDb } from "../../db/client";
import { upnEvents, upnImports } from "./schema";
import { errorMessage } from "../../lib/errors";
import { recordTimeline, withLease } from "../../engine";
import type { Refresher } from "../carrier";
import { importCycle } from "./import";
import { trackingCycle } from "./tracking";
import { upnImportTask, upnTrackingTask } from "./cron";

/** A refresh answers an operator waiting in the console: time for the tracking read (its long timeout) and little more. */
const REFRESH_BUDGET_MS = 5 * 60_000;

// POST /api/consignments/upn/{barcode}/refresh: UPN's consignment list and tracking feed are one
// stream each for the depot, so "fetch now" runs both pulls (new consignments first, so that
// events for a just-booked consignment find its order), then reports this barcode's part.
// Each runs under the same lease as the cron's pull (rule 12): while a scheduled pass holds it,
// the refresh does not pull a second time alongside it and says so.
const BUSY = { skipped: "a scheduled pass is running this pull right now; its results appear here shortly" };

export const upnRefresh: Refresher = async (env, barcode) => {
  const db = openDb(env);
  let consignments: Record<string, unknown>;
  try {
    const r = await withLease(db, upnImportTask.name, (pass) => importCycle(env, db, pass), REFRESH_BUDGET_MS);
    consignments = r.ran ? r.result : BUSY;
  } catch (err) {
    // The tracking pull is still worth doing; the import's trouble is reported with it.
    consignments = { error: errorMessage(err) };
  }
  const t = await withLease(db, upnTrackingTask.name, (pass) => trackingCycle(env, db, pass), REFRESH_BUDGET_MS);
  const tracking: Record<string, unknown> = t.ran ? t.result : BUSY;
  const events = await db
    .select({ status: upnEvents.status, n: sql<number>`count(*)` })
    .from(upnEvents)
    .where(eq(upnEvents.barcode, barcode))
    .groupBy(upnEvents.status);
  const [imported] = await db.select({ status: upnImports.status, orderId: upnImports.orderId }).from(upnImports).where(eq(upnImports.barcode, barcode));
  const byStatus = Object.fromEntries(events.map((e) => [e.status, e.n]));
  const total = events.reduce((n, e) => n + e.n, 0);
  const read = typeof tracking.read === "number" ? tracking.read : 0;
  await recordTimeline(db, {
    network: "upn",
    reference: barcode,
    kind: "fetch",
    step: "upn.refresh",
    outcome: "info",
    message: `Manual refresh: ${t.ran ? `pulled UPN's tracking events (${read} new for the depot)` : "UPN's tracking events are being pulled by a scheduled pass right now"} and its consignment list${"error" in consignments ? ` (the list failed: ${String(consignments.error)})` : ""}; this consignment has ${total} event${total === 1 ? "" : "s"} recorded`,
    detail: { events: byStatus },
  });
  return {
    new_events: read,
    events_for_consignment: total,
    ...(typeof consignments.recorded === "number" ? { new_consignments: consignments.recorded } : {}),
    consignments,
    tracking,
    import: imported ?? null,
    events: byStatus,
  };
};
