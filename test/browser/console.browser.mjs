// The operator console in a real headless Chromium, against the Worker running locally under
// wrangler (real D1/R2/Queues in workerd) and the partner simulators. Data is made the way
// production makes it: TMS webhooks, the queue consumer, a TMS that refuses a download.
//
//   node test/browser/console.browser.mjs
//
// Prints "N passed, N failed" last; exits non-zero on any failure. Writes docs/screenshots/
// consignment.png (desktop), consignment-phone.png (a phone's width), overview.png (with what
// needs attention and the 24-hour charts), failures.png.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import sharp from "sharp";
import { chromium } from "playwright-core";
import { unstable_startWorker } from "wrangler";
import { startSandbox } from "../../sandbox/index.mjs";
import { basicHeader, documentCreated, palletOrder } from "../../sandbox/qargo-webhooks.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// The README shows these; SCREENSHOTS_DIR sends them elsewhere when a run should not touch the tree.
const SHOTS = process.env.SCREENSHOTS_DIR ? path.resolve(process.env.SCREENSHOTS_DIR) : path.join(ROOT, "docs/screenshots");
// The Worker logs the failures this test causes on purpose; BROWSER_TEST_VERBOSE=1 shows them.
const VERBOSE = Boolean(process.env.BROWSER_TEST_VERBOSE);
const OVERALL_TIMEOUT_MS = 240_000;

const results = [];
let stopped = false;

async function step(name, fn) {
  if (stopped) {
    // A later step needs what an earlier one set up; report it rather than run it blind.
    results.push({ name, ok: false, why: "not run: an earlier step failed" });
    console.log(`  - ${name} (not run)`);
    return;
  }
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`  ✓ ${name} (${Date.now() - started} ms)`);
  } catch (err) {
    results.push({ name, ok: false, why: err?.stack ?? String(err) });
    console.log(`  ✗ ${name}\n    ${String(err?.stack ?? err).split("\n").join("\n    ")}`);
    stopped = true;
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

async function waitFor(what, check, timeoutMs = 30_000, everyMs = 250) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A delivery photo: real JPEG bytes, a pallet on a floor, different colours per photo. */
async function photo(hue, label) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480">
    <defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="hsl(${hue},35%,80%)"/><stop offset="1" stop-color="hsl(${hue},25%,45%)"/></linearGradient></defs>
    <rect width="640" height="480" fill="url(#g)"/>
    <rect x="0" y="360" width="640" height="120" fill="#6b6b6b"/>
    <rect x="170" y="150" width="300" height="190" fill="hsl(${(hue + 180) % 360},45%,55%)" stroke="#333" stroke-width="4"/>
    <rect x="150" y="340" width="340" height="18" fill="#a0742c"/><rect x="160" y="358" width="30" height="22" fill="#a0742c"/>
    <rect x="305" y="358" width="30" height="22" fill="#a0742c"/><rect x="450" y="358" width="30" height="22" fill="#a0742c"/>
    <rect x="${label === 1 ? 200 : 380}" y="180" width="60" height="40" fill="#fff" stroke="#333" stroke-width="2"/>
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 82 }).toBuffer();
}

const wrangler = path.join(ROOT, "node_modules/.bin/wrangler");

