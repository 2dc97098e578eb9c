import { and, eq, lt, or } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../db/client";
import { cursors, pullLeases } from "../db/schema";
import { errorMessage } from "../lib/errors";
import { redact } from "../lib/secrets";

// Scheduled pulls (contract rule 12) and the small durable values they keep.
// - A cursor is a named value in D1 (`cursors`): `cursor(db, name)` reads and writes it.
// - A pull runs under a lease (`pull_leases`, one row per network × kind) with an expiry, so two
//   overlapping cron invocations or a manual refresh never run it twice at once; a pass that
//   died leaves a lease that expires. The pass has a time budget well inside the platform's
//   limit: long loops ask `pass.hasTime(ms)` before their next partner call and stop cleanly
//   (their cursor keeps the place), instead of being killed mid-write.
// - Each success is dated, so /healthz and the console give its age, and 30 minutes without one
//   is an attention item and an alert.

export interface Cursor {
  get(): Promise<string | null>;
  set(value: string): Promise<void>;
  /** The write as a statement, for the caller's own batch (moved with the rows it covers). */
  write(value: string): BatchItem<"sqlite">;
  /** Sets it only when absent; true when this call set it. */
  setIfAbsent(value: string): Promise<boolean>;
  /** Compare-and-set: moves from `expected` (null: absent) to `next`; true when this call moved it. */
  claim(expected: string | null, next: string): Promise<boolean>;
  /** The value as a number (epoch ms and counters), null when absent or not a number. */
  number(): Promise<number | null>;
  clear(): Promise<void>;
}

export function cursor(db: Db, name: string): Cursor {
  const get = async () => (await db.select({ value: cursors.value }).from(cursors).where(eq(cursors.name, name)))[0]?.value ?? null;
  const write = (value: string) => {
    const at = Date.now();
    return db.insert(cursors).values({ name, value, updatedAt: at }).onConflictDoUpdate({ target: cursors.name, set: { value, updatedAt: at } });
  };
  return {
    get,
    write,
    async set(value) {
      await write(value);
    },
    async setIfAbsent(value) {
      const rows = await db.insert(cursors).values({ name, value, updatedAt: Date.now() }).onConflictDoNothing().returning({ name: cursors.name });
      return rows.length > 0;
    },
    async claim(expected, next) {
      if (expected === null) return this.setIfAbsent(next);
      const rows = await db.update(cursors).set({ value: next, updatedAt: Date.now() }).where(and(eq(cursors.name, name), eq(cursors.value, expected))).returning({ name: cursors.name });
      return rows.length > 0;
    },
    async number() {
      const v = await get();
      const n = v === null || v === "" ? NaN : Number(v);
      return Number.isFinite(n) ? n : null;
    },
    async clear() {
      await db.delete(cursors).where(eq(cursors.name, name));
    },
  };
}

/** What a pass knows about its own time. */
export interface PullPass {
  readonly pull: string;
  readonly deadline: number;
  /** Whether `ms` more (one partner call's worst case) still fits in the budget. */
  hasTime(ms: number): boolean;
}

/** A cron pass may run 15 minutes; ours stop well before, and a dead pass's lease frees after this. */
export const PASS_BUDGET_MS = 8 * 60_000;
export const LEASE_MS = 12 * 60_000;
/** A pull without a success for this long is an attention item and an alert. */
export const PULL_STALE_MS = 30 * 60_000;

export type LeaseResult<T> = { ran: true; result: T } | { ran: false; heldUntil: number };

/**
 * Runs `fn` holding the pull's lease, or does not run it when another pass holds it. A success
 * dates the pull; an error is kept on its row and thrown on.
 */
export async function withLease<T>(db: Db, pull: string, fn: (pass: PullPass) => Promise<T>, budgetMs = PASS_BUDGET_MS, now = Date.now()): Promise<LeaseResult<T>> {
  const holder = crypto.randomUUID();
  const expiresAt = now + Math.max(LEASE_MS, budgetMs + 2 * 60_000);
  // Taken only if free or expired: the check and the take are one statement.
  const taken = await db
    .insert(pullLeases)
    .values({ pull, holder, expiresAt })
    .onConflictDoUpdate({ target: pullLeases.pull, set: { holder, expiresAt }, setWhere: or(eq(pullLeases.expiresAt, 0), lt(pullLeases.expiresAt, now)) })
    .returning({ holder: pullLeases.holder });
  if (taken.length === 0) {
    const [row] = await db.select({ expiresAt: pullLeases.expiresAt }).from(pullLeases).where(eq(pullLeases.pull, pull));
    return { ran: false, heldUntil: row?.expiresAt ?? 0 };
  }
  const deadline = now + budgetMs;
  const pass: PullPass = { pull, deadline, hasTime: (ms) => Date.now() + ms < deadline };
  const mine = and(eq(pullLeases.pull, pull), eq(pullLeases.holder, holder));
  try {
    const result = await fn(pass);
    await db.update(pullLeases).set({ holder: null, expiresAt: 0, lastSuccessAt: Date.now(), lastError: null }).where(mine);
    return { ran: true, result };
  } catch (err) {
    await db
      .update(pullLeases)
      .set({ holder: null, expiresAt: 0, lastErrorAt: Date.now(), lastError: redact(errorMessage(err)).slice(0, 500) })
      .where(mine)
      .catch(() => {});
    throw err;
  }
}

export interface PullState {
  pull: string;
  lastSuccessAt: number | null;
  /** Minutes since the last success (null: never succeeded). */
  ageMinutes: number | null;
  stale: boolean;
  running: boolean;
  lastError: string | null;
}

/** Every pull's last success and its age; `since` dates a pull that never succeeded (first seen). */
export async function pullStates(db: Db, now = Date.now()): Promise<PullState[]> {
  const rows = await db.select().from(pullLeases);
  return rows.map((r) => {
    const age = r.lastSuccessAt ? now - r.lastSuccessAt : null;
    return {
      pull: r.pull,
      lastSuccessAt: r.lastSuccessAt,
      ageMinutes: age === null ? null : Math.floor(age / 60_000),
      stale: age === null ? r.lastErrorAt !== null : age > PULL_STALE_MS,
      running: r.holder !== null && r.expiresAt > now,
      lastError: r.lastError,
    };
  });
}
