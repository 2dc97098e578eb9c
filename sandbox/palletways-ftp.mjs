// Palletways FTP server: a real ftp-srv rooted in a temp dir, one user, a multi-line greeting and
// passive ports in a high range. It can be stopped and restarted on the same port (an outage).
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import FtpSrvModule from "ftp-srv";
import { sha256 } from "./lib/util.mjs";
import { createFaultPlan } from "./lib/faults.mjs";

const FtpSrv = FtpSrvModule.FtpSrv ?? FtpSrvModule.default ?? FtpSrvModule;

const GREETING = ["Welcome to the Palletways FTP simulator.", "Authorised users only: all activity is logged.", "Upload delivery photos to the incoming directory."];

function quietLog(quiet) {
  const log = {};
  for (const level of ["trace", "debug", "info", "warn", "error", "fatal"]) {
    log[level] = quiet || ["trace", "debug", "info"].includes(level) ? () => {} : (...a) => console.error("[ftp]", ...a.filter((x) => typeof x === "string"));
  }
  log.child = () => log;
  return log;
}

export async function createPalletwaysFtp({ creds, quiet, port = 0, host = "127.0.0.1", pasvMin = 40000, pasvMax = 49999 }) {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "palletbridge-ftp-"));
  const dirName = creds.PALLETWAYS_FTP_DIR;
  const dir = path.join(root, dirName);
  await fs.mkdir(dir, { recursive: true });
  let server = null;
  let boundPort = port;
  let options = { blacklist: [], pasvAddress: null };
  const logins = [];
  const faults = createFaultPlan("palletways-ftp");
  let scripted = []; // [{after: "STOR"|"RNTO", times}]

  /** The command did its work; its reply is lost because the control connection drops. */
  function shouldDrop(directive, arg) {
    const i = scripted.findIndex((f) => f.after === directive && f.times > 0);
    if (i >= 0) {
      scripted[i].times -= 1;
      scripted = scripted.filter((f) => f.times > 0);
      faults.record(`drop-after-${directive.toLowerCase()}`, "FTP", arg ?? "");
      return true;
    }
    return Boolean(faults.decideFtp(`drop-after-${directive.toLowerCase()}`, arg ?? ""));
  }

  function instrument(connection) {
    const handle = connection.commands.handle.bind(connection.commands);
    const reply = connection.reply.bind(connection);
    let current = null;
    connection.commands.handle = (command) => {
      const c = typeof command === "string" ? connection.commands.parse(command) : command;
      current = { directive: c.directive, arg: c.arg };
      return handle(c);
    };
    connection.reply = (status, ...rest) => {
      const done = (current?.directive === "STOR" && status === 226) || (current?.directive === "RNTO" && status === 250);
      if (done && shouldDrop(current.directive, current.arg)) {
        current = null;
        connection.commandSocket?.destroy();
        return Promise.resolve();
      }
      return reply(status, ...rest);
    };
  }

  async function start() {
    if (server) return;
    const sigs = ["SIGTERM", "SIGINT", "SIGQUIT"];
    const before = Object.fromEntries(sigs.map((s) => [s, process.listeners(s)]));
    server = new FtpSrv({
      url: `ftp://${host}:${boundPort}`,
      // A function skips ftp-srv's "local client → its own IP" shortcut, so a test can make the
      // PASV answer name a private address the client must ignore.
      pasv_url: options.pasvAddress ? () => options.pasvAddress : host,
      pasv_min: pasvMin,
      pasv_max: pasvMax,
      greeting: GREETING,
      anonymous: false,
      blacklist: options.blacklist,
      log: quietLog(quiet),
    });
    // ftp-srv installs process-wide signal handlers that exit the process; the host owns those.
    for (const s of sigs) for (const l of process.listeners(s)) if (!before[s].includes(l)) process.removeListener(s, l);
    server.on("login", ({ username, password }, resolve, reject) => {
      const ok = username === creds.PALLETWAYS_FTP_USER && password === creds.PALLETWAYS_FTP_PASSWORD;
      logins.push({ username, ok, at: new Date().toISOString() });
      if (ok) resolve({ root, cwd: "/" });
      else reject(new Error("Login incorrect."));
    });
    server.on("client-error", () => {});
    server.on("connect", ({ connection }) => instrument(connection));
    await server.listen();
    boundPort = server.server.address().port;
  }

  async function stop() {
    if (!server) return;
    const s = server;
    server = null;
    await s.close();
  }

  async function files() {
    const names = (await fs.readdir(dir)).sort();
    const out = [];
    for (const name of names) {
      const full = path.join(dir, name);
      const st = await fs.stat(full);
      if (!st.isFile()) continue;
      const data = await fs.readFile(full);
      out.push({ name, size: data.length, sha256: sha256(data) });
    }
    return out;
  }

  await start();
  return {
    get port() {
      return boundPort;
    },
    url: () => `ftp://${creds.PALLETWAYS_FTP_USER}:${encodeURIComponent(creds.PALLETWAYS_FTP_PASSWORD)}@${host}:${boundPort}/${dirName}`,
    start,
    stop,
    files,
    faults,
    failAfter({ after, times = 1 }) {
      if (after !== "STOR" && after !== "RNTO") return { error: "need {after: STOR|RNTO, times?}" };
      scripted.push({ after, times });
      return { ok: true, pending: scripted.length };
    },
    async putFile(name, data) {
      await fs.writeFile(path.join(dir, name), data);
    },
    async readFile(name) {
      return fs.readFile(path.join(dir, name));
    },
    /** {blacklist: ["EPSV"], pasvAddress: "10.0.0.7"}: restarts the server to apply. */
    async configure(next) {
      if (next.blacklist !== undefined) options.blacklist = next.blacklist;
      if (next.pasvAddress !== undefined) options.pasvAddress = next.pasvAddress;
      const running = Boolean(server);
      await stop();
      if (running) await start();
      return { ...options, running };
    },
    status: () => ({ running: Boolean(server), port: boundPort, dir: `/${dirName}`, options, logins }),
    async reset() {
      await fs.rm(dir, { recursive: true, force: true });
      await fs.mkdir(dir, { recursive: true });
      logins.length = 0;
      scripted = [];
      faults.reset();
      if (options.blacklist.length || options.pasvAddress) {
        options = { blacklist: [], pasvAddress: null };
        await stop();
      }
      await start();
    },
    async destroy() {
      await stop();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}
