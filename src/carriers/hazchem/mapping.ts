import { ACCEPTED_FORMATS, FEED_TYPES, UPLOAD_TYPES, type FeedType, type UploadType } from "./enums";

// Pure translations between the TMS's view and Hazchem's, kept apart so they are easy to test.

export function isUploadType(t: string | null | undefined): t is UploadType {
  return (UPLOAD_TYPES as readonly string[]).includes(t ?? "");
}

export function isFeedType(t: string): t is FeedType {
  return Object.hasOwn(FEED_TYPES, t);
}

export function tmsTypeForFeed(t: FeedType): string {
  return FEED_TYPES[t];
}

export function accepts(type: UploadType, contentType: string): boolean {
  return ACCEPTED_FORMATS[type].includes(contentType);
}

const FORMAT_WORDS: Record<string, string> = {
  "image/jpeg": "JPEG",
  "image/png": "PNG",
  "image/tiff": "TIFF",
  "application/pdf": "PDF",
};

export function formatName(contentType: string): string {
  return FORMAT_WORDS[contentType] ?? contentType;
}

export function acceptedWords(type: UploadType): string {
  return ACCEPTED_FORMATS[type].map(formatName).join(", ");
}

/** 912345 → "912,345" (an operator reads these against Hazchem's 1,000,000-byte ceiling). */
export function bytesWithCommas(n: number): string {
  return n.toLocaleString("en-GB");
}

/** 6123456 → "6.1 MB"; below a megabyte, kB. */
export function humanSize(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)} MB`;
  if (n >= 1_000) return `${Math.round(n / 1_000)} kB`;
  return `${n} bytes`;
}

/**
 * The same document for the same consignment and type always gets the same key, so a retried
 * upload (a lost 201, a redelivered message) returns Hazchem's first answer instead of a
 * second copy. The key is over the bytes the TMS gave us, not the re-encoded ones, which need
 * not be identical from one run to the next.
 */
export async function idempotencyKey(consignment: string, type: UploadType, sourceSha256: string): Promise<string> {
  const data = new TextEncoder().encode(`palletbridge|hazchem|${consignment}|${type}|${sourceSha256}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return `pb-${[...digest].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}
