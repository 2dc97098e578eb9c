import { timeline } from "../db/schema";
import type { Db } from "../db/client";
import { redact } from "./secrets";

// The consignment's record: every webhook, document, attempt, upload and error, in order.

type TimelineKind = "webhook" | "event" | "document" | "attempt" | "upload" | "attachment" | "error" | "skipped" | "fetch" | "window" | "info";
type TimelineOutcome = "ok" | "error" | "skipped" | "waiting" | "info";

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

export async function recordTimeline(db: Db, entries: TimelineEntry | TimelineEntry[]): Promise<void> {
  const list = Array.isArray(entries) ? entries : [entries];
  if (list.length === 0) return;
  // 10 columns a row: 9 rows stay under D1's 100 bound parameters per statement.
  for (let i = 0; i < list.length; i += 9) {
    await db.insert(timeline).values(list.slice(i, i + 9).map(timelineValues));
  }
}
