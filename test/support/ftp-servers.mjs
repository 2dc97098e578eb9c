// Real FTP servers for the Palletways FTP interop tests and benchmark: ftp-srv (Node, in this
// process) and vsftpd (Debian package, a child process run unprivileged), each in the variants
// the contract cares about, plus a small HTTP control server so tests running inside workerd
// can inspect and steer them (list files with sha256, pre-create a file, stop/start a server).
import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { FtpSrv } from "ftp-srv";
import { ensureTestCert, testCertTrusted } from "./vsftpd-tls-trust.mjs";

const HOST = "127.0.0.1";
const USER = "palletways";
const PASSWORD = "s3cret:p@ss/word";
/** The PASV address a NATed server would leak; the client must fall back to the control host. */
export const PRIVATE_PASV_ADDRESS = "10.1.2.3";
const GREETING = ["Welcome to the Palletways test FTP server.", "Uploads are monitored.", "Please behave."];

const silentLog = { child: () => silentLog, trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} };

export function findVsftpd() {
  for (const p of ["/usr/sbin/vsftpd", "/usr/local/sbin/vsftpd", "/usr/bin/vsftpd"]) if (fs.existsSync(p)) return p;
  const r = spawnSync("sh", ["-c", "command -v vsftpd"], { encoding: "utf8" });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

async function freePort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, HOST, resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** A run of consecutive free ports, for a vsftpd passive range that no other server shares. */
async function freeRange(count) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const start = 20000 + Math.floor(Math.random() * 40000);
    const servers = [];
    try {
      for (let p = start; p < start + count; p++) {
        const s = net.createServer();
        await new Promise((resolve, reject) => { s.once("error", reject); s.listen(p, HOST, resolve); });
        servers.push(s);
      }
      return [start, start + count - 1];
    } catch {
      // Try another range.
    } finally {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    }
  }
  throw new Error("no free port range for vsftpd passive mode");
}

function urlFor(scheme, user, password, port, dir) {
  return `${scheme}://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${HOST}:${port}/${dir}`;
}

// --- ftp-srv -----------------------------------------------------------------------------

async function ftpSrvServer(id, base, { privatePasv = false, noEpsv = false } = {}) {
  const root = path.join(base, id);
  await fsp.mkdir(path.join(root, "photos"), { recursive: true });
  const port = await freePort();
  const [pasvMin, pasvMax] = await freeRange(20);
  let srv = null;
  const start = async () => {
    if (srv) return;
    srv = new FtpSrv({
      url: `ftp://${HOST}:${port}`,
      // ftp-srv answers PASV with this address (a function, because for a string it substitutes
      // the client's own address when that is local); binding stays on all interfaces.
      pasv_url: privatePasv ? () => PRIVATE_PASV_ADDRESS : HOST,
      pasv_min: pasvMin,
      pasv_max: pasvMax,
      greeting: GREETING,
      blacklist: noEpsv ? ["EPSV"] : [],
      anonymous: false,
      log: silentLog,
    });
    srv.on("login", ({ username, password }, resolve, reject) => {
      if (username === USER && password === PASSWORD) resolve({ root });
      else reject(new Error("Login incorrect."));
    });
    // A client that vanishes mid-transfer must not crash the test run.
    srv.on("client-error", () => {});
    await srv.listen();
  };
  const stop = async () => {
    if (!srv) return;
    const s = srv;
    srv = null;
    await s.close().catch(() => {});
  };
  await start();
  return {
    info: {
      id, kind: "ftp-srv", url: urlFor("ftp", USER, PASSWORD, port, "photos"), host: HOST, port, user: USER,
      dir: "photos", multilineGreeting: true, privatePasv, epsv: !noEpsv, tls: false,
    },
    root, start, stop,
  };
}

// --- vsftpd ------------------------------------------------------------------------------

