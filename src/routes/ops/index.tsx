import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { getConfig } from "../../config";
import { db as openDb } from "../../db/client";
import { carrierFor, networkEnabled, networkLabel as label, refreshConsignment } from "../../carriers";
import { timingSafeEqual } from "../../lib/bytes";
import { log } from "../../lib/log";
import { redact } from "../../lib/secrets";
import { SESSION_COOKIE, SESSION_TTL_MS, checkAdmin, closeSession, openSession, sameOriginOnly } from "../../middleware/admin-auth";
import { beginAttempt, clientOf, lockedMessage, retryAfterSeconds } from "../../middleware/guess-guard";
import { replayJob } from "../../engine";
import { Layout, consignmentHref, type Flash } from "./components";
import { consignmentPage, documentFile, searchConsignments } from "../../read/consignments";
import { failures } from "../../read/failures";
import { overview } from "../../read/overview";
import { recentLocks } from "../../read/locks";
import { markSeen } from "../../read/attention";
import { storageSummary } from "../../read/storage";
import { ConsignmentView, INLINE_IMAGE, NotFoundPage, SearchPage } from "./pages/consignment";
import { FailuresPage } from "./pages/failures";
import { ImportsPage } from "./pages/imports";
import { importedConsignments } from "../../read/imports";
import { LoginPage, NotConfiguredPage } from "./pages/login";
import { OverviewPage } from "./pages/overview";

// The operator console at /ops: server-rendered pages and plain POST-then-redirect forms, so
// it works without JavaScript. A session is a random id in a __Host- cookie (HttpOnly, Secure,
// SameSite=Strict) kept server-side with its expiry (middleware/admin-auth/session.ts); every
// POST also goes through Hono's csrf() (403 unless Sec-Fetch-Site/Origin say our own origin).

type Env_ = { Bindings: Env };
type C = Context<Env_>;

export const ops = new Hono<Env_>();

const FLASH_COOKIE = "pb_flash";
/** A sign-in form is a token and a path: anything bigger is not one. */
const LOGIN_MAX_BODY_BYTES = 4 * 1024;

const PAGE_HEADERS = {
  "content-security-policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "referrer-policy": "same-origin",
  "x-content-type-options": "nosniff",
  // Pages show live operational state and must not outlive the session in a shared cache.
  "cache-control": "no-store",
};

async function page(c: C, body: HtmlEscapedString | Promise<HtmlEscapedString>, status: 200 | 400 | 401 | 404 | 413 | 429 | 503 = 200, headers: Record<string, string> = {}) {
  return c.html(html`<!DOCTYPE html>${await body}`, status, { ...PAGE_HEADERS, ...headers });
}

