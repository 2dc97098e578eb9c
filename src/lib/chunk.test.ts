import { describe, expect, it } from "vitest";
import { chunk, D1_MAX_PARAMS, insertChunks } from "./chunk";

describe("chunk", () => {
  it("cuts a list into runs of the given size, the last one shorter", () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 3)).toEqual([]);
  });

  it("refuses a size below one instead of looping forever", () => {
    expect(() => chunk([1], 0)).toThrow(RangeError);
  });
});

describe("insertChunks", () => {
  it("keeps every statement within D1's bound parameters", () => {
    const rows = Array.from({ length: 95 }, (_, i) => ({ a: i, b: i, c: i, d: i, e: i, f: i, g: i }));
    const parts = insertChunks(rows);
    expect(parts.flat()).toEqual(rows);
    for (const p of parts) expect(p.length * 7).toBeLessThanOrEqual(D1_MAX_PARAMS);
    expect(parts[0]!.length).toBe(14);
  });
});
