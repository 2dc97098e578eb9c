import { env } from "cloudflare:test";
import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { palletforceRetention } from "../../src/carriers/palletforce/retention";
import { palletforceEvents, palletforceMoves, palletforceTracked } from "../../src/carriers/palletforce/schema";
import { db as openDb } from "../../src/db/client";
import { uniqueRef } from "../support/webhook";

// Retention: a consignment closed before the cutoff loses its events, moves and row; an open one,
// and one closed after the cutoff, keep everything.

describe("Palletforce retention", () => {
  it("removes what old closed consignments hold and keeps what open ones need", async () => {
    const db = openDb(env);
    const now = Date.now();
    const old = `045${uniqueRef().slice(-10)}`;
    const open = `045${uniqueRef().slice(-10)}`;
    await db.insert(palletforceTracked).values([
      { trackingNumber: old, role: "COLLECTING", orderId: "o-old", pallets: 1, status: "complete", openedAt: now - 100 * 86_400_000, closedAt: now - 95 * 86_400_000 },
      { trackingNumber: open, role: "COLLECTING", orderId: "o-open", pallets: 1, status: "open", openedAt: now - 100 * 86_400_000 },
    ]);
    await db.insert(palletforceEvents).values([old, open].map((t) => ({ key: `${t}|POD|x|`, trackingNumber: t, code: "POD", occurredAt: "2026-08-01T10:00:00Z", body: "{}", status: "applied" })));
    await db.insert(palletforceMoves).values([old, open].map((t) => ({ trackingNumber: t, stop: "DELIVERY", status: "COMPLETED", at: "2026-08-01T10:00:00Z", state: "sent", eventKey: "POD|x|" })));
    const removed = await palletforceRetention(env, db, now - 90 * 86_400_000);
    expect(removed.palletforce_events).toBeGreaterThanOrEqual(1);
    expect(removed.palletforce_tracked).toBeGreaterThanOrEqual(1);
    expect((await db.select().from(palletforceTracked).where(inArray(palletforceTracked.trackingNumber, [old, open]))).map((r) => r.trackingNumber)).toEqual([open]);
    expect(await db.select().from(palletforceEvents).where(eq(palletforceEvents.trackingNumber, old))).toHaveLength(0);
    expect(await db.select().from(palletforceEvents).where(eq(palletforceEvents.trackingNumber, open))).toHaveLength(1);
    expect(await db.select().from(palletforceMoves).where(eq(palletforceMoves.trackingNumber, old))).toHaveLength(0);
    expect(await db.select().from(palletforceMoves).where(eq(palletforceMoves.trackingNumber, open))).toHaveLength(1);
  });
});
