import { networkHealth } from "../db/schema";
import type { Db } from "../db/client";
import { redact } from "../lib/secrets";

// Each network's last success and last error, in plain words, for /healthz and the console.
// An error clears with the next success; an operator action (what only a person can fix) rides along.

export async function markSuccess(db: Db, network: string): Promise<void> {
  const now = Date.now();
  await db
    .insert(networkHealth)
    .values({ network, lastSuccessAt: now })
    .onConflictDoUpdate({
      target: networkHealth.network,
      set: { lastSuccessAt: now, lastError: null, lastErrorCode: null, lastErrorAt: null, action: null },
    });
}

export async function markError(db: Db, network: string, message: string, code?: string | null, action?: string | null): Promise<void> {
  const now = Date.now();
  const values = { lastError: redact(message), lastErrorCode: code ?? null, lastErrorAt: now, action: action ?? null };
  await db
    .insert(networkHealth)
    .values({ network, ...values })
    .onConflictDoUpdate({ target: networkHealth.network, set: values });
}

export async function readHealth(db: Db) {
  const rows = await db.select().from(networkHealth);
  return new Map(rows.map((r) => [r.network, r]));
}
