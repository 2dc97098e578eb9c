import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { registerCarrier } from "../src/carriers";
import { db as openDb } from "../src/db/client";
import { jobs } from "../src/db/schema";
import { markError, markSuccess, newJobRow } from "../src/engine";
import { SESSION_COOKIE } from "../src/middleware/admin-auth";
import { runJob } from "../src/queues/consumer";
import { documentCreated, palletOrder } from "../sandbox/qargo-webhooks.mjs";
import { fromBase64, sim } from "./support/sim";
import { postWebhook, uniqueRef, waitFor } from "./support/webhook";

// The operator console inside workerd: sign-in and the cookie, every route guarded, pages
// that render what D1/R2 hold (escaped, without secrets), thumbnails, replay and its CSRF guard.

const BASE = "https://connector.test";
// Two 24×16 JPEGs (sharp, quality 80), different colours so their SHA-256 differ.
const RED_JPEG = fromBase64("/9j/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAQABgDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAb/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFgEBAQEAAAAAAAAAAAAAAAAAAAYH/8QAFBEBAAAAAAAAAAAAAAAAAAAAAP/aAAwDAQACEQMRAD8AmgEw1IAB/9k=");
const BLUE_JPEG = fromBase64("/9j/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAQABgDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAb/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFgEBAQEAAAAAAAAAAAAAAAAAAAYH/8QAFBEBAAAAAAAAAAAAAAAAAAAAAP/aAAwDAQACEQMRAD8AigGkJgAB/9k=");

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { "content-type": "application/x-www-form-urlencoded" };

/** Signs in the way a browser does and returns the session cookie to send back. */
async function session(): Promise<string> {
  const res = await post("/ops/login", { token: env.ADMIN_TOKEN });
  const cookie = new RegExp(`${SESSION_COOKIE}=[^;]+`).exec(res.headers.get("set-cookie") ?? "")?.[0];
  if (!cookie) throw new Error(`sign-in gave no session cookie (${res.status})`);
  return cookie;
}

async function get(path: string, cookie?: string) {
  return SELF.fetch(BASE + path, { redirect: "manual", headers: cookie ? { cookie } : {} });
}

async function post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return SELF.fetch(BASE + path, { method: "POST", redirect: "manual", headers: { ...FORM, origin: BASE, "sec-fetch-site": "same-origin", ...headers }, body: form(fields) });
}

/** Every configured credential: none of them may ever appear on a console page. */
function secrets(): string[] {
  const e = env as unknown as Record<string, string>;
  return ["ADMIN_TOKEN", "TMS_CLIENT_SECRET", "TMS_WEBHOOK_SECRET", "INBOUND_BASIC_PASSWORD", "PALLETWAYS_API_KEY", "UPN_API_KEY", "HAZCHEM_API_KEY", "PALLETWAYS_FTP_URL"]
    .map((k) => e[k])
    .filter((v): v is string => Boolean(v));
}