/** Only a path inside the console: a `back`/`next` field must not become an open redirect. */
function safeBack(v: unknown, fallback = "/ops"): string {
  return typeof v === "string" && /^\/ops(?:[/?#][^\s\\]*)?$/.test(v) && !v.startsWith("//") ? v : fallback;
}

function secureCookie(c: C, name: string, value: string, maxAge: number, path = "/") {
  setCookie(c, name, value, { httpOnly: true, secure: true, sameSite: "Strict", path, maxAge });
}

function flash(c: C, text: string, bad = false) {
  secureCookie(c, FLASH_COOKIE, JSON.stringify({ text, bad }), 120, "/ops");
}

function takeFlash(c: C): Flash {
  const raw = getCookie(c, FLASH_COOKIE);
  if (!raw) return null;
  deleteCookie(c, FLASH_COOKIE, { path: "/ops", secure: true, httpOnly: true, sameSite: "Strict" });
  try {
    const v = JSON.parse(raw) as { text?: unknown; bad?: unknown };
    return typeof v.text === "string" ? { text: v.text.slice(0, 500), bad: v.bad === true } : null;
  } catch {
    return null;
  }
}

// ---- sign in / out (the only routes open without a session) ----

/** The console can sign nobody in: ADMIN_TOKEN is absent, or too short to be trusted. */
function notConfigured(c: C) {
  const config = getConfig(c.env);
  if (!config.adminToken) return page(c, <NotConfiguredPage />, 503);
  if (config.adminTokenProblem) return page(c, <NotConfiguredPage problem={config.adminTokenProblem} />, 503);
  return null;
}

ops.get("/login", async (c) => {
  return notConfigured(c) ?? page(c, <LoginPage next={safeBack(c.req.query("next"))} />);
});

ops.post(
  "/login",
  sameOriginOnly,
  bodyLimit({
    maxSize: LOGIN_MAX_BODY_BYTES,
    onError: (c) => page(c as C, <LoginPage error="That sign-in form was too large to be one. Open the console's own sign-in page." />, 413),
  }),
  async (c) => {
    const refused = notConfigured(c);
    if (refused) return refused;
    const token = getConfig(c.env).adminToken!;
    const form = await c.req.parseBody();
    const given = typeof form.token === "string" ? form.token.trim() : "";
    const next = safeBack(form.next);
    if (!given) return page(c, <LoginPage error="Enter the admin token." next={next} />, 401);
    // Counted before the comparison, in one count with the API's bearer token (rule 10).
    const begun = await beginAttempt(c.env, "admin", clientOf(c.req.raw.headers));
    if (!begun.ok) {
      return page(c, <LoginPage error={`Too many wrong admin tokens from this address: ${lockedMessage(begun.waitMs)}.`} />, 429, { "retry-after": retryAfterSeconds(begun.waitMs) });
    }
    if (timingSafeEqual(given, token)) await begun.attempt.right();
    else {
      await begun.attempt.wrong();
      log({ step: "ops.login", outcome: "error", error: "wrong admin token" });
      return page(c, <LoginPage error="That admin token is not right. Check the ADMIN_TOKEN secret of this deployment and try again." next={next} />, 401);
    }
    secureCookie(c, SESSION_COOKIE, await openSession(c.env, token), SESSION_TTL_MS / 1000);
    log({ step: "ops.login", outcome: "ok" });
    return c.redirect(next, 303);
  },
);

ops.post("/logout", sameOriginOnly, async (c) => {
  // The session ends on the server, so a copy of the cookie kept anywhere is dead as well.
  await closeSession(c.env, getCookie(c, SESSION_COOKIE));
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true, httpOnly: true, sameSite: "Strict" });
  log({ step: "ops.logout", outcome: "ok" });
  return c.redirect("/ops/login", 303);
});

// ---- everything below needs a session (cookie) or the Bearer token ----
// Hono runs handlers in registration order, so the sign-in routes above answer before this.

