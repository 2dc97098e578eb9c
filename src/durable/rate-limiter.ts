import { DurableObject } from "cloudflare:workers";

// One instance per partner (idFromName(<partner>), e.g. "tms") is the single limiter
// every isolate shares. Callers reserve a slot and sleep until it; the object never sleeps
// itself, so it answers in microseconds and serialises nothing but the bookkeeping.

/** An attempt still being compared after this long has lost its isolate: it counts as wrong. */
const AUTH_PENDING_MS = 30_000;

type Reservation = { ok: true; waitMs: number } | { ok: false; retryAfterMs: number; reason: "busy" | "paused" };

interface LimiterStatus {
  reservedInWindow: number;
  pausedUntil: number;
  nextFreeAt: number;
}

export class RateLimiter extends DurableObject<Env> {
  /** Reserved start times, ascending (reservations are handed out in order). */
  private slots: number[] = [];
  private pausedUntil = 0;
  private loaded = false;

  private async load(): Promise<void> {
    if (this.loaded) return;
    // A ban and the calls of the current window must survive the object being restarted (a
    // deploy, an eviction): forgetting them would grant a second window's worth at once.
    this.pausedUntil = (await this.ctx.storage.get<number>("pausedUntil")) ?? 0;
    this.slots = (await this.ctx.storage.get<number[]>("slots")) ?? [];
    this.loaded = true;
  }

  /**
   * Reserve one call within `limit` calls per `windowMs` (and, when given, within `burst.limit`
   * per `burst.windowMs` too). When the slot is further away than `maxWaitMs`, nothing is
   * reserved and the caller defers its work instead of holding on.
   */
  async reserve(limit: number, windowMs: number, maxWaitMs: number, burst?: { limit: number; windowMs: number }): Promise<Reservation> {
    await this.load();
    const now = Date.now();
    const windows = burst ? [{ limit, windowMs }, burst] : [{ limit, windowMs }];
    const longest = Math.max(...windows.map((w) => w.windowMs));
    while (this.slots.length > 0 && this.slots[0]! <= now - longest) this.slots.shift();
    const last = this.slots[this.slots.length - 1] ?? 0;
    let t = Math.max(now, this.pausedUntil, last);
    // Slots are handed out in order, so a window holds too many exactly when the limit-th
    // latest slot is less than its length before the new one.
    for (const w of windows) {
      if (this.slots.length >= w.limit) t = Math.max(t, this.slots[this.slots.length - w.limit]! + w.windowMs);
    }
    const waitMs = t - now;
    if (waitMs > maxWaitMs) {
      return { ok: false, retryAfterMs: waitMs, reason: this.pausedUntil > now ? "paused" : "busy" };
    }
    this.slots.push(t);
    await this.ctx.storage.put("slots", this.slots);
    return { ok: true, waitMs };
  }

  /** A partner said 429: nobody calls it again before `untilMs`. */
  async pause(untilMs: number): Promise<void> {
    await this.load();
    if (untilMs > this.pausedUntil) {
      this.pausedUntil = untilMs;
      await this.ctx.storage.put("pausedUntil", untilMs);
    }
  }

  /** An operator (or a test) lifts a pause early. */
  async resume(): Promise<void> {
    await this.load();
    this.pausedUntil = 0;
    await this.ctx.storage.delete("pausedUntil");
  }

  // ---- credentials (contracts rule 10) ----
  // An instance named `auth:<route>:<bucket>` counts one client's wrong credentials on one
  // route. An attempt is registered here BEFORE its credential is compared, in one step of this
  // object (which handles one call at a time): it is let through only while the wrong ones so
  // far plus those still being compared stay under the limit, so a parallel burst gets no more
  // than `limit` comparisons. Its caller then reports the outcome: a wrong one joins the count,
  // a right one leaves nothing. Attempts refused while locked are not counted (never compared).

  /**
   * Attempts being compared right now, by ticket. Kept in memory only: they live for
   * milliseconds, and an object restarted meanwhile forgets a few in-flight attempts at worst.
   * The object's storage calls close its input gate, so each method below runs as one step.
   */
  private authPending: number[] = [];

