import type { PhotoExt } from "../../lib/ftp";

// Palletways' names for delivery photos on its FTP server (palletways.md, "FTP upload of
// delivery photos"): `{trackingId}_{n}.{ext}`, n counting from 1 per tracking ID, never reused.

/** The name without its extension for photo number `n` of a tracking ID. */
export function photoStem(trackingId: string): (n: number) => string {
  return (n) => `${trackingId}_${n}`;
}

export function photoName(trackingId: string, n: number, ext: PhotoExt): string {
  return `${photoStem(trackingId)(n)}.${ext}`;
}
