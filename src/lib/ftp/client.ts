import { connect as cfConnect } from "cloudflare:sockets";
import { FtpError } from "./errors";
import { concatBytes } from "../bytes";
import { FtpUrl } from "./url";
import { type FtpReply, ReplyProtocolError, ReplyReader, parseEpsv, parsePasv, parseStatListing } from "./replies";

export type ConnectFn = (address: SocketAddress, options: SocketOptions) => Socket;

export interface FtpClientOptions {
  /** Upper bound on every single step: connecting, each reply, each chunk written or read. */
  timeoutMs?: number;
  /** For tests and benchmarks; defaults to `connect` from `cloudflare:sockets`. */
  connect?: ConnectFn;
}

const DEFAULT_TIMEOUT_MS = 20_000;
const WRITE_CHUNK = 1024 * 1024;
const enc = new TextEncoder();

type Reader = ReadableStreamDefaultReader<Uint8Array>;
type Writer = WritableStreamDefaultWriter<Uint8Array>;

/**
 * An FTP client over Workers TCP sockets. One instance is one control connection plus, while
 * a transfer runs, one data connection: never more than two sockets, which leaves room under
 * the six-connections-per-invocation limit. Calls made concurrently on one instance are
 * queued, because FTP cannot interleave commands on one control connection.
 */
export class FtpClient {
  readonly url: FtpUrl;
  /** The server's welcome (often several lines); kept for diagnostics. */
  greeting: FtpReply | null = null;
  private readonly timeoutMs: number;
  private readonly connectFn: ConnectFn;
  private socket!: Socket;
  private reader!: Reader;
  private writer!: Writer;
  private readonly replies = new ReplyReader();
  private readonly queued: FtpReply[] = [];
  private data: Socket | null = null;
  /** Learnt on first use: false once the server refused EPSV, so later transfers go straight to PASV. */
  private epsv: boolean | undefined;
  /** Learnt on first use: false once `STAT -a` gave no trustworthy listing, so later listings go straight to NLST. */
  private statList: boolean | undefined;
  /**
   * A passive port asked for together with a listing, for the transfer that follows it (the
   * upload after the listing that chose its name): that transfer saves the EPSV round trip.
   * Any other command drops it, so the server only ever sees EPSV followed by its transfer.
   */
  private prepared: { host: string; port: number } | null = null;
  private broken: FtpError | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  /**
   * Round trips this session has waited for: each reply waited on (commands sent together count
   * once) and each connection opened while nothing else was in flight. Across the internet these,
   * not bytes, decide how long an upload takes.
   */
  roundTrips = 0;

  private constructor(url: FtpUrl, options: FtpClientOptions) {
    this.url = url;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.connectFn = options.connect ?? cfConnect;
  }

  /** Opens the control connection, negotiates TLS for `ftps://`, logs in and selects binary mode. */
  static async connect(url: FtpUrl | string, options: FtpClientOptions = {}): Promise<FtpClient> {
    let parsed: FtpUrl;
    try {
      parsed = typeof url === "string" ? FtpUrl.parse(url) : url;
    } catch (e) {
      throw new FtpError("config", false, (e as Error).message);
    }
    const client = new FtpClient(parsed, options);
    try {
      await client.open();
    } catch (e) {
      client.close();
      throw client.scrub(e, "connect");
    }
    return client;
  }

  /** Size in bytes, or null when the file does not exist (550). */
  size(path: string): Promise<number | null> {
    return this.exclusive("SIZE", async () => sizeOf(await this.request(`SIZE ${checkPath(path)}`)));
  }

  /** Each file's size or null (550), asked all at once: one write, one round trip. */
  sizes(paths: string[]): Promise<(number | null)[]> {
    return this.exclusive("SIZE", async () => (await this.requests(paths.map((p) => `SIZE ${checkPath(p)}`))).map(sizeOf));
  }

