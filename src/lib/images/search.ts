// The size/quality search both pipelines share, so "as little scaling as needed, then the highest
// quality that fits" means the same thing whichever engine does the encoding.

export interface SearchOptions {
  maxBytes: number;
  /** Lowest quality worth sending; below it we shrink instead. */
  minQuality: number;
  maxQuality: number;
  /** Longest side to start from (the source's, or less when a pipeline has a pixel budget). */
  startLongSide: number;
  /** Smaller than this a delivery photo stops being evidence, so give up instead. */
  minLongSide: number;
}

export type EncodeAt = (width: number, height: number, quality: number) => Promise<Uint8Array>;

export interface SearchResult {
  bytes: Uint8Array;
  width: number;
  height: number;
  quality: number;
  attempts: number;
}

function scaledSize(width: number, height: number, longSide: number): { width: number; height: number } {
  const long = Math.max(width, height);
  if (longSide >= long) return { width, height };
  const f = longSide / long;
  return { width: Math.max(1, Math.round(width * f)), height: Math.max(1, Math.round(height * f)) };
}

/** Returns null when even minLongSide at minQuality is over maxBytes. */
export async function searchFit(width: number, height: number, o: SearchOptions, encode: EncodeAt): Promise<SearchResult | null> {
  let attempts = 0;
  const at = async (w: number, h: number, q: number) => { attempts++; return encode(w, h, q); };
  let long = Math.min(o.startLongSide, Math.max(width, height));
  const floor = Math.min(o.minLongSide, long);
  for (;;) {
    const { width: w, height: h } = scaledSize(width, height, long);
    const low = await at(w, h, o.minQuality);
    if (low.byteLength <= o.maxBytes) {
      let best = { bytes: low, quality: o.minQuality };
      // Most photos that fit at all fit at top quality after a modest shrink: try that first.
      const top = await at(w, h, o.maxQuality);
      if (top.byteLength <= o.maxBytes) best = { bytes: top, quality: o.maxQuality };
      else {
        let lo = o.minQuality, hi = o.maxQuality;
        while (hi - lo > 1) {
          const mid = (lo + hi) >> 1;
          const out = await at(w, h, mid);
          if (out.byteLength <= o.maxBytes) { lo = mid; best = { bytes: out, quality: mid }; } else hi = mid;
        }
      }
      return { ...best, width: w, height: h, attempts };
    }
    if (long <= floor) return null;
    // JPEG size grows roughly with pixel count, so the overshoot says how far to jump; never less
    // than a 10% step (so the loop ends) and aim a little under so one jump usually lands.
    const guess = long * Math.min(0.9, Math.sqrt(o.maxBytes / low.byteLength) * 0.97);
    long = Math.max(floor, Math.floor(guess));
  }
}
