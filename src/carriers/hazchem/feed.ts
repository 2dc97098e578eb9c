import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { cursor, defineJob, type JobContext, timelineInserts, type TimelineEntry, jobWrite, queueJobs, type NewJob, type PullPass } from "../../engine";
import type { BatchItem } from "drizzle-orm/batch";
import { consignments, documents } from "../../db/schema";
import { hazchemFeedDocuments } from "./schema";
import type { Db } from "../../db/client";
import { sha256Hex, sniffContentType } from "../../lib/bytes";
import { DeferError, PermanentError, TransientError } from "../../lib/errors";
import { log } from "../../lib/log";
import { importDocumentOnce } from "../../tms/import-once";
import { chunk, IN_LIST_MAX } from "../../lib/chunk";
import { HazchemClient, type FeedDocument } from "./client";
import { FEED_CURSOR, type FeedType } from "./enums";
import { bytesWithCommas, isFeedType, tmsTypeForFeed } from "./mapping";

// Hazchem's document feed into the TMS: the cron pages GET /v1/documents, keeps each new
// document_id in D1 (with its job, and the cursor, in one batch), and a job per document
// downloads it and attaches it to the TMS order, recorded as `to_tms` so its echo is known.

/** Pages read in one run; the rest waits for the next run (the cursor is kept per page). */
const MAX_PAGES = 50;
/** How long a document waits for the TMS to tell us its order id. */
const WAIT_FOR_ORDER_MS = 10 * 60_000;

/** hazchem.feed-document: one document from the feed, to be attached to the TMS order. */
const JOB_FEED_DOCUMENT = "hazchem.feed-document";

const feedDocumentPayload = z.object({
  documentId: z.string(),
  consignmentNumber: z.string(),
  type: z.custom<FeedType>((v) => typeof v === "string" && isFeedType(v), "not one of Hazchem's feed types"),
  filename: z.string(),
  contentType: z.string(),
});
type FeedDocumentPayload = z.output<typeof feedDocumentPayload>;

interface FeedRunReport {
  pages: number;
  seen: number;
  new: number;
  ignored: number;
  malformed: number;
  cursor: string | null;
  more: boolean;
  newDocuments: { document_id: string; consignment_number: string; type: string; filename: string }[];
}

/** One page's worst case (its call's timeout and the writes), for the pass's time budget. */
const PAGE_NEEDS_MS = 65_000;

export async function runFeed(env: Env, db: Db, maxPages = MAX_PAGES, pass?: PullPass): Promise<FeedRunReport> {
  const client = new HazchemClient(env);
  const report: FeedRunReport = { pages: 0, seen: 0, new: 0, ignored: 0, malformed: 0, cursor: null, more: false, newDocuments: [] };
  let since = await cursor(db, FEED_CURSOR).get();
  for (;;) {
    const page = await client.listDocuments(since);
    report.pages++;
    report.seen += page.documents.length + page.malformed.length;
    report.malformed += page.malformed.length;
    for (const m of page.malformed) {
      // Passed over (the cursor moves on); the log line keeps what Hazchem sent for follow-up.
      log({ network: "hazchem", step: "hazchem.feed", outcome: "error", error: `a feed entry is not a valid document (${m.problem})`, entry: JSON.stringify(m.entry).slice(0, 500) });
    }
    const wanted = page.documents.filter((d) => {
      if (isFeedType(d.type)) return true;
      // The contract says only these types arrive; anything else is noted, not guessed at.
      report.ignored++;
      log({ network: "hazchem", reference: d.consignment_number, step: "hazchem.feed", outcome: "skipped", error: `document ${d.document_id} has type ${d.type}, which the connector does not bring into the TMS` });
      return false;
    });
    // A page has no size limit in the contract: the look-up goes in D1-sized slices.
    const known = new Set<string>();
    for (const part of chunk(wanted.map((d) => d.document_id), IN_LIST_MAX)) {
      for (const r of await db.select({ id: hazchemFeedDocuments.documentId }).from(hazchemFeedDocuments).where(inArray(hazchemFeedDocuments.documentId, part))) known.add(r.id);
    }
    const fresh = dedupe(wanted.filter((d) => !known.has(d.document_id)));
    // At the end of the feed Hazchem gives no cursor; keeping the page's own one re-reads that
    // last page next time (reading is repeatable, and document_ids already kept are skipped).
    const nextSince = page.nextCursor ?? since;
    const { created } = await recordPage(db, fresh, nextSince !== since ? nextSince : null);
    if (created.length) await queueJobs(env, created, { network: "hazchem", step: "hazchem.feed.enqueue" });
    report.new += fresh.length;
    report.newDocuments.push(...fresh.map((d) => ({ document_id: d.document_id, consignment_number: d.consignment_number, type: d.type, filename: d.filename })));
    report.cursor = nextSince;
    if (!page.nextCursor || page.nextCursor === since) break;
    since = page.nextCursor;
    // The next page waits for the next pass when this one's budget cannot hold its call.
    if (report.pages >= maxPages || (pass && !pass.hasTime(PAGE_NEEDS_MS))) {
      report.more = true;
      break;
    }
  }
  return report;
}

