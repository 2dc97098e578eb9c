import { and, eq, or } from "drizzle-orm";
import { documents } from "../db/schema";
import { sniffContentType } from "../lib/bytes";
import { storeStream } from "../lib/store-stream";
import { PermanentError, TransientError } from "../lib/errors";
import { DOCUMENT_MAX_BYTES, TmsClient } from "./client";
import type { DocumentContent } from "./schemas";
import { z } from "zod";
import { defineJob, type JobContext, type JobResult } from "../engine";

// A document added in the TMS: fetch its bytes once, keep them in R2, know them by SHA-256,
// refuse echoes of what we ourselves attached, then hand it to the carrier's job `next`.
// The intake queues it for webhooks; a carrier may queue it for a document it finds on an order.

const routeOptions = z.record(z.string(), z.unknown());

export const tmsDocumentPayload = z.object({
  documentId: z.string().nullable(),
  documentType: z.string(),
  name: z.string(),
  content: z.union([z.object({ r2Key: z.string(), contentType: z.string(), filename: z.string() }), z.object({ downloadUrl: z.string() })]),
  role: z.string().nullable(),
  /** The carrier's document job (`DocumentRoute.kind`). */
  next: z.string(),
  /** The carrier routing's options for its job. */
  route: routeOptions.nullish(),
  orderId: z.string(),
  customerReference: z.string().nullable(),
});
export type TmsDocumentPayload = z.output<typeof tmsDocumentPayload>;

/** What a carrier's document job receives from the centre (tms.document): declare it with this schema. */
export const outboundDocumentPayload = z.object({
  documentRowId: z.string(),
  r2Key: z.string(),
  sha256: z.string(),
  filename: z.string(),
  contentType: z.string(),
  documentType: z.string(),
  documentId: z.string().nullable(),
  role: z.string().nullable(),
  orderId: z.string(),
  /** `DocumentRoute.options` of the route that chose this job. */
  route: routeOptions.nullable().default(null),
});
export type OutboundDocumentPayload = z.output<typeof outboundDocumentPayload>;

type Ctx = JobContext<TmsDocumentPayload>;

export const tmsDocumentJob = defineJob("tms.document", tmsDocumentPayload, async (ctx) => {
  const { env, payload: p } = ctx;
  let filename = p.name;
  let file: { body: ReadableStream<Uint8Array>; length: number | null; contentType: string };
  if ("r2Key" in p.content) {
    const obj = await env.FILES.get(p.content.r2Key);
    if (!obj) throw new PermanentError(`the document's stored copy ${p.content.r2Key} is missing`);
    file = { body: obj.body, length: obj.size, contentType: p.content.contentType };
    filename = p.name || p.content.filename;
  } else {
    file = await new TmsClient(env).downloadDocument({ download_url: p.content.downloadUrl } as DocumentContent);
  }
  // Into R2 as it arrives, under the job's name: the lasting key is the content's hash, known
  // only at the end. Past the ceiling nothing is kept at all.
  const incoming = `incoming/tms-document/${ctx.jobId}`;
  const stored = await storeStream(env.FILES, incoming, file.body, {
    maxBytes: DOCUMENT_MAX_BYTES,
    what: `the TMS document "${filename}"`,
    code: "TMS_DOCUMENT_TOO_LARGE",
    declaredBytes: file.length,
  });
  try {
    return await keep(ctx, { ...stored, filename, contentType: sniffContentType(stored.head) ?? file.contentType, incoming });
  } finally {
    await env.FILES.delete(incoming);
  }
});

async function keep(
  ctx: Ctx,
  f: { sha256: string; size: number; filename: string; contentType: string; incoming: string },
): Promise<JobResult> {
  const { env, db, payload: p, network, reference } = ctx;
  const { sha256, filename, contentType } = f;
  const [ours] = await db
    .select({ id: documents.id, filename: documents.filename })
    .from(documents)
    .where(and(eq(documents.network, network), eq(documents.reference, reference), eq(documents.direction, "to_tms"), or(eq(documents.sha256, sha256), eq(documents.fileSha256, sha256))));
  if (ours) {
    await ctx.timeline({ kind: "skipped", step: "tms.document", outcome: "skipped", message: `"${filename}" is ${ours.filename}, which the connector itself attached; not sent back`, detail: { sha256 } });
    return { status: "skipped", message: "echo of our own attachment" };
  }

  const r2Key = `documents/${network}/${reference}/${sha256}`;
  if (!(await env.FILES.head(r2Key))) {
    const copy = await env.FILES.get(f.incoming);
    if (!copy) throw new TransientError(`the TMS document "${filename}" vanished from R2 while it was being kept`, "R2_MISSING");
    await env.FILES.put(r2Key, copy.body, { httpMetadata: { contentType } });
  }
  const id = crypto.randomUUID();
  const inserted = await db
    .insert(documents)
    .values({ id, network, reference, direction: "from_tms", sha256, documentType: p.documentType, filename, contentType, size: f.size, r2Key, sourceRef: p.documentId, status: "received" })
    .onConflictDoNothing()
    .returning({ id: documents.id });
  let rowId = inserted[0]?.id;
  if (!rowId) {
    const [existing] = await db
      .select({ id: documents.id, status: documents.status, filename: documents.filename })
      .from(documents)
      .where(and(eq(documents.network, network), eq(documents.reference, reference), eq(documents.direction, "from_tms"), eq(documents.sha256, sha256)));
    if (existing && existing.status !== "received") {
      await ctx.timeline({ kind: "skipped", step: "tms.document", outcome: "skipped", message: `"${filename}" has the same bytes as "${existing.filename}", already handled (${existing.status})`, detail: { sha256 } });
      return { status: "skipped", message: "same bytes already handled" };
    }
    rowId = existing?.id ?? id;
  }
  await ctx.timeline({ kind: "document", step: "tms.document", outcome: "ok", message: `Received "${filename}" from the TMS (${p.documentType}, ${f.size} bytes)`, detail: { sha256, r2_key: r2Key } });
  const next: OutboundDocumentPayload = {
    documentRowId: rowId,
    r2Key,
    sha256,
    filename,
    contentType,
    documentType: p.documentType,
    documentId: p.documentId,
    role: p.role,
    orderId: p.orderId,
    route: p.route ?? null,
  };
  const job = ctx.jobFor(p.next);
  if (!job) throw new PermanentError(`${network} has no job ${p.next} to take "${filename}"`);
  await ctx.enqueue([job.job({ network, reference, payload: next, dedupeKey: `${p.next}:${network}:${reference}:${sha256}` })]);
};