  /**
   * Names in `dir` ("" = current directory), hidden ones included, without the directory part.
   * First `STAT -a`, which answers on the control connection: one round trip where NLST takes
   * three (EPSV, the data connection, the transfer's end). Where STAT gives no listing we can
   * trust (see parseStatListing), NLST: rather than MLSD because neither vsftpd nor ftp-srv
   * implements MLSD; `-a` makes vsftpd show dot files (our `.part` uploads), and servers that
   * do not know the flag fall back to a plain NLST.
   */
  list(dir = ""): Promise<string[]> {
    return this.exclusive("NLST", async () => {
      const target = checkPath(dir);
      if (this.statList !== false) {
        const stat = `STAT -a ${target || "."}`;
        let names: string[] | null;
        if (this.epsv !== false) {
          // Both control-only commands in one write, both answers in one round trip; the port
          // serves the next transfer, which is this listing's own NLST if STAT is not trusted.
          const [listing, epsv] = await this.requests([stat, "EPSV"]);
          names = parseStatListing(listing!);
          this.prepared = this.passiveAnswer(epsv!);
        } else {
          names = parseStatListing(await this.request(stat));
        }
        this.statList = names !== null;
        if (names) return names;
      }
      let names = await this.nlst(target ? `NLST -a ${target}` : "NLST -a");
      if (names === null) names = await this.nlst(target ? `NLST ${target}` : "NLST");
      if (names === null) throw new FtpError(550, false, `NLST: directory not found`);
      return names;
    });
  }

  /**
   * Uploads `data` to `path` (STOR: an existing file is replaced, so callers who must not
   * overwrite pick a fresh name first). Resolves with the number of bytes sent once the server
   * confirmed the transfer.
   */
  store(path: string, data: Uint8Array | ReadableStream<Uint8Array>): Promise<number> {
    return this.exclusive("STOR", async () => {
      const target = checkPath(path);
      // The data connection is dialled while STOR travels: one round trip, not two.
      const { sock, pre } = await this.transfer(`STOR ${target}`);
      try {
        if (pre.code !== 125 && pre.code !== 150) throw FtpError.fromReply("STOR", pre.code, pre.text);
        const w = sock.writable.getWriter() as Writer;
        let sent = 0;
        const write = async (chunk: Uint8Array) => {
          try {
            await this.step(w.write(chunk), "STOR: sending data", "connection");
          } catch (e) {
            throw await this.explainDataFailure(e, "STOR");
          }
        };
        if (data instanceof Uint8Array) {
          for (let off = 0; off < data.length; off += WRITE_CHUNK) {
            const chunk = data.subarray(off, Math.min(off + WRITE_CHUNK, data.length));
            await write(chunk);
            sent += chunk.length;
          }
        } else {
          const r = data.getReader();
          try {
            for (;;) {
              const { done, value } = await this.step(r.read(), "STOR: reading the source", "connection");
              if (done) break;
              if (value.length) await write(value);
              sent += value.length;
            }
          } finally {
            r.releaseLock();
          }
        }
        // The server learns the file is complete from the end of the data stream; its answer is
        // awaited while the close completes.
        this.roundTrips++;
        const [, done] = await Promise.all([this.step(w.close(), "STOR: closing data", "connection"), this.reply()]);
        if (done.code !== 226 && done.code !== 250) throw FtpError.fromReply("STOR", done.code, done.text);
        return sent;
      } finally {
        this.closeData(sock);
      }
    });
  }

