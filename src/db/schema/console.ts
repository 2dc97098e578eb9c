import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

const now = sql`(unixepoch('subsec') * 1000)`;

/**
 * A signed-in console session. The cookie holds a random id; only its SHA-256 is stored, so a
 * read of this table signs nobody in. `tokenDigest` ties the session to the ADMIN_TOKEN it was
 * opened with: rotating the token ends every session.
 */
export const consoleSessions = sqliteTable(
  "console_sessions",
  {
    idHash: text("id_hash").primaryKey(),
    tokenDigest: text("token_digest").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("console_sessions_expires").on(t.expiresAt)],
);

/** A client locked out of a route after too many wrong credentials (contracts rule 10). */
export const authLocks = sqliteTable(
  "auth_locks",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    route: text("route").notNull(),
    client: text("client").notNull(),
    failures: integer("failures").notNull(),
    lockedAt: integer("locked_at").notNull(),
    until: integer("until").notNull(),
  },
  (t) => [index("auth_locks_locked_at").on(t.lockedAt)],
);
