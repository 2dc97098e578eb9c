import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { cursors } from "../../db/schema";
import type { Statement } from "../../engine";

// A booking whose commit had an unclear answer settles as booked (getDynConStatusByConNo names
// it) a minute or more after Palletways stored it, and its first status notes may have been
// read in between: no booked row had their tracking ID then, so they were passed over. Rather
// than hold such notes, the next notes pass reads getNotes/delta again from before the commit
// (a repeatable read) and treats every note as usual: each consumer of a note takes it once
// (booking notes per tracking ID and Delta, job-complete signals by dedupe key, import notes by
// id), so a note read twice does nothing twice.

const REPLAY = "palletways.notes.replay_from";

/** Palletways' clock (Delta) against ours, and a commit's own time on the wire. */
const MARGIN_S = 300;

export interface Replay {
  from: number;
  value: string;
  updatedAt: number;
}

/**
 * The statement that asks the next notes pass to read from `sinceMs` (minus a margin) as well:
 * the earliest such point wins. Every write bumps `updated_at`, so a pass that read the point
 * before it does not clear it (see `clearReplay`). Runs in the caller's batch.
 */
export function replayNotesFrom(db: Db, sinceMs: number): Statement {
  const from = String(Math.floor(sinceMs / 1000) - MARGIN_S);
  return db
    .insert(cursors)
    .values({ name: REPLAY, value: from, updatedAt: Date.now() })
    .onConflictDoUpdate({
      target: cursors.name,
      set: {
        value: sql`CASE WHEN CAST(${cursors.value} AS INTEGER) <= CAST(excluded.value AS INTEGER) THEN ${cursors.value} ELSE excluded.value END`,
        updatedAt: sql`MAX(${cursors.updatedAt} + 1, excluded.updated_at)`,
      },
    });
}

export async function pendingReplay(db: Db): Promise<Replay | null> {
  const [row] = await db.select().from(cursors).where(eq(cursors.name, REPLAY));
  const from = row ? Number(row.value) : NaN;
  return row && Number.isFinite(from) ? { from, value: row.value, updatedAt: row.updatedAt } : null;
}

/** Done with the replay a pass read, unless a booking asked for one since (compare-and-set). */
export async function clearReplay(db: Db, read: Replay): Promise<void> {
  await db.delete(cursors).where(and(eq(cursors.name, REPLAY), eq(cursors.value, read.value), eq(cursors.updatedAt, read.updatedAt)));
}