  /**
   * SHA-256 (hex) of the file at `path` as the server holds it (RETR, hashed as it streams, never
   * held whole), or null when it does not exist. How a retry tells our own earlier upload from
   * another file of the same size: size alone is not identity.
   */
  sha256(path: string): Promise<string | null> {
    return this.exclusive("RETR", async () => {
      const { sock, pre } = await this.transfer(`RETR ${checkPath(path)}`);
      try {
        if (pre.code === 550) return null;
        if (pre.code !== 125 && pre.code !== 150) throw FtpError.fromReply("RETR", pre.code, pre.text);
        const digest = new crypto.DigestStream("SHA-256");
        const w = digest.getWriter();
        const r = sock.readable.getReader() as Reader;
        for (;;) {
          const { done, value } = await this.step(r.read(), "RETR: reading data", "connection");
          if (done) break;
          await w.write(value);
        }
        await w.close();
        this.roundTrips++;
        const done = await this.reply();
        if (done.code !== 226 && done.code !== 250) throw FtpError.fromReply("RETR", done.code, done.text);
        return [...new Uint8Array(await digest.digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
      } finally {
        this.closeData(sock);
      }
    });
  }

  /** RNFR/RNTO. Most servers replace an existing target, so callers check first. */
  rename(from: string, to: string): Promise<void> {
    return this.exclusive("RNFR", async () => {
      // Both commands in one write, both answers in one round trip. A refused RNFR leaves the
      // server without a pending rename, so the RNTO behind it is refused (503) and renames nothing.
      const [r1, r2] = await this.requests([`RNFR ${checkPath(from)}`, `RNTO ${checkPath(to)}`]);
      if (r1!.code !== 350) throw FtpError.fromReply("RNFR", r1!.code, r1!.text);
      if (r2!.code !== 250) throw FtpError.fromReply("RNTO", r2!.code, r2!.text);
    });
  }

  delete(path: string): Promise<void> {
    return this.exclusive("DELE", async () => {
      const r = await this.request(`DELE ${checkPath(path)}`);
      if (r.code !== 250) throw FtpError.fromReply("DELE", r.code, r.text);
    });
  }

  /**
   * Says goodbye politely when it can; the sockets are closed whatever happens. The server's 221
   * is not waited for: nothing in it changes anything, and the session ends a round trip sooner.
   */
  async quit(): Promise<void> {
    try {
      await this.exclusive("QUIT", async () => {
        this.prepared = null;
        await this.step(this.writer.write(enc.encode("QUIT\r\n")), "QUIT: sending", "connection");
      });
    } catch {
      // The session is over either way; a failed QUIT loses nothing.
    } finally {
      this.close();
    }
  }

  /** Drops both connections at once, e.g. when the invocation is giving up. */
  close(): void {
    if (!this.broken) this.broken = new FtpError("connection", true, "FTP connection closed");
    if (this.data) this.closeData(this.data);
    try {
      this.socket?.close().catch(() => {});
    } catch {}
  }

  // ---------------------------------------------------------------------------------------

  private async open(): Promise<void> {
    const { host, port } = this.url;
    this.socket = this.connectFn({ hostname: host, port }, { secureTransport: this.url.secure ? "starttls" : "off", allowHalfOpen: false });
    await this.step(this.socket.opened, "connecting", "connection");
    this.attach();
    this.roundTrips += 2; // the TCP handshake, then the greeting
    let hello = await this.reply();
    // 120 = "service ready in nnn minutes": the real greeting follows.
    while (hello.code === 120) hello = await this.reply();
    if (hello.code !== 220) throw FtpError.fromReply("greeting", hello.code, hello.text);
    this.greeting = hello;

    if (this.url.secure) {
      const auth = await this.request("AUTH TLS");
      if (auth.code !== 234) throw FtpError.fromReply("AUTH TLS", auth.code, auth.text);
      // startTls() takes over the plain socket; our reader and writer must let go of it first.
      // Nothing is in flight: the server waits for the TLS handshake after 234.
      this.reader.releaseLock();
      this.writer.releaseLock();
      // The TLS server name is the host this socket dialled (our control host, by name).
      this.socket = this.socket.startTls();
      this.attach();
    }

    const user = await this.request(`USER ${this.url.user}`);
    if (user.code === 331 || user.code === 332) {
      const pass = await this.request(`PASS ${this.url.password}`);
      if (pass.code !== 230 && pass.code !== 202) throw FtpError.fromReply("login", pass.code, pass.text);
    } else if (user.code !== 230) {
      throw FtpError.fromReply("login", user.code, user.text);
    }

    // The session's settings after login, sent together and answered in one round trip (for
    // ftps:// three commands): none depends on another's answer, and a refused one fails the
    // connect whatever the others said.
    const settings = this.url.secure ? ["PBSZ 0", "PROT P", "TYPE I"] : ["TYPE I"];
    const answers = await this.requests(settings);
    for (const [i, r] of answers.entries()) {
      if (r.code !== 200) throw FtpError.fromReply(settings[i]!, r.code, r.text);
    }
  }

  private attach(): void {
    this.reader = this.socket.readable.getReader() as Reader;
    this.writer = this.socket.writable.getWriter() as Writer;
  }

  /** Sends one command and returns its answer; 1xx answers are skipped unless asked for. */
  private async request(cmd: string, opts: { preliminary?: boolean } = {}): Promise<FtpReply> {
    // Only the verb is ever quoted, so PASS never reaches a message.
    const what = cmd.split(" ")[0]!;
    this.prepared = null;
    this.roundTrips++;
    // The answer is awaited while the write completes, not after it: one wait, not two.
    let [, r] = await Promise.all([this.step(this.writer.write(enc.encode(cmd + "\r\n")), `${what}: sending`, "connection"), this.reply()]);
    while (!opts.preliminary && r.code < 200) r = await this.reply();
    return r;
  }

  /** Sends commands together (one write) and returns each one's final answer, in order. */
  private async requests(cmds: string[]): Promise<FtpReply[]> {
    const what = cmds.map((c) => c.split(" ")[0]!).join("+");
    this.prepared = null;
    this.roundTrips++;
    const sent = this.step(this.writer.write(enc.encode(cmds.map((c) => c + "\r\n").join(""))), `${what}: sending`, "connection");
    const out: FtpReply[] = [];
    for (let i = 0; i < cmds.length; i++) {
      let r = i === 0 ? (await Promise.all([sent, this.reply()]))[1] : await this.reply();
      while (r.code < 200) r = await this.reply();
      out.push(r);
    }
    return out;
  }

  /**
   * Opens a passive data connection for `cmd` and sends `cmd` while it connects; resolves with
   * the (connected, for ftps secured) socket and the command's first answer. A refused command
   * closes the socket.
   */
  private async transfer(cmd: string): Promise<{ sock: Socket; pre: FtpReply }> {
    const addr = await this.passive();
    const sock = this.dial(addr);
    const ready = this.ready(sock);
    // Until both settle, a failure of one must not leave the other's rejection unhandled.
    ready.catch(() => {});
    try {
      const pre = await this.request(cmd, { preliminary: true });
      if (pre.code !== 125 && pre.code !== 150) {
        this.closeData(sock);
        return { sock, pre };
      }
      return { sock: await ready, pre };
    } catch (e) {
      this.closeData(sock);
      throw e;
    }
  }

  /** The next complete reply, reading from the socket as often as it takes. */
  private async reply(): Promise<FtpReply> {
    for (;;) {
      const next = this.queued.shift();
      if (next) return next;
      const { done, value } = await this.step(this.reader.read(), "waiting for a reply", "connection");
      if (done) throw new FtpError("connection", true, "the server closed the control connection");
      try {
        this.queued.push(...this.replies.push(value));
      } catch (e) {
        if (e instanceof ReplyProtocolError) throw new FtpError("protocol", false, e.message);
        throw e;
      }
    }
  }

  /** Returns null when the server does not accept this form of NLST (so another can be tried). */
  private async nlst(cmd: string): Promise<string[] | null> {
    const { sock, pre } = await this.transfer(cmd);
    try {
      if (pre.code === 450 && /no files/i.test(pre.text)) return [];
      if (pre.code === 501 || pre.code === 550) return null;
      if (pre.code !== 125 && pre.code !== 150) throw FtpError.fromReply("NLST", pre.code, pre.text);
      // Drain the data connection while waiting for the final reply: a server may block writing
      // a long listing until we read it.
      const body = this.drain(sock);
      body.catch(() => {});
      this.roundTrips++;
      const done = await this.reply();
      if (done.code !== 226 && done.code !== 250) throw FtpError.fromReply("NLST", done.code, done.text);
      const text = new TextDecoder().decode(await body);
      return text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean)
        .map((l) => l.slice(l.lastIndexOf("/") + 1))
        .filter((n) => n && n !== "." && n !== "..");
    } finally {
      this.closeData(sock);
    }
  }

  private async drain(sock: Socket): Promise<Uint8Array> {
    const r = sock.readable.getReader() as Reader;
    const parts: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await this.step(r.read(), "NLST: reading data", "connection");
      if (done) break;
      parts.push(value);
    }
    return concatBytes(parts);
  }

