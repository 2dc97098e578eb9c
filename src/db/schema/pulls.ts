import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * One row per scheduled pull (network × kind, e.g. `upn.tracking`): the lease that keeps two
 * passes (overlapping cron invocations, a manual refresh) from running it at once, and its last
 * success for /healthz, the console and the 30-minute attention item (contract rule 12).
 */
export const pullLeases = sqliteTable("pull_leases", {
  pull: text("pull").primaryKey(),
  /** The pass holding the lease (a random id), null when free. */
  holder: text("holder"),
  /** A lease past this (epoch ms) was left by a pass that died: the next one may take it. */
  expiresAt: integer("expires_at").notNull().default(0),
  lastSuccessAt: integer("last_success_at"),
  lastErrorAt: integer("last_error_at"),
  lastError: text("last_error"),
});
