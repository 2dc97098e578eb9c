import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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
 * Bookings from TMS subcontractor dispatches (palletways.md, "Booking"). The TMS order id is the
 * key: Palletways does not deduplicate, so one order is committed at most once. `status`:
 * pending (ready to commit) → committing (a commit is out; its outcome unknown until answered
 * or looked up) → created (committed, tracking ID not yet named) → booked; or refused
 * (ERROR_VALIDATION) / failed (a permanent error). A later dispatch after refused/failed starts
 * a new `round` with its data.
 */
export const palletwaysBookings = sqliteTable(
  "palletways_bookings",
  {
    orderId: text("order_id").primaryKey(),
    /** The TMS order name: the consignment's `Number`, and what getDynConStatusByConNo looks up. */
    orderName: text("order_name").notNull(),
    tripId: text("trip_id"),
    pickupStopId: text("pickup_stop_id").notNull(),
    deliveryStopId: text("delivery_stop_id").notNull(),
    status: text("status").notNull(),
    round: integer("round").notNull().default(1),
    /** The manifest as it would be sent now (the latest dispatch's data), JSON. */
    manifest: text("manifest").notNull(),
    /** The manifest actually committed, JSON. */
    manifestSent: text("manifest_sent"),
    /** Palletways' answer to the commit (or the look-up that settled it), JSON text. */
    answer: text("answer"),
    /** For refused/failed: the planner's words. */
    message: text("message"),
    commitStartedAt: integer("commit_started_at"),
    commits: integer("commits").notNull().default(0),
    trackingId: text("tracking_id"),
    bookedAt: integer("booked_at"),
    /** Labels on the pickup stop: attached, not_configured (account without labels), or null. */
    labels: text("labels"),
    /** POD on the delivery stop: attached, or null. */
    pod: text("pod"),
    /** Rule 11: the time (epoch ms) of the newest status note applied to the stops. */
    lastNoteAt: integer("last_note_at"),
    pickupCompletedAt: integer("pickup_completed_at"),
    deliveryCompletedAt: integer("delivery_completed_at"),
    cancelRequestedAt: integer("cancel_requested_at"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("palletways_bookings_tracking").on(t.trackingId), index("palletways_bookings_order_name").on(t.orderName), index("palletways_bookings_updated").on(t.updatedAt)],
);

/** Each status note seen for a booked consignment, once, and what was done with it. */
export const palletwaysBookingNotes = sqliteTable(
  "palletways_booking_notes",
  {
    trackingId: text("tracking_id").notNull(),
    delta: integer("delta").notNull(),
    statusCode: text("status_code").notNull(),
    noteType: text("note_type"),
    noteGroup: text("note_group"),
    /** The note's own time (NoteDate+NoteTime, or the POD time at 900), epoch ms. */
    noteAt: integer("note_at").notNull(),
    /** applied (a status or data sent to a stop), older (recorded only: rule 11), exception. */
    outcome: text("outcome").notNull(),
    /** What went to the TMS, in words ("delivery stop COMPLETED"). */
    sent: text("sent"),
    recordedAt: integer("recorded_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.trackingId, t.delta] }), index("palletways_booking_notes_exceptions").on(t.outcome, t.recordedAt)],
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
