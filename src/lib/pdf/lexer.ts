// A PDF tokenizer and object parser over a byte array. It never copies: strings and stream data
// are views into the buffer it reads. Every loop advances the position, so damaged input ends in
// an error, never in a hang.
import { PodPdfError } from "./errors";
import { PdfDict, PdfName, PdfRef, PdfString, type PdfObj } from "./objects";

const WS = new Uint8Array(256);
for (const c of [0, 9, 10, 12, 13, 32]) WS[c] = 1;
const DELIM = new Uint8Array(256);
for (const c of "()<>[]{}/%") DELIM[c.charCodeAt(0)] = 1;

export function isWhite(c: number | undefined): boolean {
  return c !== undefined && WS[c] === 1;
}
/** Whitespace, a delimiter, or the end of input: what may follow a keyword. */
export function isBoundary(c: number | undefined): boolean {
  return c === undefined || WS[c] === 1 || DELIM[c] === 1;
}

export type Token =
  | { k: "num"; v: number; int: boolean }
  | { k: "name"; v: string }
  | { k: "str"; raw: Uint8Array }
  | { k: "kw"; v: string }
  | { k: "[" | "]" | "<<" | ">>" | "{" | "}" }
  | { k: "eof" };

/** Nesting deeper than this is not a photo PDF but an attack or garbage. */
const MAX_DEPTH = 64;

export class Lexer {
  constructor(readonly buf: Uint8Array, public pos = 0) {}

  skipWhitespace(): void {
    const b = this.buf;
    let p = this.pos;
    while (p < b.length) {
      const c = b[p]!;
      if (WS[c] === 1) p++;
      else if (c === 0x25 /* % */) {
        while (p < b.length && b[p] !== 0x0a && b[p] !== 0x0d) p++;
      } else break;
    }
    this.pos = p;
  }

  next(): Token {
    this.skipWhitespace();
    const b = this.buf;
    const start = this.pos;
    if (start >= b.length) return { k: "eof" };
    const c = b[start]!;
    switch (c) {
      case 0x5b: this.pos++; return { k: "[" };
      case 0x5d: this.pos++; return { k: "]" };
      case 0x7b: this.pos++; return { k: "{" };
      case 0x7d: this.pos++; return { k: "}" };
      case 0x3c: // <
        if (b[start + 1] === 0x3c) { this.pos += 2; return { k: "<<" }; }
        return this.hexString();
      case 0x3e: // >
        if (b[start + 1] === 0x3e) { this.pos += 2; return { k: ">>" }; }
        throw this.fail("a stray '>'");
      case 0x28: return this.literalString();
      case 0x2f: return this.name();
      case 0x29: throw this.fail("a stray ')'");
    }
    let p = start;
    while (p < b.length && !isBoundary(b[p])) p++;
    this.pos = p;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
      let text = "";
      for (let i = start; i < p; i++) text += String.fromCharCode(b[i]!);
      const v = Number(text);
      if (Number.isFinite(v)) return { k: "num", v, int: Number.isInteger(v) && !text.includes(".") };
      // Writers emit things like "--5" or "0.0.1"; PDF readers take the leading number.
      const lenient = parseFloat(text);
      return { k: "num", v: Number.isFinite(lenient) ? lenient : 0, int: false };
    }
    let kw = "";
    for (let i = start; i < p; i++) kw += String.fromCharCode(b[i]!);
    return { k: "kw", v: kw };
  }

  private literalString(): Token {
    const b = this.buf;
    const start = this.pos;
    let depth = 0;
    let p = start;
    while (p < b.length) {
      const c = b[p]!;
      if (c === 0x5c) p += 2;
      else {
        if (c === 0x28) depth++;
        else if (c === 0x29 && --depth === 0) {
          this.pos = p + 1;
          return { k: "str", raw: b.subarray(start, p + 1) };
        }
        p++;
      }
    }
    throw this.fail("a string that never ends");
  }

  private hexString(): Token {
    const b = this.buf;
    const start = this.pos;
    const end = b.indexOf(0x3e, start + 1);
    if (end < 0) throw this.fail("a hex string that never ends");
    this.pos = end + 1;
    return { k: "str", raw: b.subarray(start, end + 1) };
  }

  private name(): Token {
    const b = this.buf;
    let p = this.pos + 1;
    let v = "";
    while (p < b.length && !isBoundary(b[p])) {
      const c = b[p]!;
      if (c === 0x23 /* # */ && p + 2 < b.length) {
        const code = parseInt(String.fromCharCode(b[p + 1]!, b[p + 2]!), 16);
        if (Number.isFinite(code)) { v += String.fromCharCode(code); p += 3; continue; }
      }
      v += String.fromCharCode(c);
      p++;
    }
    this.pos = p;
    return { k: "name", v };
  }

  /** A complete value (with `N G R` references folded in). */
  parseValue(depth = 0): PdfObj {
    if (depth > MAX_DEPTH) throw this.fail("objects nested too deeply");
    const t = this.next();
    switch (t.k) {
      case "num": {
        if (t.int && t.v >= 0) {
          const save = this.pos;
          const g = this.next();
          if (g.k === "num" && g.int && g.v >= 0) {
            const r = this.next();
            if (r.k === "kw" && r.v === "R") return new PdfRef(t.v, g.v);
          }
          this.pos = save;
        }
        return t.v;
      }
      case "name": return new PdfName(t.v);
      case "str": return new PdfString(t.raw);
      case "[": {
        const arr: PdfObj[] = [];
        for (;;) {
          this.skipWhitespace();
          if (this.buf[this.pos] === 0x5d) { this.pos++; return arr; }
          if (this.pos >= this.buf.length) throw this.fail("an array that never ends");
          arr.push(this.parseValue(depth + 1));
        }
      }
      case "<<": {
        const dict = new PdfDict();
        for (;;) {
          const k = this.next();
          if (k.k === ">>") return dict;
          if (k.k === "eof") throw this.fail("a dictionary that never ends");
          if (k.k !== "name") {
            // A stray token inside a dictionary: skip it as lenient readers do.
            if (k.k === "kw" && (k.v === "endobj" || k.v === "stream")) throw this.fail("a dictionary that never ends");
            continue;
          }
          this.skipWhitespace();
          const c = this.buf[this.pos];
          if (c === 0x3e && this.buf[this.pos + 1] === 0x3e) { dict.entries.set(k.v, null); continue; }
          dict.entries.set(k.v, this.parseValue(depth + 1));
        }
      }
      case "kw":
        if (t.v === "true") return true;
        if (t.v === "false") return false;
        if (t.v === "null") return null;
        throw this.fail(`an unexpected '${t.v.slice(0, 20).replace(/[^\x20-\x7e]/g, "?")}'`);
      case "eof": throw this.fail("the end of the data where a value was expected");
      default: throw this.fail(`an unexpected '${t.k}'`);
    }
  }

  fail(what: string): PodPdfError {
    return new PodPdfError(`the PDF is damaged: ${what} at byte ${this.pos}`);
  }
}

