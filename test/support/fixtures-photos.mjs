// Delivery-photo fixtures for the photo compression tests (src/lib/images) and benchmark. Generated rather than
// committed because the 12-MP one is ~6 MB; a seeded PRNG keeps every run's bytes identical, so
// an existing file is a valid cache.
import fs from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
// mulberry32: seedable, and good enough that mozjpeg cannot find structure in the noise.
import { prng } from "../../sandbox/lib/faults.mjs";

export const PHOTOS = {
  /** 4000×3000, ~6 MB: what a phone camera hands the driver app. */
  large: "photo-12mp.jpg",
  /** 1200×900, ~200 KB: already under the ceiling, must pass byte for byte. */
  small: "photo-small.jpg",
  /** 2000×1500 PNG: over the ceiling, must become a JPEG. */
  png: "photo.png",
  /** 1600×1200 LZW TIFF: the driver app's scanner mode. */
  tiff: "photo.tif",
};


/**
 * Photo-like RGB: smooth lighting gradients and a few soft "objects" (what makes a photo
 * compressible) plus sensor-like grain (what keeps a 12-MP JPEG at several MB, as a real one is).
 */
function photoPixels(width, height, seed, grain) {
  const rand = prng(seed);
  const px = Buffer.alloc(width * height * 3);
  const blobs = Array.from({ length: 12 }, () => ({
    x: rand() * width, y: rand() * height, r: (0.05 + rand() * 0.2) * width,
    c: [rand() * 255, rand() * 255, rand() * 255],
  }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width, v = y / height;
      let r = 60 + 120 * u + 30 * Math.sin(v * 7);
      let g = 80 + 90 * v + 25 * Math.sin(u * 11 + v * 3);
      let b = 140 - 80 * u * v + 20 * Math.cos(u * 5);
      for (const o of blobs) {
        const dx = x - o.x, dy = y - o.y;
        const w = Math.exp(-(dx * dx + dy * dy) / (o.r * o.r));
        if (w > 0.01) { r += (o.c[0] - r) * w; g += (o.c[1] - g) * w; b += (o.c[2] - b) * w; }
      }
      // Fine texture (fabric, tarmac, shrink-wrap) at a few pixels' period.
      const tex = 10 * Math.sin(x * 0.9 + Math.sin(y * 0.13) * 4) * Math.cos(y * 0.7);
      const i = (y * width + x) * 3;
      px[i] = clamp(r + tex + (rand() - 0.5) * grain);
      px[i + 1] = clamp(g + tex + (rand() - 0.5) * grain);
      px[i + 2] = clamp(b + tex + (rand() - 0.5) * grain);
    }
  }
  return px;
}

const clamp = (v) => (v < 0 ? 0 : v > 255 ? 255 : v | 0);

async function exists(file) {
  try { await fs.access(file); return true; } catch { return false; }
}

export async function ensure(dir) {
  await fs.mkdir(dir, { recursive: true });
  const jobs = [
    [PHOTOS.large, () => {
      const [w, h] = [4000, 3000];
      return sharp(photoPixels(w, h, 12, 56), { raw: { width: w, height: h, channels: 3 } })
        .jpeg({ quality: 92, chromaSubsampling: "4:2:0" }).toBuffer();
    }],
    [PHOTOS.small, () => {
      const [w, h] = [1200, 900];
      return sharp(photoPixels(w, h, 7, 20), { raw: { width: w, height: h, channels: 3 } })
        .jpeg({ quality: 85 }).toBuffer();
    }],
    [PHOTOS.png, () => {
      const [w, h] = [2000, 1500];
      return sharp(photoPixels(w, h, 3, 24), { raw: { width: w, height: h, channels: 3 } })
        .png({ compressionLevel: 6 }).toBuffer();
    }],
    [PHOTOS.tiff, () => {
      const [w, h] = [1600, 1200];
      return sharp(photoPixels(w, h, 5, 24), { raw: { width: w, height: h, channels: 3 } })
        .tiff({ compression: "lzw" }).toBuffer();
    }],
  ];
  for (const [name, make] of jobs) {
    const file = path.join(dir, name);
    if (await exists(file)) continue;
    // Write-then-rename so an interrupted run never leaves a truncated "cached" fixture.
    await fs.writeFile(file + ".tmp", await make());
    await fs.rename(file + ".tmp", file);
  }
}