  /**
   * A server that gives up on a transfer (452 disk full, 552 quota…) drops the data connection
   * and says why on the control one: prefer that answer, whose class decides retry or not, to
   * the bare "connection reset" seen on the data socket. The session stays usable then.
   */
  private async explainDataFailure(e: unknown, what: string): Promise<unknown> {
    if (!(e instanceof FtpError) || e.code !== "connection") return e;
    try {
      const r = await Promise.race([this.reply(), new Promise<null>((res) => setTimeout(() => res(null), Math.min(2000, this.timeoutMs)))]);
      if (r && r.code >= 400) return FtpError.fromReply(what, r.code, r.text);
    } catch {}
    return e;
  }

  /** EPSV, else PASV: where the server waits for our data connection. */
  private async passive(): Promise<{ host: string; port: number }> {
    const ready = this.prepared;
    this.prepared = null;
    if (ready) return ready;
    if (this.epsv !== false) {
      const r = await this.request("EPSV");
      const addr = this.passiveAnswer(r);
      if (addr) return addr;
      if (r.code < 500 || r.code >= 600) throw FtpError.fromReply("EPSV", r.code, r.text);
    }
    const r = await this.request("PASV");
    if (r.code !== 227) throw FtpError.fromReply("PASV", r.code, r.text);
    const p = parsePasv(r.text);
    if (!p) throw new FtpError("protocol", false, "PASV: unreadable answer");
    // The data connection always dials the control host, whatever address PASV names: a
    // server (or whoever answers for it) could otherwise point our upload at any host and
    // port it likes, and NATed servers leak private addresses there anyway. Over TLS the
    // certificate names that host, too. Only the port is taken from the answer.
    return { host: this.url.host, port: p.port };
  }

