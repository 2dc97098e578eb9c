// Interop: our FtpClient (real cloudflare:sockets inside workerd) against real ftp-srv and
// vsftpd servers started by test/global-setup.ts (test/support/ftp-servers.mjs).
import { beforeEach, describe, expect, inject, it } from "vitest";
import { FtpClient } from "./client";
import { FtpError } from "./errors";
import { uploadUnique } from "./upload";

const ftp = inject("ftpServers");
type ServerId = string;

async function ctl(path: string, init?: RequestInit): Promise<Response> {
  const res = await fetch(ftp.control + path, init);
  if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`);
  return res;
}
async function files(id: ServerId): Promise<{ name: string; size: number; sha256: string }[]> {
  return (await ctl(`/files?server=${id}`)).json();
}
async function sha256(b: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", b))].map((x) => x.toString(16).padStart(2, "0")).join("");
}
/** Random bytes that start like a JPEG (random so a byte mix-up between uploads shows). */
function jpeg(size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let off = 0; off < size; off += 65536) crypto.getRandomValues(b.subarray(off, Math.min(off + 65536, size)));
  b.set([0xff, 0xd8, 0xff, 0xe0]);
  return b;
}
function counter(start = 1) {
  let n = start - 1;
  const handed: number[] = [];
  return { handed, next: async () => { n++; handed.push(n); return n; } };
}
async function failure(p: Promise<unknown>): Promise<FtpError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(FtpError);
    return e as FtpError;
  }
  throw new Error("expected a failure");
}

const plain = ["ftpsrv", "vsftpd"].filter((id) => id in ftp.servers);
const privatePasv = ["ftpsrv-pasv", "vsftpd-pasv"].filter((id) => id in ftp.servers);

describe.each(plain)("%s", (id: string) => {
  const info = ftp.servers[id]!;
  beforeEach(async () => {
    await ctl(`/start?server=${id}`, { method: "POST" });
    await ctl(`/files?server=${id}`, { method: "DELETE" });
  });

  it("reads a multi-line greeting and uploads one photo byte for byte", async () => {
    const client = await FtpClient.connect(info.url);
    try {
      expect(client.greeting?.code).toBe(220);
      expect(client.greeting!.lines.length).toBeGreaterThan(1);
      const bytes = jpeg(300_000);
      const c = counter();
      const r = await uploadUnique({ client, dir: info.dir, stem: (n) => `60012340167_${n}`, ext: "jpg", bytes, nextNumber: c.next });
      expect(r).toEqual({ name: "60012340167_1.jpg", n: 1, bytes: bytes.length });
      expect(await files(id)).toEqual([{ name: "60012340167_1.jpg", size: bytes.length, sha256: await sha256(bytes) }]);
      expect(await client.size(`${info.dir}/60012340167_1.jpg`)).toBe(bytes.length);
      expect(await client.size(`${info.dir}/nope.jpg`)).toBeNull();
    } finally {
      await client.quit();
    }
  });

  it("skips numbers taken by another source's file or a leftover .part, overwriting nothing", async () => {
    const theirs = jpeg(1000);
    const leftover = jpeg(500);
    await ctl(`/files?server=${id}&name=T77_1.png`, { method: "PUT", body: theirs });
    await ctl(`/files?server=${id}&name=.T77_2.jpg.part`, { method: "PUT", body: leftover });
    const client = await FtpClient.connect(info.url);
    try {
      const bytes = jpeg(20_000);
      const c = counter();
      const r = await uploadUnique({ client, dir: info.dir, stem: (n) => `T77_${n}`, ext: "jpg", bytes, nextNumber: c.next });
      expect(r.name).toBe("T77_3.jpg");
      expect(c.handed).toEqual([1, 2, 3]);
      expect(await files(id)).toEqual([
        { name: ".T77_2.jpg.part", size: leftover.length, sha256: await sha256(leftover) },
        { name: "T77_1.png", size: theirs.length, sha256: await sha256(theirs) },
        { name: "T77_3.jpg", size: bytes.length, sha256: await sha256(bytes) },
      ]);
    } finally {
      await client.quit();
    }
  });

  it("moves to a fresh number when the final name appears during the upload", async () => {
    const theirs = jpeg(700);
    const client = await FtpClient.connect(info.url);
    try {
      let calls = 0;
      // The first number is free when listed, but someone writes it before our rename.
      const nextNumber = async () => {
        calls++;
        if (calls === 1) await ctl(`/files?server=${id}&name=R5_1.pdf`, { method: "PUT", body: theirs });
        return calls;
      };
      const bytes = jpeg(4000);
      const r = await uploadUnique({ client, dir: info.dir, stem: (n) => `R5_${n}`, ext: "jpg", bytes, nextNumber });
      expect(r.name).toBe("R5_2.jpg");
      expect(await files(id)).toEqual([
        { name: "R5_1.pdf", size: theirs.length, sha256: await sha256(theirs) },
        { name: "R5_2.jpg", size: bytes.length, sha256: await sha256(bytes) },
      ]);
    } finally {
      await client.quit();
    }
  });

  it("runs five concurrent uploads for one tracking ID to five distinct names", async () => {
    const c = counter();
    const photos = Array.from({ length: 5 }, (_, i) => jpeg(50_000 + i * 1111));
    const results = await Promise.all(
      photos.map(async (bytes) => {
        const client = await FtpClient.connect(info.url);
        try {
          return await uploadUnique({ client, dir: info.dir, stem: (n) => `C5_${n}`, ext: "jpg", bytes, nextNumber: c.next });
        } finally {
          await client.quit();
        }
      }),
    );
    expect(new Set(results.map((r) => r.name)).size).toBe(5);
    const listed = await files(id);
    expect(listed.map((f) => f.name).sort()).toEqual(results.map((r) => r.name).sort());
    for (const [i, r] of results.entries()) {
      expect(listed.find((f) => f.name === r.name)?.sha256).toBe(await sha256(photos[i]!));
    }
  });

  it("lists hidden names with one STAT -a round trip where the answer proves dot files are shown, else by NLST", async () => {
    await ctl(`/files?server=${id}&name=.L4_1.jpg.part`, { method: "PUT", body: jpeg(10) });
    await ctl(`/files?server=${id}&name=L4_2.png`, { method: "PUT", body: jpeg(20) });
    const client = await FtpClient.connect(info.url);
    const trips = async (f: () => Promise<unknown>) => {
      const before = client.roundTrips;
      await f();
      return client.roundTrips - before;
    };
    try {
      let names: string[] = [];
      expect(await trips(async () => (names = await client.list(info.dir)))).toBe(1);
      expect(names.sort()).toEqual([".L4_1.jpg.part", "L4_2.png"]);
      await client.delete(`${info.dir}/.L4_1.jpg.part`);
      // vsftpd's STAT -a shows "." and "..": still proof. ftp-srv's shows no hidden entry now, so
      // its answer could be hiding a .part: NLST decides instead, on the port asked for with
      // STAT (the transfer and its end: two more), and the session stops asking STAT.
      const vsftpd = info.kind === "vsftpd";
      expect(await trips(async () => (names = await client.list(info.dir)))).toBe(vsftpd ? 1 : 3);
      expect(names).toEqual(["L4_2.png"]);
      expect(await trips(async () => (names = await client.list(info.dir)))).toBe(vsftpd ? 1 : 3);
      expect(names).toEqual(["L4_2.png"]);
      if (vsftpd) {
        // The port asked for with a listing serves the transfer right after it: STOR and its 226.
        const bytes = jpeg(3000);
        await client.list(info.dir);
        expect(await trips(() => client.store(`${info.dir}/L4_x.jpg`, bytes))).toBe(2);
        // Any other command in between drops it (the server sees EPSV only right before its
        // transfer): EPSV again, STOR, 226.
        await client.list(info.dir);
        await client.rename(`${info.dir}/L4_x.jpg`, `${info.dir}/L4_y.jpg`);
        expect(await trips(() => client.store(`${info.dir}/L4_x.jpg`, bytes))).toBe(3);
        const h = await sha256(bytes);
        expect((await files(id)).filter((f) => f.name !== "L4_2.png")).toEqual([
          { name: "L4_x.jpg", size: bytes.length, sha256: h },
          { name: "L4_y.jpg", size: bytes.length, sha256: h },
        ]);
        await client.delete(`${info.dir}/L4_x.jpg`);
        await client.delete(`${info.dir}/L4_y.jpg`);
        // The whole contract path: STAT + EPSV, STOR, 226, four SIZEs together, RNFR/RNTO together.
        const r = await trips(() => uploadUnique({ client, dir: info.dir, stem: (n) => `L4_${n}`, ext: "jpg", bytes: jpeg(5000), nextNumber: counter(3).next }));
        expect(r).toBe(5);
        expect((await files(id)).map((f) => f.name).sort()).toEqual(["L4_2.png", "L4_3.jpg"]);
      }
    } finally {
      await client.quit();
    }
  });

  it("uploads a ReadableStream and serialises concurrent calls on one client", async () => {
    const client = await FtpClient.connect(info.url);
    try {
      const a = jpeg(100_000);
      const stream = new ReadableStream<Uint8Array>({
        start(ctrl) {
          for (let off = 0; off < a.length; off += 7000) ctrl.enqueue(a.slice(off, off + 7000));
          ctrl.close();
        },
      });
      const [sent, names] = await Promise.all([client.store(`${info.dir}/s.jpg`, stream), client.list(info.dir)]);
      expect(sent).toBe(a.length);
      expect(names).toEqual(["s.jpg"]);
      await client.rename(`${info.dir}/s.jpg`, `${info.dir}/t.jpg`);
      expect(await files(id)).toEqual([{ name: "t.jpg", size: a.length, sha256: await sha256(a) }]);
      await client.delete(`${info.dir}/t.jpg`);
      expect(await client.list(info.dir)).toEqual([]);
    } finally {
      await client.quit();
    }
  });

  it("refuses a wrong login with a permanent 530 that does not show the password", async () => {
    const bad = info.badLoginUrl ?? info.url.replace(/:[^:@/]*@/, ":wrong-Pa55@");
    const err = await failure(FtpClient.connect(bad));
    expect(err.code).toBe(530);
    expect(err.transient).toBe(false);
    expect(err.message).not.toContain("wrong");
  });

  it("reports a 5xx on a bad name as permanent and carries on", async () => {
    const client = await FtpClient.connect(info.url);
    try {
      const missing = await failure(client.rename(`${info.dir}/missing.jpg`, `${info.dir}/x.jpg`));
      expect(missing).toMatchObject({ code: 550, transient: false });
      // ftp-srv leaks an unhandled rejection on a STOR into a missing directory, so only vsftpd
      // is asked for the 553 "name not allowed" case.
      if (info.kind === "vsftpd") {
        const refused = await failure(client.store(`${info.dir}/no-such-dir/x.jpg`, jpeg(10)));
        expect(refused).toMatchObject({ code: 553, transient: false });
      }
      // The failures were replies, so the session goes on.
      expect(await client.list(info.dir)).toEqual([]);
    } finally {
      await client.quit();
    }
  });

  it("fails transiently while the server is down and succeeds once it is back", async () => {
    const c = counter();
    const client = await FtpClient.connect(info.url);
    const first = await uploadUnique({ client, dir: info.dir, stem: (n) => `S9_${n}`, ext: "jpg", bytes: jpeg(1000), nextNumber: c.next });
    expect(first.name).toBe("S9_1.jpg");
    await ctl(`/stop?server=${id}`, { method: "POST" });
    try {
      const mid = await failure(uploadUnique({ client, dir: info.dir, stem: (n) => `S9_${n}`, ext: "jpg", bytes: jpeg(1000), nextNumber: c.next }));
      expect(mid.transient).toBe(true);
      client.close();
      const refused = await failure(FtpClient.connect(info.url, { timeoutMs: 5000 }));
      expect(refused.transient).toBe(true);
    } finally {
      await ctl(`/start?server=${id}`, { method: "POST" });
    }
    const again = await FtpClient.connect(info.url);
    try {
      const bytes = jpeg(2000);
      const r = await uploadUnique({ client: again, dir: info.dir, stem: (n) => `S9_${n}`, ext: "jpg", bytes, nextNumber: c.next });
      // Whatever numbers the failed attempt drew are never handed out again.
      expect(r.name).not.toBe(first.name);
      expect(new Set(c.handed).size).toBe(c.handed.length);
      expect((await files(id)).find((f) => f.name === r.name)?.sha256).toBe(await sha256(bytes));
    } finally {
      await again.quit();
    }
  });
});

describe.each(privatePasv)("%s (no EPSV, PASV answers 10.1.2.3)", (id: string) => {
  const info = ftp.servers[id]!;
  beforeEach(async () => {
    await ctl(`/files?server=${id}`, { method: "DELETE" });
  });

  it("falls back to PASV and dials the control host instead of the private address", async () => {
    expect(info.epsv).toBe(false);
    const client = await FtpClient.connect(info.url, { timeoutMs: 5000 });
    try {
      const bytes = jpeg(250_000);
      const c = counter();
      const r1 = await uploadUnique({ client, dir: info.dir, stem: (n) => `P1_${n}`, ext: "jpg", bytes, nextNumber: c.next });
      const r2 = await uploadUnique({ client, dir: info.dir, stem: (n) => `P1_${n}`, ext: "jpg", bytes, nextNumber: c.next });
      expect([r1.name, r2.name]).toEqual(["P1_1.jpg", "P1_2.jpg"]);
      const h = await sha256(bytes);
      expect(await files(id)).toEqual([
        { name: "P1_1.jpg", size: bytes.length, sha256: h },
        { name: "P1_2.jpg", size: bytes.length, sha256: h },
      ]);
    } finally {
      await client.quit();
    }
  });
});

// The test setup makes a self-signed certificate and has workerd trust it (openssl, which
// .ci/run installs): startTls() verifies certificates and has no switch to turn that off.
describe("vsftpd-tls (ftps://, explicit TLS, self-signed certificate)", () => {
  const id = "vsftpd-tls";

  it("uploads over AUTH TLS / PROT P", async () => {
    expect(ftp.servers[id], "the vsftpd TLS server did not start (is openssl installed?)").toBeDefined();
    expect(ftp.tlsTrusted, "workerd does not trust the test certificate").toBe(true);
    const info = ftp.servers[id]!;
    await ctl(`/files?server=${id}`, { method: "DELETE" });
    const client = await FtpClient.connect(info.url, { timeoutMs: 10_000 });
    try {
      // TCP connect, greeting, AUTH TLS, USER (anonymous: no PASS), then PBSZ, PROT and TYPE I together.
      expect(client.roundTrips).toBe(5);
      const bytes = jpeg(300_000);
      const r = await uploadUnique({ client, dir: info.dir, stem: (n) => `TLS1_${n}`, ext: "jpg", bytes, nextNumber: counter().next });
      expect(r.name).toBe("TLS1_1.jpg");
      expect(await files(id)).toEqual([{ name: "TLS1_1.jpg", size: bytes.length, sha256: await sha256(bytes) }]);
    } finally {
      await client.quit();
    }
  });
});
