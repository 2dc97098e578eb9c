import { eq } from "drizzle-orm";
import { palletwaysSettings } from "./settings";
import { documents } from "../../db/schema";
import { DeferError, PermanentError, TransientError } from "../../lib/errors";
import { log } from "../../lib/log";
import { describeContent } from "../../lib/bytes";
import { FILE_MAX_BYTES } from "../../lib/http";
import { defineJob } from "../../engine";
import { outboundDocumentPayload } from "../../tms/document-job";
import { FtpClient, FtpError, type FtpUrl, type PhotoExt, fileExtensionFor, parseFtpUrl, uploadUnique } from "../../lib/ftp";
import { photoName, photoStem } from "./ftp-name";
import { takeFtpNumber } from "./ftp-numbers";
import { withFtpSession } from "../../lib/ftp/pool";

// palletways.ftp-upload: a delivery photo added in the TMS (we deliver) goes to the Palletways
// FTP server as `{trackingId}_{n}.{ext}`, exactly once (palletways.md, "FTP upload of delivery
// photos").
//
// Exactly once across retries: every number taken is written on the documents row (`seq`) in
// the same D1 transaction that takes it, and the upload always ends under the last number
// taken. A retry that finds `seq` set first looks on the server for `{trackingId}_{seq}.{ext}`
// and compares its content (SHA-256 of what the server holds, read back with RETR) with ours:
// if it is ours, an earlier attempt got it there and only its record (or the rename's reply)
// was lost, so it is recorded, not sent again (contract rule 8: checked, not repeated blindly). A leftover `.part` of that number is ours and is removed;
// the number itself is never reused. A lease on the row (status "uploading") keeps two
// deliveries of one queue message from uploading side by side.

const STEP = "palletways.ftp-upload";
const TIMEOUT_MS = 20_000;
/** Longer than any invocation may run, so a live attempt never loses its lease. */
const LEASE_MS = 15 * 60_000;
const CREDENTIALS_ACTION = "check PALLETWAYS_FTP_URL credentials";
/** Enough of the file to tell its format by its magic bytes. */
const SNIFF_BYTES = 1024;

export const ftpUploadJob = defineJob("palletways.ftp-upload", outboundDocumentPayload, async (ctx) => {
  const { env, db, payload: p, reference: trackingId } = ctx;
  const started = Date.now();
  const [doc] = await db.select().from(documents).where(eq(documents.id, p.documentRowId));
  if (!doc) throw new PermanentError(`the record of document ${p.filename} (${p.documentRowId}) is missing`);
  if (doc.status === "uploaded") return { status: "skipped", message: `already on the Palletways FTP server (${doc.destination})` };
  if (doc.status === "refused") return { status: "skipped", message: "refused earlier: not a format Palletways takes" };

  // The photo streams from R2 to the server (contract: sent byte for byte); only its first bytes
  // are read here, to tell its format. Its size comes from R2 before any byte is read.
  const head = await env.FILES.head(p.r2Key);
  if (!head) throw new PermanentError(`the stored copy of "${p.filename}" (${p.r2Key}) is missing from R2`);
  if (head.size > FILE_MAX_BYTES) {
    throw new PermanentError(`"${p.filename}" is ${head.size.toLocaleString("en-GB")} bytes, over the ${FILE_MAX_BYTES / (1024 * 1024)} MB the connector sends to Palletways`, "FILE_TOO_LARGE", "send a smaller photo from the TMS");
  }
  const start = await env.FILES.get(p.r2Key, { range: { offset: 0, length: SNIFF_BYTES } });
  if (!start) throw new PermanentError(`the stored copy of "${p.filename}" (${p.r2Key}) is missing from R2`);
  const first = new Uint8Array(await start.arrayBuffer());
  const source = {
    size: head.size,
    open: async () => {
      const obj = await env.FILES.get(p.r2Key);
      if (!obj) throw new PermanentError(`the stored copy of "${p.filename}" (${p.r2Key}) is missing from R2`);
      return obj.body;
    },
  };

  const ext = fileExtensionFor(first);
  if (!ext) {
    const reason = `"${p.filename}" is ${describeContent(first)}, not a JPEG, PNG, TIFF or PDF, so it was not sent to the Palletways FTP server`;
    await db.update(documents).set({ status: "refused", updatedAt: Date.now() }).where(eq(documents.id, doc.id));
    await ctx.timeline({ kind: "skipped", step: STEP, outcome: "skipped", message: `Refused: ${reason}`, detail: { sha256: p.sha256, size: head.size } });
    log({ network: ctx.network, reference: trackingId, step: STEP, outcome: "skipped", error: "unsupported format", size: head.size });
    return { status: "skipped", message: reason };
  }

  const url = ftpUrl(env);
  const lease = await claim(env, doc.id);
  if (!lease.claimed) {
    throw new DeferError(`another attempt is uploading "${p.filename}" right now; this one waits for its outcome`, 60_000);
  }

  let result: { name: string; n: number; bytes: number; recovered: boolean };
  try {
    result = await withFtpSession(async () => {
      const client = await FtpClient.connect(url, { timeoutMs: TIMEOUT_MS });
      try {
        const dir = url.dir;
        if (lease.seq !== null) {
          // R2 holds the file under the SHA-256 tms.document computed as it stored it.
          const found = await earlierUpload(client, dir, trackingId, lease.seq, ext, p.sha256);
          if (found) return { name: found, n: lease.seq, bytes: head.size, recovered: true };
        }
        const r = await uploadUnique({ client, dir, stem: photoStem(trackingId), ext, bytes: source, nextNumber: () => takeFtpNumber(env, trackingId, doc.id) });
        return { ...r, recovered: false };
      } finally {
        await client.quit();
      }
    });
  } catch (e) {
    // Releases the lease at once; the number stays on the row for the next attempt's check.
    await db.update(documents).set({ status: "upload-failed", updatedAt: Date.now() }).where(eq(documents.id, doc.id));
    const err = classify(e);
    log({ network: ctx.network, reference: trackingId, step: STEP, outcome: "error", ms: Date.now() - started, error: err.message, attempt: ctx.attempt });
    throw err;
  }

  const destination = `FTP ${result.name}`;
  try {
    await db.update(documents).set({ status: "uploaded", destination, seq: result.n, updatedAt: Date.now() }).where(eq(documents.id, doc.id));
  } catch (e) {
    // The file is on the server but its record is not: release the lease (the number stays on
    // the row), so the retry checks the server's copy at once instead of waiting out the lease.
    await db.update(documents).set({ status: "upload-failed", updatedAt: Date.now() }).where(eq(documents.id, doc.id)).catch(() => {});
    throw e;
  }
  const size = result.bytes.toLocaleString("en-GB");
  await ctx.timeline({
    kind: "upload",
    step: STEP,
    outcome: "ok",
    message: result.recovered
      ? `Found ${result.name} (${size} bytes, same content by SHA-256) already on the Palletways FTP server from an earlier attempt whose answer was lost; recorded, not sent again`
      : `Uploaded to the Palletways FTP server as ${result.name} (${size} bytes)`,
    detail: { sha256: p.sha256, name: result.name, n: result.n, size: result.bytes, source: p.filename, document_id: p.documentId },
  });
  log({ network: ctx.network, reference: trackingId, step: STEP, outcome: "ok", ms: Date.now() - started, name: result.name, size: result.bytes, recovered: result.recovered });
});

