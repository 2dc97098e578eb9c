import { env } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { namedBatch } from "./batch";
import { db as openDb } from "./client";

describe("namedBatch", () => {
  it("answers each named group with its own statements' results, an empty group with none", async () => {
    const db = openDb(env);
    const results = await namedBatch(db, {
      first: [db.all(sql`SELECT 1 AS n`)],
      none: [],
      pair: [db.all(sql`SELECT 2 AS n`), db.all(sql`SELECT 3 AS n`)],
    });
    expect(results).toEqual({ first: [[{ n: 1 }]], none: [], pair: [[{ n: 2 }], [{ n: 3 }]] });
  });

  it("runs nothing for no statements", async () => {
    expect(await namedBatch(openDb(env), { none: [] })).toEqual({ none: [] });
  });
});
