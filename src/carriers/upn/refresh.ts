import { eq, sql } from "drizzle-orm";
import { db as openDb } from "../../db/client";
import { upnEvents, upnImports } from "./schema";
import { errorMessage } from "../../lib/errors";
import { recordTimeline } from "../../engine";
import type { Refresher } from "../carrier";
import { importCycle } from "./import";
import { trackingCycle } from "./tracking";

// POST /api/consignments/upn/{barcode}/refresh: UPN's consignment list and tracking feed are one
// stream each for the depot, so "fetch now" runs both pulls (new consignments first, so that
// events for a just-booked consignment find its order), then reports this barcode's part.
export const upnRefresh: Refresher = async (env, barcode) => {
  const db = openDb(env);
  let consignments: Record<string, unknown>;
  try {
    consignments = await importCycle(env, db);
  } catch (err) {
    // The tracking pull is still worth doing; the import's trouble is reported with it.
    consignments = { error: errorMessage(err) };
  }
  const tracking = await trackingCycle(env, db);
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
    message: `Manual refresh: pulled UPN's tracking events (${read} new for the depot) and its consignment list${"error" in consignments ? ` (the list failed: ${consignments.error})` : ""}; this consignment has ${total} event${total === 1 ? "" : "s"} recorded`,
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
