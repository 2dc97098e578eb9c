import { DurableObject } from "cloudflare:workers";

// One instance per partner (idFromName(<partner>), e.g. "tms") is the single limiter
// every isolate shares. Callers reserve a slot and sleep until it; the object never sleeps
// itself, so it answers in microseconds and serialises nothing but the bookkeeping.

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
   * Reserve one call within `limit` calls per `windowMs`. When the slot is further away than
   * `maxWaitMs`, nothing is reserved and the caller defers its work instead of holding on.
   */
  async reserve(limit: number, windowMs: number, maxWaitMs: number): Promise<Reservation> {
    await this.load();
    const now = Date.now();
    while (this.slots.length > 0 && this.slots[0]! <= now - windowMs) this.slots.shift();
    const last = this.slots[this.slots.length - 1] ?? 0;
    let t = Math.max(now, this.pausedUntil, last);
    if (this.slots.length >= limit) {
      const bound = this.slots[this.slots.length - limit]! + windowMs;
      t = Math.max(t, bound);
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

  // ---- wrong credentials (contracts rule 10) ----
  // An instance named `auth:<route>:<client>` counts one client's wrong credentials on one
  // route. Only wrong credentials are recorded: attempts refused while locked are not checked.

  private async recentFailures(windowMs: number, now: number): Promise<number[]> {
    const all = (await this.ctx.storage.get<number[]>("authFailures")) ?? [];
    return all.filter((t) => t > now - windowMs);
  }

  private static lockedUntil(failures: number[], limit: number, windowMs: number): number {
    // Locked while `limit` failures sit inside one window: until the oldest of them leaves it.
    return failures.length >= limit ? failures[failures.length - limit]! + windowMs : 0;
  }

  /** How long this client must still wait before its credential is even looked at (0: not locked). */
  async authLockedFor(limit: number, windowMs: number): Promise<number> {
    const now = Date.now();
    const until = RateLimiter.lockedUntil(await this.recentFailures(windowMs, now), limit, windowMs);
    return Math.max(0, until - now);
  }

  /** Records one wrong credential; `locked` is set when this one closed the door. */
  async authFailure(limit: number, windowMs: number): Promise<{ failures: number; locked: boolean; until: number }> {
    const now = Date.now();
    const failures = [...(await this.recentFailures(windowMs, now)), now];
    await this.ctx.storage.put({ authFailures: failures, authWindowMs: windowMs });
    // Forget the client once its window has passed, so idle addresses leave nothing behind.
    await this.ctx.storage.setAlarm(now + windowMs + 1_000);
    const until = RateLimiter.lockedUntil(failures, limit, windowMs);
    return { failures: failures.length, locked: until > now, until };
  }

  override async alarm(): Promise<void> {
    const all = (await this.ctx.storage.get<number[]>("authFailures")) ?? [];
    const windowMs = (await this.ctx.storage.get<number>("authWindowMs")) ?? 0;
    const last = all[all.length - 1] ?? 0;
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
