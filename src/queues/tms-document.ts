import { and, eq, or } from "drizzle-orm";
import { documents } from "../db/schema";
import { sha256Hex, sniffContentType } from "../lib/bytes";
import { PermanentError } from "../lib/errors";
import { TmsClient } from "../tms/client";
import type { DocumentContent } from "../tms/schemas";
import type { JobHandler, OutboundDocumentPayload } from "../carriers/carrier";

// A document added in the TMS: fetch its bytes once, keep them in R2, know them by SHA-256,
// refuse echoes of what we ourselves attached, then hand it to the carrier's job.

export interface TmsDocumentPayload {
  documentId: string | null;
  documentType: string;
  name: string;
  content: { r2Key: string; contentType: string; filename: string } | { downloadUrl: string };
  role: string | null;
  next: string;
  /** The carrier routing's options for its job. */
  route?: Record<string, unknown> | null;
  orderId: string;
  customerReference: string | null;
}

export const tmsDocument: JobHandler<TmsDocumentPayload> = async (ctx) => {
  const { env, db, payload: p, network, reference } = ctx;
  let bytes: Uint8Array;
  let declaredType: string;
  let filename = p.name;
  if ("r2Key" in p.content) {
    const obj = await env.FILES.get(p.content.r2Key);
    if (!obj) throw new PermanentError(`the document's stored copy ${p.content.r2Key} is missing`);
    bytes = new Uint8Array(await obj.arrayBuffer());
    declaredType = p.content.contentType;
    filename = p.name || p.content.filename;
  } else {
    const file = await new TmsClient(env).downloadDocument({ download_url: p.content.downloadUrl } as DocumentContent);
    bytes = file.bytes;
    declaredType = file.contentType;
  }
  const sha256 = await sha256Hex(bytes);
  const contentType = sniffContentType(bytes) ?? declaredType;

  const [ours] = await db
    .select({ id: documents.id, filename: documents.filename })
    .from(documents)
    .where(and(eq(documents.network, network), eq(documents.reference, reference), eq(documents.direction, "to_tms"), or(eq(documents.sha256, sha256), eq(documents.fileSha256, sha256))));
  if (ours) {
    await ctx.timeline({ kind: "skipped", step: "tms.document", outcome: "skipped", message: `"${filename}" is ${ours.filename}, which the connector itself attached; not sent back`, detail: { sha256 } });
    return { status: "skipped", message: "echo of our own attachment" };
  }

  const r2Key = `documents/${network}/${reference}/${sha256}`;
  await env.FILES.put(r2Key, bytes, { httpMetadata: { contentType } });
  const id = crypto.randomUUID();
  const inserted = await db
    .insert(documents)
    .values({ id, network, reference, direction: "from_tms", sha256, documentType: p.documentType, filename, contentType, size: bytes.length, r2Key, sourceRef: p.documentId, status: "received" })
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
  await ctx.timeline({ kind: "document", step: "tms.document", outcome: "ok", message: `Received "${filename}" from the TMS (${p.documentType}, ${bytes.length} bytes)`, detail: { sha256, r2_key: r2Key } });
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
  await ctx.enqueue([{ kind: p.next, network, reference, payload: { ...next }, dedupeKey: `${p.next}:${network}:${reference}:${sha256}` }]);
};
