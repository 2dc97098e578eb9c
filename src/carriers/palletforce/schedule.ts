// Which open consignments a tracking pass polls (palletforce.md: every open consignment is
// followed, but PALLETFORCE_RATE_PER_MINUTE caps the calls and a depot has thousands open).
// Pure, so the bench (bench/palletforce-polling.bench.mjs) drives it with its own clock.
//
// How the budget is spent:
//  - A pass (every 30 minutes) may spend TRACKING_SHARE of the 30 minutes' calls on tracking;
//    the rest is left for bookings (the dispatch door's 20-second answer), import pages and our
//    scans, which share the one limiter.
//  - Each consignment has a wanted interval between polls, from when its events are due:
//      due today or overdue (expected delivery date ≤ today)           → every pass (30 min)
//      due tomorrow, or any consignment with an event in the last 6 h   → 60 min
//      later or unknown date                                            → 120 min
//      not due for 2+ days and silent for 48 h                          → 240 min
//    A consignment never polled is due at once (a fresh booking or import).
//  - Its urgency is the time since its last poll divided by that interval. The pass first takes
//    the due-today consignments whose 30 minutes are up (at most DUE_SHARE of the budget), then
//    the most urgent of everything else (ties: the earlier delivery date, then the longer wait)
//    down to an urgency of 1/2 while budget remains. Urgency keeps growing while a consignment
//    waits and a fifth of the budget is always left to the rest, so when the budget is short
//    every consignment is still polled in the end: the longest wait is bounded, never starved
//    by due-today work.

export const PASS_MS = 30 * 60_000;
export const TRACKING_SHARE = 0.75;
const MIN_URGENCY = 0.5;
/** At most this share of a pass goes to due-today consignments before the rest are considered. */
export const DUE_SHARE = 0.8;

export interface OpenConsignment {
  reference: string;
  /** Expected delivery date (YYYY-MM-DD), when known. */
  dueDate: string | null;
  lastEventAt: number | null;
  lastPolledAt: number | null;
}

/** Calls a pass may spend on tracking. */
export function trackingBudget(ratePerMinute: number, passMs = PASS_MS): number {
  return Math.max(1, Math.floor(ratePerMinute * (passMs / 60_000) * TRACKING_SHARE));
}

const DAY_MS = 24 * 3_600_000;

function dayNumber(date: string | null): number | null {
  if (!date) return null;
  const ms = Date.parse(`${date.slice(0, 10)}T00:00:00Z`);
  return Number.isFinite(ms) ? Math.floor(ms / DAY_MS) : null;
}

/** The wanted time between two polls of this consignment. */
export function wantedInterval(c: OpenConsignment, now: number): number {
  const today = Math.floor(now / DAY_MS);
  const due = dayNumber(c.dueDate);
  const sinceEvent = c.lastEventAt === null ? Infinity : now - c.lastEventAt;
  if (due !== null && due <= today) return PASS_MS;
  if ((due !== null && due === today + 1) || sinceEvent < 6 * 3_600_000) return 2 * PASS_MS;
  if ((due === null || due >= today + 2) && sinceEvent >= 48 * 3_600_000 && c.lastPolledAt !== null) return 8 * PASS_MS;
  return 4 * PASS_MS;
}

/** How overdue its next poll is: 1 = exactly on time. A never-polled consignment is the most urgent. */
export function urgency(c: OpenConsignment, now: number): number {
  if (c.lastPolledAt === null) return Number.MAX_SAFE_INTEGER;
  // A little slack: a pass that runs a minute early still counts a 30-minute wait as due.
  return (now - c.lastPolledAt + 60_000) / wantedInterval(c, now);
}

/** The references to poll this pass, most urgent first, at most `budget`. */
export function choosePolls(open: readonly OpenConsignment[], now: number, budget: number): string[] {
  const today = Math.floor(now / DAY_MS);
  const scored = open
    .map((c) => {
      const due = dayNumber(c.dueDate) ?? Number.MAX_SAFE_INTEGER;
      return { c, u: urgency(c, now), due, today: due <= today };
    })
    .filter((x) => x.u >= MIN_URGENCY);
  const order = (a: (typeof scored)[number], b: (typeof scored)[number]) => b.u - a.u || a.due - b.due || (a.c.lastPolledAt ?? 0) - (b.c.lastPolledAt ?? 0);
  // Due today first, up to DUE_SHARE of the budget: their events are the ones planners wait for.
  const dueNow = scored.filter((x) => x.today && x.u >= 1).sort(order).slice(0, Math.floor(budget * DUE_SHARE));
  const taken = new Set(dueNow.map((x) => x.c.reference));
  // The rest by urgency: a consignment that keeps losing grows more urgent, so none starves.
  const rest = scored.filter((x) => !taken.has(x.c.reference)).sort(order).slice(0, budget - dueNow.length);
  return [...dueNow, ...rest].map((x) => x.c.reference);
}

/** Naive round-robin, for comparison in the bench: the least recently polled first. */
export function roundRobin(open: readonly OpenConsignment[], budget: number): string[] {
  return [...open].sort((a, b) => (a.lastPolledAt ?? -1) - (b.lastPolledAt ?? -1)).slice(0, budget).map((c) => c.reference);
}
