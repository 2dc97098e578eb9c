import { env } from "cloudflare:test";
import { afterAll } from "vitest";
import { recordingD1 } from "./support/d1-recorder";
import { describeScans, scansIn } from "./support/query-plans";
import { statements } from "./support/statement-log";

// Every test file: the D1 binding is wrapped so each statement the connector prepares (one whose
// call stack passes through src/) is recorded; after the file, SQLite plans each one and the file
// fails on a full scan of a table that grows with history (test/support/query-plans.ts). The
// tests' own look-ups (assertions, fixtures) are not the connector's and are not judged.

const fromConnector = () => (new Error().stack ?? "").split("\n").some((frame) => /[\\/]src[\\/][^\s:()]+(?<!\.test)\.tsx?\b/.test(frame));
// Setup runs once per file; if this isolate's env already holds our wrapper, wrap what it wraps.
const WRAPPERS = Symbol.for("palletbridge.test.d1Wrappers");
const holder = globalThis as { [WRAPPERS]?: WeakMap<D1Database, D1Database> };
const wrappers = (holder[WRAPPERS] ??= new WeakMap());
const real = wrappers.get(env.DB) ?? env.DB;
env.DB = recordingD1(real, { onStatement: (sql) => { if (fromConnector()) statements.add(sql); } });
wrappers.set(env.DB, real);

afterAll(async () => {
  const scans = await scansIn(real, statements);
  if (scans.length) {
    throw new Error(`the connector issued ${scans.length} statement(s) that scan a table growing with history; add an index (src/db/schema, then drizzle-kit generate) or bound the query:\n${describeScans(scans)}`);
  }
});
