import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

const now = sql`(unixepoch('subsec') * 1000)`;

/** Next FTP suffix per tracking ID; taken atomically, never handed out twice. */
export const ftpSequences = sqliteTable("ftp_sequences", {
  trackingId: text("tracking_id").primaryKey(),
  lastN: integer("last_n").notNull(),
});

/** Mirror of each catch-up window, for the console (the Durable Object is the authority). */
export const palletwaysWindows = sqliteTable("palletways_windows", {
  trackingId: text("tracking_id").primaryKey(),
  completedAt: integer("completed_at").notNull(),
  openedAt: integer("opened_at").notNull().default(now),
  closesAt: integer("closes_at").notNull(),
  fetches: integer("fetches").notNull().default(0),
  status: text("status").notNull(),
});

/** Every raw PDF fetched, kept in R2 before processing. */
export const palletwaysFetches = sqliteTable(
  "palletways_fetches",
  {
    trackingId: text("tracking_id").notNull(),
    fetchedAt: integer("fetched_at").notNull(),
    r2Key: text("r2_key"),
    source: text("source").notNull(),
    pages: integer("pages"),
    newPhotos: integer("new_photos"),
    outcome: text("outcome").notNull(),
  },
  (t) => [primaryKey({ columns: [t.trackingId, t.fetchedAt] })],
);

/**
 * Consignments named by status notes that the connector had never seen (palletways.md, import).
 * status: `lookup` (getConsignment due at `next_lookup_at`) → `looking` (claimed by a lookup
 * run until `claimed_until`) → `not_ours` (another depot delivers it: never looked up again) or
 * `ours` (the consignment kept in `body`) → `uploaded` (upload_id known) → `created` (TMS order
 * id known) → `completed` (its `palletways` fields set too); `failed` stands until a replay.
 */
export const palletwaysImports = sqliteTable(
  "palletways_imports",
  {
    trackingId: text("tracking_id").primaryKey(),
    status: text("status").notNull(),
    deliveryDepot: text("delivery_depot"),
    body: text("body"),
    lookups: integer("lookups").notNull().default(0),
    nextLookupAt: integer("next_lookup_at"),
    claimedUntil: integer("claimed_until"),
    uploadId: text("upload_id"),
    orderId: text("order_id"),
    polls: integer("polls").notNull().default(0),
    error: text("error"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [index("palletways_imports_status").on(t.status, t.nextLookupAt)],
);

/**
 * Status notes of consignments being imported (or imported), kept until applied to the TMS
 * order: pallet scans, exceptions, job complete. One row per note (`id` = tracking ID, Delta,
 * code and pallet). status: `waiting` (no TMS order yet) → `queued` (in job `job_id`) →
 * `applied`; `skipped` (the consignment is not ours) and `failed` (the TMS refused it) stand.
 */
export const palletwaysImportNotes = sqliteTable(
  "palletways_import_notes",
  {
    id: text("id").primaryKey(),
    trackingId: text("tracking_id").notNull(),
    delta: integer("delta").notNull(),
    statusCode: text("status_code").notNull(),
    barcode: text("barcode"),
    /** When it happened (NoteDate + NoteTime, UK time), epoch ms; null when Palletways gave none. */
    noteAt: integer("note_at"),
    exception: integer("exception", { mode: "boolean" }).notNull().default(false),
    body: text("body").notNull(),
    status: text("status").notNull(),
    jobId: text("job_id"),
    appliedAt: integer("applied_at"),
    error: text("error"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [index("palletways_import_notes_consignment").on(t.trackingId, t.status), index("palletways_import_notes_job").on(t.jobId), index("palletways_import_notes_exception").on(t.exception, t.createdAt)],
);
