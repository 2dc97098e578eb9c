import { env, SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { runScheduled, scheduledTasks } from "../src/cron";
import { attentionSweep } from "../src/cron/attention";
import { sim } from "./support/sim";
import { admin, consoleSession, uniqueRef } from "./support/webhook";

// Contract rule 12: one pass at a time per pull (network × kind), whoever starts it (overlapping
// cron invocations, a manual refresh); each pull's last success and its age in /healthz; 30
// minutes without one is an attention item and an alert.

const only = (name: string) => scheduledTasks("upn").filter((t) => t.name === name);
type Health = { networks: { upn: { pulls?: Record<string, { last_success_at: string | null; age_minutes: number | null; stale: boolean }> } } };

describe("scheduled pulls hold a lease", () => {
  beforeEach(async () => {
    await sim.upn.reset();
    await env.DB.prepare("DELETE FROM pull_leases").run().catch(() => {});
  });

  it("two overlapping cron passes do not run the same pull at once", async () => {
    // The first pass's consignment list hangs for 2 s (then its connection drops).
    // (workerd prints one "uncaught exception … Network connection lost" pair for this dropped
    // connection: expected, it is the fault under test.)
    await sim.upn.fail({ method: "GET", path: "/consignments$", status: 0, after: true, hold_ms: 2_000 });
    const first = runScheduled(env, only("upn.import"));
    await new Promise((r) => setTimeout(r, 300));
    const second = await runScheduled(env, only("upn.import"));
    await first;
    const calls = (await sim.upn.state()).calls.filter((c) => c.path.endsWith("/consignments"));
    expect(calls).toHaveLength(1);
    expect(JSON.stringify(second["upn.import"])).toContain("another pass is running it");
    // Once the first pass is over, the next one runs.
    await runScheduled(env, only("upn.import"));
    expect((await sim.upn.state()).calls.filter((c) => c.path.endsWith("/consignments"))).toHaveLength(2);
  });

  it("a manual refresh takes the same lease: it does not read UPN's tracking alongside a running pass", async () => {
    const now = Date.now();
    await env.DB.prepare("INSERT INTO pull_leases (pull, holder, expires_at) VALUES ('upn.tracking', 'a-cron-pass', ?) ON CONFLICT(pull) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at").bind(now + 60_000).run();
    const b = `UPN${env.UPN_DEPOT}${uniqueRef()}`;
    const res = await admin(`/api/consignments/upn/${b}/refresh`, { method: "POST" });
    expect(res.status).toBe(202);
    const body = await res.json<{ tracking: Record<string, unknown> }>();
    expect(JSON.stringify(body.tracking)).toContain("a scheduled pass is running this pull");
    expect((await sim.upn.state()).calls.filter((c) => c.path.endsWith("/tracking-events"))).toEqual([]);
    // A lease whose pass died (expired) is taken over.
    await env.DB.prepare("UPDATE pull_leases SET expires_at = ? WHERE pull = 'upn.tracking'").bind(now - 1).run();
    await runScheduled(env, only("upn.tracking"));
    expect((await sim.upn.state()).calls.filter((c) => c.path.endsWith("/tracking-events"))).toHaveLength(1);
  });

  it("/healthz gives each pull's last success and its age; 30 minutes without one is an attention item and an alert", async () => {
    await runScheduled(env, only("upn.tracking"));
    let h = await (await SELF.fetch("https://c/healthz")).json<Health>();
    expect(h.networks.upn.pulls?.["upn.tracking"]).toMatchObject({ age_minutes: 0, stale: false });
    // The cron stopped running 40 minutes ago.
    await env.DB.prepare("UPDATE pull_leases SET last_success_at = ? WHERE pull = 'upn.tracking'").bind(Date.now() - 40 * 60_000).run();
    h = await (await SELF.fetch("https://c/healthz")).json<Health>();
    expect(h.networks.upn.pulls?.["upn.tracking"]).toMatchObject({ age_minutes: 40, stale: true });
    const page = await (await SELF.fetch("https://connector.test/ops", { headers: { cookie: await consoleSession() } })).text();
    expect(page).toContain("Pull upn.tracking");
    expect(page).toContain("stale: no success for 30 minutes or more");
    const att = await (await admin("/api/attention")).json<{ items: { kind: string; title: string }[] }>();
    expect(att.items.some((i) => i.kind === "pull" && i.title.includes("upn.tracking has not succeeded for 40 minutes"))).toBe(true);
    await attentionSweep(env, (await import("../src/db/client")).db(env));
    const alerts = await sim.alerts.about("upn.tracking has not succeeded for 40 minutes");
    expect(alerts.length).toBeGreaterThanOrEqual(1);
  });
});
