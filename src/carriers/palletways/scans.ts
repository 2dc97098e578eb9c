import { asc, eq } from "drizzle-orm";
import { db as openDb } from "../../db/client";
import { palletwaysImportNotes, palletwaysImports } from "./schema";
import type { HandlingUnitScan, HandlingUnitScans } from "../carrier";
import { consignmentSchema } from "./import-client";
import { scanStatusFor, storedNote } from "./import-mapping";

// The pallets of an imported Palletways consignment and the notes that named them, for the
// console's consignment page: the pallets from the consignment as looked up (so a pallet with
// no scan yet still shows), the scans from the notes as recorded.

const STATE: Record<string, string> = {
  waiting: "waiting for the TMS order",
  queued: "being sent to the TMS",
  applied: "in the TMS",
  failed: "not accepted by the TMS",
};

export async function handlingUnitScans(env: Env, trackingId: string): Promise<HandlingUnitScans[]> {
  const db = openDb(env);
  const [[imported], notes] = await Promise.all([
    db.select({ body: palletwaysImports.body, status: palletwaysImports.status }).from(palletwaysImports).where(eq(palletwaysImports.trackingId, trackingId)),
    db.select().from(palletwaysImportNotes).where(eq(palletwaysImportNotes.trackingId, trackingId)).orderBy(asc(palletwaysImportNotes.noteAt), asc(palletwaysImportNotes.delta)),
  ]);
  if (!imported || imported.status === "not_ours") return [];
  const units = new Map<string, HandlingUnitScan[]>();
  const c = consignmentSchema.safeParse(safeJson(imported.body));
  if (c.success) for (const p of c.data.Pallet ?? []) units.set(p.Barcode, []);
  for (const row of notes) {
    if (!row.barcode) continue;
    const n = storedNote(row.body);
    const list = units.get(row.barcode) ?? [];
    list.push({
      at: new Date(row.noteAt ?? row.delta * 1000).toISOString(),
      what: `${n?.NoteType ?? "Palletways note"} (${row.statusCode})`,
      status: scanStatusFor(row.statusCode),
      location: null,
      note: n?.NoteText ?? null,
      state: row.status === "failed" && row.error ? `${STATE.failed}: ${row.error}` : (STATE[row.status] ?? row.status),
      failed: row.status === "failed",
    });
    units.set(row.barcode, list);
  }
  return [...units.entries()].map(([barcode, scans]) => ({ barcode, scans }));
}

function safeJson(text: string | null | undefined): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
