import { sql } from "drizzle-orm";
import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

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
