import { db as openDb } from "../../db/client";
import { authLocks } from "../../db/schema";
import { sha256Hex } from "../../lib/bytes";
import { errorMessage } from "../../lib/errors";
import { log } from "../../lib/log";
import { sleep } from "../../lib/sleep";

// Guessing slowed (contracts rule 10): after GUESS_LIMIT wrong credentials within GUESS_WINDOW_MS
// from one client on one route, that client's further attempts there are refused with 429 until
// the window has passed. Each attempt is registered with the shared RateLimiter Durable Object
// before its credential is compared (one instance per route and bucket, which runs one call at a
// time, and lets an attempt through only while wrong ones plus those being compared stay under
// the limit), so parallel guesses get no more than GUESS_LIMIT comparisons; a right credential
// leaves nothing behind. Nothing is cached per isolate: every attempt asks the object.

export const GUESS_LIMIT = 10;
export const GUESS_WINDOW_MS = 10 * 60_000;

/**
 * "admin": console sign-in and the ADMIN_TOKEN bearer (API and console) share one count, since
 * they guard the same token. "webhook": the TMS webhook's Basic auth, counted per client AND
 * user name sent, since the TMS posts every tenant's webhooks from the same addresses.
 */
export type GuardedRoute = "admin" | "webhook";

/**
 * The client a count belongs to: CF-Connecting-IP, an IPv6 address by its /64 (one subscriber's
 * whole network: counting per address would hand out 2^64 buckets). Off Cloudflare (local runs,
 * tests without the header) every caller shares one count.
 */
export function clientOf(headers: Headers): string {
  const raw = headers.get("cf-connecting-ip")?.trim() || "unknown";
  return raw.includes(":") ? ipv6Prefix64(raw) ?? raw : raw;
}

/** `2001:db8:1:2::5` → `2001:db8:1:2::/64`; null when it is not an IPv6 address. */
export function ipv6Prefix64(address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, "").split("%")[0]!;
  if (!/^[0-9a-fA-F:.]+$/.test(bare)) return null;
  const halves = bare.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  // An embedded IPv4 tail (::ffff:192.0.2.1) stands for two groups; only the first four matter.
  const width = (g: string[]) => g.reduce((n, x) => n + (x.includes(".") ? 2 : 1), 0);
  const missing = 8 - width(head) - width(tail);
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  const first = all.slice(0, 4);
  if (first.length < 4 || first.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  return `${first.map((g) => parseInt(g, 16).toString(16)).join(":")}::/64`;
}

export interface Attempt {
  /** The credential was right: the attempt comes off the count. */
  right(): Promise<void>;
  /** The credential was wrong: it stays counted; the one that fills the window is logged and kept for the console. */
  wrong(): Promise<void>;
}

export type AttemptAnswer = { ok: true; attempt: Attempt } | { ok: false; waitMs: number };

/** How long an attempt waits for others of the same client to be compared before it is refused. */
const BUSY_WAIT_MS = 5_000;
const BUSY_POLL_MS = 25;

/**
 * Registers an attempt before its credential is compared. `user` (webhooks) is the Basic user
 * name sent: it picks the bucket, so a sender with another name never fills ours. While the
 * client's other attempts being compared would take it to the limit, this one waits for them
 * (milliseconds), so a burst of right credentials is slowed, never refused.
 */
export async function beginAttempt(env: Env, route: GuardedRoute, client: string, user?: string): Promise<AttemptAnswer> {
  const bucket = user === undefined ? client : `${client}:${(await sha256Hex(`basic-user:${user}`)).slice(0, 32)}`;
  const stub = env.LIMITER.get(env.LIMITER.idFromName(`auth:${route}:${bucket}`));
  const giveUpAt = Date.now() + BUSY_WAIT_MS;
  let r = await stub.authAttempt(GUESS_LIMIT, GUESS_WINDOW_MS);
  while (r.state === "busy" && Date.now() < giveUpAt) {
    await sleep(BUSY_POLL_MS);
    r = await stub.authAttempt(GUESS_LIMIT, GUESS_WINDOW_MS);
  }
  if (r.state === "busy") return { ok: false, waitMs: 1_000 };
  if (r.state === "locked") return { ok: false, waitMs: r.waitMs };
  const ticket = r.ticket;
  const shown = user === undefined ? client : `${client} (user "${user.slice(0, 40)}")`;
  return {
    ok: true,
    attempt: {
      right: async () => {
        await stub.authOutcome(ticket, false, GUESS_LIMIT, GUESS_WINDOW_MS);
      },
      wrong: async () => {
        const out = await stub.authOutcome(ticket, true, GUESS_LIMIT, GUESS_WINDOW_MS);
        if (!out.locked) return;
        log({ step: "auth.lock", outcome: "error", route, client: shown, failures: out.failures, until: new Date(out.until).toISOString(), error: `${out.failures} wrong credentials within ${GUESS_WINDOW_MS / 60_000} minutes` });
        try {
          await openDb(env).insert(authLocks).values({ route, client: shown, failures: out.failures, lockedAt: Date.now(), until: out.until });
        } catch (err) {
          // The lock itself holds in the Durable Object; only the console's list misses this one.
          log({ step: "auth.lock", outcome: "error", route, error: `could not record the lock: ${errorMessage(err)}` });
        }
      },
    },
  };
}

export const retryAfterSeconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));

export function lockedMessage(ms: number): string {
  return `too many wrong credentials from this address; try again in ${retryAfterSeconds(ms)} s`;
}
