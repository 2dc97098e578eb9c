import { and, asc, desc, eq, inArray, or, sql } from "drizzle-orm";
import { carrierFor } from "../carriers";
import { db as openDb } from "../db/client";
import { chunk, IN_LIST_MAX } from "../lib/chunk";
import { attempts, consignments, documents, jobs, timeline } from "../db/schema";
import { importOf } from "./imports";

// A consignment as the operator API and the console show it: its timeline, documents and work.

export async function consignmentView(env: Env, network: string, reference: string) {
  const db = openDb(env);
  const [consignment] = await db.select().from(consignments).where(and(eq(consignments.network, network), eq(consignments.reference, reference)));
  const carrier = carrierFor(network);
  const [entries, docs, work, units, imported, booking] = await Promise.all([
    db.select().from(timeline).where(and(eq(timeline.network, network), eq(timeline.reference, reference))).orderBy(asc(timeline.at), asc(timeline.id)),
    db.select().from(documents).where(and(eq(documents.network, network), eq(documents.reference, reference))).orderBy(asc(documents.createdAt)),
    db.select().from(jobs).where(and(eq(jobs.network, network), eq(jobs.reference, reference))).orderBy(asc(jobs.createdAt)),
    // Pallet scans where the network has them: each carrier reads its own tables.
    carrier?.scans ? carrier.scans(env, reference) : Promise.resolve([]),
    importOf(env, network, reference),
    // A booking made from a TMS dispatch, where the network takes them.
    carrier?.dispatch?.view ? carrier.dispatch.view(env, db, reference) : Promise.resolve(null),
  ]);
  if (!consignment && entries.length === 0 && work.length === 0 && !imported && !booking) return null;
  return {
    network,
    reference,
    order_id: consignment?.orderId ?? null,
    customer_reference_number: consignment?.customerReference ?? null,
    role: consignment?.role ?? null,
    timeline: entries.map((e) => ({
      at: new Date(e.at).toISOString(),
      kind: e.kind,
      step: e.step,
      outcome: e.outcome,
      message: e.message,
      detail: e.detail ? JSON.parse(e.detail) : null,
      job_id: e.jobId,
    })),
    documents: docs.map((d) => ({
      id: d.id,
      direction: d.direction,
      document_type: d.documentType,
      filename: d.filename,
      content_type: d.contentType,
      size: d.size,
      sha256: d.sha256,
      status: d.status,
      destination: d.destination,
      created_at: new Date(d.createdAt).toISOString(),
    })),
    jobs: work.map((j) => ({ id: j.id, kind: j.kind, status: j.status, attempts: j.attempts, last_error: j.lastError, updated_at: new Date(j.updatedAt).toISOString() })),
    handling_units: units,
    import: imported ? { source: imported.source, status: imported.status, done: imported.done, first_seen_at: imported.first_seen_at, error: imported.error } : null,
    booking,
  };
}

export interface Match {
  network: string;
  reference: string;
  orderId: string | null;
  customerReference: string | null;
  orderName: string | null;
}

/** A network reference, a TMS order id, its customer reference or order name. */
export async function searchConsignments(env: Env, q: string): Promise<Match[]> {
  const db = openDb(env);
  const term = q.trim();
  if (!term) return [];
  const rows = await db
    .select({ network: consignments.network, reference: consignments.reference, orderId: consignments.orderId, customerReference: consignments.customerReference, orderName: consignments.orderName })
    .from(consignments)
    .where(or(eq(consignments.reference, term), eq(consignments.orderId, term), eq(consignments.customerReference, term), eq(consignments.orderName, term)))
    .limit(50);
  if (rows.length) return rows;
  // Work can exist before its order is linked (an import, a status note), so a
  // reference known only to jobs still finds its page.
  const fromJobs = await db.selectDistinct({ network: jobs.network, reference: jobs.reference }).from(jobs).where(eq(jobs.reference, term)).limit(10);
  if (fromJobs.length) return fromJobs.map((j) => ({ ...j, orderId: null, customerReference: null, orderName: null }));
  // Last resort: a prefix, so a half-typed reference still lands somewhere useful. `%` and `_`
  // typed by a person are literal characters, not wildcards: SQLite needs the ESCAPE clause
  // for the backslashes to mean anything.
  const escaped = term.replace(/[\\%_]/g, (c) => `\\${c}`);
  return db
    .select({ network: consignments.network, reference: consignments.reference, orderId: consignments.orderId, customerReference: consignments.customerReference, orderName: consignments.orderName })
    .from(consignments)
    .where(sql`${consignments.reference} LIKE ${`${escaped}%`} ESCAPE '\\'`)
    .orderBy(desc(consignments.updatedAt))
    .limit(20);
}

export async function consignmentPage(env: Env, network: string, reference: string) {
  const view = await consignmentView(env, network, reference);
  if (!view) return null;
  const db = openDb(env);
  const ids = view.jobs.map((j) => j.id);
  const tries: (typeof attempts.$inferSelect)[] = [];
  for (const part of chunk(ids, IN_LIST_MAX)) tries.push(...(await db.select().from(attempts).where(inArray(attempts.jobId, part))));
  tries.sort((a, b) => b.startedAt - a.startedAt);
  const r2 = view.documents.length ? await db.select({ id: documents.id, hasFile: documents.r2Key }).from(documents).where(and(eq(documents.network, network), eq(documents.reference, reference))) : [];
  const stored = new Set(r2.filter((d) => d.hasFile).map((d) => d.id));
  return {
    ...view,
    // Newest first: the operator is usually asking "what happened last?".
    timeline: [...view.timeline].reverse(),
    documents: [...view.documents].reverse().map((d) => ({ ...d, stored: stored.has(d.id) })),
    jobs: [...view.jobs].reverse().map((j) => ({ ...j, attempts_list: tries.filter((t) => t.jobId === j.id) })),
  };
}

export type ConsignmentPage = NonNullable<Awaited<ReturnType<typeof consignmentPage>>>;

export async function documentFile(env: Env, id: string) {
  const [row] = await openDb(env).select({ r2Key: documents.r2Key, contentType: documents.contentType, filename: documents.filename }).from(documents).where(eq(documents.id, id));
  return row ?? null;
}
