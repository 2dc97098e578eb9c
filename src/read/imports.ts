import { carrierFor, carriers, networkLabel } from "../carriers";
import type { ImportedConsignment } from "../carriers/carrier";
import { db as openDb } from "../db/client";

// Consignments the connector made into TMS orders itself (imports), every network together,
// with where each came from: for GET /api/imports and the console's Imports page.

export const IMPORTS_LIMIT = 200;

const view = (network: string, i: ImportedConsignment) => ({
  network,
  network_label: networkLabel(network),
  reference: i.reference,
  source: i.source,
  status: i.status,
  done: i.done,
  order_id: i.orderId,
  first_seen_at: new Date(i.firstSeenAt).toISOString(),
  updated_at: new Date(i.updatedAt).toISOString(),
  error: i.error,
});

export type ImportView = ReturnType<typeof view>;

/** The newest imports of each network that imports, newest first overall. */
export async function importedConsignments(env: Env, limit = IMPORTS_LIMIT): Promise<ImportView[]> {
  const db = openDb(env);
  const lists = await Promise.all(carriers().map(async (c) => (c.imports ? (await c.imports(env, db, { limit })).map((i) => view(c.network, i)) : [])));
  return lists.flat().sort((a, b) => b.first_seen_at.localeCompare(a.first_seen_at)).slice(0, limit);
}

/** One consignment's import, when the connector imported it. */
export async function importOf(env: Env, network: string, reference: string): Promise<ImportView | null> {
  const c = carrierFor(network);
  if (!c?.imports) return null;
  const [i] = await c.imports(env, openDb(env), { reference, limit: 1 });
  return i ? view(network, i) : null;
}
