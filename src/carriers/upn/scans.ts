import { asc, eq } from "drizzle-orm";
import { db as openDb } from "../../db/client";
import { upnEvents, upnImports } from "./schema";
import type { HandlingUnitScan, HandlingUnitScans } from "../carrier";
import { consignmentSchema, trackingEventSchema } from "./client";
import { eventTime, isPalletScan, scanStatusFor, stageName } from "./mapping";

// The pallets of a UPN consignment and their pallet-level events, for the console's
// consignment page. Read from what D1 holds: the events as recorded (upn_events) and the
// pallets UPN listed at import, so a pallet with no scan yet still shows.

const STATE: Record<string, string> = {
  waiting: "waiting for the TMS order",
  queued: "being sent to the TMS",
  applied: "in the TMS",
  failed: "not accepted by the TMS",
};

export async function handlingUnitScans(env: Env, barcode: string): Promise<HandlingUnitScans[]> {
  const db = openDb(env);
  const [rows, [imported]] = await Promise.all([
    db.select().from(upnEvents).where(eq(upnEvents.barcode, barcode)).orderBy(asc(upnEvents.occurredAt), asc(upnEvents.eventId)),
    db.select({ body: upnImports.body }).from(upnImports).where(eq(upnImports.barcode, barcode)),
  ]);
  const units = new Map<string, HandlingUnitScan[]>();
  const parsed = consignmentSchema.safeParse(safeJson(imported?.body));
  if (parsed.success) for (const p of parsed.data.pallets) units.set(p.barcode, []);
  for (const row of rows) {
    const e = trackingEventSchema.safeParse(safeJson(row.body));
    if (!e.success || !isPalletScan(e.data)) continue;
    const list = units.get(e.data.pallet_barcode) ?? [];
    list.push({
      at: eventTime(e.data.occurred_at),
      what: `${stageName(e.data)} (${e.data.stage_code})`,
      status: scanStatusFor(e.data.stage_code),
      location: e.data.depot ? `UPN depot ${e.data.depot}` : null,
      note: e.data.note ?? null,
      state: row.status === "failed" && row.error ? `${STATE.failed}: ${row.error}` : (STATE[row.status] ?? row.status),
      failed: row.status === "failed",
    });
    units.set(e.data.pallet_barcode, list);
  }
  return [...units.entries()].map(([unit, scans]) => ({ barcode: unit, scans }));
}

function safeJson(text: string | null | undefined): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
