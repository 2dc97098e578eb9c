import type { Limit } from "../engine";

// Qargo: 2 calls a second sustained (3 in a burst). The window is 250 ms longer than a second
// and a call must start within 200 ms of its slot, so late callers and jitter cannot push two
// windows' worth of calls into one of theirs.
export function tmsLimit(ratePerSecond: number): Limit {
  return { name: "tms", limit: ratePerSecond, windowMs: 1_250, graceMs: 200 };
}
