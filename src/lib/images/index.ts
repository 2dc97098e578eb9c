// Making a delivery photo fit a partner's upload ceiling (a byte limit the caller names).
//
// Memory decides the design: a Worker isolate has 128 MB, and jSquash on a 12-MP photo grows wasm
// memory past that (decoder 57 MB plus a 46 MB JS copy of the pixels; encoder 190 MB at full
// size). So the Images binding, which works outside the isolate, is the primary path, and the
// in-Worker jSquash pipeline is a fallback held to a pixel budget (see jsquash.ts) that keeps it
// inside the limit. A photo neither can handle is a clear failure, never a silent drop.
import { JSQUASH_MAX_OUTPUT_PIXELS, JSQUASH_MAX_SOURCE_PIXELS, decode, makeEncoder, type WasmMemoryReport } from "./jsquash";
import { bindingEncoder, type ImagesLike } from "./images-binding";
import { probePhoto, readJpegInfo, type PhotoHeader } from "./probe";
import { searchFit, type SearchOptions, type SearchResult } from "./search";

export { probePhoto, readHeader, readJpegInfo, sniffFormat } from "./probe";
export { searchFit } from "./search";
export { JSQUASH_MAX_OUTPUT_PIXELS, JSQUASH_MAX_SOURCE_PIXELS } from "./jsquash";
export type { ImagesLike } from "./images-binding";

/** The file is not a JPEG, PNG or TIFF we can read. Retrying will not help. */
export class UnsupportedPhotoError extends Error {
  override name = "UnsupportedPhotoError";
}

/** The photo cannot be brought under the ceiling by the means available. Retrying will not help. */
export class PhotoTooLargeError extends Error {
  override name = "PhotoTooLargeError";
}

type Pipeline = "as-is" | "images-binding" | "jsquash";

interface FitInput {
  bytes: Uint8Array;
  filename: string;
  /** The partner's upload ceiling, in bytes. */
  maxBytes: number;
  /** Who the photo is for (the network's label), as error messages name it. */
  destination: string;
}

interface FitDeps {
  /** env.IMAGES when configured; without it only photos within the jSquash budget can be re-encoded. */
  images?: ImagesLike;
  /** Skip the binding even when given: tests and the benchmark measure each pipeline alone. */
  pipeline?: "images-binding" | "jsquash";
  /** Overrides for the search; defaults in DEFAULT_SEARCH. */
  search?: Partial<Pick<SearchOptions, "minQuality" | "maxQuality" | "minLongSide">>;
  /**
   * For measurement only (the benchmark shows what the budget prevents): raise the jSquash
   * pixel budgets. Production code leaves these alone.
   */
  jsquashBudget?: { maxSourcePixels?: number; maxOutputPixels?: number };
}

export interface FitResult {
  bytes: Uint8Array;
  filename: string;
  contentType: "image/jpeg";
  reencoded: boolean;
  width: number;
  height: number;
  quality?: number;
  pipeline: Pipeline;
  /** Encodes tried by the search. */
  attempts?: number;
  /** jSquash only: each wasm instance's memory size after the photo. */
  wasmMemory?: WasmMemoryReport;
  /** Why the binding was not used when it was given (the jSquash fallback ran instead). */
  bindingError?: string;
}

export const DEFAULT_SEARCH = { minQuality: 40, maxQuality: 95, minLongSide: 400 } as const;

export function jpegName(filename: string): string {
  const base = filename.replace(/\.[^./\\]*$/, "");
  return `${base || "photo"}.jpg`;
}

const mp = (px: number) => `${(px / 1e6).toFixed(1)} MP`;
/** The pixel budget was measured on 8-bit photos: the decoded samples plus their RGBA copy. */
const BUDGET_BYTES_PER_PIXEL = 8;

