import { asc, eq } from "drizzle-orm";
import { db as openDb } from "../../db/client";
import type { HandlingUnitScan, HandlingUnitScans } from "../carrier";
import { trackingEventSchema } from "./client";
import { SCAN_STATUS } from "./enums";
import { eventName } from "./mapping";
import { palletforceEvents, palletforceTracked } from "./schema";

// The pallets of a Palletforce consignment and their events, for the console's consignment page:
// the pallets known at import (or seen in tracking for a booking), each with its events in order.

export async function handlingUnitScans(env: Env, trackingNumber: string): Promise<HandlingUnitScans[]> {
  const db = openDb(env);
  const [[tracked], rows] = await Promise.all([
    db.select().from(palletforceTracked).where(eq(palletforceTracked.trackingNumber, trackingNumber)),
    db.select().from(palletforceEvents).where(eq(palletforceEvents.trackingNumber, trackingNumber)).orderBy(asc(palletforceEvents.occurredAt)),
  ]);
  const units = new Map<string, HandlingUnitScan[]>();
  for (const b of tracked?.palletBarcodes ? (JSON.parse(tracked.palletBarcodes) as string[]) : []) units.set(b, []);
  for (const r of rows) {
    if (!r.palletBarcode) continue;
    const e = trackingEventSchema.safeParse(JSON.parse(r.body));
    if (!e.success) continue;
    const list = units.get(r.palletBarcode) ?? [];
    list.push({
      at: r.occurredAt,
      what: `${eventName(e.data)} (${r.code})`,
      status: tracked?.role === "DELIVERING" ? (SCAN_STATUS[r.code] ?? null) : null,
      location: e.data.depot ? `Palletforce depot ${e.data.depot}` : null,
      note: null,
      state: r.status === "applied" ? "in the TMS" : "being sent to the TMS",
      failed: false,
    });
    units.set(r.palletBarcode, list);
  }
  return [...units.entries()].map(([barcode, scans]) => ({ barcode, scans }));
}
