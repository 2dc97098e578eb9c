import { DurableObject } from "cloudflare:workers";
import { palletwaysSettings } from "./settings";
import { db as openDb } from "../../db/client";
import { palletwaysWindows } from "./schema";
import { fetchDeliveryPhotos, type FetchSummary } from "./photos";
import { DeferError, errorMessage } from "../../lib/errors";
import { log } from "../../lib/log";
import { registerSecrets } from "../../lib/secrets";
import { recordTimeline, enqueue } from "../../engine";
import { fetchPhotosJob } from "./photos";

// One object per tracking ID holds its photo catch-up window: fetches at each offset of
// PALLETWAYS_CATCHUP_SCHEDULE_S after delivery completion, driven by the object's alarm.
// Alarms run at least once; a repeated fetch is harmless because photos are known by hash.

interface Attempt {
  due: number;
  offsetsS: number[];
  done: boolean;
  reason: string;
}

interface WindowState {
  trackingId: string;
  completedAt: number | null;
  attempts: Attempt[];
  failures: number;
}

export type OpenResult = { opened: boolean; attempts: number; message: string };
export type RefreshResult = { ok: true; summary: FetchSummary } | { ok: false; deferredMs?: number; message: string };

/** Longest an alarm holds on for a Palletways slot before it re-arms itself. */
const ALARM_MAX_WAIT_MS = 120_000;
const MAX_FAILURES = 5;

export class PalletwaysWindow extends DurableObject<Env> {
  private async load(): Promise<WindowState | undefined> {
    return this.ctx.storage.get<WindowState>("window");
  }

  private async save(st: WindowState): Promise<void> {
    await this.ctx.storage.put("window", st);
    const next = st.attempts.find((a) => !a.done);
    if (next) await this.ctx.storage.setAlarm(Math.max(next.due, Date.now()));
    else await this.ctx.storage.deleteAlarm();
    await this.mirror(st);
  }

  /** The console reads windows from D1; the object stays the authority. */
  private async mirror(st: WindowState): Promise<void> {
    if (st.completedAt === null) return;
    const open = st.attempts.some((a) => !a.done);
    const closesAt = Math.max(...st.attempts.map((a) => a.due));
    const fetches = st.attempts.filter((a) => a.done).length;
    await openDb(this.env)
      .insert(palletwaysWindows)
      .values({ trackingId: st.trackingId, completedAt: st.completedAt, closesAt, fetches, status: open ? "open" : "closed" })
      .onConflictDoUpdate({ target: palletwaysWindows.trackingId, set: { completedAt: st.completedAt, closesAt, fetches, status: open ? "open" : "closed" } });
  }

  async open(trackingId: string, completedAt: number, source: string): Promise<OpenResult> {
    registerSecrets(this.env as unknown as Record<string, unknown>);
    const cfg = palletwaysSettings(this.env);
    if (!cfg) return { opened: false, attempts: 0, message: "Palletways is switched off" };
    const existing = await this.load();
    if (existing && existing.completedAt !== null && existing.attempts.some((a) => !a.done)) {
      return { opened: false, attempts: existing.attempts.length, message: "a catch-up window is already open" };
    }
    const now = Date.now();
    // A completion "in the future" is a clock ahead somewhere: taken as now, so it neither delays
    // every fetch nor holds the window open against the correct signal that follows.
    const skew = completedAt > now ? completedAt : null;
    if (skew !== null) completedAt = now;
    const past = cfg.catchupScheduleS.filter((s) => completedAt + s * 1000 <= now);
    const future = cfg.catchupScheduleS.filter((s) => completedAt + s * 1000 > now);
    const attempts: Attempt[] = [];
    // Offsets already past when the signal arrives collapse into one fetch at once.
    if (past.length) attempts.push({ due: now, offsetsS: past, done: false, reason: "" });
    for (const s of future) attempts.push({ due: completedAt + s * 1000, offsetsS: [s], done: false, reason: "" });
    attempts.forEach((a, i) => (a.reason = `catch-up ${i + 1} of ${attempts.length}, +${a.offsetsS.map(fmt).join("/")}`));
    const st: WindowState = { trackingId, completedAt, attempts: [...(existing?.attempts.filter((a) => !a.done) ?? []), ...attempts], failures: 0 };
    await this.save(st);
    const collapsed = past.length > 1 ? ` (${past.length} offsets already past, fetched once now)` : "";
    const clamped = skew !== null ? ` (the signal said ${new Date(skew).toISOString().replace(/\.000Z$/, "Z")}, which is in the future: taken as now)` : "";
    await recordTimeline(openDb(this.env), {
      network: "palletways",
      reference: trackingId,
      kind: "window",
      step: "palletways.window",
      outcome: "info",
      message: `Photo catch-up window opened (${source}), delivery completed ${new Date(completedAt).toISOString()}: ${attempts.length} fetch${attempts.length === 1 ? "" : "es"} at ${attempts.map((a) => "+" + a.offsetsS.map(fmt).join("/")).join(", ")}${collapsed}${clamped}`,
    });
    return { opened: true, attempts: attempts.length, message: "window opened" };
  }

