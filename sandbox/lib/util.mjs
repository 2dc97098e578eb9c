import { createHash } from "node:crypto";

export const sha256 = (buf) => createHash("sha256").update(buf).digest("hex");

/** Decodes `Authorization: Basic …`; null when absent or malformed. */
export function basicAuth(header) {
  const m = /^Basic\s+(.+)$/i.exec(header ?? "");
  if (!m) return null;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const i = decoded.indexOf(":");
  if (i < 0) return null;
  return { user: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

export function bearer(header) {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? "");
  return m ? m[1].trim() : null;
}

/** What the bytes really are, from their magic numbers. */
export function sniff(buf) {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return "image/jpeg";
  if (buf.length >= 8 && buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "image/png";
  if (buf.length >= 4 && (buf.subarray(0, 4).equals(Buffer.from("II*\0", "latin1")) || buf.subarray(0, 4).equals(Buffer.from("MM\0*", "latin1")))) return "image/tiff";
  if (buf.length >= 5 && buf.subarray(0, 5).toString("latin1") === "%PDF-") return "application/pdf";
  return null;
}

/** Width/height from a JPEG's SOFn marker (baseline, progressive, …); null if none is found. */
export function jpegSize(buf) {
  if (sniff(buf) !== "image/jpeg") return null;
  let i = 2;
  while (i + 4 <= buf.length) {
    if (buf[i] !== 0xff) return null;
    const marker = buf[i + 1];
    if (marker === 0xff) {
      i += 1;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    const len = buf.readUInt16BE(i + 2);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof && i + 9 <= buf.length) {
      return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7), progressive: marker === 0xc2 };
    }
    if (marker === 0xda) return null;
    i += 2 + len;
  }
  return null;
}

export const b64 = (s) => Buffer.from(String(s ?? ""), "base64");

/** A sliding window of event times, for "N in any T ms" rules. */
export function slidingWindow(ms) {
  let times = [];
  return {
    add(t = Date.now()) {
      times.push(t);
      times = times.filter((x) => x > t - ms);
      return times.length;
    },
    count(t = Date.now()) {
      times = times.filter((x) => x > t - ms);
      return times.length;
    },
    oldest: () => times[0],
    clear() {
      times = [];
    },
  };
}
