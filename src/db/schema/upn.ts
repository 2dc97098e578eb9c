import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

const now = sql`(unixepoch('subsec') * 1000)`;

/** Each destructive tracking read, stored raw in R2 before any processing. */
export const upnTrackingBatches = sqliteTable("upn_tracking_batches", {
  id: text("id").primaryKey(),
  r2Key: text("r2_key").notNull(),
  receivedAt: integer("received_at").notNull().default(now),
  eventCount: integer("event_count").notNull(),
  status: text("status").notNull(),
  processedAt: integer("processed_at"),
  error: text("error"),
});

/** One row per UPN event_id: applied exactly once, or waiting for its order. */
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
    appliedAt: integer("applied_at"),
    error: text("error"),
  },
  (t) => [index("upn_events_status").on(t.status, t.barcode)],
);

/** Consignments imported as TMS orders, and the import's progress. */
export const upnImports = sqliteTable("upn_imports", {
  barcode: text("barcode").primaryKey(),
  uploadId: text("upload_id"),
  orderId: text("order_id"),
  status: text("status").notNull(),
  error: text("error"),
  createdAt: integer("created_at").notNull().default(now),
  updatedAt: integer("updated_at").notNull().default(now),
});

/** ePOD sent per consignment: images wait for it. */
export const upnEpods = sqliteTable("upn_epods", {
  barcode: text("barcode").primaryKey(),
  status: text("status").notNull(),
  sentAt: integer("sent_at"),
});
