import type { Limit } from "../../engine";

// Palletways bans a key for 15 minutes above 100 calls in any 60 s. Our ceiling
// (PALLETWAYS_RATE_PER_MINUTE, 90 by default) is counted over a window 2 s longer than theirs,
// and a call must start within 1 s of its slot, so neither late callers nor network jitter can
// squeeze more than the ceiling into any 60 s they count.
export function palletwaysLimit(ratePerMinute: number): Limit {
  return { name: "palletways", limit: ratePerMinute, windowMs: 62_000, graceMs: 1_000 };
}
