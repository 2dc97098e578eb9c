import { sql } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

const now = sql`(unixepoch('subsec') * 1000)`;

/** Each Hazchem feed document_id, attached to the TMS once. */
export const hazchemFeedDocuments = sqliteTable("hazchem_feed_documents", {
  documentId: text("document_id").primaryKey(),
  consignmentNumber: text("consignment_number").notNull(),
  type: text("type").notNull(),
  filename: text("filename").notNull(),
  contentType: text("content_type").notNull(),
  status: text("status").notNull(),
  createdAt: integer("created_at").notNull().default(now),
  updatedAt: integer("updated_at").notNull().default(now),
});