  private async authFailures(windowMs: number, now: number): Promise<number[]> {
    const failures = ((await this.ctx.storage.get<number[]>("authFailures")) ?? []).filter((t) => t > now - windowMs);
    // An attempt whose outcome never came (its isolate died) counts as a wrong one.
    const stale = this.authPending.filter((t) => t <= now - AUTH_PENDING_MS);
    if (stale.length) {
      this.authPending = this.authPending.filter((t) => t > now - AUTH_PENDING_MS);
      failures.push(...stale.filter((t) => t > now - windowMs));
      failures.sort((a, b) => a - b);
      await this.recordFailures(failures, windowMs, now);
    }
    return failures;
  }

  private async recordFailures(failures: number[], windowMs: number, now: number): Promise<void> {
    await this.ctx.storage.put({ authFailures: failures, authWindowMs: windowMs });
    // Forget the client once its window has passed, so idle addresses leave nothing behind.
    await this.ctx.storage.setAlarm(now + windowMs + 1_000);
  }

  private static lockedUntil(failures: number[], limit: number, windowMs: number): number {
    // Locked while `limit` failures sit inside one window: until the oldest of them leaves it.
    return failures.length >= limit ? failures[failures.length - limit]! + windowMs : 0;
  }

  /**
   * Registers one attempt unless the client is locked ("locked": refuse it) or enough others
   * are being compared right now to reach the limit ("busy": ask again in a moment). `ticket`
   * names the attempt for `authOutcome`.
   */
  async authAttempt(limit: number, windowMs: number): Promise<{ state: "go"; ticket: number } | { state: "locked"; waitMs: number } | { state: "busy" }> {
    const now = Date.now();
    const failures = await this.authFailures(windowMs, now);
    const until = RateLimiter.lockedUntil(failures, limit, windowMs);
    if (until > now) return { state: "locked", waitMs: until - now };
    if (failures.length + this.authPending.length >= limit) return { state: "busy" };
    // Unique, so the outcome settles exactly this attempt.
    const ticket = Math.max(now, ...this.authPending.map((t) => t + 1));
    this.authPending.push(ticket);
    return { state: "go", ticket };
  }

  /** The attempt's outcome. A wrong one joins the count; `locked` is set when it closed the door. */
  async authOutcome(ticket: number, wrong: boolean, limit: number, windowMs: number): Promise<{ failures: number; locked: boolean; until: number }> {
    const i = this.authPending.indexOf(ticket);
    if (i >= 0) this.authPending.splice(i, 1);
    if (!wrong) return { failures: 0, locked: false, until: 0 };
    const now = Date.now();
    const failures = await this.authFailures(windowMs, now);
    const before = RateLimiter.lockedUntil(failures, limit, windowMs);
    // An attempt this object no longer knew (it restarted) still counts: it was wrong.
    failures.push(now);
    await this.recordFailures(failures, windowMs, now);
    const until = RateLimiter.lockedUntil(failures, limit, windowMs);
    return { failures: failures.length, locked: until > now && before <= now, until };
  }

  override async alarm(): Promise<void> {
    const all = (await this.ctx.storage.get<number[]>("authFailures")) ?? [];
    const windowMs = (await this.ctx.storage.get<number>("authWindowMs")) ?? 0;
    const last = Math.max(0, ...all);
    // Only auth instances set alarms; a partner limiter's state is never touched here.
    if (last > 0 && last <= Date.now() - windowMs) await this.ctx.storage.delete(["authFailures", "authWindowMs"]);
  }

  async status(windowMs: number): Promise<LimiterStatus> {
    await this.load();
    const now = Date.now();
    return {
      reservedInWindow: this.slots.filter((s) => s > now - windowMs).length,
      pausedUntil: this.pausedUntil,
      nextFreeAt: Math.max(now, this.pausedUntil, this.slots[this.slots.length - 1] ?? 0),
    };
  }
}
