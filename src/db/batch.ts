import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "./client";

// D1 runs a batch as one transaction and answers with one result per statement, in order.
// Callers name their groups of statements and read the answers back by name, so adding a
// statement to one group never shifts where another group's answers are found.

type Statement = BatchItem<"sqlite">;

export async function namedBatch<K extends string>(db: Db, groups: Record<K, Statement[]>): Promise<Record<K, unknown[]>> {
  const names = Object.keys(groups) as K[];
  const statements = names.flatMap((name) => groups[name]);
  const [first, ...rest] = statements;
  const results: unknown[] = first ? await db.batch([first, ...rest]) : [];
  const byName = {} as Record<K, unknown[]>;
  let at = 0;
  for (const name of names) {
    byName[name] = results.slice(at, at + groups[name].length);
    at += groups[name].length;
  }
  return byName;
}