interface IndirectHeader {
  num: number;
  gen: number;
  value: PdfObj;
  /** Where stream data begins, when the object is a stream. */
  streamStart?: number;
}

/** Parses `N G obj <value> [stream]` at `pos`; throws when there is no object header there. */
export function parseIndirect(buf: Uint8Array, pos: number): IndirectHeader {
  const lx = new Lexer(buf, pos);
  const n = lx.next();
  const g = lx.next();
  const o = lx.next();
  if (n.k !== "num" || !n.int || g.k !== "num" || !g.int || o.k !== "kw" || o.v !== "obj") {
    throw lx.fail("no object where the cross-reference table points");
  }
  const value = lx.parseValue();
  lx.skipWhitespace();
  const p = lx.pos;
  if (value instanceof PdfDict && matchAt(buf, p, STREAM)) {
    let s = p + STREAM.length;
    // The keyword ends with CRLF or LF; a lone CR is wrong but common enough to accept.
    if (buf[s] === 0x0d) s += buf[s + 1] === 0x0a ? 2 : 1;
    else if (buf[s] === 0x0a) s += 1;
    return { num: n.v, gen: g.v, value, streamStart: s };
  }
  return { num: n.v, gen: g.v, value };
}

const STREAM = ascii("stream");
export const ENDSTREAM = ascii("endstream");

export function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function matchAt(buf: Uint8Array, pos: number, needle: Uint8Array): boolean {
  if (pos < 0 || pos + needle.length > buf.length) return false;
  for (let i = 0; i < needle.length; i++) if (buf[pos + i] !== needle[i]) return false;
  return true;
}

export function indexOfBytes(buf: Uint8Array, needle: Uint8Array, from = 0, to = buf.length): number {
  const first = needle[0]!;
  const last = to - needle.length;
  let p = from;
  while (p <= last) {
    p = buf.indexOf(first, p);
    if (p < 0 || p > last) return -1;
    if (matchAt(buf, p, needle)) return p;
    p++;
  }
  return -1;
}

export function lastIndexOfBytes(buf: Uint8Array, needle: Uint8Array, from: number, downTo = 0): number {
  for (let p = Math.min(from, buf.length - needle.length); p >= downTo; p--) {
    if (buf[p] === needle[0] && matchAt(buf, p, needle)) return p;
  }
  return -1;
}