function dedupe(list: FeedDocument[]): FeedDocument[] {
  const seen = new Set<string>();
  return list.filter((d) => (seen.has(d.document_id) ? false : (seen.add(d.document_id), true)));
}

/** The page's new documents, their jobs, their timeline lines and the cursor: all or nothing. */
async function recordPage(db: Db, fresh: FeedDocument[], next: string | null): Promise<{ created: string[] }> {
  const statements: BatchItem<"sqlite">[] = [];
  const newJobs: NewJob[] = [];
  const entries: TimelineEntry[] = [];
  for (const d of fresh) {
    const type = d.type as FeedType;
    statements.push(
      db.insert(hazchemFeedDocuments).values({
        documentId: d.document_id,
        consignmentNumber: d.consignment_number,
        type,
        filename: d.filename,
        contentType: d.content_type,
        status: "new",
        trackingCode: d.tracking_code ?? null,
        size: d.size ?? null,
        sourceCreatedAt: d.created_at ?? null,
      }).onConflictDoNothing(),
    );
    const payload: FeedDocumentPayload = { documentId: d.document_id, consignmentNumber: d.consignment_number, type, filename: d.filename, contentType: d.content_type };
    newJobs.push(feedDocumentJob.job({ network: "hazchem", reference: d.consignment_number, payload, dedupeKey: `${JOB_FEED_DOCUMENT}:${d.document_id}` }));
    entries.push({
      network: "hazchem",
      reference: d.consignment_number,
      kind: "fetch",
      step: "hazchem.feed",
      outcome: "info",
      message: `Hazchem feed: new ${type} ${d.filename}${d.size ? ` (${bytesWithCommas(d.size)} bytes)` : ""}, to be attached to the TMS as ${tmsTypeForFeed(type)}`,
      detail: { document_id: d.document_id, tracking_code: d.tracking_code ?? null, created_at: d.created_at ?? null },
    });
  }
  const jobs = jobWrite(db, newJobs);
  const jobStart = statements.length;
  statements.push(...jobs.statements, ...timelineInserts(db, entries));
  if (next !== null) {
    statements.push(
      cursor(db, FEED_CURSOR).write(next),
    );
  }
  if (statements.length === 0) return { created: [] };
  const results = (await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]])) as unknown[];
  return { created: jobs.created(results, jobStart) };
}

type Match = { match: { orderId: string } | { customerReference: string }; by: "id" | "customer_reference_number"; destination: string };

/**
 * By order id whenever the TMS has told us the order; by customer reference only for a
 * consignment the TMS has never shown us (Qargo drops a reference match that hits no order
 * or several, silently, so it is the fallback, never the first choice).
 */
async function resolveMatch(db: Db, reference: string): Promise<Match> {
  const [c] = await db.select().from(consignments).where(and(eq(consignments.network, "hazchem"), eq(consignments.reference, reference)));
  if (c?.orderId) return { match: { orderId: c.orderId }, by: "id", destination: `order ${c.orderId}` };
  if (c) throw new DeferError(`the TMS has mentioned consignment ${reference} but not yet its order id; waiting for it before attaching`, WAIT_FOR_ORDER_MS);
  return { match: { customerReference: reference }, by: "customer_reference_number", destination: `customer_reference_number ${reference}` };
}

