import { describe, expect, it } from "vitest";
import { PodPdfError } from "./errors";
import { Lexer, ascii, indexOfBytes, isBoundary, isWhite, lastIndexOfBytes, matchAt, parseIndirect, type Token } from "./lexer";
import { PdfDict, PdfName, PdfRef, PdfString, type PdfObj } from "./objects";

const text = (b: Uint8Array) => new TextDecoder("latin1").decode(b);

function tokens(src: string): Token[] {
  const lx = new Lexer(ascii(src));
  const out: Token[] = [];
  for (let t = lx.next(); t.k !== "eof"; t = lx.next()) out.push(t);
  return out;
}

const value = (src: string): PdfObj => new Lexer(ascii(src)).parseValue();

function failure(fn: () => unknown): PodPdfError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PodPdfError);
    return e as PodPdfError;
  }
  throw new Error("expected a PodPdfError");
}

describe("Lexer.next", () => {
  it("reads numbers, names, keywords and delimiters, skipping whitespace and comments", () => {
    expect(tokens("12 -3.5 +7 .25 /Type /A#20B true obj % a comment\r\n[ ] << >> { }")).toEqual([
      { k: "num", v: 12, int: true },
      { k: "num", v: -3.5, int: false },
      { k: "num", v: 7, int: true },
      { k: "num", v: 0.25, int: false },
      { k: "name", v: "Type" },
      { k: "name", v: "A B" },
      { k: "kw", v: "true" },
      { k: "kw", v: "obj" },
      { k: "[" }, { k: "]" }, { k: "<<" }, { k: ">>" }, { k: "{" }, { k: "}" },
    ]);
  });

  it("keeps a decimal that happens to be whole as a non-integer", () => {
    expect(tokens("1.0")).toEqual([{ k: "num", v: 1, int: false }]);
  });

  it("reads malformed numbers the way PDF readers do: the leading number, or 0", () => {
    expect(tokens("0.0.1")).toEqual([{ k: "num", v: 0, int: false }]);
    expect(tokens("--5")).toEqual([{ k: "num", v: 0, int: false }]);
    expect(tokens("12abc")).toEqual([{ k: "num", v: 12, int: false }]);
  });

  it("ends a name, number or keyword at the next delimiter", () => {
    expect(tokens("/A/B[1]null")).toEqual([
      { k: "name", v: "A" }, { k: "name", v: "B" }, { k: "[" }, { k: "num", v: 1, int: true }, { k: "]" }, { k: "kw", v: "null" },
    ]);
  });

  it("keeps strings as raw views: balanced and escaped parentheses, hex strings", () => {
    const buf = ascii("(a (nested) \\) string) <48656C6C6F> rest");
    const lx = new Lexer(buf);
    const a = lx.next();
    const b = lx.next();
    expect(a.k === "str" && text(a.raw)).toBe("(a (nested) \\) string)");
    expect(b.k === "str" && text(b.raw)).toBe("<48656C6C6F>");
    // A view into the input, not a copy.
    expect(a.k === "str" && a.raw.buffer).toBe(buf.buffer);
    expect(lx.next()).toEqual({ k: "kw", v: "rest" });
  });

  it("says where the data is damaged", () => {
    expect(failure(() => tokens("(never closed")).message).toBe("the PDF is damaged: a string that never ends at byte 0");
    expect(failure(() => tokens("  <414243")).message).toBe("the PDF is damaged: a hex string that never ends at byte 2");
    expect(failure(() => tokens("1 > 2")).message).toMatch(/a stray '>'/);
    expect(failure(() => tokens(")")).message).toMatch(/a stray '\)'/);
  });

  it("returns eof at the end, and keeps returning it", () => {
    const lx = new Lexer(ascii("  % only a comment"));
    expect(lx.next()).toEqual({ k: "eof" });
    expect(lx.next()).toEqual({ k: "eof" });
  });
});

