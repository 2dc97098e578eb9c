import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

const now = sql`(unixepoch('subsec') * 1000)`;

/**
 * Each Hazchem feed document_id, attached to the TMS once. The row is written in the same D1
 * batch as its job and the feed cursor, so a cursor never moves past a document we have not kept.
 */
export const hazchemFeedDocuments = sqliteTable(
  "hazchem_feed_documents",
  {
    documentId: text("document_id").primaryKey(),
    consignmentNumber: text("consignment_number").notNull(),
    type: text("type").notNull(),
    filename: text("filename").notNull(),
    contentType: text("content_type").notNull(),
    /** new → attached | duplicate (same bytes already attached for this consignment) */
    status: text("status").notNull(),
    trackingCode: text("tracking_code"),
    size: integer("size"),
    /** Hazchem's created_at, as it sent it. */
    sourceCreatedAt: text("source_created_at"),
    sha256: text("sha256"),
    /** "id" or "customer_reference_number": how the TMS order was matched. */
    matchedBy: text("matched_by"),
    orderId: text("order_id"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [index("hazchem_feed_documents_consignment").on(t.consignmentNumber)],
);