function ftpUrl(env: Env): FtpUrl {
  const raw = palletwaysSettings(env)?.ftpUrl;
  if (!raw) throw new PermanentError("PALLETWAYS_FTP_URL is not set, so photos cannot be uploaded", "config", "set PALLETWAYS_FTP_URL, then replay");
  try {
    return parseFtpUrl(raw, "PALLETWAYS_FTP_URL");
  } catch (e) {
    // FtpUrlError messages never quote the setting, so they carry no password.
    throw new PermanentError((e as Error).message, "config", "correct PALLETWAYS_FTP_URL, then replay");
  }
}

/**
 * Takes the row for this attempt. A row still "uploading" within the lease belongs to a live
 * attempt (a duplicate queue delivery); past the lease its attempt died, e.g. in the crash
 * window, and this one takes over, checking the server first.
 */
async function claim(env: Env, id: string): Promise<{ claimed: boolean; seq: number | null }> {
  const now = Date.now();
  const row = await env.DB.prepare(
    `UPDATE documents SET status = 'uploading', updated_at = ?2
     WHERE id = ?1 AND (status IN ('received', 'upload-failed') OR (status = 'uploading' AND updated_at < ?3))
     RETURNING seq`,
  )
    .bind(id, now, now - LEASE_MS)
    .first<{ seq: number | null }>();
  return row ? { claimed: true, seq: row.seq ?? null } : { claimed: false, seq: null };
}

/**
 * The file an earlier attempt of this document may have finished. `{trackingId}_{seq}.{ext}`
 * holding exactly our bytes is ours; other content is another source's file that raced us, and
 * we upload under a fresh number.
 */
async function earlierUpload(client: FtpClient, dir: string, trackingId: string, seq: number, ext: PhotoExt, sha256: string): Promise<string | null> {
  const name = photoName(trackingId, seq, ext);
  const path = (f: string) => (dir ? `${dir}/${f}` : f);
  const names = await client.list(dir);
  if (names.includes(name) && (await client.sha256(path(name))) === sha256) return name;
  // A transfer that never reached its rename: the number is spent anyway, so the hidden file
  // is only clutter on the partner's server.
  const part = `.${name}.part`;
  if (names.includes(part)) await client.delete(path(part)).catch(() => {});
  return null;
}

function classify(e: unknown): Error {
  if (e instanceof DeferError || e instanceof TransientError || e instanceof PermanentError) return e;
  if (!(e instanceof FtpError)) return e instanceof Error ? e : new Error(String(e));
  const code = String(e.code);
  const message = `Palletways FTP server: ${e.message}`;
  if (e.transient) return new TransientError(message, code);
  if (e.code === 530 || e.code === 331 || e.code === 332) return new PermanentError(message, code, CREDENTIALS_ACTION);
  if (e.code === 553 || e.code === 550 || e.code === 552) {
    return new PermanentError(message, code, "check that the directory in PALLETWAYS_FTP_URL exists and that its FTP user may write there");
  }
  if (e.code === "config") return new PermanentError(message, code, "check PALLETWAYS_FTP_URL and the tracking ID");
  return new PermanentError(message, code, "ask Palletways IT about their FTP server's answer");
}