ops.use("*", async (c, next) => {
  const refused = notConfigured(c);
  if (refused) return refused;
  const r = await checkAdmin(c.env, c.req.raw);
  if (!r.ok) {
    if (r.status === 429) return c.text(`${r.message}.`, 429, { "retry-after": r.retryAfter ?? "60" });
    const url = new URL(c.req.url);
    if (c.req.method === "GET" && !url.pathname.startsWith("/ops/files/")) {
      return c.redirect(`/ops/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
    }
    return c.text("Sign in to the operator console first.", 401, { "www-authenticate": "Bearer" });
  }
  if (c.req.method === "POST") return sameOriginOnly(c, next);
  await next();
});

ops.get("/", async (c) => {
  const [o, locks, storage] = await Promise.all([overview(c.env), recentLocks(c.env), storageSummary(c.env)]);
  return page(c, <OverviewPage o={o} flash={takeFlash(c)} locks={locks} storage={storage} />);
});

ops.get("/consignments", async (c) => {
  const q = (c.req.query("q") ?? "").slice(0, 200);
  const matches = await searchConsignments(c.env, q);
  if (matches.length === 1) return c.redirect(consignmentHref(matches[0]!.network, matches[0]!.reference), 303);
  return page(c, <SearchPage q={q.trim()} matches={matches} flash={takeFlash(c)} />);
});

ops.get("/consignments/:network/:reference", async (c) => {
  const { network, reference } = c.req.param();
  if (!carrierFor(network)) return page(c, <NotFoundPage what={`There is no network called “${network}”.`} />, 404);
  const view = await consignmentPage(c.env, network, reference);
  if (!view) return page(c, <NotFoundPage what={`No ${label(network)} consignment ${reference} is known yet.`} />, 404);
  const canRefresh = Boolean(carrierFor(network)?.refresh) && networkEnabled(c.env, network);
  return page(c, <ConsignmentView c={view} flash={takeFlash(c)} canRefresh={canRefresh} />);
});

ops.post("/consignments/:network/:reference/refresh", async (c) => {
  const { network, reference } = c.req.param();
  if (!carrierFor(network)) return page(c, <NotFoundPage what={`There is no network called “${network}”.`} />, 404);
  const back = consignmentHref(network, reference);
  const r = await refreshConsignment(c.env, network, reference);
  if (r.ok) {
    const summary = Object.entries(r.result)
      .filter(([, v]) => ["string", "number", "boolean"].includes(typeof v))
      .map(([k, v]) => `${k.replace(/_/g, " ")}: ${String(v)}`)
      .join(", ");
    flash(c, `Fetched from ${label(network)} now${summary ? ` (${summary})` : ""}.`);
    log({ network, reference, step: "ops.refresh", outcome: "ok" });
  } else if (r.status === 502) {
    const message = redact(r.message);
    log({ network, reference, step: "ops.refresh", outcome: "error", error: message });
    flash(c, `Could not fetch from ${label(network)}: ${message}`, true);
  } else {
    flash(c, r.message, true);
  }
  return c.redirect(back, 303);
});

ops.get("/failures", async (c) => page(c, <FailuresPage list={await failures(c.env)} flash={takeFlash(c)} />));

ops.get("/imports", async (c) => page(c, <ImportsPage list={await importedConsignments(c.env)} flash={takeFlash(c)} />));

ops.post("/failures/:id/replay", async (c) => {
  const id = c.req.param("id");
  const form = await c.req.parseBody();
  const ok = await replayJob(c.env, openDb(c.env), id);
  if (ok) {
    log({ step: "ops.replay", outcome: "ok", job_id: id });
    flash(c, "Replayed: the work is queued again and starts from attempt 1. Reload to follow it.");
  } else {
    flash(c, "Nothing to replay: that work is no longer failed (already replayed, or it finished).", true);
  }
  return c.redirect(safeBack(form.back), 303);
});

ops.post("/attention/seen", async (c) => {
  const form = await c.req.parseBody();
  const id = typeof form.id === "string" ? form.id : "";
  if (await markSeen(c.env, id)) {
    log({ step: "ops.attention.seen", outcome: "ok", item: id });
    flash(c, "Marked seen: it is off the list. Anything new about it comes back as a new item.");
  } else {
    flash(c, "Nothing to mark: that item is no longer on the list (resolved, or already marked seen).", true);
  }
  return c.redirect(safeBack(form.back), 303);
});

ops.get("/files/:id", async (c) => {
  const row = await documentFile(c.env, c.req.param("id"));
  if (!row?.r2Key) return c.text("No stored copy of that document.", 404);
  const obj = await c.env.FILES.get(row.r2Key);
  if (!obj) return c.text("The document's stored copy is missing from R2.", 404);
  const type = row.contentType ?? obj.httpMetadata?.contentType ?? "application/octet-stream";
  // Only formats a browser renders safely are shown inline; anything else (an HTML or SVG file
  // someone attached in the TMS) is a download, so it can never run script on this origin.
  const inline = INLINE_IMAGE.test(type) || type === "application/pdf";
  const headers: Record<string, string> = {
    "content-type": inline ? type : "application/octet-stream",
    "content-length": String(obj.size),
    "content-disposition": `${inline ? "inline" : "attachment"}; filename*=UTF-8''${encodeURIComponent(row.filename)}`,
    // Never kept by the browser: after sign-out, a shared machine must not show a POD from its cache.
    "cache-control": "no-store",
    etag: obj.httpEtag,
    "x-content-type-options": "nosniff",
  };
  if (type !== "application/pdf") headers["content-security-policy"] = "default-src 'none'; sandbox";
  return c.body(obj.body, 200, headers);
});
