import type { FtpClient } from "./client";
import { FtpError } from "./errors";
import { EXTENSIONS, sniffContentType } from "../bytes";

export type PhotoExt = (typeof EXTENSIONS)[keyof typeof EXTENSIONS];
const PHOTO_EXTS: PhotoExt[] = [...new Set(Object.values(EXTENSIONS))];

/** The format by magic bytes (the contract says: from the bytes, never the file name). */
export function fileExtensionFor(bytes: Uint8Array): PhotoExt | null {
  const type = sniffContentType(bytes);
  return type ? EXTENSIONS[type] : null;
}

/**
 * Bytes that are not in memory: their size, and a way to open them as a stream (R2's body), so
 * a large file goes to the server chunk by chunk instead of whole inside a 128 MB isolate.
 */
export interface StreamSource {
  size: number;
  open: () => Promise<ReadableStream<Uint8Array>>;
}

export interface UploadUniqueArgs {
  client: FtpClient;
  /** Remote directory relative to the login directory ("" = login directory). */
  dir: string;
  /** The file's name without its extension for number `n` (the caller's naming rule); a plain name, no directory. */
  stem: (n: number) => string;
  ext: PhotoExt;
  bytes: Uint8Array | StreamSource;
  /** Hands out a number never handed out before (an atomic counter in D1 behind it). */
  nextNumber: () => Promise<number>;
  /** How many numbers to try before giving up; guards against a runaway counter. Default 50. */
  maxNumbers?: number;
}

export interface UploadUniqueResult {
  /** Final remote file name, without the directory. */
  name: string;
  n: number;
  /** Bytes now on the server under `name`. */
  bytes: number;
}

/**
 * Uploads one file as `{stem(n)}.{ext}` under a number never used before, without ever
 * overwriting anything: numbers in use on the server (a final file of any extension or someone's
 * leftover `.part`) are skipped, the bytes go to a hidden `.{name}.part` first, and only an
 * upload the server confirmed (226, every byte sent) is renamed into place.
 * Round trips on a server that lists by `STAT -a` (vsftpd): five. The listing with the upload's
 * EPSV asked alongside (one), STOR and its 226 (two), a look for our name just before the
 * rename (one), RNFR/RNTO sent together (one). With NLST instead, the listing costs two more.
 * If our number appears while we upload (under any of the photo extensions), the finished
 * `.part` moves to a fresh number instead. Uses the client's two sockets at most (control + one
 * data connection at a time).
 */
export async function uploadUnique(args: UploadUniqueArgs): Promise<UploadUniqueResult> {
  const { client, stem, ext, bytes, nextNumber } = args;
  const dir = args.dir.replace(/^\/+|\/+$/g, "");
  const length = bytes instanceof Uint8Array ? bytes.length : bytes.size;
  const maxNumbers = args.maxNumbers ?? 50;
  const path = (name: string) => (dir ? `${dir}/${name}` : name);
  const plainStem = (n: number) => {
    const s = stem(n);
    // The stem becomes part of a remote path and of prefix matching, so it must be plain.
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(s)) throw new FtpError("config", false, `"${s}" is not usable in a file name`);
    return s;
  };
  const finalName = (n: number) => `${plainStem(n)}.${ext}`;
  const partName = (n: number) => `.${finalName(n)}.part`;

  let numbersTried = 0;
  const fresh = async (existing: string[]): Promise<number> => {
    while (numbersTried++ < maxNumbers) {
      const n = await nextNumber();
      if (!Number.isSafeInteger(n) || n < 1) throw new FtpError("config", false, `nextNumber() returned ${n}`);
      if (!finalTaken(existing, plainStem(n)) && !partTaken(existing, plainStem(n))) return n;
    }
    throw new FtpError("config", false, `no free number for ${plainStem(1)} and the like after ${maxNumbers} tries`);
  };

  /**
   * Whether `{stem(n)}` appeared under any photo extension since the listing that chose n: four
   * SIZEs sent together, one round trip, whatever the directory holds (a listing's cost grows
   * with it). The listing already kept every other extension's numbers out; what a rename could
   * overwrite is our exact name, among these four. A server without SIZE is listed instead.
   */
  const takenSince = async (k: number): Promise<boolean> => {
    let sizes: (number | null)[];
    try {
      sizes = await client.sizes(PHOTO_EXTS.map((x) => path(`${plainStem(k)}.${x}`)));
    } catch (e) {
      // An answer (not a lost connection) leaves the session usable.
      if (!(e instanceof FtpError) || typeof e.code !== "number") throw e;
      return finalTaken(await client.list(dir), plainStem(k));
    }
    return sizes.some((s) => s !== null);
  };

  let n = await fresh(await client.list(dir));
  const partFile = partName(n);
  const part = path(partFile);
  try {
    // The server's 226 after the data stream ended says it holds every byte we sent, so a SIZE
    // here would cost a round trip to learn nothing more. A stream shorter or longer than
    // announced is ours to catch. An unclear end (no 226) throws, and the retry checks the
    // server by content before anything else (palletways/ftp-upload.ts).
    const sent = await client.store(part, bytes instanceof Uint8Array ? bytes : await bytes.open());
    if (sent !== length) {
      throw new FtpError("protocol", true, `upload of ${partFile} incomplete: ${sent} bytes sent, ${length} expected`);
    }
  } catch (e) {
    // Best effort: a leftover .part only costs a number, which is never reused anyway.
    await client.delete(part).catch(() => {});
    throw e;
  }

  for (;;) {
    // Another source may have written our number meanwhile; most servers' RNTO would silently
    // replace it, so look first and move the finished upload to a fresh number instead.
    if (await takenSince(n)) n = await fresh(await client.list(dir));
    try {
      await client.rename(part, path(finalName(n)));
      return { name: finalName(n), n, bytes: length };
    } catch (e) {
      // A server that refuses to overwrite answers RNTO with 5xx: the name is taken, try the next.
      if (!(e instanceof FtpError) || e.transient || typeof e.code !== "number") throw e;
      const after = await client.list(dir);
      if (!after.includes(partFile)) throw e;
      if (!finalTaken(after, plainStem(n))) throw e;
      n = await fresh(after);
      // The loop re-lists and renames the same .part to the new number.
    }
  }
}

function finalTaken(names: string[], stem: string): boolean {
  const prefix = `${stem}.`;
  return names.some((f) => f.startsWith(prefix));
}

function partTaken(names: string[], stem: string): boolean {
  const prefix = `.${stem}.`;
  return names.some((f) => f.startsWith(prefix) && f.endsWith(".part"));
}
