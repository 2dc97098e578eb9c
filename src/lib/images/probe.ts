// Reading just enough of an image's header to route it and to budget memory before any pixel is
// decoded: a decoder told to open a 50-MP TIFF has already lost the 128 MB isolate.

import { sniffContentType, type SniffedType } from "../bytes";

type PhotoFormat = "jpeg" | "png" | "tiff";

export interface PhotoHeader {
  format: PhotoFormat;
  width: number;
  height: number;
  /** What the decoders hold per pixel at their peak (the raw samples plus the RGBA copy). */
  bytesPerPixel: number;
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

/** Bytes per pixel the decoders hold at most: they all hand back 8-bit RGBA in the end. */
const RGBA = 4;

function readPng(b: Uint8Array): Probe {
  // IHDR is required to be the first chunk.
  if (b.length < 33 || String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!) !== "IHDR") return { problem: "its PNG header (IHDR) is missing" };
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const depth = b[24]!, colourType = b[25]!;
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colourType];
  if (!channels || ![1, 2, 4, 8, 16].includes(depth)) return { problem: `its PNG header names ${depth} bits per sample in colour type ${colourType}, which is not a valid PNG` };
  return { width: dv.getUint32(16), height: dv.getUint32(20), bytesPerPixel: Math.max(RGBA, (channels * depth) / 8) };
}

// ---- TIFF ----
// Read the way the decoder (utif2) reads it, field type and count included: a value whose
// type and count do not fit in 4 bytes lives at an offset, and a reader that takes the 4 bytes
// as the value sees 16×24 where the decoder sees 8000×8000. utif2 itself trusts every count
// (it loops `count` times, and allocates width × height × bits before looking at the data), so
// every field of every directory it will read is checked here first, and what it is allowed
// to allocate is bounded before it ever runs.

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };
const TAG_NAMES: Record<number, string> = { 256: "ImageWidth", 257: "ImageLength", 258: "BitsPerSample", 277: "SamplesPerPixel", 322: "TileWidth", 323: "TileLength", 278: "RowsPerStrip" };
/** Sub-directories utif2 follows: SubIFDs, Exif, GPS. */
const SUB_IFD_TAGS = new Set([330, 34665, 34853]);
/** Directories utif2 follows in ways not worth checking for a delivery photo (DNG private data, Fuji RAW). */
const RAW_TAGS = new Set([50740, 61440]);
const MAX_DIRECTORIES = 16;
const MAX_ENTRIES = 512;
/** The ratio past which deflate cannot expand: a strip this small × 1032 is all it can become. */
const DEFLATE_MAX_RATIO = 1032;
/** A compressed TIFF strip or tile may decode to this much at most (utif2 inflates it whole first). */
const MAX_STRIP_DECODED = 32 << 20;
const MAX_TILE_SIDE = 4096;
/**
 * utif2 turns every numeric field into a JS array, value by value: a 30 MB file of one SHORT
 * field would become 15 million numbers (well over 100 MB). Byte and text fields stay views.
 */
const MAX_FIELD_VALUES = 65_536;
const MAX_TOTAL_VALUES = 262_144;

interface TiffFields {
  values: Map<number, number[]>;
  types: Map<number, number>;
}

type Probe = { width: number; height: number; bytesPerPixel: number } | { problem: string };

function readTiff(b: Uint8Array): Probe {
  if (b.length < 8) return { problem: "it is too short to be a TIFF" };
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = b[0] === 0x49;
  // 42 is classic TIFF; BigTIFF (43) has 64-bit offsets the decoder does not read.
  if (dv.getUint16(2, le) !== 42) return { problem: "it is not a classic TIFF (BigTIFF is not taken)" };
  const u16 = (o: number) => dv.getUint16(o, le);
  const u32 = (o: number) => dv.getUint32(o, le);
  const seen = new Set<number>();
  let totalValues = 0;

  const readIfd = (offset: number): TiffFields | string => {
    if (seen.has(offset)) return "its directories loop back on themselves";
    if (seen.size >= MAX_DIRECTORIES) return `it has more than ${MAX_DIRECTORIES} image directories`;
    seen.add(offset);
    if (offset < 8 || offset + 2 > b.length) return "a directory offset points outside the file";
    const n = u16(offset);
    if (n > MAX_ENTRIES || offset + 2 + n * 12 + 4 > b.length) return "a directory runs past the end of the file";
    const fields: TiffFields = { values: new Map(), types: new Map() };
    for (let k = 0; k < n; k++) {
      const e = offset + 2 + k * 12;
      const tag = u16(e), type = u16(e + 2), count = u32(e + 4);
      const size = TYPE_SIZE[type];
      if (!size) {
        if (TAG_NAMES[tag]) return `its ${TAG_NAMES[tag]} field has an unknown type (${type})`;
        continue; // utif2 skips a field of an unknown type
      }
      if (type !== 1 && type !== 2 && type !== 6 && type !== 7) {
        totalValues += count;
        if (count > MAX_FIELD_VALUES || totalValues > MAX_TOTAL_VALUES) return `a field (tag ${tag}) holds ${count} numbers, more than a photo needs (at most ${MAX_FIELD_VALUES})`;
      }
      const bytes = size * count;
      const at = bytes <= 4 ? e + 8 : u32(e + 8);
      // Every field the decoder will loop over must lie inside the file, whatever its tag.
      if (at + bytes > b.length) return `a field (tag ${tag}) claims ${count} values, more than the file holds`;
      if (RAW_TAGS.has(tag)) return "it is a camera RAW/DNG file, not a photo format we take";
      if (type === 3 || type === 4 || type === 13) {
        const read = type === 3 ? u16 : u32;
        // Only what is needed: offsets and counts for the strip checks, the first value else.
        const want = tag === 273 || tag === 279 || tag === 324 || tag === 325 || SUB_IFD_TAGS.has(tag) || tag === 258 ? count : Math.min(count, 1);
        const list: number[] = [];
        for (let j = 0; j < want; j++) list.push(read(at + j * size));
        fields.values.set(tag, list);
      }
      fields.types.set(tag, type);
      if (SUB_IFD_TAGS.has(tag) && (type === 4 || type === 13)) {
        for (const sub of fields.values.get(tag)!) {
          const r = readIfd(sub);
          if (typeof r === "string") return r;
        }
      }
    }
    const next = u32(offset + 2 + n * 12);
    if (next !== 0) {
      const r = readIfd(next);
      if (typeof r === "string") return r;
    }
    return fields;
  };

  const r = readIfd(u32(4));
  return typeof r === "string" ? { problem: r } : tiffBudget(r);
}

