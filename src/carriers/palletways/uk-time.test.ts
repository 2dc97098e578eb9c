import { describe, expect, it } from "vitest";
import { ukLocalToEpochMs } from "./uk-time";

// PodDate/PodTime are UK wall-clock time. In 2026 BST runs from Sunday 29 March 01:00 UTC
// (01:00 GMT becomes 02:00 BST) to Sunday 25 October 01:00 UTC (02:00 BST becomes 01:00 GMT).

const utc = (iso: string) => Date.parse(iso);

describe("ukLocalToEpochMs", () => {
  it("reads winter times as GMT", () => {
    expect(ukLocalToEpochMs("2026-01-15", "09:30")).toBe(utc("2026-01-15T09:30:00Z"));
    expect(ukLocalToEpochMs("2026-12-31", "23:59:59")).toBe(utc("2026-12-31T23:59:59Z"));
  });

  it("reads summer times as BST, an hour ahead of UTC", () => {
    expect(ukLocalToEpochMs("2026-07-01", "14:00")).toBe(utc("2026-07-01T13:00:00Z"));
    // Just after midnight in summer is the previous day in UTC.
    expect(ukLocalToEpochMs("2026-07-01", "00:30")).toBe(utc("2026-06-30T23:30:00Z"));
  });

  it("changes over on the spring day", () => {
    expect(ukLocalToEpochMs("2026-03-28", "23:30")).toBe(utc("2026-03-28T23:30:00Z"));
    expect(ukLocalToEpochMs("2026-03-29", "00:30")).toBe(utc("2026-03-29T00:30:00Z"));
    expect(ukLocalToEpochMs("2026-03-29", "02:00")).toBe(utc("2026-03-29T01:00:00Z"));
    expect(ukLocalToEpochMs("2026-03-29", "14:15")).toBe(utc("2026-03-29T13:15:00Z"));
    // 01:30 never happens on the clock that day; either neighbouring reading will do.
    expect([utc("2026-03-29T00:30:00Z"), utc("2026-03-29T01:30:00Z")]).toContain(ukLocalToEpochMs("2026-03-29", "01:30"));
  });

  it("changes back on the autumn day", () => {
    expect(ukLocalToEpochMs("2026-10-24", "23:30")).toBe(utc("2026-10-24T22:30:00Z"));
    expect(ukLocalToEpochMs("2026-10-25", "00:30")).toBe(utc("2026-10-24T23:30:00Z"));
    expect(ukLocalToEpochMs("2026-10-25", "02:00")).toBe(utc("2026-10-25T02:00:00Z"));
    expect(ukLocalToEpochMs("2026-10-25", "14:15")).toBe(utc("2026-10-25T14:15:00Z"));
    // 01:30 happens twice that day (BST, then GMT); either reading will do.
    expect([utc("2026-10-25T00:30:00Z"), utc("2026-10-25T01:30:00Z")]).toContain(ukLocalToEpochMs("2026-10-25", "01:30"));
  });

  it("accepts a one-digit hour, seconds, and spaces around either part", () => {
    expect(ukLocalToEpochMs(" 2026-01-15 ", " 9:05 ")).toBe(utc("2026-01-15T09:05:00Z"));
    expect(ukLocalToEpochMs("2026-08-03", "16:42:07")).toBe(utc("2026-08-03T15:42:07Z"));
  });

  it("gives null for anything that is not a real date and time", () => {
    const bad: [string, string][] = [
      ["", "09:30"], ["2026-01-15", ""], ["15/01/2026", "09:30"], ["2026-1-15", "09:30"], ["2026-01-15", "9.30"],
      ["2026-01-15", "09:30 PM"], ["2026-01-15T09:30", "09:30"], ["2026-02-30", "09:30"], ["2026-13-01", "09:30"],
      ["2026-01-15", "24:00"], ["2026-01-15", "09:60"], ["2026-01-15", "09:30:60"], ["2026-00-10", "09:30"],
    ];
    for (const [d, t] of bad) expect(ukLocalToEpochMs(d, t), `${d} ${t}`).toBeNull();
  });
});
