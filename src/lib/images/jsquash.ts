// The in-Worker pipeline: mozjpeg (jSquash) decode → JS area-average resize → mozjpeg encode.
// Every wasm instance is created for one photo and dropped afterwards: wasm memory never shrinks,
// so an instance kept per isolate would pin its high-water mark (57 MB after one 12-MP decode)
// for the isolate's life, while a dropped one is an ordinary garbage ArrayBuffer. Instantiating
// an already-compiled module costs a few milliseconds.
import mozjpegDec from "@jsquash/jpeg/codec/dec/mozjpeg_dec.js";
import mozjpegEnc from "@jsquash/jpeg/codec/enc/mozjpeg_enc.js";
import { defaultOptions as mozjpegDefaults } from "@jsquash/jpeg/meta.js";
import decWasm from "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm";
import encWasm from "@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm";
import pngInit, { decode as pngDecodeWasm } from "@jsquash/png/codec/pkg/squoosh_png.js";
// @ts-expect-error wasm-bindgen ships a .wasm.d.ts describing the instance's exports, which hides
// the "*.wasm" module declaration; at run time this import is the compiled WebAssembly.Module.
import pngWasmImport from "@jsquash/png/codec/pkg/squoosh_png_bg.wasm";
import UTIF from "utif2";
import type { PhotoHeader } from "./probe";

const pngWasm = pngWasmImport as WebAssembly.Module;
import { downscaleRgba } from "./resize";
import type { EncodeAt } from "./search";

/**
 * Pixel budgets, from the photo-compression benchmark in bench/ (Node, same wasm): the mozjpeg decoder's
 * memory ends at 27 MB for a 6-MP photo and 57 MB for 12 MP, and its result is copied to a JS
 * array of 4 MB/MP; the encoder's memory grows in steps with pixels and output size, to 49 MB
 * for a 1600×1200 search (its output buffer doubles) and 190 MB at 12 MP. A 6-MP source and a
 * 1600×1200 target add up to ≈ 27 + 24 + 8 + 49 MB plus the input bytes even if the GC has not
 * yet reclaimed the dropped decoder (measured: peak RSS rose 86 MB); the same pipeline on a
 * 12-MP photo rose 137–167 MB. Larger photos need the Images binding.
 */
export const JSQUASH_MAX_SOURCE_PIXELS = 6_100_000;
export const JSQUASH_MAX_OUTPUT_PIXELS = 1_920_000;

export interface WasmMemoryReport {
  /** byteLength of each instance's WebAssembly.Memory after the photo (its high-water mark). */
  [instance: string]: number;
}

interface Decoded {
  rgba: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  hasAlpha: boolean;
}

type EmscriptenFactory<M> = (opts: Record<string, unknown>) => Promise<M>;

async function instantiate<M>(factory: EmscriptenFactory<M>, module: WebAssembly.Module): Promise<{ api: M; memory: () => number }> {
  let instance: WebAssembly.Instance | undefined;
  const api = await factory({
    noInitialRun: true,
    // mozjpeg prints "Caution: quantization tables are too coarse for baseline JPEG" at low
    // qualities; harmless for progressive output and noise in the Worker's logs.
    print: () => {},
    printErr: () => {},
    instantiateWasm: (imports: WebAssembly.Imports, done: (i: WebAssembly.Instance) => void) => {
      instance = new WebAssembly.Instance(module, imports);
      done(instance);
      return instance.exports;
    },
  });
  const mem = Object.values(instance!.exports).find((e): e is WebAssembly.Memory => e instanceof WebAssembly.Memory);
  return { api, memory: () => mem?.buffer.byteLength ?? 0 };
}

// The glue builds a plain {data, width, height} (workerd has no ImageData).
interface RawImage { data: Uint8ClampedArray; width: number; height: number }
interface MozDecoder { decode(data: BufferSource, preserveOrientation: boolean): RawImage | null }
interface MozEncoder { encode(data: BufferSource, width: number, height: number, opts: typeof mozjpegDefaults): Uint8Array }

