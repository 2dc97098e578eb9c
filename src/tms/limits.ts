import type { Limit } from "../lib/limiter";

// Qargo: 2 calls a second sustained (3 in a burst). The margin absorbs network jitter between
// our clock and theirs, so two calls a window apart here never land inside one window there.
export function tmsLimit(ratePerSecond: number): Limit {
  return { name: "tms", limit: ratePerSecond, windowMs: 1_050 };
}