export async function fitToCeiling(input: FitInput, deps: FitDeps = {}): Promise<FitResult> {
  const { bytes, filename, maxBytes, destination } = input;
  // Dimensions, depth and tiles as the decoder will read them, bounded before any decode.
  const probed = probePhoto(bytes);
  if ("problem" in probed) throw new UnsupportedPhotoError(`${filename} ${probed.problem}, so it cannot be sent to ${destination}`);
  const { header } = probed;
  if (header.format === "jpeg" && bytes.byteLength <= maxBytes) {
    return { bytes, filename, contentType: "image/jpeg", reencoded: false, width: header.width, height: header.height, pipeline: "as-is" };
  }
  const search = { ...DEFAULT_SEARCH, ...deps.search, maxBytes };

  let bindingError: string | undefined;
  // Cloudflare Images takes JPEG and PNG but not TIFF, so TIFF always goes the jSquash way.
  const useBinding = deps.images && deps.pipeline !== "jsquash" && header.format !== "tiff";
  if (useBinding) {
    try {
      const fit = await searchFit(header.width, header.height, { ...search, startLongSide: Math.max(header.width, header.height) },
        bindingEncoder(deps.images!, bytes, header.width));
      if (!fit) throw tooLarge(filename, header, search, destination);
      return finish(fit, filename, "images-binding");
    } catch (e) {
      if (e instanceof PhotoTooLargeError) throw e;
      // The binding failing (quota, outage) is worth a fallback when the photo is within budget.
      bindingError = e instanceof Error ? e.message : String(e);
    }
  }
  if (deps.pipeline === "images-binding") {
    throw new PhotoTooLargeError(`${filename} could not be re-encoded: the Images binding ${bindingError ? `failed (${bindingError})` : header.format === "tiff" ? "cannot read TIFF" : "is not configured"}`);
  }

  const pixels = header.width * header.height;
  const maxSource = deps.jsquashBudget?.maxSourcePixels ?? JSQUASH_MAX_SOURCE_PIXELS;
  const maxOutput = deps.jsquashBudget?.maxOutputPixels ?? JSQUASH_MAX_OUTPUT_PIXELS;
  // The decoders hold `bytesPerPixel` at their peak (a 16-bit TIFF twice what a JPEG does).
  if (pixels > maxSource || pixels * header.bytesPerPixel > maxSource * BUDGET_BYTES_PER_PIXEL) {
    const deep = pixels <= maxSource ? ` at ${header.bytesPerPixel} bytes a pixel (deep samples)` : "";
    throw new PhotoTooLargeError(
      `${filename} is ${header.width}×${header.height} (${mp(pixels)}${deep}); without the Images binding the Worker can only ` +
      `re-encode photos up to ${mp(maxSource)} inside its 128 MB${bindingError ? ` (the binding failed: ${bindingError})` : ""}`,
    );
  }
  const wasmMemory: WasmMemoryReport = {};
  let decoded;
  try {
    decoded = await decode(bytes, header, wasmMemory);
  } catch (e) {
    throw new UnsupportedPhotoError(`${filename} could not be decoded: ${e instanceof Error ? e.message : String(e)}`);
  }
  // Encoding above this would itself blow the budget; start the size search below it.
  const budgetLong = Math.floor(Math.max(decoded.width, decoded.height) * Math.min(1, Math.sqrt(maxOutput / (decoded.width * decoded.height))));
  const { width, height } = decoded;
  const { encodeAt, release } = await makeEncoder(decoded, wasmMemory);
  decoded = undefined;
  let fit: SearchResult | null;
  try {
    fit = await searchFit(width, height, { ...search, startLongSide: budgetLong }, encodeAt);
  } finally {
    release();
  }
  if (!fit) throw tooLarge(filename, header, search, destination);
  return { ...finish(fit, filename, "jsquash"), wasmMemory, ...(bindingError ? { bindingError } : {}) };
}

function tooLarge(filename: string, h: PhotoHeader, s: { maxBytes: number; minQuality: number; minLongSide: number }, destination: string): PhotoTooLargeError {
  return new PhotoTooLargeError(
    `${filename} (${h.width}×${h.height}) cannot be made to fit ${destination}'s ${s.maxBytes}-byte upload limit: even at ` +
    `${s.minLongSide} px on its longest side and JPEG quality ${s.minQuality} it is larger`,
  );
}

function finish(fit: SearchResult, filename: string, pipeline: Pipeline): FitResult {
  // Trust the file, not the request: the dimensions and format are read back from the JPEG.
  const info = readJpegInfo(fit.bytes, true);
  if (!info || (info.sof !== 0xc0 && info.sof !== 0xc2)) {
    throw new Error(`the ${pipeline} pipeline produced something that is not a baseline or progressive JPEG`);
  }
  return {
    bytes: fit.bytes, filename: jpegName(filename), contentType: "image/jpeg", reencoded: true,
    width: info.width, height: info.height, quality: fit.quality, pipeline, attempts: fit.attempts,
  };
}
