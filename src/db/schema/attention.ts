import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

const now = sql`(unixepoch('subsec') * 1000)`;

/** Attention items an operator has marked seen (the list is computed; this only hides). */
export const attentionSeen = sqliteTable("attention_seen", {
  /** The item's id as `/api/attention` gives it; a new occurrence gets a new id. */
  id: text("id").primaryKey(),
  seenAt: integer("seen_at").notNull().default(now),
});

/** When an alert last went out per (kind, network, reference): at most one an hour each. */
export const alertLimits = sqliteTable("alert_limits", {
  key: text("key").primaryKey(),
  sentAt: integer("sent_at").notNull(),
});

/**
 * Alerts on their way to ALERT_WEBHOOK_URL. Tried once at once; one that could not be
 * delivered waits here (`pending`, `next_at`) for the cron, up to a few attempts, then stands
 * as `failed`. status: pending → sending (claimed by one sender) → sent | pending | failed.
 */
export const alertOutbox = sqliteTable(
  "alert_outbox",
  {
    id: text("id").primaryKey(),
    key: text("key").notNull(),
    text: text("text").notNull(),
    status: text("status").notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAt: integer("next_at").notNull(),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    index("alert_outbox_due").on(t.status, t.nextAt),
    // The daily clean-up of sent and failed alerts by age.
    index("alert_outbox_updated").on(t.status, t.updatedAt),
  ],
);