  /** Manual refresh: fetch now, window or not. A ban or a full limiter turns it into an attempt. */
  async refresh(trackingId: string): Promise<RefreshResult> {
    registerSecrets(this.env as unknown as Record<string, unknown>);
    try {
      const summary = await fetchDeliveryPhotos(this.env, openDb(this.env), trackingId, "manual refresh", 20_000);
      return { ok: true, summary };
    } catch (err) {
      if (err instanceof DeferError) {
        const st = (await this.load()) ?? { trackingId, completedAt: null, attempts: [], failures: 0 };
        st.attempts.push({ due: Date.now() + err.retryAfterMs, offsetsS: [], done: false, reason: "manual refresh (delayed)" });
        await this.save(st);
        return { ok: false, deferredMs: err.retryAfterMs, message: `${err.message}; the refresh will run then` };
      }
      return { ok: false, message: errorMessage(err) };
    }
  }

  /**
   * The cron's sweep (contract rule 9): a window whose next fetch is long overdue lost its alarm
   * (an alarm that kept crashing is given up by the runtime). It is closed, its missed fetches
   * become one final queued fetch, and that is recorded, so the window neither stays open
   * forever (refusing later windows for this tracking ID) nor leaves silently.
   */
  async sweep(trackingId: string, staleBefore: number): Promise<{ closed: boolean; message: string }> {
    registerSecrets(this.env as unknown as Record<string, unknown>);
    const st = await this.load();
    if (!st) return { closed: false, message: "no window in the object" };
    const pending = st.attempts.filter((a) => !a.done);
    if (pending.length === 0) {
      // Only the mirror was behind.
      await this.save(st);
      return { closed: false, message: "already closed" };
    }
    if (pending[0]!.due >= staleBefore) return { closed: false, message: "still running" };
    for (const a of pending) a.done = true;
    const db = openDb(this.env);
    await enqueue(this.env, db, [fetchPhotosJob.job({
      network: "palletways",
      reference: st.trackingId,
      payload: { trackingId: st.trackingId, reason: `final fetch after the catch-up window stopped (${pending.length} fetch${pending.length === 1 ? "" : "es"} missed)` },
      dedupeKey: `${fetchPhotosJob.kind}:${st.trackingId}:sweep:${st.completedAt ?? 0}:${pending[0]!.due}`,
    })]);
    await this.save(st);
    await recordTimeline(db, {
      network: "palletways",
      reference: st.trackingId,
      kind: "window",
      step: "palletways.window",
      outcome: "error",
      message: `Photo catch-up window stopped without finishing (next fetch was due ${new Date(pending[0]!.due).toISOString()}, ${pending.length} missed): closed by the sweep, one final fetch queued`,
      detail: { missed: pending.map((a) => a.reason), code: "WINDOW_STALLED" },
    });
    log({ network: "palletways", reference: trackingId, step: "palletways.window", outcome: "error", error: "stalled window closed by the sweep" });
    return { closed: true, message: "closed, final fetch queued" };
  }