// wasm-bindgen glue keeps one instance per module scope, so unlike mozjpeg the PNG decoder can
// only be shared; it is the rare path (PNG usually goes through the Images binding).
let pngReady: Promise<{ memory: WebAssembly.Memory }> | undefined;

export async function decode(bytes: Uint8Array, header: PhotoHeader, wasm: WasmMemoryReport): Promise<Decoded> {
  if (header.format === "jpeg") {
    const dec = await instantiate(mozjpegDec as unknown as EmscriptenFactory<MozDecoder>, decWasm);
    const img = dec.api.decode(bytes, false);
    wasm.decoder = dec.memory();
    if (!img) throw new Error("the JPEG decoder could not read this file");
    return { rgba: img.data, width: img.width, height: img.height, hasAlpha: false };
  }
  if (header.format === "png") {
    pngReady ??= pngInit(pngWasm) as unknown as Promise<{ memory: WebAssembly.Memory }>;
    const exports = await pngReady;
    const img = pngDecodeWasm(bytes) as unknown as RawImage | undefined;
    wasm.png = exports.memory.buffer.byteLength;
    if (!img) throw new Error("the PNG decoder could not read this file");
    return { rgba: img.data, width: img.width, height: img.height, hasAlpha: true };
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  // The probe has checked every field utif2 will read and bounded what it may allocate; the
  // decoder's own reading of the size must agree with it before any pixel is decoded.
  // parseMN: maker notes are a camera's private format, not worth a parser's trust.
  const decodeIfds = UTIF.decode as unknown as (b: ArrayBuffer, prm: { parseMN: boolean; debug: boolean }) => UTIF.IFD[];
  const ifd = decodeIfds(buffer, { parseMN: false, debug: false })[0];
  if (!ifd) throw new Error("the TIFF has no image in it");
  const dims = [(ifd.t256 as number[] | undefined)?.[0], (ifd.t257 as number[] | undefined)?.[0]];
  if (dims[0] !== header.width || dims[1] !== header.height) throw new Error("the TIFF's size reads differently to the decoder");
  UTIF.decodeImage(buffer, ifd);
  const rgba = UTIF.toRGBA8(ifd);
  const width = ifd.width as number, height = ifd.height as number;
  if (!width || !height || rgba.length !== width * height * 4) throw new Error("the TIFF decoder could not read this file");
  return { rgba, width, height, hasAlpha: true };
}

/**
 * The EncodeAt the search drives. The resized pixels for one size are kept while the quality is
 * searched, so a size is resized once however many qualities are tried.
 */
export async function makeEncoder(src: Decoded, wasm: WasmMemoryReport): Promise<{ encodeAt: EncodeAt; release: () => void }> {
  const enc = await instantiate(mozjpegEnc as unknown as EmscriptenFactory<MozEncoder>, encWasm);
  let cached: { w: number; h: number; px: Uint8ClampedArray } | undefined;
  let source: Decoded | undefined = src;
  const encodeAt: EncodeAt = async (w, h, quality) => {
    if (!cached || cached.w !== w || cached.h !== h) {
      if (!source) throw new Error("encoder already released");
      cached = undefined; // let the previous size go before allocating the next
      cached = { w, h, px: downscaleRgba(source.rgba, source.width, source.height, w, h, source.hasAlpha) };
    }
    // Progressive with optimised Huffman tables: the smallest output for a quality, and a
    // standard SOF2 JPEG every viewer opens.
    const out = enc.api.encode(cached.px, w, h, { ...mozjpegDefaults, quality, progressive: true, optimize_coding: true });
    wasm.encoder = enc.memory();
    // The encoder returns a view into its own memory; copy before the next call overwrites it.
    return out.slice();
  };
  return { encodeAt, release: () => { source = undefined; cached = undefined; } };
}
