export async function sha256Hex(data: ArrayBuffer | ArrayBufferView | string): Promise<string> {
  const input = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", input as BufferSource);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64.replace(/\s+/g, ""));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let bin = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    bin += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(bin);
}

// The only place that reads magic bytes. Names and declared content types can lie (a driver
// app's "photo.jpg" that is a HEIC, a scanner's PDF behind a junk prefix); the bytes cannot.

/** The content types the connector stores and sends as what they are. */
export type SniffedType = "image/jpeg" | "image/png" | "image/tiff" | "application/pdf";

/** The file extension each sniffed type is written under (FTP names, attachment names). */
export const EXTENSIONS = { "image/jpeg": "jpg", "image/png": "png", "image/tiff": "tif", "application/pdf": "pdf" } as const satisfies Record<SniffedType, string>;

interface Kind {
  /** null: recognised only to name it in an error, never taken as a content type. */
  type: SniffedType | null;
  label: string;
  test: (b: Uint8Array) => boolean;
}

const at = (b: Uint8Array, offset: number, ...sig: number[]) => b.length >= offset + sig.length && sig.every((x, k) => b[offset + k] === x);
const PDF = [0x25, 0x50, 0x44, 0x46, 0x2d]; // "%PDF-"

const KINDS: readonly Kind[] = [
  { type: "image/jpeg", label: "a JPEG image", test: (b) => at(b, 0, 0xff, 0xd8, 0xff) },
  { type: "image/png", label: "a PNG image", test: (b) => at(b, 0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a) },
  // Classic TIFF and BigTIFF, little- and big-endian.
  { type: "image/tiff", label: "a TIFF image", test: (b) => at(b, 0, 0x49, 0x49, 0x2a, 0x00) || at(b, 0, 0x4d, 0x4d, 0x00, 0x2a) || at(b, 0, 0x49, 0x49, 0x2b, 0x00) || at(b, 0, 0x4d, 0x4d, 0x00, 0x2b) },
  {
    type: "application/pdf",
    label: "a PDF",
    // PDF readers accept the header anywhere in the first 1024 bytes, and some scanners prepend junk.
    test: (b) => {
      for (let i = 0; i + PDF.length <= Math.min(b.length, 1024); i++) if (at(b, i, ...PDF)) return true;
      return false;
    },
  },
  { type: null, label: "a ZIP archive (e.g. a Word or Excel file)", test: (b) => at(b, 0, 0x50, 0x4b, 0x03, 0x04) },
  { type: null, label: "an old Microsoft Office file", test: (b) => at(b, 0, 0xd0, 0xcf, 0x11, 0xe0) },
  { type: null, label: "a GIF image", test: (b) => at(b, 0, 0x47, 0x49, 0x46, 0x38) },
  { type: null, label: "a WebP image", test: (b) => at(b, 0, 0x52, 0x49, 0x46, 0x46) && at(b, 8, 0x57, 0x45) },
  { type: null, label: "a HEIC/HEIF or MP4 file", test: (b) => b.length > 11 && at(b, 0, 0, 0, 0) && at(b, 4, 0x66, 0x74, 0x79, 0x70) },
];

function kindOf(bytes: Uint8Array): Kind | null {
  return KINDS.find((k) => k.test(bytes)) ?? null;
}

/** Content type from magic bytes: JPEG, PNG, TIFF or PDF, else null. */
export function sniffContentType(bytes: Uint8Array): SniffedType | null {
  return kindOf(bytes)?.type ?? null;
}

/** What the bytes are, in words ("a GIF image"), when the sniffer knows them. */
export function contentLabel(bytes: Uint8Array): string | null {
  return kindOf(bytes)?.label ?? null;
}

/** What the bytes are, in words for an operator, whatever they are. */
export function describeContent(bytes: Uint8Array): string {
  if (bytes.length === 0) return "empty";
  return contentLabel(bytes) ?? "in a format that is not recognised";
}

export function timingSafeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  let diff = ea.length ^ eb.length;
  for (let i = 0; i < Math.max(ea.length, eb.length); i++) diff |= (ea[i] ?? 0) ^ (eb[i] ?? 0);
  return diff === 0;
}