export const feedDocumentJob = defineJob(JOB_FEED_DOCUMENT, feedDocumentPayload, async (ctx) => {
  const { env, db, payload: p, reference } = ctx;
  const [row] = await db.select().from(hazchemFeedDocuments).where(eq(hazchemFeedDocuments.documentId, p.documentId));
  if (!row) throw new PermanentError(`Hazchem document ${p.documentId} is not in the feed record`);
  if (row.status === "attached" || row.status === "duplicate") return { status: "skipped", message: `already ${row.status}` };

  const tmsType = tmsTypeForFeed(p.type);
  // A document we uploaded to Hazchem may come back on its feed: Hazchem's document_id is what
  // we recorded as its destination. The TMS already has it; attaching it again would loop.
  const [ours] = await db
    .select({ filename: documents.filename })
    .from(documents)
    .where(and(eq(documents.network, ctx.network), eq(documents.reference, reference), eq(documents.direction, "from_tms"), eq(documents.destination, p.documentId)));
  if (ours) return skipOwnUpload(ctx, p, ours.filename, null);

  // Resolved before the download: a document that must wait costs no transfer.
  const target = await resolveMatch(db, reference);

  const file = await new HazchemClient(env).downloadDocument(p.documentId);
  const sha256 = await sha256Hex(file.bytes);
  const contentType = sniffContentType(file.bytes) ?? file.contentType ?? p.contentType;
  const r2Key = `documents/hazchem/${reference}/${sha256}`;
  await env.FILES.put(r2Key, file.bytes, { httpMetadata: { contentType } });

  const [fromTms] = await db
    .select({ filename: documents.filename })
    .from(documents)
    .where(and(eq(documents.network, ctx.network), eq(documents.reference, reference), eq(documents.direction, "from_tms"), eq(documents.sha256, sha256)));
  if (fromTms) return skipOwnUpload(ctx, p, fromTms.filename, sha256);

  const identity = and(eq(documents.network, ctx.network), eq(documents.reference, reference), eq(documents.direction, "to_tms"), eq(documents.sha256, sha256));
  // Recorded before the import: the TMS may report the new document back (DocumentUpdate)
  // before this job finishes, and the echo check must already find it. The unique identity
  // also decides which of two feed documents with the same bytes attaches them.
  await db.insert(documents).values({
    id: crypto.randomUUID(), network: ctx.network, reference, direction: "to_tms", sha256, documentType: tmsType, filename: p.filename,
    contentType, size: file.bytes.byteLength, r2Key, sourceRef: p.documentId, destination: target.destination, status: "attaching",
  }).onConflictDoNothing();
  const [owner] = await db.select().from(documents).where(identity);
  if (owner && owner.sourceRef !== p.documentId) {
    if (owner.status !== "attached") {
      // Counted as an attempt, so a twin whose owner never finishes ends as a visible failure.
      throw new TransientError(`Hazchem document ${p.filename} has the same bytes as ${owner.filename} (${owner.sourceRef}), which is still being attached; checking again later`, "SAME_BYTES_PENDING");
    }
    await db.update(hazchemFeedDocuments).set({ status: "duplicate", sha256, updatedAt: Date.now() }).where(eq(hazchemFeedDocuments.documentId, p.documentId));
    await ctx.timeline({ kind: "skipped", step: JOB_FEED_DOCUMENT, outcome: "skipped", message: `Hazchem document ${p.filename} has the same bytes as ${owner.filename}, already attached to the TMS; not attached again`, detail: { document_id: p.documentId, sha256 } });
    return { status: "skipped", message: "same bytes already attached" };
  }
  if (owner?.status === "attached") {
    // An earlier try attached it and stopped before recording the feed row.
    await db.update(hazchemFeedDocuments).set({ status: "attached", sha256, updatedAt: Date.now() }).where(eq(hazchemFeedDocuments.documentId, p.documentId));
    return { status: "skipped", message: "already attached" };
  }

  await importDocumentOnce(
    env,
    { match: target.match, filename: p.filename, documentType: tmsType, bytes: file.bytes, contentType },
    { checkFirst: await ctx.ranBefore(), step: JOB_FEED_DOCUMENT, timeline: ctx.timeline },
  );

  const now = Date.now();
  await db.batch([
    db.update(documents).set({ status: "attached", destination: target.destination, updatedAt: now }).where(identity),
    db.update(hazchemFeedDocuments).set({ status: "attached", sha256, matchedBy: target.by, orderId: "orderId" in target.match ? target.match.orderId : null, updatedAt: now })
      .where(eq(hazchemFeedDocuments.documentId, p.documentId)),
  ]);
  const how = target.by === "id"
    ? `to its order (by order id)`
    : `matched by reference (customer_reference_number ${reference}): the connector has never seen this consignment's TMS order, and Qargo drops a reference that matches no order or several without saying so`;
  await ctx.timeline({
    kind: "attachment",
    step: JOB_FEED_DOCUMENT,
    outcome: "ok",
    message: `Attached ${p.filename} from Hazchem to the TMS as ${tmsType}, ${bytesWithCommas(file.bytes.byteLength)} bytes, ${how}`,
    detail: { document_id: p.documentId, sha256, matched_by: target.by, destination: target.destination, r2_key: r2Key },
  });
});

async function skipOwnUpload(ctx: JobContext<FeedDocumentPayload>, p: FeedDocumentPayload, tmsName: string, sha256: string | null) {
  await ctx.db.update(hazchemFeedDocuments).set({ status: "duplicate", sha256, updatedAt: Date.now() }).where(eq(hazchemFeedDocuments.documentId, p.documentId));
  await ctx.timeline({ kind: "skipped", step: JOB_FEED_DOCUMENT, outcome: "skipped", message: `Hazchem document ${p.filename} is "${tmsName}", which the connector itself sent to Hazchem from the TMS; not attached back`, detail: { document_id: p.documentId, sha256 } });
  return { status: "skipped" as const, message: "our own upload" };
}