async function main() {
  if (!existsSync(CHROMIUM)) {
    console.error(`Chromium is not installed at ${CHROMIUM}. Install Debian's build with: apt-get install -y chromium (or set CHROMIUM_PATH).`);
    console.log("0 passed, 1 failed");
    process.exit(1);
  }

  const persist = await fs.mkdtemp(path.join(os.tmpdir(), "pb-browser-"));
  const cleanups = [() => fs.rm(persist, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await Promise.resolve().then(fn).catch((e) => console.error("cleanup:", e?.message ?? e));
  };
  const watchdog = setTimeout(() => {
    console.error(`the browser test took longer than ${OVERALL_TIMEOUT_MS / 1000} s; giving up`);
    console.log(`${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`);
    process.exit(1);
  }, OVERALL_TIMEOUT_MS);

  let sandbox, worker, base, browser;
  const ref = `HZ${Date.now().toString().slice(-8)}`;
  let podJobId = null;

  try {
    await step("start the simulators and the Worker (wrangler, local D1 with migrations)", async () => {
      sandbox = await startSandbox({ quiet: !VERBOSE });
      cleanups.push(() => sandbox.stop());
      // The same persist dir for the CLI and the dev server: the Worker sees the migrated D1.
      await promisify(execFile)(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], {
        cwd: ROOT,
        env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false" },
      });
      worker = await unstable_startWorker({
        config: path.join(ROOT, "wrangler.jsonc"),
        envFiles: [],
        bindings: Object.fromEntries(Object.entries(sandbox.env).map(([k, v]) => [k, { type: "plain_text", value: v }])),
        // testScheduled: the cron is fired through /__scheduled, as `npm start` does.
        dev: { server: { hostname: "127.0.0.1", port: 0 }, inspector: false, persist, watch: false, liveReload: false, logLevel: VERBOSE ? "log" : "none", remote: false, testScheduled: true },
      });
      cleanups.push(() => worker.dispose());
      await worker.ready;
      // "localhost" is a secure context in Chromium, so the console's Secure cookie is kept.
      const url = new URL(await worker.url);
      base = `http://localhost:${url.port}`;
      const health = await fetch(`${base}/healthz`);
      assert(health.ok, `/healthz answered ${health.status}`);
    });

    const api = async (p, init = {}) => {
      const res = await fetch(base + p, { ...init, headers: { authorization: `Bearer ${sandbox.env.ADMIN_TOKEN}`, ...(init.headers ?? {}) } });
      return res.ok ? res.json() : null;
    };
    const webhook = (body) =>
      fetch(`${base}/webhooks/tms`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: basicHeader(sandbox.env.INBOUND_BASIC_USER, sandbox.env.INBOUND_BASIC_PASSWORD) },
        body: JSON.stringify(body),
      });

    await step("a Hazchem consignment gets two delivery photos and a POD the TMS refuses once", async () => {
      await fetch(`${sandbox.urls.hazchem}/__sim/consignments`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify([{ consignment_number: ref, requesting_depot: "HZ99", delivery_depot: sandbox.env.HAZCHEM_DEPOT }]),
      });
      const order = palletOrder({ reference: ref, network: "HAZCHEM", role: "DELIVERING", customerReference: `CR-${ref}` });
      for (const [i, hue] of [[1, 30], [2, 200]]) {
        const res = await webhook(documentCreated({ order, documentType: "PHOTO_OF_GOODS_DELIVERY", name: `delivery-photo-${i}.jpg`, content: await photo(hue, i), mimeType: "image/jpeg" }));
        assert(res.ok, `photo webhook ${i} answered ${res.status}`);
      }
      // The POD lives in the TMS (download URL); the TMS refuses the download once, a permanent
      // refusal, so the work stops at once and waits for an operator instead of retrying.
      const pdf = Buffer.from("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");
      const seeded = await (await fetch(`${sandbox.urls.qargo}/__sim/documents`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ content: pdf.toString("base64"), mime_type: "application/pdf", filename: "pod.pdf" }) })).json();
      await fetch(`${sandbox.urls.qargo}/__sim/fail`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ method: "GET", path: `^/v1/documents/document/${seeded.id}/download`, status: 403, times: 1, body: { detail: "Not allowed to read this document" } }),
      });
      const res = await webhook(documentCreated({ order, documentType: "PROOF_OF_DELIVERY", name: "pod.pdf", downloadUrl: seeded.download_url }));
      assert(res.ok, `POD webhook answered ${res.status}`);

      await waitFor("both photos stored", async () => (await api(`/api/consignments/hazchem/${ref}`))?.documents?.filter((d) => d.content_type === "image/jpeg").length === 2);
      podJobId = await waitFor("the POD download to fail", async () => {
        const list = await api("/api/failures");
        return list?.failures?.find((f) => f.reference === ref && f.kind === "tms.document")?.id;
      });
    });

    const carded = `UPN${sandbox.env.UPN_DEPOT}${Date.now().toString().slice(-7)}`;
    const cardedId = () => `exception:upn:${carded}-crd`;
    await step("a UPN consignment is Carded: the cron puts it on the attention list and alerts once", async () => {
      const post = (url, body) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      await post(`${sandbox.urls.upn}/__sim/consignments`, [{ barcode: carded, delivery_depot: sandbox.env.UPN_DEPOT, requesting_depot: "012" }]);
      await post(`${sandbox.urls.upn}/__sim/events`, [{ event_id: `${carded}-crd`, barcode: carded, capture_type: "C", stage_code: "CRD", stage: "Carded", note: "Nobody on site, card left" }]);
      const fired = await fetch(`${base}/__scheduled?cron=${encodeURIComponent("*/10 * * * *")}`);
      assert(fired.ok, `firing the cron answered ${fired.status}`);
      await waitFor("the Carded consignment on /api/attention", async () => (await api("/api/attention"))?.items?.some((i) => i.id === cardedId()));
      const alerts = await waitFor("its alert", async () => {
        const state = await (await fetch(`${sandbox.urls.alerts}/__sim/state`)).json();
        const mine = state.alerts.filter((a) => a.text.includes(carded));
        return mine.length ? mine : null;
      });
      assert(alerts.length === 1 && /Carded \(CRD\)/.test(alerts[0].text), `alerts: ${JSON.stringify(alerts)}`);
    });

    await step("launch Debian's Chromium", async () => {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      });
      cleanups.push(() => browser.close());
    });

    let page, context;
    await step("a wrong token is refused with a clear message and no cookie", async () => {
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
      await page.goto(`${base}/ops`);
      assert(new URL(page.url()).pathname === "/ops/login", `expected the sign-in page, got ${page.url()}`);
      await page.getByLabel("Admin token").fill("not-the-right-token");
      const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/ops/login") && r.request().method() === "POST"), page.getByRole("button", { name: "Sign in" }).click()]);
      assert(res.status() === 401, `wrong token answered ${res.status()}`);
      const alert = await page.getByRole("alert").textContent();
      assert(/not right/.test(alert ?? ""), `no clear message: ${alert}`);
      assert((await context.cookies()).length === 0, "a cookie was set for a wrong token");
    });

    let sessionCookie;
    await step("sign in with the keyboard; the cookie is a __Host- session id, HttpOnly, Secure, SameSite=Strict", async () => {
      await page.getByLabel("Admin token").fill(sandbox.env.ADMIN_TOKEN);
      await Promise.all([page.waitForURL(`${base}/ops`), page.keyboard.press("Enter")]);
      await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
      const cookie = (await context.cookies()).find((c) => c.name === "__Host-pb_session");
      assert(cookie, "no session cookie");
      assert(cookie.httpOnly && cookie.secure && cookie.sameSite === "Strict" && cookie.path === "/", `cookie flags: ${JSON.stringify({ ...cookie, value: "…" })}`);
      assert(cookie.value !== sandbox.env.ADMIN_TOKEN, "the cookie holds the token itself");
      sessionCookie = cookie;
      const body = await page.content();
      for (const secret of [sandbox.env.ADMIN_TOKEN, sandbox.env.HAZCHEM_API_KEY, sandbox.env.UPN_API_KEY, sandbox.env.PALLETWAYS_API_KEY, sandbox.env.TMS_CLIENT_SECRET]) {
        assert(!body.includes(secret), "a secret is on the overview page");
      }
    });

    await step("the overview puts what needs attention first and draws the last 24 hours", async () => {
      await waitFor("both photos sent to Hazchem", async () => (await api(`/api/consignments/hazchem/${ref}`))?.documents?.filter((d) => d.status === "sent").length >= 2);
      await page.reload();
      const headings = await page.getByRole("heading", { level: 2 }).allTextContents();
      assert(/^Needs attention/.test(headings[0] ?? ""), `the first section is ${headings[0]}`);
      const list = page.getByRole("region", { name: /Needs attention/ });
      const item = list.locator(`li[data-id="${cardedId()}"]`);
      assert(/Carded \(CRD\)/.test((await item.textContent()) ?? ""), "the Carded consignment is not on the list");
      assert(await list.locator("li").filter({ hasText: ref }).count() >= 1, "the refused POD download is not on the list");
      // The charts: one SVG per switched-on network, drawn at a readable size, with a table behind them.
      const charts = page.locator("figure.chart svg[role=img]");
      assert((await charts.count()) === 4, `expected 4 charts (Palletways, UPN, Hazchem, Palletforce), found ${await charts.count()}`);
      const hz = page.locator("figure.chart").filter({ has: page.getByRole("heading", { name: "Hazchem" }) });
      const box = await hz.locator("svg").boundingBox();
      assert(box && box.width > 300 && box.height > 60, `the Hazchem chart is drawn at ${JSON.stringify(box)}`);
      assert((await hz.locator("polyline").count()) === 3, "the chart has no lines");
      const desc = (await hz.locator("desc").textContent()) ?? "";
      const m = /(\d+) documents? into the TMS, (\d+) out to Hazchem/.exec(desc);
      assert(m && Number(m[2]) >= 2, `the chart's description does not count the two photos sent: ${desc}`);
      await hz.getByText("The numbers, hour by hour").click();
      assert(await hz.getByRole("table").isVisible(), "the table of numbers does not open");
      const cells = await hz.locator("tbody tr").last().locator("td").allTextContents();
      assert(Number(cells[1]) >= 2, `the current hour's row does not count the photos sent: ${cells.join(", ")}`);
      await hz.getByText("The numbers, hour by hour").click();
      await page.evaluate(() => window.scrollTo(0, 0));
      await fs.mkdir(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, "overview.png"), fullPage: true });
    });

    await step("mark the Carded consignment seen and see it leave the list", async () => {
      const item = page.locator(`li[data-id="${cardedId()}"]`);
      await Promise.all([page.waitForURL(`${base}/ops`), item.getByRole("button", { name: /Mark seen/ }).click()]);
      const flash = await page.getByRole("status").first().textContent();
      assert(/Marked seen/.test(flash ?? ""), `no confirmation after marking seen: ${flash}`);
      assert((await page.locator(`li[data-id="${cardedId()}"]`).count()) === 0, "the item is still on the list");
      const left = await api("/api/attention");
      assert(!left.items.some((i) => i.id === cardedId()), "the API still lists the item");
    });

    await step("replay the refused POD download from the failures list and see it succeed", async () => {
      await page.getByRole("link", { name: "Failures", exact: true }).click();
      await page.getByRole("heading", { level: 1, name: "Failures" }).waitFor();
      const item = page.locator(`#job-${podJobId}`);
      assert(/403/.test((await item.textContent()) ?? ""), "the failure does not say why (403)");
      await page.screenshot({ path: path.join(SHOTS, "failures.png"), fullPage: true });
      await Promise.all([page.waitForURL(`${base}/ops/failures`), item.getByRole("button", { name: /Replay/ }).click()]);
      const flash = await page.getByRole("status").textContent();
      assert(/Replayed/.test(flash ?? ""), `no confirmation after replay: ${flash}`);
      await page.goto(`${base}/ops/consignments/hazchem/${encodeURIComponent(ref)}`);
      await waitFor("the replayed job to show done", async () => {
        await page.reload();
        return /\bdone\b/.test((await page.locator(`#job-${podJobId} .badge`).textContent()) ?? "");
      }, 30_000, 500);
      await page.getByText('Received "pod.pdf" from the TMS').first().waitFor();
    });

    await step("find the consignment by its TMS order and see both thumbnails load", async () => {
      await page.goto(`${base}/ops`);
      await page.getByLabel("Network reference or TMS order").fill(`CR-${ref}`);
      await Promise.all([page.waitForURL(`${base}/ops/consignments/hazchem/${ref}`), page.getByLabel("Network reference or TMS order").press("Enter")]);
      await page.getByRole("heading", { level: 1 }).filter({ hasText: ref }).waitFor();
      const thumbs = page.locator(".docs img");
      assert((await thumbs.count()) === 2, `expected 2 thumbnails, found ${await thumbs.count()}`);
      for (const img of await thumbs.all()) await img.scrollIntoViewIfNeeded();
      const sizes = await waitFor("both thumbnails to load", async () => {
        const s = await thumbs.evaluateAll((imgs) => imgs.map((i) => ({ done: i.complete, w: i.naturalWidth, h: i.naturalHeight, src: i.getAttribute("src") })));
        return s.every((x) => x.done && x.w > 0) ? s : null;
      });
      assert(sizes.every((s) => s.w === 640 && s.h === 480), `thumbnails are not the photos: ${JSON.stringify(sizes)}`);
      const file = await page.request.get(base + sizes[0].src);
      assert(file.headers()["content-type"] === "image/jpeg", `photo served as ${file.headers()["content-type"]}`);
      assert(file.headers()["cache-control"] === "no-store", `photo is cacheable (${file.headers()["cache-control"]}): it would outlive the session in a shared browser`);
      const anon = await fetch(base + sizes[0].src);
      assert(anon.status === 401, `the photo is served without a session (${anon.status})`);
      await page.evaluate(() => window.scrollTo(0, 0));
      await fs.mkdir(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, "consignment.png"), fullPage: true });
    });

    await step("the consignment page is readable on a phone (no sideways scrolling)", async () => {
      const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, storageState: await context.storageState() });
      const p = await phone.newPage();
      await p.goto(`${base}/ops/consignments/hazchem/${encodeURIComponent(ref)}`);
      await p.getByRole("heading", { level: 1 }).waitFor();
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert(overflow <= 1, `the page scrolls sideways by ${overflow} px on a phone`);
      await p.screenshot({ path: path.join(SHOTS, "consignment-phone.png"), fullPage: false });
      await phone.close();
    });

    await step("sign out: back on the sign-in page, and the old cookie no longer opens the console", async () => {
      await page.goto(`${base}/ops`);
      await Promise.all([page.waitForURL(`${base}/ops/login`), page.getByRole("button", { name: "Sign out" }).click()]);
      await page.getByRole("heading", { level: 1, name: /Sign in/ }).waitFor();
      assert(!(await context.cookies()).some((c) => c.name === sessionCookie.name), "the session cookie is still in the browser");
      // A copy of the cookie taken before signing out is dead on the server too.
      const replayed = await fetch(`${base}/ops`, { redirect: "manual", headers: { cookie: `${sessionCookie.name}=${sessionCookie.value}` } });
      assert(replayed.status === 303 && /\/ops\/login/.test(replayed.headers.get("location") ?? ""), `the old cookie still works (${replayed.status})`);
      await page.goto(`${base}/ops/failures`);
      assert(new URL(page.url()).pathname === "/ops/login", `signed out, but /ops/failures showed ${page.url()}`);
    });
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }

  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  console.log(`${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`);
  process.exit(1);
});
