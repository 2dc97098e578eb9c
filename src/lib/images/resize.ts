// Area-average downscaling in plain JS. jSquash's wasm resizer grows its memory to ~340 MB on a
// 12-MP photo and wasm memory never shrinks; this one holds two float rows, and the source and
// target arrays are ordinary JS memory the GC gives back.

interface Coverage {
  start: Int32Array;
  count: Int32Array;
  offset: Int32Array;
  weights: Float32Array;
}

/** For each target pixel, which source pixels it covers and by how much (weights sum to 1). */
function coverage(src: number, dst: number): Coverage {
  const scale = src / dst;
  const start = new Int32Array(dst), count = new Int32Array(dst), offset = new Int32Array(dst);
  const weights: number[] = [];
  for (let o = 0; o < dst; o++) {
    const a = o * scale, b = Math.min(src, (o + 1) * scale);
    const s0 = Math.floor(a), s1 = Math.min(src, Math.ceil(b));
    start[o] = s0; count[o] = s1 - s0; offset[o] = weights.length;
    for (let s = s0; s < s1; s++) weights.push((Math.min(b, s + 1) - Math.max(a, s)) / scale);
  }
  return { start, count, offset, weights: Float32Array.from(weights) };
}

/**
 * RGBA → RGBA at dw×dh (never larger). With `flatten`, transparent pixels are composited onto
 * white first: JPEG has no alpha and mozjpeg would otherwise show them as black.
 */
export function downscaleRgba(src: Uint8Array | Uint8ClampedArray, sw: number, sh: number, dw: number, dh: number, flatten: boolean): Uint8ClampedArray {
  const out = new Uint8ClampedArray(dw * dh * 4);
  const cx = coverage(sw, dw), cy = coverage(sh, dh);
  const row = new Float32Array(dw * 3);
  const acc = new Float32Array(dw * 3);
  const hpass = (sy: number) => {
    const base = sy * sw * 4;
    for (let x = 0; x < dw; x++) {
      let r = 0, g = 0, b = 0;
      const s0 = cx.start[x]!, n = cx.count[x]!, wo = cx.offset[x]!;
      for (let k = 0; k < n; k++) {
        const w = cx.weights[wo + k]!, i = base + (s0 + k) * 4;
        if (flatten) {
          const a = src[i + 3]! / 255, bg = 255 * (1 - a);
          r += (src[i]! * a + bg) * w; g += (src[i + 1]! * a + bg) * w; b += (src[i + 2]! * a + bg) * w;
        } else {
          r += src[i]! * w; g += src[i + 1]! * w; b += src[i + 2]! * w;
        }
      }
      row[x * 3] = r; row[x * 3 + 1] = g; row[x * 3 + 2] = b;
    }
  };
  for (let y = 0; y < dh; y++) {
    acc.fill(0);
    const s0 = cy.start[y]!, n = cy.count[y]!, wo = cy.offset[y]!;
    for (let k = 0; k < n; k++) {
      hpass(s0 + k);
      const w = cy.weights[wo + k]!;
      for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + row[i]! * w;
    }
    let o = y * dw * 4;
    for (let i = 0; i < acc.length; i += 3) {
      out[o] = acc[i]! + 0.5; out[o + 1] = acc[i + 1]! + 0.5; out[o + 2] = acc[i + 2]! + 0.5; out[o + 3] = 255;
      o += 4;
    }
  }
  return out;
}
