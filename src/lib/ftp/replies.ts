/**
 * FTP control-channel replies (RFC 959 §4.2). A reply is one line `ddd text` or a multi-line
 * block opened by `ddd-text` and closed by the first line that starts with the same `ddd `.
 * TCP hands us arbitrary slices of the stream, so the reader keeps whatever it has not yet
 * understood and only ever emits complete replies; it does no I/O so it can be tested on bytes.
 */
export interface FtpReply {
  code: number;
  /** Every line of the reply, without CRLF, the code prefix kept. */
  lines: string[];
  /** The text after the code on all lines, joined by "\n"; what error messages quote. */
  text: string;
}

const CR = 13;
const LF = 10;
/** A reply line longer than this means we are not talking to an FTP server. */
const MAX_LINE_BYTES = 64 * 1024;

export class ReplyProtocolError extends Error {
  override name = "ReplyProtocolError";
}

export class ReplyReader {
  private pending: Uint8Array = new Uint8Array(0);
  private block: { code: number; lines: string[] } | null = null;
  // UTF-8 because servers send file names in it (RFC 2640); a line is decoded only once it is
  // complete, so a character split across reads is never mangled.
  private readonly decoder = new TextDecoder("utf-8");

  /** Feeds one chunk of the control stream; returns the replies it completed, in order. */
  push(chunk: Uint8Array): FtpReply[] {
    const buf = new Uint8Array(this.pending.length + chunk.length);
    buf.set(this.pending, 0);
    buf.set(chunk, this.pending.length);
    const out: FtpReply[] = [];
    let start = 0;
    for (;;) {
      const lf = buf.indexOf(LF, start);
      if (lf < 0) break;
      // Some servers end lines with a bare LF; accept both.
      const end = lf > start && buf[lf - 1] === CR ? lf - 1 : lf;
      const line = this.decoder.decode(buf.subarray(start, end));
      start = lf + 1;
      const reply = this.line(line);
      if (reply) out.push(reply);
    }
    this.pending = buf.slice(start);
    if (this.pending.length > MAX_LINE_BYTES) throw new ReplyProtocolError("reply line too long");
    return out;
  }

  /** True while bytes or an open multi-line block wait for more input. */
  get partial(): boolean {
    return this.pending.length > 0 || this.block !== null;
  }

  private line(line: string): FtpReply | null {
    if (this.block) {
      this.block.lines.push(line);
      if (closes(line, this.block.code)) {
        const { code, lines } = this.block;
        this.block = null;
        return finish(code, lines);
      }
      return null;
    }
    const m = /^([1-5]\d\d)([ -]|$)/.exec(line);
    if (!m) {
      // Outside a block every line must start with a code; anything else would silently
      // desynchronise commands from their answers.
      throw new ReplyProtocolError(`unexpected reply line: ${JSON.stringify(line.slice(0, 80))}`);
    }
    const code = Number(m[1]);
    if (m[2] === "-") {
      this.block = { code, lines: [line] };
      return null;
    }
    return finish(code, [line]);
  }
}

function closes(line: string, code: number): boolean {
  const prefix = String(code);
  return line.startsWith(prefix) && (line.length === 3 || line[3] === " ");
}

function finish(code: number, lines: string[]): FtpReply {
  const text = lines
    .map((l, i) => (i === 0 || /^\d{3}[ -]/.test(l) ? l.slice(4) : l).trim())
    .join("\n");
  return { code, lines, text };
}

/** `229 Entering Extended Passive Mode (|||6446|)` → 6446. */
export function parseEpsv(text: string): number | null {
  const m = /\((.)\1\1(\d{1,5})\1\)/.exec(text);
  if (!m) return null;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? port : null;
}

/** `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)` → host and port; the parens are optional. */
export function parsePasv(text: string): { host: string; port: number } | null {
  const m = /(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})/.exec(text);
  if (!m) return null;
  const n = m.slice(1).map(Number);
  if (n.some((x) => x > 255)) return null;
  const port = n[4]! * 256 + n[5]!;
  if (port === 0) return null;
  return { host: n.slice(0, 4).join("."), port };
}

/**
 * Addresses a server behind NAT typically leaks in PASV: they are unreachable from Cloudflare,
 * so the control connection's host is used instead (what curl and basic-ftp do too).
 */
export function isUnroutableIPv4(host: string): boolean {
  const p = host.split(".").map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return false;
  const [a, b] = p as [number, number, number, number];
  return (
    a === 0 || a === 10 || a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168)
  );
}

// A Unix `ls -l` line: type and mode, links, owner, group, size, month, day, time or year, name.
const LS_LINE = /^[-dlbcps][-rwxsStT]{9}[+.@]?\s+\d+\s+\S+\s+\S+\s+\d+\s+[A-Za-z]{3}\s+\d{1,2}\s+(?:\d{1,2}:\d{2}|\d{4})\s(.*)$/;

/**
 * The names in a `STAT -a <dir>` answer (a directory listing sent on the control connection,
 * RFC 959 §4.1.3), or null when the answer cannot be trusted as a complete one: not a 212/213
 * block, a line that is not a Unix long listing, or no hidden entry at all. Hidden names are
 * what the upload must see (leftover `.part` files), and a server that shows one (vsftpd shows
 * `.` and `..`) shows them all; a server that ignored `-a` is asked by NLST instead.
 */
export function parseStatListing(reply: FtpReply): string[] | null {
  if ((reply.code !== 212 && reply.code !== 213) || reply.lines.length < 3) return null;
  const names: string[] = [];
  let hidden = false;
  for (const line of reply.lines.slice(1, -1)) {
    if (!line.trim()) continue;
    const entry = line.trimStart();
    const m = LS_LINE.exec(entry);
    if (!m) return null;
    let name = m[1]!;
    // A symbolic link shows as "name -> target".
    if (entry.startsWith("l")) name = name.split(" -> ")[0]!;
    if (name.startsWith(".")) hidden = true;
    if (name && name !== "." && name !== "..") names.push(name);
  }
  return hidden ? names : null;
}