describe("operator console: sign-in", () => {
  it("shows an accessible sign-in form", async () => {
    const res = await get("/ops/login");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const page = await res.text();
    expect(page.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('name="viewport"');
    expect(page).toMatch(/<label for="token">/);
    expect(page).toMatch(/<input id="token" name="token" type="password"/);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    // The stylesheet is a constant and must reach the browser unescaped (selectors use `>`).
    const css = /<style>([\s\S]*?)<\/style>/.exec(page)?.[1] ?? "";
    expect(css).toContain("ol.timeline>li");
    expect(css).not.toContain("&gt;");
  });

  it("refuses a wrong token with a clear message and no cookie", async () => {
    const res = await post("/ops/login", { token: "not-the-token" });
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toBeNull();
    const page = await res.text();
    expect(page).toContain("That admin token is not right");
    expect(page).toContain('role="alert"');
    expect((await post("/ops/login", { token: "" })).status).toBe(401);
  });

  it("sets a __Host- cookie (HttpOnly, Secure, SameSite=Strict, Path=/) holding a random session id, not the token", async () => {
    const res = await post("/ops/login", { token: env.ADMIN_TOKEN, next: "/ops/failures" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/ops/failures");
    const cookie = res.headers.get("set-cookie")!;
    expect(SESSION_COOKIE.startsWith("__Host-")).toBe(true);
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[0-9a-f]{64};`));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).toMatch(/Max-Age=43200/);
    expect(cookie).not.toMatch(/Domain=/i);
    expect(cookie).not.toContain(env.ADMIN_TOKEN);
    // A new id every time: nothing about it can be derived from the token.
    expect(await session()).not.toBe(await session());
  });

  it("never redirects outside the console after sign-in", async () => {
    for (const next of ["https://evil.example/", "//evil.example/x", "/api/failures", "/ops\\@evil"]) {
      const res = await post("/ops/login", { token: env.ADMIN_TOKEN, next });
      expect(res.headers.get("location")).toBe("/ops");
    }
  });

  it("refuses a sign-in posted from another site", async () => {
    const res = await post("/ops/login", { token: env.ADMIN_TOKEN }, { "sec-fetch-site": "cross-site", origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("signs out by ending the session on the server as well as clearing the cookie", async () => {
    const cookie = await session();
    expect((await get("/ops", cookie)).status).toBe(200);
    const res = await post("/ops/logout", {}, { cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/ops/login");
    expect(res.headers.get("set-cookie")).toMatch(new RegExp(`${SESSION_COOKIE}=;.*Max-Age=0`));
    // A copy of the cookie kept anywhere no longer works.
    expect((await get("/ops", cookie)).status).toBe(303);
  });
});

describe("operator console: every route is guarded", () => {
  const pages = ["/ops", "/ops/", "/ops/failures", "/ops/consignments", "/ops/consignments?q=x", "/ops/consignments/hazchem/X1"];

  it("sends a browser without a session to the sign-in page", async () => {
    for (const p of pages) {
      const res = await get(p);
      expect(res.status, p).toBe(303);
      expect(res.headers.get("location"), p).toBe(`/ops/login?next=${encodeURIComponent(p)}`);
    }
    for (const p of pages) expect((await get(p, `${SESSION_COOKIE}=forged`)).status, p).toBe(303);
  });

  it("answers 401 to files and actions without a session", async () => {
    expect((await get("/ops/files/some-id")).status).toBe(401);
    expect((await post("/ops/failures/some-id/replay", {})).status).toBe(401);
    expect((await post("/ops/consignments/hazchem/X1/refresh", {})).status).toBe(401);
  });

  it("accepts the Bearer token as well as the cookie", async () => {
    const res = await SELF.fetch(`${BASE}/ops`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
  });

  it("refuses an action posted from another site even with the cookie", async () => {
    const res = await post("/ops/failures/some-id/replay", {}, { cookie: await session(), "sec-fetch-site": "cross-site", origin: "https://evil.example" });
    expect(res.status).toBe(403);
    const noFetchMeta = await SELF.fetch(`${BASE}/ops/failures/some-id/replay`, { method: "POST", redirect: "manual", headers: { ...FORM, cookie: await session(), origin: "https://evil.example" }, body: "" });
    expect(noFetchMeta.status).toBe(403);
  });
});

describe("operator console: pages", () => {
  it("shows each network's health, with what to do about UPN's ACTION_NOT_ENABLED", async () => {
    const db = openDb(env);
    await markError(db, "upn", "UPN refused image_download: action not enabled for depot 045", "ACTION_NOT_ENABLED");
    try {
      const res = await get("/ops", await session());
      expect(res.status).toBe(200);
      const page = await res.text();
      for (const name of ["Palletways", "UPN", "Hazchem", "Queue backlog", "Failures", "Open Palletways photo windows"]) expect(page).toContain(name);
      expect(page).toContain("ACTION_NOT_ENABLED");
      expect(page).toContain("Ask UPN IT to enable it");
      for (const s of secrets()) expect(page).not.toContain(s);
    } finally {
      await markSuccess(db, "upn");
    }
  });

  it("shows a consignment's photos as thumbnails served from R2, newest first, escaped", async () => {
    const ref = uniqueRef("HZ");
    const order = palletOrder({ reference: ref, network: "HAZCHEM", role: "DELIVERING" });
    for (const [name, bytes] of [["first <b>photo</b>.jpg", RED_JPEG], ["second.jpg", BLUE_JPEG]] as const) {
      const res = await postWebhook(documentCreated({ order, documentType: "PHOTO_OF_GOODS_DELIVERY", name, content: bytes, mimeType: "image/jpeg" }));
      expect(res.status).toBe(200);
    }
    await waitFor(async () => {
      const r = await env.DB.prepare("SELECT count(*) AS n FROM documents WHERE network='hazchem' AND reference=?").bind(ref).first<{ n: number }>();
      return r && r.n === 2;
    }, 20_000, "both photos stored");

    const cookie = await session();
    // Search by the TMS order id lands on the page.
    const found = await get(`/ops/consignments?q=${order.id}`, cookie);
    expect(found.status).toBe(303);
    expect(found.headers.get("location")).toBe(`/ops/consignments/hazchem/${ref}`);

    const res = await get(`/ops/consignments/hazchem/${ref}`, cookie);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain(order.id);
    expect(page).toContain("first &lt;b&gt;photo&lt;/b&gt;.jpg");
    expect(page).not.toContain("<b>photo</b>");
    const srcs = [...page.matchAll(/<img src="(\/ops\/files\/[^"]+)" alt="PHOTO_OF_GOODS_DELIVERY/g)].map((m) => m[1]!);
    expect(srcs).toHaveLength(2);
    // Newest first: the second webhook was recorded after the first.
    const arrivals = [...page.matchAll(/TMS: new document PHOTO_OF_GOODS_DELIVERY &quot;(.+?)&quot;/g)].map((m) => m[1]);
    expect(arrivals).toEqual(["second.jpg", "first &lt;b&gt;photo&lt;/b&gt;.jpg"]);
    expect([...page.matchAll(/Received &quot;(.+?)&quot; from the TMS/g)]).toHaveLength(2);
    for (const s of secrets()) expect(page).not.toContain(s);

    const served = await Promise.all(srcs.map(async (src) => {
      const r = await get(src, cookie);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toBe("image/jpeg");
      expect(r.headers.get("cache-control")).toBe("no-store");
      expect(r.headers.get("x-content-type-options")).toBe("nosniff");
      return new Uint8Array(await r.arrayBuffer());
    }));
    expect(served.map((b) => b.length).sort()).toEqual([RED_JPEG.length, BLUE_JPEG.length].sort());
    expect((await get(srcs[0]!)).status).toBe(401);
    expect((await get("/ops/files/no-such-document", cookie)).status).toBe(404);
  });

  it("says plainly when a consignment is unknown", async () => {
    const cookie = await session();
    const res = await get("/ops/consignments/upn/NOPE404", cookie);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("No UPN consignment NOPE404 is known yet.");
    expect((await get("/ops/consignments/dhl/1", cookie)).status).toBe(404);
    const none = await get("/ops/consignments?q=nothing-like-this", cookie);
    expect(none.status).toBe(200);
    expect(await none.text()).toContain("No consignment matches");
  });

  it("fetches from the network on the refresh button and says how it went", async () => {
    const cookie = await session();
    const ref = uniqueRef("HZ");
    await postWebhook(documentCreated({ order: palletOrder({ reference: ref, network: "HAZCHEM" }), documentType: "PHOTO_OF_GOODS_DELIVERY", name: "p.jpg", content: RED_JPEG }));
    const back = `/ops/consignments/hazchem/${ref}`;
    expect(await (await get(back, cookie)).text()).toContain(`action="${back}/refresh"`);
    const res = await post(`${back}/refresh`, {}, { cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(back);
    const flashCookie = /pb_flash=[^;]+/.exec(res.headers.get("set-cookie") ?? "")![0];
    const page = await (await get(back, `${cookie}; ${flashCookie}`)).text();
    // Success or a plain-words refusal, never a bare error page.
    expect(page).toMatch(/Fetched from Hazchem now|Could not fetch from Hazchem: /);
    for (const s of secrets()) expect(page).not.toContain(s);

    const flashOf = (r: Response) => decodeURIComponent(/pb_flash=([^;]+)/.exec(r.headers.get("set-cookie") ?? "")![1]!);
    const upn = await post("/ops/consignments/upn/X1/refresh", {}, { cookie });
    expect(flashOf(upn)).toMatch(/Fetched from UPN now \(new events: \d+, events for consignment: 0/);
    // A network without a manual refresh says so in words.
    const off = registerCarrier({ network: "standin", label: "Stand-in", orderFieldValue: "STANDIN", settings: () => ({ enabled: true, problems: [] }), jobs: [], explain: () => null });
    try {
      expect(flashOf(await post("/ops/consignments/standin/X1/refresh", {}, { cookie }))).toContain("Stand-in has no manual refresh");
    } finally {
      off();
    }
    expect((await post("/ops/consignments/dhl/X1/refresh", {}, { cookie })).status).toBe(404);
  });

  it("lists work that ran out of retries and replays it to success from the button", async () => {
    const db = openDb(env);
    const ref = uniqueRef("HZ");
    const doc = await sim.qargo.seedDocument({ content: new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 9, 9]), mime_type: "application/pdf", filename: "pod.pdf" });
    await sim.qargo.fail({ method: "GET", path: `^/v1/documents/document/${doc.id}/download`, status: 503, times: 1 });
    const row = newJobRow({
      kind: "tms.document",
      network: "hazchem",
      reference: ref,
      maxAttempts: 1,
      payload: { documentId: doc.id, documentType: "PROOF_OF_DELIVERY", name: "pod.pdf", content: { downloadUrl: doc.download_url }, role: "DELIVERING", next: "hazchem.upload", route: { type: "POD" }, orderId: crypto.randomUUID(), customerReference: null },
    });
    await db.insert(jobs).values(row);
    await runJob(env, db, row.id);

    const cookie = await session();
    const list = await (await get("/ops/failures", cookie)).text();
    expect(list).toContain(`id="job-${row.id}"`);
    expect(list).toContain("503");
    expect(list).toContain("What to do:");
    expect(list).toContain(`action="/ops/failures/${row.id}/replay"`);

    const back = `/ops/consignments/hazchem/${ref}`;
    const res = await post(`/ops/failures/${row.id}/replay`, { back }, { cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(back);
    const flashCookie = /pb_flash=[^;]+/.exec(res.headers.get("set-cookie") ?? "")?.[0];
    expect(flashCookie).toBeTruthy();
    const after = await get(back, `${cookie}; ${flashCookie}`);
    expect(await after.text()).toContain("Replayed: the work is queued again");

    await waitFor(async () => {
      const [j] = await db.select().from(jobs).where(eq(jobs.id, row.id));
      return j?.status === "done";
    }, 20_000, "the replayed job to finish");
    const page = await (await get(back, cookie)).text();
    expect(page).toMatch(new RegExp(`id="job-${row.id}"[\\s\\S]*?<span class="badge ok">done</span>`));

    const again = await post(`/ops/failures/${row.id}/replay`, { back: "https://evil.example/" }, { cookie });
    expect(again.headers.get("location")).toBe("/ops");
  });
});