  /** Reads an EPSV answer: the address to dial, or null when the server refused EPSV (learnt). */
  private passiveAnswer(r: FtpReply): { host: string; port: number } | null {
    if (r.code === 229) {
      const port = parseEpsv(r.text);
      if (port === null) throw new FtpError("protocol", false, "EPSV: unreadable answer");
      this.epsv = true;
      return { host: this.url.host, port };
    }
    if (r.code >= 500 && r.code < 600) this.epsv = false;
    return null;
  }

  private dial(addr: { host: string; port: number }): Socket {
    const sock = this.connectFn({ hostname: addr.host, port: addr.port }, { secureTransport: this.url.secure ? "starttls" : "off", allowHalfOpen: false });
    this.data = sock;
    return sock;
  }

  /** The data socket once connected (and, for ftps, switched to TLS). */
  private async ready(sock: Socket): Promise<Socket> {
    try {
      await this.step(sock.opened, "opening the data connection", "connection");
      if (!this.url.secure) return sock;
      const tls = sock.startTls();
      this.data = tls;
      return tls;
    } catch (e) {
      this.closeData(sock);
      throw e;
    }
  }

  private closeData(sock: Socket): void {
    if (this.data === sock) this.data = null;
    try {
      sock.close().catch(() => {});
    } catch {}
  }

  /** Serialises operations on the control connection and refuses them once it is unusable. */
  private exclusive<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const run = async () => {
      if (this.broken) throw this.broken;
      try {
        return await fn();
      } catch (e) {
        const err = this.scrub(e, what);
        // After a timeout or a lost connection we no longer know where the conversation stands.
        if (typeof err.code === "string" && err.code !== "config") {
          this.broken = new FtpError(err.code, err.transient, `FTP connection unusable after: ${err.message}`);
          this.close();
        }
        throw err;
      }
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => {});
    return p;
  }

  /**
   * Bounds one awaited step by the timeout and turns socket failures into transient FtpErrors.
   * One promise and one timer per step, settled by whichever comes first: every command's
   * answer passes through here, so its cost is paid once per round trip.
   */
  private step<T>(p: Promise<T>, what: string, kind: "connection"): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new FtpError("timeout", true, `${what}: no progress within ${this.timeoutMs} ms`)), this.timeoutMs);
      p.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e instanceof FtpError ? e : new FtpError(kind, true, `${what}: ${(e as Error)?.message ?? String(e)}`, { cause: e }));
        },
      );
    });
  }

  /** Every error leaving the client is an FtpError whose message cannot carry the password. */
  private scrub(e: unknown, what: string): FtpError {
    const err = e instanceof FtpError ? e : new FtpError("connection", true, `${what}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
    const pw = this.url.password;
    if (pw && err.message.includes(pw)) {
      return new FtpError(err.code, err.transient, err.message.split(pw).join("***"));
    }
    return err;
  }
}

function sizeOf(r: FtpReply): number | null {
  if (r.code === 213) {
    const n = Number(r.text.trim().split(/\s+/)[0]);
    if (!Number.isSafeInteger(n) || n < 0) throw new FtpError("protocol", false, `SIZE: unreadable answer`);
    return n;
  }
  if (r.code === 550) return null;
  throw FtpError.fromReply("SIZE", r.code, r.text);
}

function checkPath(path: string): string {
  // CR/LF in a name would smuggle a second command onto the control connection.
  if (/[\r\n\0]/.test(path)) throw new FtpError("config", false, "FTP path contains control characters");
  return path;
}
