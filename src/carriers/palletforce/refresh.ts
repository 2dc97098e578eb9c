import { eq } from "drizzle-orm";
import { db as openDb } from "../../db/client";
import { recordTimeline } from "../../engine";
import type { Refresher } from "../carrier";
import { LABEL, NETWORK, TRACKING_NUMBER } from "./enums";
import { pollOne } from "./tracking";
import { palletforceTracked } from "./schema";

// POST /api/consignments/palletforce/{trackingNumber}/refresh: read this consignment's tracking
// now (the whole history: safe to repeat; each event still counts once).
export const palletforceRefresh: Refresher = async (env, reference) => {
  if (!TRACKING_NUMBER.test(reference)) throw new Error(`not a valid ${LABEL} reference: 13 digits expected`);
  const db = openDb(env);
  const [row] = await db.select().from(palletforceTracked).where(eq(palletforceTracked.trackingNumber, reference));
  if (!row) throw new Error(`${LABEL} ${reference} is not one the connector follows (neither booked by us nor imported for our depot)`);
  const r = await pollOne(env, db, row);
  await recordTimeline(db, { network: NETWORK, reference, kind: "fetch", step: "palletforce.refresh", outcome: "info", message: `Manual refresh: read ${LABEL}'s tracking: ${r.summary}${row.status !== "open" ? ` (the consignment is ${row.status})` : ""}` });
  return { new_events: r.newEvents, stop_moves: r.moves, pallet_scans: r.scans, complete: r.complete, status: row.status };
};
