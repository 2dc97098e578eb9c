import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { cursors } from "../../db/schema";
import { errorMessage } from "../../lib/errors";
import type { CronTask } from "../../engine";
import { importPass } from "./import";
import { trackingPass } from "./tracking";

// Palletforce's pulls (palletforce.md): on the first cron pass after the network is switched on
// and then on every third pass, counted by passes, not by the clock (with the 10-minute trigger:
// every 30 minutes). The import runs first, so a consignment imported in this pass is tracked
// from the next; tracking's error is what health shows when both fail.

export const PASS_COUNTER = "palletforce.cron.passes";
export const EVERY_NTH_PASS = 3;

/** Passes missed for longer than this mean the network was switched off (or the cron stopped): start again. */
const GAP_MS = 15 * 60_000;

/**
 * Counts this pass; true when it is one of Palletforce's (the 1st, 4th, 7th…). The count starts
 * again when no pass was counted for a while: the cron skips a switched-off network, so the
 * first pass after it is switched on (again) runs.
 */
export async function countPass(db: Db, now = Date.now()): Promise<{ pass: number; due: boolean }> {
  const [row] = await db.select({ value: cursors.value, updatedAt: cursors.updatedAt }).from(cursors).where(eq(cursors.name, PASS_COUNTER));
  const pass = row && now - row.updatedAt < GAP_MS ? Number(row.value) + 1 : 0;
  await db.insert(cursors).values({ name: PASS_COUNTER, value: String(pass), updatedAt: now }).onConflictDoUpdate({ target: cursors.name, set: { value: String(pass), updatedAt: now } });
  return { pass, due: pass % EVERY_NTH_PASS === 0 };
}

export async function palletforcePass(env: Env, db: Db): Promise<Record<string, unknown>> {
  const { pass, due } = await countPass(db);
  if (!due) return { pass, skipped: `Palletforce runs every ${EVERY_NTH_PASS}rd pass` };
  let imported: Record<string, unknown>;
  let importError: unknown = null;
  try {
    imported = await importPass(env, db);
  } catch (err) {
    importError = err;
    imported = { error: errorMessage(err) };
  }
  const tracking = await trackingPass(env, db);
  if (importError) throw importError;
  return { pass, import: imported, tracking };
}

export const palletforceCron: CronTask[] = [{ name: "palletforce.pulls", run: palletforcePass }];
