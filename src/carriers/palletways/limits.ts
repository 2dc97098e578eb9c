import type { Limit } from "../../lib/limiter";

// Palletways bans a key for 15 minutes above 100 calls in any 60 s. Our ceiling
// (PALLETWAYS_RATE_PER_MINUTE, 90 by default) is counted over a slightly longer window so clock
// skew between us and them can never squeeze 91 calls into their 60 s.
export function palletwaysLimit(ratePerMinute: number): Limit {
  return { name: "palletways", limit: ratePerMinute, windowMs: 61_000 };
}
