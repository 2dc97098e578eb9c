import type { Limit } from "../engine";

// Qargo: "2 requests per second (sustained); up to 3 per second (bursts)", enforced over sliding
// windows (per second, per 10 minutes, per hour: the API reference's "Rate Limits"). Two
// readings of that must both hold, for r = TMS_RATE_PER_SECOND and Qargo's burst B = 1.5·r:
//  (a) no sliding second holds more than B calls (the documented enforcement);
//  (b) a token bucket of B refilled at r a second never runs dry (the simulator's model):
//      n calls arriving within Δ s of each other need n ≤ B + r·Δ.
// A call reaches Qargo at most J after its slot: the 200 ms grace (a caller later than that
// takes a new slot, ../engine/limiter.ts) plus whatever the network adds unevenly.
//
// Slots: at most r in any 1,000 ms and at most B in any 1,500 ms. Then
//  (a) a sliding second's calls had their slots within 1 s + J < 1.5 s while J < 500 ms: ≤ B;
//  (b) calls arriving within Δ had slots within Δ + J, at most r·(⌊Δ + J⌋ + 1) of them; the
//      worst case, Δ + J reaching a whole second m ≥ 1, needs r·(m + 1) ≤ B + r·(m − J), i.e.
//      J ≤ (B − r) / r = 500 ms.
// So the burst's spare token covers the grace and 300 ms of uneven network delay, and the
// sustained rate is r itself: nothing faster can exist (the bucket refills at r). Either window
// alone fails one reading: r per second lets a late pair share a second with the next on-time
// pair (4 > 3 in that second); B per 1.5 s lets 3 go at once and, 1.5 s later, 3 more that
// find the bucket short of a token. The 10-minute and hourly windows are not published; at r a
// second they see the sustained rate plus one burst at most.
//
// The window used to be r per 1,250 ms: 80 % of the rate, so 1,000 imports took 1.25× the
// partner's own minimum at best. A TMS_RATE_PER_SECOND above Qargo's 2 is a misconfiguration
// no window can save.
export function tmsLimit(ratePerSecond: number): Limit {
  return { name: "tms", limit: ratePerSecond, windowMs: 1_000, graceMs: 200, burst: { limit: Math.ceil(ratePerSecond * 1.5), windowMs: 1_500 } };
}