describe("Lexer.parseValue", () => {
  it("folds `N G R` into a reference, and leaves other integer pairs alone", () => {
    expect(value("12 0 R")).toEqual(new PdfRef(12, 0));
    const arr = value("[1 2 3 0 R 4]") as PdfObj[];
    expect(arr).toEqual([1, 2, new PdfRef(3, 0), 4]);
    expect(value("[1 2]")).toEqual([1, 2]);
    // Negative or fractional numbers are never object numbers.
    expect(value("1.5 0 R")).toBe(1.5);
    expect(failure(() => value("[-1 0 R]")).message).toMatch(/an unexpected 'R'/);
  });

  it("builds dictionaries, nested, with null for a key whose value is missing", () => {
    const d = value("<< /Type /Page /Kids [4 0 R 5 0 R] /Box [0 0 612.5 792] /Res << /X null >> /Ok true /Empty >>");
    expect(d).toBeInstanceOf(PdfDict);
    const dict = d as PdfDict;
    expect(dict.get("Type")).toEqual(new PdfName("Page"));
    expect(dict.get("Kids")).toEqual([new PdfRef(4, 0), new PdfRef(5, 0)]);
    expect(dict.get("Box")).toEqual([0, 0, 612.5, 792]);
    expect((dict.get("Res") as PdfDict).entries.has("X")).toBe(true);
    expect((dict.get("Res") as PdfDict).get("X")).toBeNull();
    expect(dict.get("Ok")).toBe(true);
    expect(dict.entries.has("Empty")).toBe(true);
    expect(dict.get("Empty")).toBeNull();
  });

  it("reads strings as PdfString over the raw token", () => {
    const s = value("(Hello)");
    expect(s).toBeInstanceOf(PdfString);
    expect(text((s as PdfString).raw)).toBe("(Hello)");
  });

  it("skips a stray token inside a dictionary, as lenient readers do", () => {
    const d = value("<< /A 1 garbage /B 2 >>") as PdfDict;
    expect([...d.entries.keys()]).toEqual(["A", "B"]);
    expect(d.get("B")).toBe(2);
  });

  it("refuses structures that never end, or end in the wrong place", () => {
    expect(failure(() => value("[1 2 3")).message).toMatch(/an array that never ends/);
    expect(failure(() => value("<< /A 1")).message).toMatch(/a dictionary that never ends/);
    expect(failure(() => value("<< /A 1 endobj")).message).toMatch(/a dictionary that never ends/);
    expect(failure(() => value("")).message).toMatch(/the end of the data where a value was expected/);
    expect(failure(() => value("]")).message).toMatch(/an unexpected ']'/);
  });

  it("names an unexpected keyword without echoing binary garbage", () => {
    const msg = failure(() => value("endobj")).message;
    expect(msg).toBe("the PDF is damaged: an unexpected 'endobj' at byte 6");
    const bin = new Uint8Array([0x80, 0x81, 0xfe, 0x41]);
    expect(failure(() => new Lexer(bin).parseValue()).message).toMatch(/an unexpected '\?\?\?A'/);
  });

  it("refuses nesting deeper than a photo PDF ever has, instead of overflowing the stack", () => {
    expect(value("[".repeat(60) + "]".repeat(60))).toBeInstanceOf(Array);
    expect(failure(() => value("[".repeat(100_000))).message).toMatch(/objects nested too deeply/);
    expect(failure(() => value("<< /A ".repeat(1000))).message).toMatch(/objects nested too deeply/);
  });
});

describe("parseIndirect", () => {
  it("reads an object header and its value", () => {
    const buf = ascii("junk 7 0 obj << /Type /Catalog /Pages 2 0 R >> endobj");
    const h = parseIndirect(buf, 5);
    expect(h.num).toBe(7);
    expect(h.gen).toBe(0);
    expect((h.value as PdfDict).get("Pages")).toEqual(new PdfRef(2, 0));
    expect(h.streamStart).toBeUndefined();
  });

  it("finds where stream data starts, after CRLF, LF or a lone CR", () => {
    for (const eol of ["\r\n", "\n", "\r"]) {
      const src = `3 0 obj << /Length 4 >> stream${eol}DATAendstream endobj`;
      const h = parseIndirect(ascii(src), 0);
      expect(h.streamStart, JSON.stringify(eol)).toBe(src.indexOf("DATA"));
    }
  });

  it("refuses a position where there is no object", () => {
    expect(failure(() => parseIndirect(ascii("xref 0 1"), 0)).message).toMatch(/no object where the cross-reference table points/);
    expect(failure(() => parseIndirect(ascii("7 0 R"), 0)).message).toMatch(/no object where/);
    expect(failure(() => parseIndirect(ascii("7.5 0 obj 1 endobj"), 0)).message).toMatch(/no object where/);
  });
});

describe("byte helpers", () => {
  const buf = ascii("startxref 10 %%EOF startxref 99 %%EOF");

  it("classifies whitespace and boundaries as PDF does", () => {
    for (const c of [0, 9, 10, 12, 13, 32]) expect(isWhite(c), String(c)).toBe(true);
    expect(isWhite(0x41)).toBe(false);
    expect(isWhite(undefined)).toBe(false);
    for (const c of "()<>[]{}/% \n") expect(isBoundary(c.charCodeAt(0)), c).toBe(true);
    expect(isBoundary(undefined)).toBe(true);
    expect(isBoundary(0x41)).toBe(false);
  });

  it("matches, finds and finds backwards, within bounds", () => {
    const needle = ascii("startxref");
    expect(matchAt(buf, 0, needle)).toBe(true);
    expect(matchAt(buf, 1, needle)).toBe(false);
    expect(matchAt(buf, -1, needle)).toBe(false);
    expect(matchAt(buf, buf.length - 3, needle)).toBe(false);
    expect(indexOfBytes(buf, needle)).toBe(0);
    expect(indexOfBytes(buf, needle, 1)).toBe(19);
    expect(indexOfBytes(buf, needle, 1, 27)).toBe(-1);
    expect(indexOfBytes(buf, ascii("nothere"))).toBe(-1);
    expect(lastIndexOfBytes(buf, needle, buf.length)).toBe(19);
    expect(lastIndexOfBytes(buf, needle, 18)).toBe(0);
    expect(lastIndexOfBytes(buf, needle, buf.length, 1)).toBe(19);
    expect(lastIndexOfBytes(buf, needle, 18, 1)).toBe(-1);
  });
});
