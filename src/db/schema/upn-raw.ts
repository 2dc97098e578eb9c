import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

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
