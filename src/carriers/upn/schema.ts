import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

const now = sql`(unixepoch('subsec') * 1000)`;

/**
 * Each destructive tracking read, stored raw in R2 before any processing.
 * status: `reading` → `stored` (raw kept, events not yet recorded) → `recorded` (every event has its row) or
 * `lost` (the answer broke off or never came: its events may be gone at UPN; the row keeps the window), or
 * `invalid` (the body was not a tracking response; the raw copy stays for an operator).
 */
export const upnTrackingBatches = sqliteTable(
  "upn_tracking_batches",
  {
    id: text("id").primaryKey(),
    r2Key: text("r2_key").notNull(),
    receivedAt: integer("received_at").notNull().default(now),
    eventCount: integer("event_count").notNull(),
    status: text("status").notNull(),
    processedAt: integer("processed_at"),
    error: text("error"),
  },
  // Retention looks for old applied reads by status and age.
  (t) => [index("upn_tracking_batches_status").on(t.status, t.receivedAt)],
);

/**
 * One row per UPN event_id: applied exactly once, or waiting for its order.
 * status: `waiting` (no TMS order known for the barcode) → `queued` (in job `jobId`) →
 * `applied`; `failed` (the TMS refused it for good) and `invalid` (malformed event) stand.
 */
export const upnEvents = sqliteTable(
  "upn_events",
  {
    eventId: text("event_id").primaryKey(),
    batchId: text("batch_id").notNull(),
    barcode: text("barcode").notNull(),
    stageCode: text("stage_code").notNull(),
    occurredAt: text("occurred_at").notNull(),
    body: text("body").notNull(),
    status: text("status").notNull(),
    jobId: text("job_id"),
    appliedAt: integer("applied_at"),
    error: text("error"),
  },
  (t) => [
    index("upn_events_status").on(t.status, t.barcode),
    index("upn_events_job").on(t.jobId),
    // Exception stages (Carded, Complaint raised) for the attention list: few among many.
    index("upn_events_stage").on(t.stageCode),
    // Retention: a read's events still open (per batch), and applied events by age.
    index("upn_events_batch").on(t.batchId, t.status),
    index("upn_events_applied").on(t.status, t.appliedAt),
    // A consignment's events (the refresh's counts by status).
    index("upn_events_barcode").on(t.barcode, t.status),
  ],
);

/**
 * Consignments imported as TMS orders, and the import's progress. The consignment as UPN sent
 * it is kept so a failed import is retried without reading UPN's pages again.
 * status: `new` → `queued` → `uploaded` (upload_id known) → `completed`; `failed` stands.
 */
export const upnImports = sqliteTable(
  "upn_imports",
  {
    barcode: text("barcode").primaryKey(),
    body: text("body"),
    uploadId: text("upload_id"),
    orderId: text("order_id"),
    status: text("status").notNull(),
    polls: integer("polls").notNull().default(0),
    error: text("error"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  // The cycle's new imports, and retention's completed ones by age.
  // An import's row stays (UPN lists a consignment more than once); retention clears old
  // bodies through the partial index, without re-reading every older import each day.
  (t) => [
    index("upn_imports_status").on(t.status, t.updatedAt),
    index("upn_imports_body").on(t.status, t.updatedAt).where(sql`body IS NOT NULL`),
    // The import list, newest first.
    index("upn_imports_created").on(t.createdAt),
  ],
);

/** ePOD per consignment (status `sending` → `sent`): images wait for it. */
export const upnEpods = sqliteTable("upn_epods", {
  barcode: text("barcode").primaryKey(),
  status: text("status").notNull(),
  signedBy: text("signed_by"),
  signedAt: text("signed_at"),
  signatureSha256: text("signature_sha256"),
  sentAt: integer("sent_at"),
  error: text("error"),
});

/**
 * A UPN tracking read that R2 refused, kept in D1 in pieces (a D1 value is capped at 2 MB).
 * UPN's read is destructive: this copy is the only one, so processing reads it from here.
 */
export const upnRawChunks = sqliteTable(
  "upn_raw_chunks",
  {
    batchId: text("batch_id").notNull(),
    seq: integer("seq").notNull(),
    data: text("data").notNull(),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.seq] })],
);
