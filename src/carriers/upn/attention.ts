import { and, desc, eq, gte, inArray, lt, ne } from "drizzle-orm";
import type { Db } from "../../db/client";
import { documents } from "../../db/schema";
import { upnEvents, upnTrackingBatches } from "./schema";
import type { CronTask } from "../../engine";
import type { AttentionItem } from "../carrier";
import { EXCEPTION_STAGES } from "./enums";
import { failLongHeldImages, HELD_ACTION, HELD_LIMIT_MS, HELD_TOO_LONG } from "./images";

// What UPN puts in front of a person (upn.md): the exception stages (Carded, Complaint raised)
// from the tracking events, and delivery images held past 24 hours that the cron has not yet
// turned into failures.

const ACTION: Record<string, string> = {
  CRD: "The driver could not deliver and left a card. Call the consignee to arrange a new delivery and note it on the TMS order.",
  CMP: "The customer raised a complaint with UPN. Read it with UPN, call the customer, and note what was agreed on the TMS order.",
};

const LIMIT = 500;

function eventWords(body: string): { stage: string | null; occurredAt: string | null; note: string | null; pallet: string | null } {
  try {
    const e = JSON.parse(body) as Record<string, unknown>;
    const s = (k: string) => (typeof e[k] === "string" && e[k] !== "" ? (e[k] as string) : null);
    return { stage: s("stage"), occurredAt: s("occurred_at"), note: s("note"), pallet: e.capture_type === "P" ? s("pallet_barcode") : null };
  } catch {
    return { stage: null, occurredAt: null, note: null, pallet: null };
  }
}

export async function upnAttention(_env: Env, db: Db, since: number): Promise<AttentionItem[]> {
  const now = Date.now();
  const [exceptions, held] = await Promise.all([
    db
      .select({ eventId: upnEvents.eventId, barcode: upnEvents.barcode, stageCode: upnEvents.stageCode, body: upnEvents.body, receivedAt: upnTrackingBatches.receivedAt })
      .from(upnEvents)
      .innerJoin(upnTrackingBatches, eq(upnTrackingBatches.id, upnEvents.batchId))
      .where(and(inArray(upnEvents.stageCode, [...EXCEPTION_STAGES]), ne(upnEvents.status, "invalid"), gte(upnTrackingBatches.receivedAt, since)))
      .orderBy(desc(upnTrackingBatches.receivedAt))
      .limit(LIMIT),
    db
      .select({ id: documents.id, reference: documents.reference, filename: documents.filename, updatedAt: documents.updatedAt })
      .from(documents)
      .where(and(eq(documents.status, "held"), lt(documents.updatedAt, now - HELD_LIMIT_MS), gte(documents.updatedAt, since - HELD_LIMIT_MS), eq(documents.network, "upn")))
      .limit(LIMIT),
  ]);
  return [
    ...exceptions.map((r): AttentionItem => {
      const w = eventWords(r.body);
      const what = `${w.stage ?? r.stageCode} (${r.stageCode})`;
      const scope = w.pallet ? ` (pallet ${w.pallet})` : "";
      return {
        kind: "exception",
        key: r.eventId,
        reference: r.barcode,
        at: r.receivedAt,
        title: `UPN ${r.barcode}${scope}: ${what}${w.occurredAt ? ` at ${w.occurredAt}` : ""}${w.note ? `, “${w.note}”` : ""}`,
        action: ACTION[r.stageCode] ?? null,
        alert: true,
      };
    }),
    ...held.map((d): AttentionItem => ({
      kind: "held",
      key: d.id,
      reference: d.reference,
      at: d.updatedAt + HELD_LIMIT_MS,
      title: `UPN ${d.reference}: delivery image "${d.filename}" held for more than 24 h: ${HELD_TOO_LONG}`,
      action: HELD_ACTION,
    })),
  ];
}

/** Held images past their 24 hours become failures (rule 9). */
export const upnHeldImagesTask: CronTask = { name: "upn.held-images", run: (env, db) => failLongHeldImages(env, db) };
