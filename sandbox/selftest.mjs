// Node-side checks of what workerd tests cannot easily reach: the FTP server, spoken to by a real
// FTP client (basic-ftp). Run: node sandbox/selftest.mjs (exits non-zero on failure).
import assert from "node:assert/strict";
import net from "node:net";
import { Writable } from "node:stream";
import { Readable } from "node:stream";
import { Client } from "basic-ftp";
import { startSandbox } from "./index.mjs";

const sb = await startSandbox({ quiet: true });
const ftpUrl = new URL(sb.urls.ftp);
const control = sb.urls.palletwaysControl;
const results = [];
async function check(name, fn) {
  try {
    await fn();
    results.push(`ok   ${name}`);
  } catch (err) {
    results.push(`FAIL ${name}: ${err.stack ?? err}`);
  }
}

/** Raw control-connection transcript: what the server really says, line by line. */
function raw(commands) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(ftpUrl.port), ftpUrl.hostname);
    let buf = "";
    let i = -1;
    const send = () => {
      i += 1;
      if (i < commands.length) sock.write(commands[i] + "\r\n");
      else sock.end();
    };
    sock.on("data", (d) => {
      buf += d.toString("latin1");
      // Advance once the last line is a final reply (code followed by a space).
      const lines = buf.split("\r\n").filter(Boolean);
      const last = lines.at(-1) ?? "";
      if (/^\d{3} /.test(last) && buf.endsWith("\r\n") && lines.length > (sock._seen ?? 0)) {
        sock._seen = lines.length;
        send();
      }
    });
    sock.on("close", () => resolve(buf));
    sock.on("error", reject);
    setTimeout(() => (sock.destroy(), resolve(buf)), 3000);
  });
}

/** NLST over a hand-made EPSV data connection. */
async function nlst(path) {
  const sock = net.connect(Number(ftpUrl.port), ftpUrl.hostname);
  let buf = "";
  const waitFor = (re) => new Promise((resolve, reject) => {
    const tick = () => {
      const m = re.exec(buf);
      if (m) return resolve(m);
      setTimeout(tick, 10);
    };
    tick();
    setTimeout(() => reject(new Error("timeout waiting for " + re + " in " + buf)), 3000);
  });
  sock.on("data", (d) => (buf += d.toString("latin1")));
  await waitFor(/^220 /m);
  sock.write(`USER ${user}\r\n`);
  await waitFor(/^331 /m);
  sock.write(`PASS ${password}\r\n`);
  await waitFor(/^230 /m);
  sock.write("EPSV\r\n");
  const [, port] = await waitFor(/^229 .*\(\|\|\|(\d+)\|\)/m);
  const data = net.connect(Number(port), ftpUrl.hostname);
  let listing = "";
  data.on("data", (d) => (listing += d));
  const closed = new Promise((r) => data.on("close", r));
  sock.write(`NLST ${path}\r\n`);
  await closed;
  sock.end("QUIT\r\n");
  return listing;
}

const user = decodeURIComponent(ftpUrl.username);
const password = decodeURIComponent(ftpUrl.password);
const dir = ftpUrl.pathname;

await check("greeting is multi-line 220-", async () => {
  const t = await raw(["QUIT"]);
  const lines = t.split("\r\n");
  assert.match(lines[0], /^220-/);
  assert.ok(lines.some((l) => /^220 /.test(l)), t);
});

await check("wrong password → 530", async () => {
  const t = await raw(["USER " + user, "PASS wrong", "QUIT"]);
  assert.match(t, /\r\n530 /);
});

await check("EPSV, TYPE I, STOR to .part, SIZE, RNFR/RNTO, LIST, RETR", async () => {
  const c = new Client(5000);
  await c.access({ host: ftpUrl.hostname, port: Number(ftpUrl.port), user, password });
  await c.send("TYPE I");
  await c.cd(dir);
  const payload = Buffer.from("\xff\xd8\xff\xe0 fake jpeg body", "latin1");
  await c.uploadFrom(Readable.from([payload]), ".60012340167_1.jpg.part");
  assert.equal(await c.size(".60012340167_1.jpg.part"), payload.length);
  await c.rename(".60012340167_1.jpg.part", "60012340167_1.jpg");
  const names = (await c.list()).map((f) => f.name);
  assert.ok(names.includes("60012340167_1.jpg"), names.join(","));
  const chunks = [];
  await c.downloadTo(new Writable({ write(ch, _e, cb) { chunks.push(ch); cb(); } }), "60012340167_1.jpg");
  assert.deepEqual(Buffer.concat(chunks), payload);
  c.close();
  const files = await (await fetch(control + "/__sim/ftp/files")).json();
  assert.deepEqual(files.map((f) => f.name), ["60012340167_1.jpg"]);
});