async function vsftpdServer(id, base, bin, { privatePasv = false, noEpsv = false, tls = null } = {}) {
  const dir = path.join(base, id);
  // anon_root is not writable itself (vsftpd refuses a writable chroot); photos/ is.
  const root = path.join(dir, "root");
  const empty = path.join(dir, "empty");
  await fsp.mkdir(path.join(root, "photos"), { recursive: true });
  await fsp.mkdir(empty, { recursive: true });
  await fsp.chmod(path.join(root, "photos"), 0o777);
  await fsp.chmod(root, 0o555);
  const port = await freePort();
  const [pasvMin, pasvMax] = await freeRange(20);
  const banner = path.join(dir, "banner.txt");
  await fsp.writeFile(banner, GREETING.join("\n") + "\n");
  const conf = path.join(dir, "vsftpd.conf");
  const lines = [
    "listen=YES", "listen_ipv6=NO", `listen_address=${HOST}`, `listen_port=${port}`, "background=NO",
    // Unprivileged: no user switching, no PAM; anonymous sessions act as whoever launched us.
    "run_as_launching_user=YES", "anonymous_enable=YES", "local_enable=NO", "no_anon_password=YES",
    "write_enable=YES", "anon_upload_enable=YES", "anon_mkdir_write_enable=YES", "anon_other_write_enable=YES",
    "anon_umask=022", `anon_root=${root}`, `secure_chroot_dir=${empty}`, "seccomp_sandbox=NO",
    "isolate=NO", "isolate_network=NO", "dirmessage_enable=NO", "xferlog_enable=NO", "syslog_enable=NO",
    "use_localtime=NO", "connect_from_port_20=NO", "pasv_enable=YES", `pasv_min_port=${pasvMin}`, `pasv_max_port=${pasvMax}`,
    `banner_file=${banner}`, "max_per_ip=0", "max_clients=0", "idle_session_timeout=120", "data_connection_timeout=60",
  ];
  if (privatePasv) lines.push(`pasv_address=${PRIVATE_PASV_ADDRESS}`, "pasv_addr_resolve=NO");
  if (noEpsv) lines.push("cmds_denied=EPSV");
  if (tls) {
    lines.push(
      "ssl_enable=YES", "allow_anon_ssl=YES", "force_anon_logins_ssl=YES", "force_anon_data_ssl=YES",
      `rsa_cert_file=${tls.cert}`, `rsa_private_key_file=${tls.key}`,
      // Workers' sockets cannot resume the control connection's TLS session on the data socket.
      "require_ssl_reuse=NO", "ssl_tlsv1=NO", "ssl_sslv2=NO", "ssl_sslv3=NO", "ssl_ciphers=HIGH",
    );
  }
  await fsp.writeFile(conf, lines.join("\n") + "\n", { mode: 0o600 });

  let child = null;
  const start = async () => {
    if (child) return;
    // Own process group, so stop() also ends the per-session children vsftpd forks.
    child = spawn(bin, [conf], { stdio: ["ignore", "ignore", "pipe"], detached: true });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const c = child;
    const exited = new Promise((resolve) => c.once("exit", (code) => resolve(code)));
    // Ready once it accepts a connection and greets.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ok = await probe(port);
      if (ok) return;
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), 100))]);
      if (code !== undefined) throw new Error(`vsftpd (${id}) exited with ${code}: ${stderr.trim()}`);
      if (Date.now() > deadline) throw new Error(`vsftpd (${id}) did not come up on port ${port}: ${stderr.trim()}`);
    }
  };
  const stop = async () => {
    if (!child) return;
    const c = child;
    child = null;
    const gone = new Promise((resolve) => (c.exitCode !== null ? resolve() : c.once("exit", resolve)));
    // vsftpd puts each session in its own session/process group, so the group kill alone
    // would leave logged-in clients connected: a "stopped" server must drop them too.
    const victims = [c.pid, ...descendants(c.pid)];
    try { process.kill(-c.pid, "SIGKILL"); } catch {}
    for (const pid of victims) { try { process.kill(pid, "SIGKILL"); } catch {} }
    await gone;
    // Session children may outlive the listener for a moment.
    await new Promise((r) => setTimeout(r, 50));
  };
  await start();
  const scheme = tls ? "ftps" : "ftp";
  return {
    info: {
      id, kind: "vsftpd", url: urlFor(scheme, "anonymous", "x", port, "photos"), host: HOST, port, user: "anonymous",
      dir: "photos", multilineGreeting: true, privatePasv, epsv: !noEpsv, tls: !!tls,
      // vsftpd here is anonymous-only: any non-anonymous user is refused with 530.
      badLoginUrl: urlFor(scheme, USER, "wrong", port, "photos"),
    },
    root: path.join(root, "photos"), start, stop, photosDir: true,
  };
}

/** Every process below pid, from /proc (Linux, where vsftpd runs). */
function descendants(pid) {
  const children = new Map();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {}
  }
  const out = [];
  const walk = (p) => { for (const c of children.get(p) ?? []) { out.push(c); walk(c); } };
  walk(pid);
  return out;
}

function probe(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, HOST);
    let buf = "";
    const done = (v) => { s.destroy(); resolve(v); };
    s.setTimeout(1000, () => done(false));
    s.on("data", (d) => { buf += d; if (/^220 /m.test(buf)) done(true); });
    s.on("error", () => done(false));
    s.on("close", () => done(false));
  });
}

// --- control server ----------------------------------------------------------------------

async function listFiles(dir) {
  const out = [];
  for (const name of (await fsp.readdir(dir)).sort()) {
    const p = path.join(dir, name);
    const st = await fsp.stat(p);
    if (!st.isFile()) continue;
    const bytes = await fsp.readFile(p);
    out.push({ name, size: st.size, sha256: crypto.createHash("sha256").update(bytes).digest("hex") });
  }
  return out;
}

