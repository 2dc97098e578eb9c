import { PermanentError, TransientError } from "./errors";
import { sizeWords } from "./http";
import { concatBytes } from "./bytes";

// A download goes to R2 as it arrives, hashed on the way: an isolate has 128 MB, and a file
// may be larger than that. Past the ceiling the upload is aborted, so R2 never holds half a file.

/** R2 wants every part but the last the same size, and at least 5 MiB. */
const PART_BYTES = 8 * 1024 * 1024;
/** Enough of the start for the content sniffer (a PDF header may sit up to 1 KB in). */
const HEAD_BYTES = 1024;

export interface StoredStream {
  size: number;
  sha256: string;
  /** The first bytes, for sniffing the content type. */
  head: Uint8Array;
}

export interface StoreOptions {
  maxBytes: number;
  /** The file as named in messages: "the TMS document". */
  what: string;
  /** The code of the too-large failure. */
  code: string;
  contentType?: string;
  /** What the sender declared (Content-Length), to refuse before reading a byte. */
  declaredBytes?: number | null;
}

export async function storeStream(bucket: R2Bucket, key: string, body: ReadableStream<Uint8Array>, o: StoreOptions): Promise<StoredStream> {
  const tooLarge = () => new PermanentError(`${o.what} is larger than ${sizeWords(o.maxBytes)}; stopped reading at that ceiling and kept none of it`, o.code);
  if (o.declaredBytes != null && o.declaredBytes > o.maxBytes) {
    await body.cancel().catch(() => undefined);
    throw tooLarge();
  }
  const httpMetadata = o.contentType ? { contentType: o.contentType } : undefined;
  const digest = new crypto.DigestStream("SHA-256");
  const hashing = digest.getWriter();
  const reader = body.getReader();
  let upload: R2MultipartUpload | null = null;
  const parts: R2UploadedPart[] = [];
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let head: Uint8Array = new Uint8Array(0);
  let size = 0;

  const flush = async (bytes: Uint8Array) => {
    upload ??= await bucket.createMultipartUpload(key, { httpMetadata });
    parts.push(await upload.uploadPart(parts.length + 1, bytes));
  };

  try {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (err) {
        throw new TransientError(`${o.what} stopped arriving after ${size} bytes (${err instanceof Error ? err.name : "read error"})`, "DOWNLOAD_CUT");
      }
      if (r.done) break;
      const chunk = r.value;
      size += chunk.byteLength;
      if (size > o.maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      if (head.length < HEAD_BYTES) head = concatBytes([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
      await hashing.write(chunk);
      pending.push(chunk);
      pendingBytes += chunk.byteLength;
      while (pendingBytes >= PART_BYTES) {
        const all = concatBytes(pending);
        await flush(all.subarray(0, PART_BYTES));
        const rest = all.subarray(PART_BYTES);
        pending = rest.byteLength ? [rest] : [];
        pendingBytes = rest.byteLength;
      }
    }
    await hashing.close();
    const rest = concatBytes(pending);
    if (upload === null) {
      await bucket.put(key, rest, { httpMetadata });
    } else {
      if (rest.byteLength) await flush(rest);
      await (upload as R2MultipartUpload).complete(parts);
    }
  } catch (err) {
    await (upload as R2MultipartUpload | null)?.abort().catch(() => undefined);
    // An aborted DigestStream rejects its digest: nobody waits for it any more.
    digest.digest.catch(() => undefined);
    await hashing.abort().catch(() => undefined);
    throw err;
  }
  const sha256 = [...new Uint8Array(await digest.digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { size, sha256, head };
}
