import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db as openDb } from "../db/client";
import { alertOutbox } from "../db/schema";
import { sim } from "../../test/support/sim";
import { uniqueRef } from "../../test/support/webhook";
import { ALERT_EVERY_MS, alertKey, MAX_ALERT_ATTEMPTS, raiseAlert, sweepAlerts } from "./alerts";

// The alert sender against the sandbox's receiver (a Slack-style hook whose path is its secret).

const hookPath = () => new URL(env.ALERT_WEBHOOK_URL!).pathname;
const outbox = (key: string) => openDb(env).select().from(alertOutbox).where(eq(alertOutbox.key, key));

describe("alerts", () => {
  it("posts {text} with the console link, at most once an hour per (kind, network, reference)", async () => {
    const db = openDb(env);
    const ref = uniqueRef("AL");
    const withLink = { ...env, PUBLIC_URL: "https://pb.example.com/" } as Env;
    const a = { kind: "failure", network: "hazchem", reference: ref, text: `Hazchem ${ref}: work stopped`, path: `/ops/failures#job-${ref}` };
    expect(await raiseAlert(withLink, db, a)).toBe("sent");
    expect(await raiseAlert(withLink, db, { ...a, text: "a second one" })).toBe("limited");
    // Another reference, or another kind, is another alert.
    expect(await raiseAlert(withLink, db, { ...a, kind: "exception" })).toBe("sent");
    const got = await sim.alerts.about(ref);
    expect(got.map((g) => g.text)).toEqual([`Hazchem ${ref}: work stopped\nhttps://pb.example.com/ops/failures#job-${ref}`, `Hazchem ${ref}: work stopped\nhttps://pb.example.com/ops/failures#job-${ref}`]);
    expect(got[0]!.content_type).toBe("application/json");
    // An hour later the same key may alert again.
    expect(await raiseAlert(withLink, db, { ...a, text: `Hazchem ${ref}: again` }, Date.now() + ALERT_EVERY_MS + 1)).toBe("sent");
    expect((await sim.alerts.about(ref)).length).toBe(3);
  });

  it("sends nothing and touches nothing when ALERT_WEBHOOK_URL is not set", async () => {
    const db = openDb(env);
    const ref = uniqueRef("AL");
    const off = { ...env, ALERT_WEBHOOK_URL: "" } as Env;
    expect(await raiseAlert(off, db, { kind: "failure", network: "upn", reference: ref, text: ref })).toBe("off");
    expect(await outbox(alertKey({ kind: "failure", network: "upn", reference: ref }))).toEqual([]);
    expect(await sim.alerts.about(ref)).toEqual([]);
  });

  it("keeps an undeliverable alert and retries it from the cron, without ever storing the hook's URL", async () => {
    const db = openDb(env);
    const ref = uniqueRef("AL");
    const key = alertKey({ kind: "network", network: "upn", reference: ref });
    await sim.alerts.fail({ method: "POST", path: "^/hooks/", status: 503, times: 1 });
    expect(await raiseAlert(env, db, { kind: "network", network: "upn", reference: ref, text: `UPN ${ref} down` })).toBe("pending");
    let [row] = await outbox(key);
    expect(row).toMatchObject({ status: "pending", attempts: 1, lastError: "the alert webhook answered 503" });
    // Not due yet: the sweep leaves it.
    expect((await sweepAlerts(env, db)).sent).toBe(0);
    expect(await sim.alerts.about(ref)).toEqual([]);
    const r = await sweepAlerts(env, db, row!.nextAt + 1);
    expect(r.sent).toBeGreaterThanOrEqual(1);
    [row] = await outbox(key);
    expect(row).toMatchObject({ status: "sent", attempts: 2, lastError: null });
    expect((await sim.alerts.about(ref)).map((a) => a.text)).toEqual([`UPN ${ref} down`]);
  });

  it("gives up after a few attempts at an unreachable hook, and its error never names the URL", async () => {
    const db = openDb(env);
    const ref = uniqueRef("AL");
    // A closed port on the receiver's host, with the receiver's secret path. Each of the
    // MAX_ALERT_ATTEMPTS refusals is handled here (asserted below), yet workerd's own outbound
    // proxy, outside the Worker's isolate, logs each to stderr ("exception = rust/worker/ffi.rs…:
    // Connection refused" and two "uncaught exception … Network connection lost" lines with
    // stacks): in a green run, those sets beside this file are this test, expected.
    const dead = { ...env, ALERT_WEBHOOK_URL: `http://127.0.0.1:9${hookPath()}` } as Env;
    const key = alertKey({ kind: "failure", network: "hazchem", reference: ref });
    expect(await raiseAlert(dead, db, { kind: "failure", network: "hazchem", reference: ref, text: ref })).toBe("pending");
    let now = Date.now();
    for (let i = 2; i <= MAX_ALERT_ATTEMPTS; i++) {
      now += 2 * 3_600_000;
      await sweepAlerts(dead, db, now);
    }
    const [row] = await outbox(key);
    expect(row).toMatchObject({ status: "failed", attempts: MAX_ALERT_ATTEMPTS });
    expect(row!.lastError).toMatch(/could not be reached/);
    expect(row!.lastError).not.toContain(hookPath());
    expect(row!.lastError).not.toContain("sandbox-alert-secret");
    // Nothing more is tried.
    expect((await sweepAlerts(dead, db, now + 10 * 3_600_000)).failed).toBe(0);
  });
});
