import { and, desc, eq, gte, inArray, ne } from "drizzle-orm";
import type { Db } from "../../db/client";
import { palletwaysImportNotes, palletwaysImports } from "./schema";
import type { AttentionItem } from "../carrier";
import { storedNote } from "./import-mapping";

// What the import puts in front of a person: exceptions (15 REJECTED, 675 STOCK HELD, any
// NoteGroup "Exception") on consignments we deliver, with an alert; and consignments that
// Palletways has not answered for after several lookups (they keep being retried).

const LIMIT = 500;
const LOOKUPS_BEFORE_ATTENTION = 5;
/** Import states in which the consignment is known to be ours. */
const OURS = ["ours", "uploaded", "created", "completed", "failed"];

const ACTION: Record<string, string> = {
  "15": "Palletways rejected the consignment: check it in the Palletways portal and tell the customer; note what was agreed on the TMS order.",
  "675": "Palletways holds the stock: find out why in the Palletways portal, arrange the delivery and note it on the TMS order.",
};

export async function importAttention(_env: Env, db: Db, since: number): Promise<AttentionItem[]> {
  const [exceptions, stuck] = await Promise.all([
    db
      .select({ id: palletwaysImportNotes.id, trackingId: palletwaysImportNotes.trackingId, code: palletwaysImportNotes.statusCode, barcode: palletwaysImportNotes.barcode, body: palletwaysImportNotes.body, createdAt: palletwaysImportNotes.createdAt })
      .from(palletwaysImportNotes)
      .innerJoin(palletwaysImports, eq(palletwaysImports.trackingId, palletwaysImportNotes.trackingId))
      .where(and(eq(palletwaysImportNotes.exception, true), gte(palletwaysImportNotes.createdAt, since), ne(palletwaysImportNotes.status, "skipped"), inArray(palletwaysImports.status, OURS)))
      .orderBy(desc(palletwaysImportNotes.createdAt))
      .limit(LIMIT),
    db
      .select()
      .from(palletwaysImports)
      .where(and(inArray(palletwaysImports.status, ["lookup", "looking"]), gte(palletwaysImports.lookups, LOOKUPS_BEFORE_ATTENTION), gte(palletwaysImports.updatedAt, since)))
      .limit(LIMIT),
  ]);
  return [
    ...exceptions.map((r): AttentionItem => {
      const n = storedNote(r.body) ?? { NoteType: null, NoteDate: null, NoteTime: null, NoteText: null };
      const pallet = r.barcode ? ` (pallet ${r.barcode})` : "";
      const when = n.NoteDate ? ` at ${n.NoteDate} ${n.NoteTime ?? ""}`.trimEnd() : "";
      const text = n.NoteText?.trim() ? `, “${n.NoteText.trim()}”` : "";
      return {
        kind: "exception",
        key: r.id,
        reference: r.trackingId,
        at: r.createdAt,
        title: `Palletways ${r.trackingId}${pallet}: ${r.code}${n.NoteType ? ` ${n.NoteType}` : ""}${when}${text}`,
        action: ACTION[r.code] ?? "Read the note in the Palletways portal, act on it with the customer, and note it on the TMS order.",
        alert: true,
      };
    }),
    ...stuck.map((r): AttentionItem => ({
      kind: "lookup",
      // Comes back as a new item once more lookups have failed after it was marked seen.
      key: `${r.trackingId}:${Math.floor(r.lookups / LOOKUPS_BEFORE_ATTENTION)}`,
      reference: r.trackingId,
      at: r.updatedAt,
      title: `Palletways ${r.trackingId}: ${r.lookups} lookups failed (${r.error ?? "no answer"}); still retried, so its TMS order is not made yet`,
      action: "Check the tracking ID in the Palletways portal; if it is ours, press “Fetch from Palletways now” on its page once Palletways answers, or key the order in by hand.",
    })),
  ];
}
