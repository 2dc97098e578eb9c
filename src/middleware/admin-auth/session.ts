import { and, eq, gt, lte, notLike, or } from "drizzle-orm";
import { db as openDb } from "../../db/client";
import { consoleSessions } from "../../db/schema";
import { sha256Hex, timingSafeEqual } from "../../lib/bytes";

// Server-side console sessions (contracts rule 10). The cookie holds 256 random bits; D1 holds
// their SHA-256, the expiry and a keyed, slow hash of the ADMIN_TOKEN the session was opened
// with: PBKDF2-SHA-256 under a random salt per session (`pbkdf2-sha256$<iterations>$<salt>$<hash>`).
//
// Why PBKDF2 rather than an HMAC under a per-deployment secret: it needs no further secret to
// set, keep and rotate (one more thing to lose), and a copy of D1 alone then costs a guesser
// 100,000 SHA-256 rounds per guess per session instead of one. 100,000 is the most the Workers
// runtime computes; the result is kept per isolate and salt, so a session pays it once per
// isolate, not on every page. A digest in any other shape (the unsalted SHA-256 an earlier
// version stored) simply matches nothing: that session is signed out, never an error.

/** `__Host-`: the browser only accepts it Secure, for Path=/ and without a Domain. */
export const SESSION_COOKIE = "__Host-pb_session";
export const SESSION_TTL_MS = 12 * 3600_000; // one shift

const ITERATIONS = 100_000;
const DIGEST_SHAPE = /^pbkdf2-sha256\$(\d+)\$([0-9a-f]{32})\$([0-9a-f]{64})$/;
const hex = (b: ArrayBuffer | Uint8Array) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");

/** Derived hashes by salt and token, so a live session costs PBKDF2 once per isolate. */
const derived = new Map<string, string>();

async function pbkdf2(adminToken: string, saltHex: string, iterations: number): Promise<string> {
  const cacheKey = `${iterations}$${saltHex}$${await sha256Hex(adminToken)}`;
  const hit = derived.get(cacheKey);
  if (hit) return hit;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(adminToken), "PBKDF2", false, ["deriveBits"]);
  const salt = Uint8Array.from(saltHex.match(/../g)!, (h) => parseInt(h, 16));
  const out = hex(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256));
  if (derived.size > 1_000) derived.clear();
  derived.set(cacheKey, out);
  return out;
}

async function tokenDigest(adminToken: string): Promise<string> {
  const salt = hex(crypto.getRandomValues(new Uint8Array(16)));
  return `pbkdf2-sha256$${ITERATIONS}$${salt}$${await pbkdf2(adminToken, salt, ITERATIONS)}`;
}

async function tokenMatches(adminToken: string, stored: string): Promise<boolean> {
  const m = DIGEST_SHAPE.exec(stored);
  if (!m || Number(m[1]) !== ITERATIONS) return false;
  return timingSafeEqual(await pbkdf2(adminToken, m[2]!, ITERATIONS), m[3]!);
}

const idHash = (id: string) => sha256Hex(`palletbridge-session:${id}`);

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Opens a session for the current ADMIN_TOKEN and returns the cookie's value. */
export async function openSession(env: Env, adminToken: string, now = Date.now()): Promise<string> {
  const id = randomId();
  const digest = await tokenDigest(adminToken);
  const db = openDb(env);
  // Sessions that expired or carry an old-style digest are dead already; clear them out here
  // (one of an earlier token leaves at its expiry: telling it apart would cost a PBKDF2 each).
  await db.batch([
    db.delete(consoleSessions).where(or(lte(consoleSessions.expiresAt, now), notLike(consoleSessions.tokenDigest, "pbkdf2-sha256$%"))),
    db.insert(consoleSessions).values({ idHash: await idHash(id), tokenDigest: digest, createdAt: now, expiresAt: now + SESSION_TTL_MS }),
  ]);
  return id;
}

/** A live session: known, not expired, opened with the ADMIN_TOKEN in force now. */
export async function sessionValid(env: Env, adminToken: string, cookie: string | undefined): Promise<boolean> {
  if (!cookie || !/^[0-9a-f]{64}$/.test(cookie)) return false;
  const rows = await openDb(env)
    .select({ tokenDigest: consoleSessions.tokenDigest })
    .from(consoleSessions)
    .where(and(eq(consoleSessions.idHash, await idHash(cookie)), gt(consoleSessions.expiresAt, Date.now())))
    .limit(1);
  return rows.length === 1 && (await tokenMatches(adminToken, rows[0]!.tokenDigest));
}

export async function closeSession(env: Env, cookie: string | undefined): Promise<void> {
  if (!cookie || !/^[0-9a-f]{64}$/.test(cookie)) return;
  await openDb(env).delete(consoleSessions).where(eq(consoleSessions.idHash, await idHash(cookie)));
}

/** The stored key of a cookie value (tests use it to age a session in D1). */
export const sessionKey = idHash;