function tiffBudget(f: TiffFields): Probe {
  const one = (tag: number) => f.values.get(tag)?.[0];
  for (const tag of [256, 257, 258, 277, 322, 323, 278]) {
    const type = f.types.get(tag);
    // Sizes are SHORT or LONG in the TIFF specification; anything else reads differently in
    // every decoder, so it is refused rather than guessed at.
    if (type !== undefined && type !== 3 && type !== 4) return { problem: `its ${TAG_NAMES[tag]} is stored as field type ${type}, not as a whole number` };
  }
  const width = one(256), height = one(257);
  if (!width || !height) return { problem: "its TIFF header gives no width or height" };
  const samples = one(277) ?? 1;
  const bits = f.values.get(258) ?? [1];
  if (samples < 1 || samples > 4) return { problem: `it declares ${samples} samples per pixel (at most 4 are taken)` };
  if (bits.some((x) => ![1, 2, 4, 8, 16].includes(x))) return { problem: `it declares ${bits.join("/")} bits per sample (1, 2, 4, 8 or 16 are taken)` };
  const bitsPerPixel = Math.max(...bits) * samples;
  const rawBytesPerPixel = Math.ceil(bitsPerPixel / 8);
  const compression = one(259) ?? 1;
  if (compression === 6 || compression === 7 || compression === 34892) {
    return { problem: "it is a JPEG-compressed TIFF, whose inner size the decoder does not check; send the photo as a JPEG" };
  }
  const tileW = one(322), tileH = one(323);
  if ((tileW !== undefined) !== (tileH !== undefined)) return { problem: "it names a tile width without a tile length" };
  if (tileW !== undefined && tileH !== undefined && (tileW < 1 || tileH < 1 || tileW > MAX_TILE_SIDE || tileH > MAX_TILE_SIDE)) {
    return { problem: `its tiles are ${tileW}×${tileH} (at most ${MAX_TILE_SIDE} a side)` };
  }
  if (compression === 8 || compression === 32946) {
    // utif2 inflates each deflated strip or tile whole before copying what fits.
    for (const n of f.values.get(tileW !== undefined ? 325 : 279) ?? []) {
      if (n * DEFLATE_MAX_RATIO > MAX_STRIP_DECODED) return { problem: `a deflate-compressed strip of ${n} bytes could inflate past ${MAX_STRIP_DECODED >> 20} MB` };
    }
  }
  return { width, height, bytesPerPixel: Math.max(RGBA, rawBytesPerPixel + RGBA) };
}

/** What the decoder will see, or why the file cannot be decoded safely (plain words, after the file's name). */
export function probePhoto(b: Uint8Array): { header: PhotoHeader } | { problem: string } {
  const format = sniffFormat(b);
  if (!format) return { problem: "is not a JPEG, PNG or TIFF photo we can read" };
  let r: Probe;
  if (format === "jpeg") {
    const info = readJpegInfo(b);
    if (!info) return { problem: "is not a JPEG we can read (no frame header)" };
    if (info.components < 1 || info.components > 4) return { problem: `is a JPEG with ${info.components} colour components (at most 4 are taken)` };
    r = { width: info.width, height: info.height, bytesPerPixel: RGBA };
  } else {
    r = format === "png" ? readPng(b) : readTiff(b);
  }
  if ("problem" in r) return { problem: `cannot be read safely${format === "tiff" ? " as a TIFF" : ""}: ${r.problem}` };
  if (r.width <= 0 || r.height <= 0) return { problem: "gives no width or height" };
  return { header: { format, ...r } };
}

export function readHeader(b: Uint8Array): PhotoHeader | null {
  const p = probePhoto(b);
  return "header" in p ? p.header : null;
}
