import { eq } from "drizzle-orm";
import { z } from "zod";
import { defineJob } from "../../engine";
import { outboundDocumentPayload } from "../../tms/document-job";
import { documents } from "../../db/schema";
import { sniffContentType } from "../../lib/bytes";
import { PermanentError, TransientError } from "../../lib/errors";
import { HazchemClient } from "./client";
import { fitToCeiling, PhotoTooLargeError, UnsupportedPhotoError, type FitResult, type ImagesLike } from "../../lib/images";
import { UPLOAD_TYPES, type UploadType } from "./enums";
import { accepts, acceptedWords, bytesWithCommas, formatName, humanSize, idempotencyKey } from "./mapping";

// hazchem.upload: a TMS document (already in R2, known by SHA-256, not an echo) goes to Hazchem
// as DELIVERY_IMAGE, COP or POD. Photos are made to fit the ceiling; paperwork never is.

/** A photo larger than this is not read at all: with its decoder beside it, it would not fit in 128 MB. */
const PHOTO_SOURCE_MAX_BYTES = 30_000_000;

/** The routing (routing.ts) names the Hazchem upload type in the route's options. */
export const uploadPayload = outboundDocumentPayload.extend({ route: z.object({ type: z.enum(UPLOAD_TYPES) }) });

interface Prepared {
  bytes: Uint8Array;
  filename: string;
  contentType: string;
  /** For the timeline: how the bytes sent differ from the TMS's. */
  note: string;
  detail: Record<string, unknown>;
}

export const hazchemUploadJob = defineJob("hazchem.upload", uploadPayload, async (ctx) => {
  const { env, db, payload: p, reference } = ctx;
  const type = p.route.type;
  const client = new HazchemClient(env);

  const obj = await env.FILES.get(p.r2Key);
  if (!obj) throw new PermanentError(`the stored copy of "${p.filename}" (${p.r2Key}) is missing, so it cannot be sent to Hazchem`);
  // The ceiling is checked from R2's size before a byte is read: paperwork is never re-encoded,
  // so past the ceiling it cannot go; a photo may be larger (it is re-encoded) up to what the
  // isolate can hold beside its decoder.
  const ceiling = type === "DELIVERY_IMAGE" ? PHOTO_SOURCE_MAX_BYTES : client.maxUploadBytes;
  if (obj.size > ceiling) {
    await obj.body.cancel().catch(() => undefined);
    if (type === "DELIVERY_IMAGE") {
      throw new PermanentError(`${p.filename} is ${bytesWithCommas(obj.size)} bytes, more than the ${bytesWithCommas(PHOTO_SOURCE_MAX_BYTES)} bytes a delivery photo may be before it is compressed for Hazchem; it was not sent`, "PHOTO_TOO_LARGE",
        "send a smaller photo from the TMS");
    }
    const label = type === "COP" ? "customer paperwork (COP)" : "proof of delivery (POD)";
    throw new PermanentError(`${p.filename} is ${bytesWithCommas(obj.size)} bytes, over Hazchem's ${bytesWithCommas(client.maxUploadBytes)}-byte limit; ${label} is never re-encoded, so it was not sent`, "FILE_TOO_LARGE",
      "send a smaller file to Hazchem by hand or re-add a smaller one in the TMS");
  }
  const original = new Uint8Array(await obj.arrayBuffer());

  const prepared = type === "DELIVERY_IMAGE"
    ? await preparePhoto(env, original, p.filename, client.maxUploadBytes)
    : prepareAsIs(type, original, p.filename, p.contentType, client.maxUploadBytes);

  const key = await idempotencyKey(reference, type, p.sha256);
  const { documentId, replayed } = await client.uploadDocument({
    consignment: reference,
    type,
    filename: prepared.filename,
    bytes: prepared.bytes,
    contentType: prepared.contentType,
    idempotencyKey: key,
  });

  await db.update(documents).set({ status: "sent", destination: documentId, updatedAt: Date.now() }).where(eq(documents.id, p.documentRowId));
  await ctx.timeline({
    kind: "upload",
    step: "hazchem.upload",
    outcome: "ok",
    message: `Sent ${prepared.filename} to Hazchem as ${type}, ${bytesWithCommas(prepared.bytes.byteLength)} bytes${prepared.note}${replayed ? " (Hazchem already had it from an earlier try; stored once)" : ""}`,
    detail: { document_id: documentId, type, filename: prepared.filename, size: prepared.bytes.byteLength, content_type: prepared.contentType, idempotency_key: key, replayed, source_sha256: p.sha256, ...prepared.detail },
  });
});

async function preparePhoto(env: Env, bytes: Uint8Array, filename: string, maxBytes: number): Promise<Prepared> {
  let fit: FitResult;
  try {
    fit = await fitToCeiling({ bytes, filename, maxBytes, destination: "Hazchem" }, { images: (env as unknown as { IMAGES?: ImagesLike }).IMAGES });
  } catch (err) {
    if (err instanceof PhotoTooLargeError) throw new PermanentError(`${err.message}; it was not sent`, "PHOTO_TOO_LARGE");
    if (err instanceof UnsupportedPhotoError) throw new PermanentError(`${err.message}; Hazchem takes delivery images as JPEG only`, "UNSUPPORTED_PHOTO");
    // Anything else came from the encoder's machinery (a binding hiccup), not from the photo.
    throw new TransientError(`re-encoding ${filename} for Hazchem failed: ${err instanceof Error ? err.message : String(err)}`, "COMPRESS_FAILED");
  }
  const dims = `${fit.width}×${fit.height}`;
  const note = fit.reencoded
    ? ` (re-encoded from ${humanSize(bytes.byteLength)}${fit.quality !== undefined ? `, quality ${fit.quality}` : ""}, ${dims})`
    : ` (sent as it is, ${dims})`;
  return {
    bytes: fit.bytes,
    filename: fit.filename,
    contentType: fit.contentType,
    note,
    detail: { reencoded: fit.reencoded, original_size: bytes.byteLength, width: fit.width, height: fit.height, quality: fit.quality ?? null, pipeline: fit.pipeline, ...(fit.bindingError ? { binding_error: fit.bindingError } : {}) },
  };
}

function prepareAsIs(type: Exclude<UploadType, "DELIVERY_IMAGE">, bytes: Uint8Array, filename: string, declared: string, maxBytes: number): Prepared {
  const label = type === "COP" ? "customer paperwork (COP)" : "proof of delivery (POD)";
  // The bytes decide the format: Hazchem checks them against the Content-Type we declare.
  const contentType = sniffContentType(bytes) ?? declared;
  if (!accepts(type, contentType)) {
    throw new PermanentError(`${filename} is ${formatName(contentType)}, but Hazchem takes ${label} only as ${acceptedWords(type)}; it was not sent`, "UNSUPPORTED_FORMAT",
      `ask for the document as ${acceptedWords(type)} in the TMS`);
  }
  if (bytes.byteLength > maxBytes) {
    throw new PermanentError(`${filename} is ${bytesWithCommas(bytes.byteLength)} bytes, over Hazchem's ${bytesWithCommas(maxBytes)}-byte limit; ${label} is never re-encoded, so it was not sent`, "FILE_TOO_LARGE",
      `send a smaller ${acceptedWords(type)} file to Hazchem by hand or re-add a smaller one in the TMS`);
  }
  return { bytes, filename, contentType, note: "", detail: { reencoded: false, original_size: bytes.byteLength } };
}
