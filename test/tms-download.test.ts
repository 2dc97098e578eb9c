import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { TmsClient } from "../src/tms/client";
import { decideDownload } from "../src/tms/download";
import { PermanentError } from "../src/lib/errors";
import { sim } from "./support/sim";
import { eq } from "drizzle-orm";
import { db as openDb } from "../src/db/client";
import { jobs } from "../src/db/schema";
import { newJobRow } from "../src/engine";
import { runJob } from "../src/queues/consumer";
import { uniqueRef } from "./support/webhook";

// download_url arrives in webhook data: contracts rule 7 and the download rule in tms-qargo.md.
// The foreign host is a real https server (test/support/download-host.mjs) that records what
// reached it, so "nothing arrived" and "no Authorization arrived" are observed, not assumed.

const host = () => env.DOWNLOAD_HOST_URL;
type Seen = { method: string; path: string; authorization: string | null; cookie: string | null };
const seen = async (): Promise<Seen[]> => (await fetch(`${host()}/__seen`)).json();
const withHosts = (hosts: string) => ({ ...env, TMS_DOWNLOAD_HOSTS: hosts }) as Env;

async function refusal(p: Promise<unknown>): Promise<PermanentError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(PermanentError);
  return err as PermanentError;
}

beforeEach(async () => {
  await sim.qargo.reset();
  await fetch(`${host()}/__reset`);
});

describe("TMS downloads: where credentials may go", () => {
  it("refuses a download_url on a host not in TMS_DOWNLOAD_HOSTS, names the setting, and sends it nothing", async () => {
    const err = await refusal(new TmsClient(env).downloadDocument({ download_url: `${host()}/doc/1` }));
    expect(err.message).toMatch(/^download host not allowed: /);
    expect(err.message).toContain("TMS_DOWNLOAD_HOSTS");
    expect(await seen()).toEqual([]);
    // And the TMS was not asked for anything on its behalf either.
    expect((await sim.qargo.state()).calls).toEqual([]);
  });

  it("fetches from a listed host over https with no Authorization at all", async () => {
    const file = await new TmsClient(withHosts("example.invalid, 127.0.0.1")).downloadDocument({ download_url: `${host()}/doc/2` });
    expect(await new Response(file.body).text()).toBe("bytes from the download host for /doc/2");
    expect(file.filename).toBe("stored.pdf");
    const got = await seen();
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ method: "GET", path: "/doc/2", authorization: null, cookie: null });
    // No token was fetched for it.
    expect((await sim.qargo.state()).tokens_issued).toBe(0);
  });

  it("refuses a listed host over plain http", async () => {
    const plain = `${env.FIXTURES_URL}/anything.pdf`;
    const err = await refusal(new TmsClient(withHosts("127.0.0.1")).downloadDocument({ download_url: plain }));
    expect(err.message).toContain("only https");
    expect(err.message).toContain("TMS_DOWNLOAD_HOSTS");
  });

  it("sends no credentials along a redirect from the TMS to a listed host", async () => {
    const doc = await sim.qargo.seedDocument({ content: "aGVsbG8=", mime_type: "application/pdf", filename: "x.pdf" });
    await sim.qargo.fail({ path: `^/v1/documents/document/${doc.id}/download$`, status: 302, headers: { location: `${host()}/doc/presigned?sig=abc` } });
    const file = await new TmsClient(withHosts("127.0.0.1")).downloadDocument({ download_url: doc.download_url });
    expect(await new Response(file.body).text()).toBe("bytes from the download host for /doc/presigned");
    const got = await seen();
    expect(got).toEqual([{ method: "GET", path: "/doc/presigned?sig=abc", authorization: null, cookie: null }]);
  });

  it("does not follow a redirect from the TMS to a host that is not listed", async () => {
    const doc = await sim.qargo.seedDocument({ content: "aGVsbG8=", mime_type: "application/pdf", filename: "x.pdf" });
    await sim.qargo.fail({ path: `^/v1/documents/document/${doc.id}/download$`, status: 302, headers: { location: `${host()}/doc/elsewhere` } });
    const err = await refusal(new TmsClient(env).downloadDocument({ download_url: doc.download_url }));
    expect(err.message).toContain("TMS_DOWNLOAD_HOSTS");
    expect(await seen()).toEqual([]);
  });

  it("re-checks every hop: a listed host redirecting to an unlisted one is refused there", async () => {
    const to = encodeURIComponent("https://localhost:1/steal");
    const err = await refusal(new TmsClient(withHosts("127.0.0.1")).downloadDocument({ download_url: `${host()}/redirect?to=${to}` }));
    expect(err.message).toContain("localhost:1");
    expect((await seen()).map((s) => s.path)).toEqual([`/redirect?to=${to}`]);
  });

  it("keeps the bearer token on the TMS origin (a relative download_url still works)", async () => {
    const doc = await sim.qargo.seedDocument({ content: "aGVsbG8=", mime_type: "application/pdf", filename: "x.pdf" });
    const file = await new TmsClient(env).downloadDocument({ download_url: doc.download_url });
    expect(await new Response(file.body).text()).toBe("hello");
    expect((await sim.qargo.state()).calls.filter((c) => c.path.endsWith("/download")).map((c) => c.status)).toEqual([200]);
  });
  // The 100 MB ceiling is kept where the body is read (storeStream): test/tms-document-ceiling.test.ts.
});

describe("TMS downloads in the work queue", () => {
  it("a document whose download_url names a foreign host becomes a visible failure naming the setting; the host receives nothing", async () => {
    const db = openDb(env);
    const row = newJobRow({
      kind: "tms.document",
      network: "hazchem",
      reference: uniqueRef("HZ"),
      payload: { documentId: crypto.randomUUID(), documentType: "PROOF_OF_DELIVERY", name: "pod.pdf", content: { downloadUrl: `${host()}/doc/stolen` }, role: "DELIVERING", next: "hazchem.upload", route: { type: "POD" }, orderId: crypto.randomUUID(), customerReference: null },
    });
    await db.insert(jobs).values(row);
    await runJob(env, db, row.id);
    const [job] = await db.select().from(jobs).where(eq(jobs.id, row.id));
    expect(job!.status).toBe("failed");
    expect(job!.lastError).toMatch(/download host not allowed: .*TMS_DOWNLOAD_HOSTS/);
    expect(await seen()).toEqual([]);
  });
});

describe("decideDownload (the rule without I/O)", () => {
  const policy = { apiUrl: "https://api.qargo.com", allowedHosts: ["files.example.com"] };
  it.each([
    ["/v1/documents/document/1/download", "bearer"],
    ["https://api.qargo.com/v1/documents/document/1/download", "bearer"],
    ["https://files.example.com/a?sig=1", "none"],
    ["https://FILES.example.com./a", "none"],
  ])("%s → %s", (url, auth) => {
    const d = decideDownload(url, policy);
    expect(d.ok && d.auth).toBe(auth);
  });
  it.each([
    "http://files.example.com/a",
    "https://api.qargo.com.evil.example/x",
    "http://api.qargo.com/v1/x",
    "https://user:pw@files.example.com/a",
    "//evil.example/x",
    "ftp://files.example.com/a",
    "https://files.example.com:99999/a",
  ])("refuses %s", (url) => {
    expect(decideDownload(url, policy).ok).toBe(false);
  });
});
