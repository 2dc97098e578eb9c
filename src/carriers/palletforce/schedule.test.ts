import { describe, expect, it } from "vitest";
import { choosePolls, PASS_MS, trackingBudget, wantedInterval } from "./schedule";

const now = Date.UTC(2026, 11, 4, 12, 0);
const c = (reference: string, dueDate: string | null, polledAgoMin: number | null, eventAgoH: number | null = null) => ({
  reference,
  dueDate,
  lastPolledAt: polledAgoMin === null ? null : now - polledAgoMin * 60_000,
  lastEventAt: eventAgoH === null ? null : now - eventAgoH * 3_600_000,
});

describe("Palletforce polling schedule", () => {
  it("spends three quarters of a pass's calls on tracking", () => {
    expect(trackingBudget(60)).toBe(1350);
  });

  it("polls due-today work every pass, and later work less often", () => {
    expect(wantedInterval(c("a", "2026-12-04", 30), now)).toBe(PASS_MS);
    expect(wantedInterval(c("b", "2026-12-05", 30), now)).toBe(2 * PASS_MS);
    expect(wantedInterval(c("c", "2026-12-09", 30, 72), now)).toBe(8 * PASS_MS);
  });

  it("takes the never-polled and the due today first, within the budget, and lets no one starve", () => {
    const open = [c("late", "2026-12-09", 600, 72), c("today", "2026-12-04", 30), c("fresh", null, null), c("tomorrow", "2026-12-05", 20)];
    expect(choosePolls(open, now, 2).sort()).toEqual(["fresh", "today"]);
    // Ten hours unpolled outweighs a due-today consignment polled half an hour ago once the due share is spent.
    expect(choosePolls(open, now, 3).sort()).toEqual(["fresh", "late", "today"]);
    expect(choosePolls(open, now, 10)).not.toContain("tomorrow");
  });
});
