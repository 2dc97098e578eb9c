import { timeline } from "../db/schema";
import type { Db } from "../db/client";
import { redact } from "../lib/secrets";
import { insertChunks } from "../lib/chunk";

// The consignment's record: every webhook, document, attempt, upload and error, in order.

export type TimelineKind = "webhook" | "event" | "document" | "attempt" | "upload" | "attachment" | "error" | "skipped" | "fetch" | "window" | "info";
export type TimelineOutcome = "ok" | "error" | "skipped" | "waiting" | "info";

export interface TimelineEntry {
  network: string;
  reference: string;
  kind: TimelineKind;
  step: string;
  outcome: TimelineOutcome;
  message: string;
  detail?: Record<string, unknown>;
  jobId?: string | null;
  at?: number;
}

export function timelineValues(e: TimelineEntry) {
  return {
    network: e.network,
    reference: e.reference,
    at: e.at ?? Date.now(),
    kind: e.kind,
    step: e.step,
    outcome: e.outcome,
    message: redact(e.message),
    detail: e.detail ? redact(JSON.stringify(e.detail)) : null,
    jobId: e.jobId ?? null,
  };
}

/** The inserts for these entries, to run in the caller's own batch. */
export function timelineInserts(db: Db, entries: readonly TimelineEntry[]) {
  return insertChunks(entries.map(timelineValues)).map((part) => db.insert(timeline).values(part));
}

export async function recordTimeline(db: Db, entries: TimelineEntry | TimelineEntry[]): Promise<void> {
  for (const statement of timelineInserts(db, Array.isArray(entries) ? entries : [entries])) await statement;
}
