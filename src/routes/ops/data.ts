import { and, desc, eq, gt, inArray, like, or } from "drizzle-orm";
import { NETWORKS, getConfig, type Network } from "../../config";
import { db as openDb } from "../../db/client";
import { attempts, consignments, documents, jobs, palletwaysWindows } from "../../db/schema";
import { jobCounts } from "../../lib/jobs";
import { consignmentView, failures } from "../api";
import { networkStates } from "../healthz";

// What the console pages read. The JSON API's own views are reused so the console and
// /api never disagree; only what the API does not expose (attempts, windows, search) is here.

export const isNetwork = (n: string): n is Network => (NETWORKS as string[]).includes(n);

export async function overview(env: Env) {
  const db = openDb(env);
  const now = Date.now();
  const [states, counts, windows] = await Promise.all([
    networkStates(env),
    jobCounts(db),
    db.select().from(palletwaysWindows).where(gt(palletwaysWindows.closesAt, now)).orderBy(palletwaysWindows.closesAt).limit(100),
  ]);
  const byStatus = Object.fromEntries(counts.map((c) => [c.status, Number(c.n)])) as Record<string, number>;
  const config = getConfig(env);
  return {
    now,
    tmsEnabled: config.tms !== null,
    // Plain words naming the setting that is wrong, never its value (see config.ts).
    configProblems: config.problems,
    networks: NETWORKS.map((n) => ({ network: n, ...states[n]! })),
    windows: windows.filter((w) => w.status !== "closed"),
    backlog: { queued: byStatus.queued ?? 0, running: byStatus.running ?? 0 },
    failed: byStatus.failed ?? 0,
  };
}

export type Overview = Awaited<ReturnType<typeof overview>>;

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
  // Work can exist before its order is linked (a UPN import, a Palletways note), so a
  // reference known only to jobs still finds its page.
  const fromJobs = await db.selectDistinct({ network: jobs.network, reference: jobs.reference }).from(jobs).where(eq(jobs.reference, term)).limit(10);
  if (fromJobs.length) return fromJobs.map((j) => ({ ...j, orderId: null, customerReference: null, orderName: null }));
  // Last resort: a prefix, so a half-typed reference still lands somewhere useful.
  const escaped = term.replace(/[\\%_]/g, (c) => `\\${c}`);
  return db
    .select({ network: consignments.network, reference: consignments.reference, orderId: consignments.orderId, customerReference: consignments.customerReference, orderName: consignments.orderName })
    .from(consignments)
    .where(like(consignments.reference, `${escaped}%`))
    .orderBy(desc(consignments.updatedAt))
    .limit(20);
}

export async function consignmentPage(env: Env, network: Network, reference: string) {
  const view = await consignmentView(env, network, reference);
  if (!view) return null;
  const db = openDb(env);
  const ids = view.jobs.map((j) => j.id);
  const tries = ids.length ? await db.select().from(attempts).where(inArray(attempts.jobId, ids.slice(0, 90))).orderBy(desc(attempts.startedAt)) : [];
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

export { failures };

export async function documentFile(env: Env, id: string) {
  const [row] = await openDb(env).select({ r2Key: documents.r2Key, contentType: documents.contentType, filename: documents.filename }).from(documents).where(eq(documents.id, id));
  return row ?? null;
}
