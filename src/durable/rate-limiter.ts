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