await check("LIST and NLST show dot-files; SIZE on a missing file is 550", async () => {
  await fetch(control + "/__sim/ftp/files", { method: "POST", body: JSON.stringify({ name: ".60012340167_2.png.part", data: Buffer.from("x").toString("base64") }) });
  const c = new Client(5000);
  await c.access({ host: ftpUrl.hostname, port: Number(ftpUrl.port), user, password });
  await c.cd(dir);
  assert.ok((await c.list()).some((f) => f.name === ".60012340167_2.png.part"));
  c.close();
  assert.match(await nlst(dir), /\.60012340167_2\.png\.part/);
  const t = await raw(["USER " + user, "PASS " + password, "SIZE /incoming/none.jpg", "QUIT"]);
  assert.match(t, /\r\n550 /);
});

await check("EPSV blacklisted → 502, PASV works and can name a private address", async () => {
  await fetch(control + "/__sim/ftp/config", { method: "POST", body: JSON.stringify({ blacklist: ["EPSV"], pasvAddress: "10.9.8.7" }) });
  const t = await raw(["USER " + user, "PASS " + password, "EPSV", "PASV", "QUIT"]);
  assert.match(t, /\r\n502 /);
  assert.match(t, /\r\n227 .*\(10,9,8,7,\d+,\d+\)/);
  await fetch(control + "/__sim/reset", { method: "POST" });
});

await check("stop → connection refused; start → same port again", async () => {
  await fetch(control + "/__sim/ftp/stop", { method: "POST" });
  const refused = await new Promise((resolve) => {
    const s = net.connect(Number(ftpUrl.port), ftpUrl.hostname);
    s.on("error", (e) => resolve(e.code));
    s.on("connect", () => (s.destroy(), resolve("connected")));
  });
  assert.equal(refused, "ECONNREFUSED");
  await fetch(control + "/__sim/ftp/start", { method: "POST" });
  const t = await raw(["QUIT"]);
  assert.match(t, /^220-/);
});

await check("Qargo /__sim/emit posts with INBOUND Basic creds and a verifiable Standard Webhooks signature", async () => {
  const { createHmac } = await import("node:crypto");
  const http = await import("node:http");
  const { palletOrder, stopCompleted } = await import("./qargo-webhooks.mjs");
  const got = [];
  const receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => (got.push({ headers: req.headers, body }), res.writeHead(200).end("ok")));
  });
  await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
  const secret = "whsec_" + Buffer.from("0123456789abcdef0123456789abcdef").toString("base64");
  const order = palletOrder({ reference: "60012340167", network: "PALLETWAYS" });
  const res = await fetch(sb.urls.qargo + "/__sim/emit", {
    method: "POST",
    body: JSON.stringify({ target: `http://127.0.0.1:${receiver.address().port}/webhooks/tms`, body: stopCompleted({ order }), signing_secret: secret, webhook_id: "msg_1" }),
  });
  receiver.close();
  assert.deepEqual(await res.json(), { status: 200, body: "ok" });
  const { headers, body } = got[0];
  assert.equal(headers.authorization, "Basic " + Buffer.from(`${sb.env.INBOUND_BASIC_USER}:${sb.env.INBOUND_BASIC_PASSWORD}`).toString("base64"));
  const mac = createHmac("sha256", Buffer.from(secret.slice(6), "base64")).update(`msg_1.${headers["webhook-timestamp"]}.${body}`).digest("base64");
  assert.equal(headers["webhook-signature"], `v1,${mac}`);
  const state = await (await fetch(sb.urls.qargo + "/__sim/state")).json();
  assert.ok(state.orders.some((o) => o.id === order.id), "an emitted order becomes known to the TMS");
});

await sb.stop();
console.log(results.join("\n"));
process.exit(results.some((r) => r.startsWith("FAIL")) ? 1 : 0);
