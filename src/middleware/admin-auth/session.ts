import { and, eq, gt, lte, ne, or } from "drizzle-orm";
import { db as openDb } from "../../db/client";
import { consoleSessions } from "../../db/schema";
import { sha256Hex } from "../../lib/bytes";

// Server-side console sessions (contracts rule 10). The cookie holds 256 random bits; D1 holds
// their SHA-256, the expiry and a digest of the ADMIN_TOKEN the session was opened with.

/** `__Host-`: the browser only accepts it Secure, for Path=/ and without a Domain. */
export const SESSION_COOKIE = "__Host-pb_session";
export const SESSION_TTL_MS = 12 * 3600_000; // one shift

const tokenDigest = (adminToken: string) => sha256Hex(`palletbridge-admin-token:${adminToken}`);
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
  // Sessions that expired or belong to an old token are dead already; clear them out here.
  await db.batch([
    db.delete(consoleSessions).where(or(lte(consoleSessions.expiresAt, now), ne(consoleSessions.tokenDigest, digest))),
    db.insert(consoleSessions).values({ idHash: await idHash(id), tokenDigest: digest, createdAt: now, expiresAt: now + SESSION_TTL_MS }),
  ]);
  return id;
}

/** A live session: known, not expired, opened with the ADMIN_TOKEN in force now. */
export async function sessionValid(env: Env, adminToken: string, cookie: string | undefined): Promise<boolean> {
  if (!cookie || !/^[0-9a-f]{64}$/.test(cookie)) return false;
  const rows = await openDb(env)
    .select({ idHash: consoleSessions.idHash })
    .from(consoleSessions)
    .where(and(eq(consoleSessions.idHash, await idHash(cookie)), gt(consoleSessions.expiresAt, Date.now()), eq(consoleSessions.tokenDigest, await tokenDigest(adminToken))))
    .limit(1);
  return rows.length === 1;
}

export async function closeSession(env: Env, cookie: string | undefined): Promise<void> {
  if (!cookie || !/^[0-9a-f]{64}$/.test(cookie)) return;
  await openDb(env).delete(consoleSessions).where(eq(consoleSessions.idHash, await idHash(cookie)));
}

/** The stored key of a cookie value (tests use it to age a session in D1). */
export const sessionKey = idHash;
