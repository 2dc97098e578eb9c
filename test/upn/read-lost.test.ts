import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { upnTrackingTask } from "../../src/carriers/upn/cron";
import { db as openDb } from "../../src/db/client";
import { upnTrackingBatches } from "../../src/carriers/upn/schema";
import { sim } from "../support/sim";
import { uniqueRef } from "../support/webhook";

// Rule 12 / issue 18: UPN's tracking read is destructive. When UPN handed the events over but
// its answer never reached us, a durable "lost" record keeps the time window, and an alert
// names it so an operator can ask UPN to send those events again.

describe("a lost UPN tracking read", () => {
  it("leaves a 'lost' batch with its window and an alert naming it", async () => {
    await sim.upn.reset();
    const db = openDb(env);
    const b = `UPN${env.UPN_DEPOT}${uniqueRef()}`;
    await sim.upn.seedEvents([{ event_id: uniqueRef("e-"), barcode: b, stage_code: "ARR", occurred_at: "2026-11-23T10:00:00Z" }]);
    // UPN hands the events over, then the connection drops before any answer.
    // (workerd prints one "uncaught exception … Network connection lost" pair for this dropped
    // connection: expected, it is the fault under test.)
    await sim.upn.fail({ method: "GET", path: "/tracking-events$", status: 0, after: true });
    const before = Date.now();
    await expect(upnTrackingTask.run(env, db)).rejects.toThrow();
    expect((await sim.upn.state()).pending_events).toEqual([]);
    const lost = (await db.select().from(upnTrackingBatches).where(eq(upnTrackingBatches.status, "lost"))).filter((r) => r.receivedAt >= before - 1_000);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.error).toMatch(/events UPN recorded between \d{4}-\d\d-\d\dT.+ and \d{4}-\d\d-\d\dT.+ may be lost/);
    const alerts = await sim.alerts.about(lost[0]!.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.text).toContain("ask UPN IT to send depot");
  });
});
