import { env, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { desc, eq, like } from "drizzle-orm";
import { app } from "../src/app";
import { db as openDb } from "../src/db/client";
import { authLocks, consignments, consoleSessions } from "../src/db/schema";
import { markError, markSuccess } from "../src/engine";
import { searchConsignments } from "../src/read/consignments";
import { SESSION_COOKIE, sessionKey } from "../src/middleware/admin-auth";
import { GUESS_LIMIT, GUESS_WINDOW_MS } from "../src/middleware/guess-guard";
import type { RateLimiter } from "../src/durable/rate-limiter";
import { basicHeader, palletOrder, signWebhook, stopCompleted } from "../sandbox/qargo-webhooks.mjs";
import { uniqueRef } from "./support/webhook";
import { sha256Hex } from "./support/sim";

// Contracts rule 10: server-side console sessions, guessing slowed on every credentialled route,
// weak settings. Each test uses its own client address (CF-Connecting-IP), so locks never leak
// between tests.

const BASE = "https://connector.test";
const FORM = { "content-type": "application/x-www-form-urlencoded", origin: BASE, "sec-fetch-site": "same-origin" };
const ip = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}-${uniqueRef()}`;

function login(token: string, client = ip(), e: Env = env) {
  return app.request(`${BASE}/ops/login`, { method: "POST", redirect: "manual", headers: { ...FORM, "cf-connecting-ip": client }, body: new URLSearchParams({ token }).toString() }, e);
}

async function signIn(e: Env = env): Promise<string> {
  const res = await login(e.ADMIN_TOKEN, ip(), e);
  const cookie = new RegExp(`${SESSION_COOKIE}=([0-9a-f]{64})`).exec(res.headers.get("set-cookie") ?? "")?.[1];
  expect(cookie, `sign-in answered ${res.status}`).toBeTruthy();
  return cookie!;
}

const overview = (cookie: string, e: Env = env) => app.request(`${BASE}/ops`, { redirect: "manual", headers: { cookie: `${SESSION_COOKIE}=${cookie}` } }, e);

describe("console sessions are server-side", () => {
  it("is dead after 12 hours: the stored expiry decides, not the browser", async () => {
    const cookie = await signIn();
    expect((await overview(cookie)).status).toBe(200);
    const db = openDb(env);
    const [row] = await db.select().from(consoleSessions).where(eq(consoleSessions.idHash, await sessionKey(cookie)));
    expect(row!.expiresAt - row!.createdAt).toBe(12 * 3600_000);
    await db.update(consoleSessions).set({ expiresAt: Date.now() - 1 }).where(eq(consoleSessions.idHash, await sessionKey(cookie)));
    const res = await overview(cookie);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/ops/login?next=%2Fops");
  });

  it("is dead once ADMIN_TOKEN changes, and stays dead if it changes back only in the cookie's dreams", async () => {
    const cookie = await signIn();
    const rotated = { ...env, ADMIN_TOKEN: "a-brand-new-admin-token-0001" } as Env;
    expect((await overview(cookie, rotated)).status).toBe(303);
    // A session opened under the new token works under it.
    const fresh = await signIn(rotated);
    expect((await overview(fresh, rotated)).status).toBe(200);
    expect((await overview(fresh, env)).status).toBe(303);
  });

  it("stores only a digest of the session id", async () => {
    const cookie = await signIn();
    const rows = await openDb(env).select().from(consoleSessions);
    expect(rows.some((r) => r.idHash === cookie)).toBe(false);
    expect(rows.some((r) => r.tokenDigest.includes(env.ADMIN_TOKEN))).toBe(false);
  });

  it("refuses a cookie-authenticated POST to /api from another origin, but not the bearer", async () => {
    const cookie = await signIn();
    const cross = await SELF.fetch(`${BASE}/api/failures/nope/replay`, { method: "POST", headers: { cookie: `${SESSION_COOKIE}=${cookie}`, "sec-fetch-site": "cross-site", origin: "https://evil.example" } });
    expect(cross.status).toBe(403);
    const same = await SELF.fetch(`${BASE}/api/failures/nope/replay`, { method: "POST", headers: { cookie: `${SESSION_COOKIE}=${cookie}`, "sec-fetch-site": "same-origin" } });
    expect(same.status).toBe(404);
    const bearer = await SELF.fetch(`${BASE}/api/failures/nope/replay`, { method: "POST", headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, origin: "https://evil.example" } });
    expect(bearer.status).toBe(404);
  });

  it("caps the sign-in body at 4 KB", async () => {
    const res = await app.request(`${BASE}/ops/login`, { method: "POST", headers: { ...FORM, "cf-connecting-ip": ip() }, body: `token=${"x".repeat(5000)}` }, env);
    expect(res.status).toBe(413);
    expect(res.headers.get("set-cookie")).toBeNull();
  });
});

/** Lets the window pass for one lock instance: its recorded failures move 10 minutes back. */
async function ageFailures(route: string, client: string) {
  // The webhook's count is per client and user name sent (the right one, here).
  const bucket = route === "webhook" ? `${client}:${(await sha256Hex(new TextEncoder().encode(`basic-user:${env.INBOUND_BASIC_USER}`))).slice(0, 32)}` : client;
  const stub = env.LIMITER.get(env.LIMITER.idFromName(`auth:${route}:${bucket}`));
  await runInDurableObject(stub, async (_o: RateLimiter, state) => {
    const list = (await state.storage.get<number[]>("authFailures")) ?? [];
    await state.storage.put("authFailures", list.map((t) => t - GUESS_WINDOW_MS - 1));
  });
}

describe("guessing is slowed: the 11th wrong attempt within 10 minutes gets 429", () => {
  async function expectLock(route: "admin" | "webhook", attempt: (client: string, right: boolean) => Response | Promise<Response>, okStatus: number) {
    const client = ip();
    for (let i = 1; i <= GUESS_LIMIT; i++) expect((await attempt(client, false)).status, `wrong attempt ${i}`).toBe(401);
    const locked = await attempt(client, false);
    expect(locked.status).toBe(429);
    const wait = Number(locked.headers.get("retry-after"));
    expect(wait).toBeGreaterThan(GUESS_WINDOW_MS / 1000 - 60);
    expect(wait).toBeLessThanOrEqual(GUESS_WINDOW_MS / 1000);
    // Even the right credential waits while the lock holds...
    expect((await attempt(client, true)).status).toBe(429);
    // ...another address is not affected...
    expect((await attempt(ip(), true)).status).toBe(okStatus);
    // ...the lock is recorded for the console...
    const [lock] = await openDb(env).select().from(authLocks).where(like(authLocks.client, `${client}%`)).orderBy(desc(authLocks.lockedAt));
    expect(lock).toMatchObject({ route, failures: GUESS_LIMIT });
    // ...and once the window has passed, the right credential gets in.
    await ageFailures(route, client);
    expect((await attempt(client, true)).status).toBe(okStatus);
  }

  it("on console sign-in", async () => {
    await expectLock("admin", (client, right) => login(right ? env.ADMIN_TOKEN : "not-the-admin-token", client), 303);
  });

  it("on the API bearer token", async () => {
    await expectLock("admin", (client, right) => SELF.fetch(`${BASE}/api/failures`, { headers: { authorization: `Bearer ${right ? env.ADMIN_TOKEN : "not-the-admin-token"}`, "cf-connecting-ip": client } }), 200);
  });

  it("on the TMS webhook's Basic credentials", async () => {
    const body = JSON.stringify(stopCompleted({ order: palletOrder({ reference: uniqueRef("600"), network: "PALLETWAYS", role: "DELIVERING" }) }));
    await expectLock(
      "webhook",
      (client, right) =>
        SELF.fetch(`${BASE}/webhooks/tms`, {
          method: "POST",
          headers: { "content-type": "application/json", "cf-connecting-ip": client, authorization: basicHeader(env.INBOUND_BASIC_USER, right ? env.INBOUND_BASIC_PASSWORD : "not-the-password") },
          body,
        }),
      200,
    );
  });

  it("shows recent locks in the console overview", async () => {
    const client = ip();
    for (let i = 0; i < GUESS_LIMIT; i++) await login("wrong-admin-token", client);
    const page = await (await overview(await signIn())).text();
    expect(page).toContain("Sign-in locks");
    expect(page).toContain(client);
    expect(page).toContain("console sign-in");
  });
});

describe("weak settings", () => {
  it("a 15-character ADMIN_TOKEN signs nobody in, and says which setting", async () => {
    const weak = { ...env, ADMIN_TOKEN: "fifteen-chars-x" } as Env;
    expect(weak.ADMIN_TOKEN).toHaveLength(15);
    const res = await login(weak.ADMIN_TOKEN, ip(), weak);
    expect(res.status).toBe(503);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(await res.text()).toContain("ADMIN_TOKEN is shorter than 16 characters");
    const api = await app.request(`${BASE}/api/failures`, { headers: { authorization: `Bearer ${weak.ADMIN_TOKEN}` } }, weak);
    expect(api.status).toBe(503);
    expect(((await api.json()) as { message: string }).message).toContain("ADMIN_TOKEN");
    const bearerOps = await app.request(`${BASE}/ops`, { headers: { authorization: `Bearer ${weak.ADMIN_TOKEN}` } }, weak);
    expect(bearerOps.status).toBe(503);
    // 16 characters is enough.
    const ok = { ...env, ADMIN_TOKEN: "sixteen-chars-xx" } as Env;
    expect((await login(ok.ADMIN_TOKEN, ip(), ok)).status).toBe(303);
  });

  it("a short INBOUND_BASIC_PASSWORD is a warning behind authentication (GET /api/health, the console), but webhooks keep working", async () => {
    const weak = { ...env, INBOUND_BASIC_PASSWORD: "short-password" } as Env;
    const health = (await (await app.request(`${BASE}/api/health`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, "cf-connecting-ip": ip() } }, weak)).json()) as { config_problems: string[] };
    expect(health.config_problems.some((p) => p.startsWith("INBOUND_BASIC_PASSWORD is shorter than 16"))).toBe(true);
    expect(JSON.stringify(health)).not.toContain("short-password");
    const body = JSON.stringify(stopCompleted({ order: palletOrder({ reference: uniqueRef("600"), network: "PALLETWAYS", role: "DELIVERING" }) }));
    const res = await app.request(`${BASE}/webhooks/tms`, { method: "POST", headers: { "content-type": "application/json", authorization: basicHeader(weak.INBOUND_BASIC_USER, "short-password") }, body }, weak);
    expect(res.status).toBe(200);
    const cookie = await signIn(weak);
    expect(await (await overview(cookie, weak)).text()).toContain("INBOUND_BASIC_PASSWORD is shorter than 16");
  });

  it("a malformed INBOUND_SIGNING_SECRET answers 503 naming the setting, not 500", async () => {
    const body = JSON.stringify(stopCompleted({ order: palletOrder({ reference: uniqueRef("600"), network: "PALLETWAYS", role: "DELIVERING" }) }));
    for (const secret of ["whsec_!!!not base64!!!", "not-a-whsec-secret", "whsec_"]) {
      const bad = { ...env, INBOUND_SIGNING_SECRET: secret } as Env;
      const res = await app.request(`${BASE}/webhooks/tms`, { method: "POST", headers: { "content-type": "application/json", authorization: basicHeader(env.INBOUND_BASIC_USER, env.INBOUND_BASIC_PASSWORD) }, body }, bad);
      expect(res.status, secret).toBe(503);
      const text = await res.text();
      expect(text).toContain("INBOUND_SIGNING_SECRET");
      expect(text).not.toContain(secret.slice(6) || "\u0000");
    }
  });
});

describe("what the public and the console are shown", () => {
  it("/healthz gives our words and the partner's code, never the partner's raw text; the console keeps it", async () => {
    const db = openDb(env);
    const raw = "<html>upstream proxy said: internal host 10.1.2.3 stack trace</html>";
    await markError(db, "upn", `UPN refused image_download: ${raw}`, "ACTION_NOT_ENABLED");
    try {
      const body = await (await SELF.fetch(`${BASE}/healthz`)).text();
      const health = JSON.parse(body) as { networks: { upn: { last_error: string; last_error_code: string } } };
      expect(health.networks.upn.last_error).toBe("UPN refused image_download [ACTION_NOT_ENABLED]");
      expect(health.networks.upn.last_error_code).toBe("ACTION_NOT_ENABLED");
      expect(body).not.toContain("10.1.2.3");
      const page = await (await overview(await signIn())).text();
      expect(page).toContain("internal host 10.1.2.3");
    } finally {
      await markSuccess(db, "upn");
    }
  });

  it("console search takes % and _ literally", async () => {
    const u = uniqueRef();
    const db = openDb(env);
    await db.insert(consignments).values([
      { network: "upn", reference: `S${u}_9` },
      { network: "upn", reference: `S${u}X9` },
    ]);
    expect((await searchConsignments(env, `S${u}_`)).map((m) => m.reference)).toEqual([`S${u}_9`]);
    expect(await searchConsignments(env, `S${u}%9`)).toEqual([]);
    expect((await searchConsignments(env, `S${u}`)).map((m) => m.reference).sort()).toEqual([`S${u}X9`, `S${u}_9`]);
  });
});

describe("rotating the inbound webhook's secrets loses no webhook", () => {
  const body = () => JSON.stringify(stopCompleted({ order: palletOrder({ reference: uniqueRef("600"), network: "PALLETWAYS", role: "DELIVERING" }) }));
  const send = (e: Env, password: string, headers: Record<string, string> = {}, b = body()) =>
    app.request(`${BASE}/webhooks/tms`, { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": ip(), authorization: basicHeader(e.INBOUND_BASIC_USER, password), ...headers }, body: b }, e);

  it("accepts the old and the new INBOUND_BASIC_PASSWORD while both are set, one a line", async () => {
    const rotating = { ...env, INBOUND_BASIC_PASSWORD: `${env.INBOUND_BASIC_PASSWORD}\nthe-next-inbound-password-2026` } as Env;
    expect((await send(rotating, env.INBOUND_BASIC_PASSWORD)).status).toBe(200);
    expect((await send(rotating, "the-next-inbound-password-2026")).status).toBe(200);
    expect((await send(rotating, "neither-of-the-two-passwords")).status).toBe(401);
  });

  it("accepts a signature under either INBOUND_SIGNING_SECRET while two are set", async () => {
    const oldSecret = "whsec_" + btoa("old-secret-old-secret-old-secret");
    const newSecret = "whsec_" + btoa("new-secret-new-secret-new-secret");
    const rotating = { ...env, INBOUND_SIGNING_SECRET: `${oldSecret} ${newSecret}` } as Env;
    for (const secret of [oldSecret, newSecret]) {
      const b = body();
      const signed = await signWebhook({ secret, body: b, id: `msg_${uniqueRef()}` });
      expect((await send(rotating, env.INBOUND_BASIC_PASSWORD, signed, b)).status, secret).toBe(200);
    }
    const b = body();
    const stranger = await signWebhook({ secret: "whsec_" + btoa("some-other-secret-entirely-0000"), body: b, id: `msg_${uniqueRef()}` });
    expect((await send(rotating, env.INBOUND_BASIC_PASSWORD, stranger, b)).status).toBe(401);
  });
});
