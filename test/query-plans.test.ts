import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { growingScans, parameterCount } from "./support/query-plans";
import { statements } from "./support/statement-log";

// The query-plan check itself (test/record-statements.ts runs it after every test file on what
// the connector issued): it must see through aliases and indexes, and pass what searches.

describe("query plans", () => {
  it("flags a full scan of a growing table, through an alias and through an index", async () => {
    const plain = await growingScans(env.DB, "SELECT id FROM timeline WHERE message = ?1");
    expect(plain.map((s) => s.table)).toEqual(["timeline"]);
    const aliased = await growingScans(env.DB, "SELECT t.id FROM timeline t WHERE t.step = ? LIMIT 5");
    expect(aliased.map((s) => s.table)).toEqual(["timeline"]);
    // Every entry of an index is still every row: counting jobs by status reads them all.
    const viaIndex = await growingScans(env.DB, 'select "status", count(*) from "jobs" group by "jobs"."status"');
    expect(viaIndex.map((s) => s.table)).toEqual(["jobs"]);
    expect(viaIndex[0]!.detail).toMatch(/^SCAN .*INDEX/);
  });

  it("passes a search, a fixed-size table and a statement that is not planned", async () => {
    expect(await growingScans(env.DB, "SELECT * FROM jobs WHERE id = ?1")).toEqual([]);
    expect(await growingScans(env.DB, "SELECT * FROM timeline WHERE at < ?1 LIMIT 500")).toEqual([]);
    expect(await growingScans(env.DB, "SELECT * FROM cursors")).toEqual([]);
    expect(await growingScans(env.DB, "PRAGMA page_count")).toEqual([]);
  });

  it("passes newest-first reads in index order that stop at their LIMIT, and only those", async () => {
    expect(await growingScans(env.DB, 'select * from "upn_imports" order by "upn_imports"."created_at" desc limit ?')).toEqual([]);
    // Through a partial index holding exactly the rows the WHERE wants.
    expect(await growingScans(env.DB, "select * from palletways_imports where status <> 'not_ours' order by created_at desc limit ?")).toEqual([]);
    // A filter the index does not hold reads past the rows it skips: still a scan.
    const filtered = await growingScans(env.DB, "select * from upn_imports where error is not null order by created_at desc limit ?");
    expect(filtered.map((s) => s.table)).toEqual(["upn_imports"]);
  });

  it("plans a statement with numbered and bare parameters, ignoring ? inside a string", () => {
    expect(parameterCount("SELECT 1 WHERE a = ?3 AND b = ?1")).toBe(3);
    expect(parameterCount("SELECT 1 WHERE a = ? AND b = ? AND c = 'why?'")).toBe(2);
  });

  it("records what the connector issues while the tests run", async () => {
    const res = await SELF.fetch("https://palletbridge.test/api/failures", { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect([...statements].some((s) => /from "jobs" where "jobs"."status" = \?/i.test(s))).toBe(true);
    // The test's own look-up is not the connector's.
    await env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE kind = 'query-plan-test'").first();
    expect([...statements].some((s) => s.includes("query-plan-test"))).toBe(false);
  });
});
