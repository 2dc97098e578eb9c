import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db as openDb } from "../src/db/client";
import { alertOutbox } from "../src/db/schema";
import { alertKey, raiseAlert, sweepAlerts } from "../src/engine";
import { sim } from "./support/sim";
import { uniqueRef } from "./support/webhook";

// Issue 18 item 4: an outbox row is claimed before it is sent, so overlapping sweeps send it
// once; the hour's limit and the outbox row are written together, so a failed write never mutes
// an alert that was not sent. D1 faults come from SQLite triggers aimed at one alert's key.

const outbox = (key: string) => openDb(env).select().from(alertOutbox).where(eq(alertOutbox.key, key));

async function withTrigger<T>(name: string, sql: string, run: () => Promise<T>): Promise<T> {
  await env.DB.exec(sql.replace(/\s+/g, " "));
  try {
    return await run();
  } finally {
    await env.DB.exec(`DROP TRIGGER IF EXISTS ${name}`);
  }
}

describe("alert outbox claims", () => {
  it("two overlapping sweeps send a due alert once", async () => {
    const db = openDb(env);
    const ref = uniqueRef("AO");
    const key = alertKey({ kind: "network", network: "upn", reference: ref });
    await sim.alerts.fail({ method: "POST", path: "^/hooks/", status: 503, times: 1 });
    expect(await raiseAlert(env, db, { kind: "network", network: "upn", reference: ref, text: `UPN ${ref} down` })).toBe("pending");
    const [row] = await outbox(key);
    const later = row!.nextAt + 1;
    await Promise.all([sweepAlerts(env, db, later), sweepAlerts(env, db, later), sweepAlerts(env, db, later)]);
    expect((await sim.alerts.about(ref)).map((a) => a.text)).toEqual([`UPN ${ref} down`]);
    expect(await outbox(key)).toEqual([expect.objectContaining({ status: "sent", attempts: 2 })]);
  });

  it("an outbox write that fails does not mute the alert: the next raise sends it", async () => {
    const db = openDb(env);
    const ref = uniqueRef("AO");
    const key = alertKey({ kind: "failure", network: "hazchem", reference: ref });
    const a = { kind: "failure", network: "hazchem", reference: ref, text: `Hazchem ${ref}: work stopped` };
    const first = await withTrigger(
      "t_outbox_refuse",
      `CREATE TRIGGER t_outbox_refuse BEFORE INSERT ON alert_outbox WHEN NEW.key = '${key}' BEGIN SELECT RAISE(ABORT, 'injected D1 fault'); END`,
      () => raiseAlert(env, db, a),
    );
    expect(first).toBe("error");
    expect(await sim.alerts.about(ref)).toEqual([]);
    // Nothing went out, so nothing may hold the hour's limit.
    expect(await raiseAlert(env, db, a)).toBe("sent");
    expect((await sim.alerts.about(ref)).map((x) => x.text)).toEqual([a.text]);
  });

  it("a lost 'sent' mark does not send the alert again on the next sweep", async () => {
    const db = openDb(env);
    const ref = uniqueRef("AO");
    const key = alertKey({ kind: "network", network: "upn", reference: ref });
    const r = await withTrigger(
      "t_outbox_sent",
      `CREATE TRIGGER t_outbox_sent BEFORE UPDATE ON alert_outbox WHEN NEW.key = '${key}' AND NEW.status = 'sent' BEGIN SELECT RAISE(ABORT, 'injected D1 fault'); END`,
      () => raiseAlert(env, db, { kind: "network", network: "upn", reference: ref, text: `UPN ${ref} down` }),
    );
    expect(["sent", "error"]).toContain(r);
    expect(await sim.alerts.about(ref)).toHaveLength(1);
    // The next sweeps (minutes later) must not take it for undelivered.
    await sweepAlerts(env, db, Date.now() + 120_000);
    await sweepAlerts(env, db, Date.now() + 6 * 60_000);
    expect(await sim.alerts.about(ref)).toHaveLength(1);
  });
});
