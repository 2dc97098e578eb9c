// Reading just enough of an image's header to route it and to budget memory before any pixel is
// decoded: a decoder told to open a 50-MP TIFF has already lost the 128 MB isolate.

import { sniffContentType, type SniffedType } from "../bytes";

type PhotoFormat = "jpeg" | "png" | "tiff";

export interface PhotoHeader {
  format: PhotoFormat;
  width: number;
  height: number;
}

const FORMATS: Partial<Record<SniffedType, PhotoFormat>> = { "image/jpeg": "jpeg", "image/png": "png", "image/tiff": "tiff" };

/** By magic bytes only: the driver app's file names and content types are not trustworthy. */
export function sniffFormat(b: Uint8Array): PhotoFormat | null {
  const type = sniffContentType(b);
  return type ? (FORMATS[type] ?? null) : null;
}

interface JpegInfo {
  width: number;
  height: number;
  /** 0xC0 baseline, 0xC1 extended, 0xC2 progressive, … */
  sof: number;
  components: number;
}

/**
 * Walks the marker segments to the first SOF. Also the validity check on our own output, so it
 * insists on SOI at the start and EOI at the end rather than trusting the encoder.
 */
export function readJpegInfo(b: Uint8Array, requireEoi = false): JpegInfo | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  if (requireEoi && (b[b.length - 2] !== 0xff || b[b.length - 1] !== 0xd9)) return null;
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    // Fill bytes and standalone markers carry no length.
    if (marker === 0xff) { i++; continue; }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { i += 2; continue; }
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    if (len < 2) return null;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (i + 2 + len > b.length || len < 8) return null;
      const height = (b[i + 5]! << 8) | b[i + 6]!;
      const width = (b[i + 7]! << 8) | b[i + 8]!;
      return { width, height, sof: marker, components: b[i + 9]! };
    }
    if (marker === 0xda || marker === 0xd9) return null;
    i += 2 + len;
  }
  return null;
}

function readPngSize(b: Uint8Array): { width: number; height: number } | null {
  // IHDR is required to be the first chunk.
  if (b.length < 24 || String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!) !== "IHDR") return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

function readTiffSize(b: Uint8Array): { width: number; height: number } | null {
  if (b.length < 8) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = b[0] === 0x49;
  // 42 is classic TIFF; BigTIFF (43) has 64-bit offsets this reader does not follow.
  if (dv.getUint16(2, le) !== 42) return null;
  const ifd = dv.getUint32(4, le);
  if (ifd + 2 > b.length) return null;
  const n = dv.getUint16(ifd, le);
  let width = 0, height = 0;
  for (let k = 0; k < n; k++) {
    const e = ifd + 2 + k * 12;
    if (e + 12 > b.length) return null;
    const tag = dv.getUint16(e, le), type = dv.getUint16(e + 2, le);
    const value = type === 3 ? dv.getUint16(e + 8, le) : dv.getUint32(e + 8, le);
    if (tag === 256) width = value;
    if (tag === 257) height = value;
  }
  return width && height ? { width, height } : null;
}

export function readHeader(b: Uint8Array): PhotoHeader | null {
  const format = sniffFormat(b);
  if (!format) return null;
  const size = format === "jpeg" ? readJpegInfo(b) : format === "png" ? readPngSize(b) : readTiffSize(b);
  return size && size.width > 0 && size.height > 0 ? { format, width: size.width, height: size.height } : null;
}
