import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Palletforce's own tables (palletforce.md). Drizzle reads them through src/db/schema/index.ts.

const now = sql`(unixepoch('subsec') * 1000)`;

/**
 * One row per TMS order dispatched to Palletforce: the booking's key is the order id, which is
 * also Palletforce's uniqueTransactionNumber (a repeat returns the first answer, books nothing).
 * status: `booking` (sent, or about to be; an unclear outcome is simply sent again) → `booked`
 * (tracking number known); `refused` (Palletforce's VALIDATION: not remembered by Palletforce, so
 * a corrected dispatch may book); `auth` (our key was refused).
 */
export const palletforceBookings = sqliteTable(
  "palletforce_bookings",
  {
    orderId: text("order_id").primaryKey(),
    tripId: text("trip_id"),
    orderName: text("order_name").notNull(),
    pickupStopId: text("pickup_stop_id"),
    deliveryStopId: text("delivery_stop_id"),
    pallets: integer("pallets").notNull(),
    dueDate: text("due_date"),
    manifest: text("manifest").notNull(),
    status: text("status").notNull(),
    trackingNumber: text("tracking_number"),
    error: text("error"),
    /** When a CANCEL arrived after booking (an attention item: cancel it with Palletforce). */
    cancelAt: integer("cancel_at"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [index("palletforce_bookings_tracking").on(t.trackingNumber), index("palletforce_bookings_status").on(t.status, t.updatedAt)],
);

/**
 * The consignments tracking follows: booked by us (COLLECTING) or imported for our depot
 * (DELIVERING). status: `open` → `complete` (delivery stop complete) or `stale` (14 days
 * incomplete: an attention item, no longer pulled).
 */
export const palletforceTracked = sqliteTable(
  "palletforce_tracked",
  {
    trackingNumber: text("tracking_number").primaryKey(),
    role: text("role").notNull(),
    orderId: text("order_id").notNull(),
    pickupStopId: text("pickup_stop_id"),
    deliveryStopId: text("delivery_stop_id"),
    pallets: integer("pallets").notNull(),
    /** JSON array of the pallet barcodes, when known (imported consignments). */
    palletBarcodes: text("pallet_barcodes"),
    dueDate: text("due_date"),
    status: text("status").notNull(),
    openedAt: integer("opened_at").notNull(),
    lastPolledAt: integer("last_polled_at"),
    lastEventAt: integer("last_event_at"),
    closedAt: integer("closed_at"),
  },
  (t) => [index("palletforce_tracked_status").on(t.status, t.lastPolledAt), index("palletforce_tracked_closed").on(t.status, t.closedAt)],
);

/**
 * Every tracking event seen, by its identity (tracking number, code, time, pallet): the whole
 * history comes back on every read, so this is what makes each event count once.
 * status: `new` (not yet in the TMS) → `applied` (its scan or timeline line is done).
 */
export const palletforceEvents = sqliteTable(
  "palletforce_events",
  {
    key: text("key").primaryKey(),
    trackingNumber: text("tracking_number").notNull(),
    code: text("code").notNull(),
    occurredAt: text("occurred_at").notNull(),
    palletBarcode: text("pallet_barcode"),
    body: text("body").notNull(),
    status: text("status").notNull(),
    seenAt: integer("seen_at").notNull().default(now),
  },
  (t) => [index("palletforce_events_tracking").on(t.trackingNumber, t.status), index("palletforce_events_code").on(t.code, t.seenAt)],
);

/**
 * Stop moves sent to the TMS, once each (stop, status) per consignment; `at` is the time of the
 * event that completed the set. A `sending` row older than a few minutes is an isolate that died
 * before the answer: the move is sent again (harmless: same status, same time).
 */
export const palletforceMoves = sqliteTable(
  "palletforce_moves",
  {
    trackingNumber: text("tracking_number").notNull(),
    stop: text("stop").notNull(),
    status: text("status").notNull(),
    at: text("at").notNull(),
    state: text("state").notNull(),
    eventKey: text("event_key").notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.trackingNumber, t.stop, t.status] })],
);

/**
 * Consignments for our depot imported as TMS orders (as upn_imports): the body as Palletforce
 * sent it, so a failed import is retried from D1. status: `new` → `queued` → `uploaded` →
 * `completed`; `failed` stands.
 */
export const palletforceImports = sqliteTable(
  "palletforce_imports",
  {
    trackingNumber: text("tracking_number").primaryKey(),
    body: text("body"),
    uploadId: text("upload_id"),
    orderId: text("order_id"),
    status: text("status").notNull(),
    polls: integer("polls").notNull().default(0),
    error: text("error"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [index("palletforce_imports_status").on(t.status), index("palletforce_imports_created").on(t.createdAt)],
);

/** Our scans to Palletforce (DONR, ARDL, POD): once per consignment and code. */
export const palletforceOurScans = sqliteTable(
  "palletforce_our_scans",
  {
    trackingNumber: text("tracking_number").notNull(),
    code: text("code").notNull(),
    eventTime: text("event_time").notNull(),
    status: text("status").notNull(),
    error: text("error"),
    createdAt: integer("created_at").notNull().default(now),
    sentAt: integer("sent_at"),
  },
  (t) => [primaryKey({ columns: [t.trackingNumber, t.code] }), index("palletforce_our_scans_sent").on(t.status, t.sentAt)],
);
