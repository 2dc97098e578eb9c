// Seeded fault injection for the simulators (the soak, and tests that need one exact fault).
// Each simulator draws from its own PRNG stream (seed + simulator name), so the same seed gives
// the same sequence of faults for the same sequence of calls to that partner.

/** mulberry32: small, fast, good enough to pick faults; same seed, same numbers. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hashSeed(seed, name) {
  let h = 2166136261 ^ (seed >>> 0);
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

/**
 * HTTP fault kinds. `before`: the partner never sees the request. `after`: the partner handles
 * (stores) it and then the answer is lost or replaced: the unclear outcomes of contract rule 8.
 */
export const HTTP_FAULTS = {
  "5xx": { phase: "before", status: 503 },
  "429": { phase: "before", status: 429 },
  "5xx-after-store": { phase: "after", status: 500 },
  "reset-after-store": { phase: "after", status: 0 },
  timeout: { phase: "after", status: 0, hold: true },
  // A real timeout: held past the connector's own 60 s timeout, then stored after all.
  "timeout-then-commit": { phase: "late", status: 0, hold: true, holdMs: 62_000 },
};
export const FTP_FAULTS = ["drop-after-stor", "drop-after-rnto"];

/**
 * A fault plan for one simulator: `rate` is the chance that an eligible call gets a fault,
 * `kinds` which ones (dealt from a shuffled deck: equal shares), `eligible(method, path)` which calls may be hit.
 */
export function createFaultPlan(name) {
  let cfg = null;
  let rand = null;
  let deck = [];
  let dealt = 0;
  const counts = {};
  const log = [];
  return {
    name,
    configure(next) {
      if (!next || next.rate === 0 || next.off) {
        cfg = null;
        return this.state();
      }
      cfg = {
        seed: Number(next.seed ?? 1),
        rate: Number(next.rate ?? 0.05),
        // Per-kind rates where one kind's calls are rarer than another's (FTP: RNTO follows only a good STOR).
        rates: next.rates ?? {},
        kinds: next.kinds ?? Object.keys(HTTP_FAULTS),
        holdMs: Number(next.holdMs ?? 2_000),
        retryAfterS: Number(next.retryAfterS ?? 2),
        exclude: (next.exclude ?? []).map((r) => new RegExp(r)),
        include: next.include ? next.include.map((r) => new RegExp(r)) : null,
        // Calls whose answer must not be lost after the partner acted (a destructive read: a
        // lost answer loses data at the partner, which no connector can recover).
        afterExclude: (next.afterExclude ?? []).map((r) => new RegExp(r)),
      };
      rand = prng(hashSeed(cfg.seed, name));
      deck = [];
      dealt = 0;
      return this.state();
    },
    /** Called for each partner call; null = no fault. Draws twice per call whatever happens. */
    decide(method, path) {
      if (!cfg) return null;
      if (cfg.include && !cfg.include.some((r) => r.test(path))) return null;
      if (cfg.exclude.some((r) => r.test(path))) return null;
      const hit = rand() < cfg.rate;
      const which = rand();
      if (!hit) return null;
      // Kinds are dealt from a shuffled deck, so every kind comes up within each len(kinds)
      // faults (the soak requires a minimum of each): seeded, like the rest.
      if (deck.length === 0) deck = cfg.kinds.map((k, i) => [prng(hashSeed(cfg.seed, `${name}:${dealt}:${i}`))(), k]).sort((a, b) => a[0] - b[0]).map(([, k]) => k);
      dealt++;
      void which;
      const kind = deck.pop();
      if (["after", "late"].includes(HTTP_FAULTS[kind]?.phase) && cfg.afterExclude.some((r) => r.test(path))) return null;
      return this.record(kind, method, path);
    },
    /** FTP: one draw per STOR/RNTO; the kind is fixed by the command. */
    decideFtp(kind, path) {
      if (!cfg || !cfg.kinds.includes(kind)) return null;
      const hit = rand() < (cfg.rates[kind] ?? cfg.rate);
      if (!hit) return null;
      return this.record(kind, "FTP", path);
    },
    record(kind, method, path) {
      counts[kind] = (counts[kind] ?? 0) + 1;
      log.push({ kind, method, path, at: new Date().toISOString() });
      if (!HTTP_FAULTS[kind]) return { kind };
      const f = HTTP_FAULTS[kind];
      const headers = kind === "429" ? { "retry-after": String(cfg?.retryAfterS ?? 2) } : {};
      return { kind, phase: f.phase, status: f.status, holdMs: f.hold ? (f.holdMs ?? cfg?.holdMs ?? 2_000) : 0, headers };
    },
    state: () => ({ enabled: Boolean(cfg), seed: cfg?.seed ?? null, rate: cfg?.rate ?? 0, kinds: cfg?.kinds ?? [], counts: { ...counts }, log: log.slice(-200) }),
    reset() {
      cfg = null;
      rand = null;
      for (const k of Object.keys(counts)) delete counts[k];
      log.length = 0;
    },
  };
}