  /** Retention: a closed window's storage goes; an open one is never forgotten. */
  async forget(): Promise<boolean> {
    const st = await this.load();
    if (st?.attempts.some((a) => !a.done)) return false;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    return true;
  }

  async status(): Promise<WindowState | null> {
    return (await this.load()) ?? null;
  }

  override async alarm(): Promise<void> {
    registerSecrets(this.env as unknown as Record<string, unknown>);
    const st = await this.load();
    if (!st) return;
    const now = Date.now();
    const current = st.attempts.find((a) => !a.done);
    if (!current) return;
    if (current.due > now + 250) {
      await this.ctx.storage.setAlarm(current.due);
      return;
    }
    const db = openDb(this.env);
    try {
      await fetchDeliveryPhotos(this.env, db, st.trackingId, current.reason, ALARM_MAX_WAIT_MS);
      current.done = true;
      st.failures = 0;
    } catch (err) {
      if (err instanceof DeferError) {
        // Not a failure: the attempt waits for the limiter or the end of a ban, then runs.
        current.due = now + err.retryAfterMs;
        await this.save(st);
        log({ network: "palletways", reference: st.trackingId, step: "palletways.window", outcome: "waiting", error: err.message });
        if (err.retryAfterMs > 60_000) {
          await recordTimeline(db, { network: "palletways", reference: st.trackingId, kind: "window", step: "palletways.window", outcome: "waiting", message: `${current.reason} waits: ${err.message}` });
        }
        return;
      }
      st.failures++;
      const message = errorMessage(err);
      const giveUp = st.failures >= MAX_FAILURES;
      if (giveUp) {
        // The window moves on, but the fetch is not dropped: a queue job carries it on with the
        // usual backoff and, if Palletways stays broken, stands in the failures list for replay.
        await enqueue(this.env, db, [fetchPhotosJob.job({
          network: "palletways",
          reference: st.trackingId,
          payload: { trackingId: st.trackingId, reason: `${current.reason}, handed over after ${MAX_FAILURES} failures` },
          dedupeKey: `${fetchPhotosJob.kind}:${st.trackingId}:${current.due}:${current.offsetsS.join("/")}`,
        })]);
        current.done = true;
        st.failures = 0;
      } else {
        current.due = now + 30_000 * st.failures;
      }
      await recordTimeline(db, {
        network: "palletways",
        reference: st.trackingId,
        kind: "error",
        step: "palletways.fetch",
        outcome: "error",
        message: giveUp
          ? `${current.reason} failed ${MAX_FAILURES} times (${message}); the fetch continues as queued work with longer retries`
          : `${current.reason} failed: ${message}; trying again in ${30 * st.failures} s`,
      });
      log({ network: "palletways", reference: st.trackingId, step: "palletways.fetch", outcome: "error", error: message });
    }
    await this.save(st);
    if (!st.attempts.some((a) => !a.done) && st.completedAt !== null) {
      await recordTimeline(db, { network: "palletways", reference: st.trackingId, kind: "window", step: "palletways.window", outcome: "info", message: `Photo catch-up window closed after ${st.attempts.length} fetch${st.attempts.length === 1 ? "" : "es"}` });
    }
  }
}

function fmt(s: number): string {
  return s === 0 ? "0 s" : s % 60 === 0 ? `${s / 60} min` : `${s} s`;
}

/** The Durable Object that holds a tracking ID's catch-up window. */
export function windowStub(env: Env, trackingId: string) {
  return env.PALLETWAYS_WINDOW.get(env.PALLETWAYS_WINDOW.idFromName(trackingId));
}