function startControl(servers) {
  const server = http.createServer(async (req, res) => {
    const u = new URL(req.url, "http://x");
    const send = (status, body) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    try {
      const s = servers.get(u.searchParams.get("server") ?? "");
      if (u.pathname === "/info") return send(200, infoOf(servers));
      if (!s) return send(404, { error: "unknown server" });
      const dir = s.photosDir ? s.root : path.join(s.root, "photos");
      const name = u.searchParams.get("name") ?? "";
      if (name && (name.includes("/") || name.includes(".."))) return send(400, { error: "bad name" });
      if (u.pathname === "/files" && req.method === "GET") return send(200, await listFiles(dir));
      if (u.pathname === "/files" && req.method === "PUT" && name) {
        const chunks = [];
        for await (const c of req) chunks.push(c);
        await fsp.writeFile(path.join(dir, name), Buffer.concat(chunks), { mode: 0o666 });
        return send(200, { ok: true });
      }
      if (u.pathname === "/files" && req.method === "DELETE") {
        for (const f of await fsp.readdir(dir)) await fsp.rm(path.join(dir, f), { force: true, recursive: true });
        return send(200, { ok: true });
      }
      if (u.pathname === "/stop" && req.method === "POST") { await s.stop(); return send(200, { ok: true }); }
      if (u.pathname === "/start" && req.method === "POST") { await s.start(); return send(200, { ok: true }); }
      send(404, { error: "no such route" });
    } catch (e) {
      send(500, { error: String(e?.message ?? e) });
    }
  });
  return server;
}

function infoOf(servers) {
  return Object.fromEntries([...servers].map(([id, s]) => [id, s.info]));
}

/**
 * Starts every variant. Without vsftpd installed it fails with a message saying how to get it,
 * unless `{ vsftpd: false }` (ftp-srv only) is asked for.
 * info = { control: "http://127.0.0.1:port", servers: { id: { url, kind, … } }, caCert? }
 */
export async function startFtpServers({ vsftpd = true, only = null } = {}) {
  const base = await fsp.mkdtemp(path.join(os.tmpdir(), "palletbridge-ftp-"));
  const servers = new Map();
  const want = (id) => !only || only.includes(id);
  let caCert = null;
  try {
    if (want("ftpsrv")) servers.set("ftpsrv", await ftpSrvServer("ftpsrv", base));
    if (want("ftpsrv-pasv")) servers.set("ftpsrv-pasv", await ftpSrvServer("ftpsrv-pasv", base, { privatePasv: true, noEpsv: true }));
    if (vsftpd) {
      const bin = findVsftpd();
      if (!bin) {
        throw new Error(
          "vsftpd is not installed: the Palletways FTP tests need it. Install it with " +
            "`apt-get update && apt-get install -y vsftpd` (Debian/Ubuntu); .ci/run does this.",
        );
      }
      if (want("vsftpd")) servers.set("vsftpd", await vsftpdServer("vsftpd", base, bin));
      if (want("vsftpd-pasv")) servers.set("vsftpd-pasv", await vsftpdServer("vsftpd-pasv", base, bin, { privatePasv: true, noEpsv: true }));
      if (want("vsftpd-tls")) {
        const tls = ensureTestCert();
        caCert = tls.cert;
        servers.set("vsftpd-tls", await vsftpdServer("vsftpd-tls", base, bin, { tls }));
      }
    }
  } catch (e) {
    await Promise.all([...servers.values()].map((s) => s.stop()));
    await fsp.rm(base, { recursive: true, force: true }).catch(() => {});
    throw e;
  }
  const control = startControl(servers);
  await new Promise((resolve) => control.listen(0, HOST, resolve));
  // Whether workerd (Miniflare) will accept the ftps:// server's self-signed certificate.
  const tlsTrusted = !!caCert && testCertTrusted();
  const info = { control: `http://${HOST}:${control.address().port}`, servers: infoOf(servers), caCert, tlsTrusted };
  return {
    info,
    servers,
    stop: async () => {
      const closed = new Promise((resolve) => control.close(resolve));
      control.closeAllConnections();
      await closed;
      await Promise.all([...servers.values()].map((s) => s.stop()));
      await fsp.rm(base, { recursive: true, force: true }).catch(() => {});
    },
  };
}

// `node test/support/ftp-servers.mjs` keeps the servers up for poking at by hand.
if (import.meta.url === `file://${process.argv[1]}`) {
  const s = await startFtpServers();
  console.log(JSON.stringify(s.info, null, 2));
  process.on("SIGINT", async () => { await s.stop(); process.exit(0); });
}
