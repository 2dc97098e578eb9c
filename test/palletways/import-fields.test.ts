import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { db as openDb } from "../../src/db/client";
import { ensureFieldsRun, FIELDS_JOB } from "../../src/carriers/palletways/import-fields";
import { sim } from "../support/sim";
import { waitFor } from "../support/webhook";

// After a burst of imports, the orders waiting for their `palletways` fields are set by one run,
// a full call after another on the TMS limiter, not by a queue hop per call. Its own file: the
// run takes every imported order waiting, whoever's test made it.

describe("the Palletways fields after a burst of imports", () => {
  it("sets 120 orders' fields in 3 calls from one run", async () => {
    await sim.qargo.reset();
    const ids = Array.from({ length: 120 }, (_, i) => `7001${String(i).padStart(7, "0")}`);
    for (const id of ids) {
      const body = JSON.stringify({ TrackingID: id, Number: `N-${id}`, DeliveryDepot: "045", Address: [] });
      await env.DB.prepare("INSERT INTO palletways_imports (tracking_id, status, body, order_id) VALUES (?, 'created', ?, ?)").bind(id, body, crypto.randomUUID()).run();
    }
    await ensureFieldsRun(env, openDb(env), 0);
    await waitFor(async () => {
      const r = await env.DB.prepare("SELECT count(*) AS n FROM palletways_imports WHERE status = 'completed'").first<{ n: number }>();
      return r?.n === ids.length;
    }, 30_000, "every order's fields set");
    const calls = (await sim.qargo.state()).calls.filter((c) => c.path === "/v1/webhook/partial-order-update");
    expect(calls).toHaveLength(3);
    const runs = await env.DB.prepare("SELECT status FROM jobs WHERE kind = ?").bind(FIELDS_JOB).all<{ status: string }>();
    expect(runs.results.map((r) => r.status)).toEqual(["done"]);
  });
});
